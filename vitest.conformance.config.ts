import { defineConfig } from "vitest/config";

/**
 * `npm run test:conformance`: the real code path against moto_server (test/conformance, issue 13).
 * Kept out of the default `vitest run`: it needs moto and the AWS CLI, and its steps run in order.
 */
export default defineConfig({
  test: {
    include: ["test/conformance/**/*.test.ts"],
    globalSetup: ["test/helpers/build.ts"],
    // One file, steps in order; real seconds against a local emulator (the run is reported per step).
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
