import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The conformance run against moto has its own config (vitest.conformance.config.ts).
    exclude: ["**/node_modules/**", "test/conformance/**"],
    globalSetup: ["test/helpers/build.ts"],
    // Every sandbox request and response is checked against the SDK's own models (src/sandbox/model-check.ts):
    // a member AWS's model does not have, or a request AWS would refuse, fails the test. The CLI tests'
    // opsctl processes inherit it through the environment.
    env: { OPSCTL_SANDBOX_MODEL_CHECK: "throw" },
    // A guard against hangs, not a speed check: CLI tests spawn processes and slow down on a loaded 2-core machine.
    testTimeout: 120_000,
    // Set-up hooks bring whole environments up through the CLI: the same guard as the tests.
    hookTimeout: 120_000,
    // Vitest's default (CPUs - 1) is one worker on a 2-core machine; the CLI tests spend most of their
    // time waiting on the opsctl processes they start, so one worker per CPU finishes much sooner.
    maxWorkers: Math.max(2, availableParallelism()),
    // Test files share their worker's module cache instead of re-importing the SDK clients, the sandbox
    // and the engine for each file: on test/sandbox alone, import time went from 290 s to 40 s and the
    // wall time from 281 s to 126 s (same loaded 2-core machine). Nothing in src/ keeps run state at
    // module level (distribution.ts's disable times live in the run's context), and the one mocked
    // client (aws-sdk-client-mock in engine-failures.test.ts) is restored by its test.
    isolate: false,
  },
});
