import { Command } from "commander";
import { globalOptions, printJson, withSession } from "./command-runner.js";

/** `opsctl status`: every resource, its state, health and drift. Exit 0 when all are healthy. */
export function statusCommand(): Command {
  return new Command("status")
    .description("every resource: exists?, state, health, drift from the spec; exit 0 when all are healthy, 1 otherwise")
    .action(async (_o, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { runStatus, statusDocument, isHealthy } = await import("../src/operations/environment.js");
        const { statusView } = await import("../src/output/status-view.js");
        const run = await runStatus(session, { emit: () => {}, concurrency: globalOptions(cmd).concurrency });
        progress.stop();
        if (globalOptions(cmd).json) printJson(statusDocument(run));
        else progress.emit({ type: "result", text: statusView(run, Boolean(process.stdout.isTTY)) });
        return isHealthy(run) ? 0 : 1;
      });
    });
}
