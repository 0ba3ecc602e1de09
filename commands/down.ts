import { Command } from "commander";
import { InputError } from "../src/engine/errors.js";
import { print } from "../src/output/print.js";
import { globalOptions, interactive, printJson, withSession } from "./command-runner.js";

/** `opsctl down`: tear everything down in reverse order; keeps data unless `--delete-data`. */
export function downCommand(): Command {
  return new Command("down")
    .description("tear the environment down in reverse dependency order; keeps data (secrets are scheduled for deletion, not deleted)")
    .option("--delete-data", "also delete data for good (secrets without a recovery window)", false)
    .action(async (o: { deleteData: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const keeps = o.deleteData ? "NOTHING is kept: secrets are deleted without recovery" : "kept: secrets are scheduled for deletion with a 7-day recovery window (`opsctl up` within 7 days restores them)";
      const confirmFirst = async (session: { config: { env: string; region: string } }) => {
        if (g.yes) return undefined;
        if (!interactive() || !process.stdin.isTTY) throw new InputError("--yes", `down deletes environment ${session.config.env} in ${session.config.region} and needs confirmation`, "run it on a terminal to confirm, or pass --yes");
        const { confirm } = await import("@inquirer/prompts");
        const ok = await confirm({ message: `Delete environment ${session.config.env} in ${session.config.region}? (${keeps})`, default: false }, { output: process.stderr });
        if (ok) return undefined;
        print({ type: "notice", text: "down: cancelled, nothing deleted" });
        return 130;
      };
      process.exitCode = await withSession(cmd, async (session, progress) => {
        progress.emit({ type: "message", level: "info", text: keeps });
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
