import { Command } from "commander";
import { globalOptions, printJson, withSession } from "./command-runner.js";

/** `opsctl up`: create or converge every resource; safe to run again at any time. */
export function upCommand(): Command {
  return new Command("up")
    .description("create or converge every resource, in dependency order (safe to re-run; resumes after a crash)")
    .action(async (_o, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { runUp, runDocument } = await import("../src/operations/environment.js");
        const { summaryLine } = await import("../src/output/summary.js");
        const run = await runUp(session, { emit: progress.emit, concurrency: globalOptions(cmd).concurrency });
        progress.stop();
        if (globalOptions(cmd).json) printJson(runDocument(run));
        else process.stdout.write(summaryLine(run, Boolean(session.sandbox)) + "\n");
        return run.report.ok ? 0 : 1;
      });
    });
}
