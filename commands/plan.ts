import { Command } from "commander";
import { globalOptions, printJson, withSession } from "./command-runner.js";

/** `opsctl plan`: what `up` would do, per node and per wave, with the estimated time. Writes nothing. */
export function planCommand(): Command {
  return new Command("plan")
    .description("show what `up` would create / update / leave, in execution waves, with the estimated time; writes nothing")
    .action(async (_o, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { runPlan, runDocument } = await import("../src/operations/environment.js");
        const { planView } = await import("../src/output/plan-view.js");
        const run = await runPlan(session, { emit: () => {}, concurrency: globalOptions(cmd).concurrency });
        progress.stop();
        const view = planView(run);
        if (globalOptions(cmd).json) printJson({ ...runDocument(run), waves: view.waves, estimatedSeconds: view.estimatedMs / 1000 });
        else progress.emit({ type: "result", text: view.text(Boolean(process.stdout.isTTY)) });
        return run.report.ok ? 0 : 1;
      });
    });
}
