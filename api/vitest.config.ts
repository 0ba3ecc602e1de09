import { defineConfig } from "vitest/config";

// Test files end in .itest.ts so that the root project's `vitest run` (default include pattern)
// does not pick them up without this configuration.
export default defineConfig({
  test: {
    include: ["test/**/*.itest.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // Guards against hangs, not speed checks: the production test installs and starts a server.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
