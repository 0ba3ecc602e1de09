import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The conformance run against moto has its own config (vitest.conformance.config.ts).
    exclude: ["**/node_modules/**", "test/conformance/**"],
    globalSetup: ["test/helpers/build.ts"],
    // A guard against hangs, not a speed check: CLI tests spawn processes and slow down on a loaded 2-core machine.
    testTimeout: 120_000,
    // Vitest's default (CPUs - 1) is one worker on a 2-core machine; the CLI tests spend most of their
    // time waiting on the opsctl processes they start, so one worker per CPU finishes much sooner.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
