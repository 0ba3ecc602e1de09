import { Command } from "commander";
import { InputError } from "../src/engine/errors.js";
import { print } from "../src/output/print.js";
import type { Session } from "../src/operations/session.js";
import { globalOptions, interactive, printJson, withSession } from "./command-runner.js";

/** `opsctl down`: tear everything down in reverse order; keeps data unless `--delete-data`. */
export function downCommand(): Command {
  return new Command("down")
    .description("tear the environment down in reverse dependency order; keeps data (secrets are scheduled for deletion, not deleted)")
    .option("--delete-data", "also delete data for good (secrets without a recovery window)", false)
    .action(async (o: { deleteData: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const keeps = (days: number) =>
        o.deleteData ? "NOTHING is kept: secrets are deleted without recovery, no final snapshot" : `kept: a final database snapshot; secrets are scheduled for deletion with a ${days}-day recovery window (\`opsctl up\` within ${days} days restores them)`;
      // Without --yes: what will go and what stays, from a read-only pass, then the environment's name
      // typed back (GitHub/Copilot style): a y/N is answered by reflex.
      const confirmFirst = async (session: Session) => {
        if (g.yes) return undefined;
        if (!interactive() || !process.stdin.isTTY) throw new InputError("--yes", `down deletes environment ${session.config.env} in ${session.config.region} and needs confirmation`, "run it on a terminal to confirm, or pass --yes");
        const { downSummary, downSummaryText } = await import("../src/operations/environment.js");
        const summary = await downSummary(session, o.deleteData);
        print({ type: "notice", text: downSummaryText(summary) });
        if (summary.existing === 0) return undefined;
        const { input } = await import("@inquirer/prompts");
        let typed: string;
        try {
          typed = await input({ message: `Type the environment name (${session.config.env}) to delete it:` }, { output: process.stderr });
        } catch (e) {
          if ((e as Error).name !== "ExitPromptError") throw e;
          print({ type: "notice", text: "down: cancelled, nothing deleted" });
          return 130;
        }
        if (typed.trim() === session.config.env) return undefined;
        print({ type: "notice", text: `down: "${typed.trim()}" is not ${session.config.env}; cancelled, nothing deleted` });
        return 1;
      };
      process.exitCode = await withSession(cmd, async (session, progress) => {
        progress.emit({ type: "message", level: "info", text: keeps(session.config.storage.secretRecoveryWindowDays) });
        const { runDown, runDocument } = await import("../src/operations/environment.js");
        const { summaryLine } = await import("../src/output/summary.js");
        const run = await runDown(session, { emit: progress.emit, concurrency: g.concurrency, deleteData: o.deleteData });
        progress.stop();
        if (g.json) printJson(runDocument(run));
        else progress.emit({ type: "result", text: summaryLine(run, Boolean(session.sandbox)) });
        return run.report.ok ? 0 : 1;
      }, confirmFirst);
    });
}
