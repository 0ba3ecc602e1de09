import { Command } from "commander";
import { globalOptions, printJson, withSession } from "./command-runner.js";

/** `opsctl restore`: the restoration runbook (notes §17) on the engine: resumable, idempotent, parallel. */
export function restoreCommand(): Command {
  return new Command("restore")
    .description("restoration runbook: NAT gateway, ALB + listeners + api records, bastion and RDS started, ECS back to its desired count — as a dependency graph; 0 writes on a running environment")
    .action(async (_o, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { runRestore } = await import("../src/operations/runbooks.js");
        const { runDocument } = await import("../src/operations/environment.js");
        const { summaryLine } = await import("../src/output/summary.js");
        const run = await runRestore(session, { emit: progress.emit, concurrency: globalOptions(cmd).concurrency });
        progress.stop();
        if (globalOptions(cmd).json) printJson(runDocument(run));
        else progress.emit({ type: "result", text: summaryLine(run, Boolean(session.sandbox)) });
        return run.report.ok ? 0 : 1;
      });
    });
}

/** `opsctl pause`: switch the costly parts off without losing data, and say what it saves. */
export function pauseCommand(): Command {
  return new Command("pause")
    .description("cut the hourly cost without losing data: ECS to 0, ALB and NAT gateway deleted (target group kept), bastion and RDS stopped; prints the savings")
    .action(async (_o, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { runPause, pauseSavings, rdsAutoStartAt } = await import("../src/operations/runbooks.js");
        const { runDocument } = await import("../src/operations/environment.js");
        const { pauseText } = await import("../src/output/result-views.js");
        const run = await runPause(session, { emit: progress.emit, concurrency: globalOptions(cmd).concurrency });
        progress.stop();
        const savings = pauseSavings(session.config);
        const autoStart = rdsAutoStartAt(run);
        if (globalOptions(cmd).json) printJson({ ...runDocument(run), savings, rdsAutoStartAt: autoStart ?? null });
        else progress.emit({ type: "result", text: pauseText(run, savings, autoStart, Boolean(session.sandbox)) });
        return run.report.ok ? 0 : 1;
      });
    });
}
