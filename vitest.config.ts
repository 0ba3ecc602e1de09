import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/build.ts"],
    // A guard against hangs, not a speed check: CLI tests spawn processes and slow down on a loaded 2-core machine.
    testTimeout: 120_000,
  },
});
