import { Command } from "commander";
import { globalOptions, printJson, withSession } from "./command-runner.js";

/** `opsctl audit`: the live environment against every control ID of the spec, pass/fail per ID. */
export function auditCommand(): Command {
  return new Command("audit")
    .description("check the live environment against every control ID (NET-01 … IAM-04) and print pass/fail per ID; exit 0 when all pass")
    .action(async (_o, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { runStatus, controlStates } = await import("../src/operations/environment.js");
        const { CONTROL_IDS, CHECKED_ELSEWHERE } = await import("../src/operations/controls.js");
        const { auditText } = await import("../src/output/result-views.js");
        const run = await runStatus(session, { emit: () => {}, concurrency: globalOptions(cmd).concurrency });
        progress.stop();
        const states = controlStates(run);
        const rows = CONTROL_IDS.map((id) => {
          const c = states[id];
          if (!c) return { id, result: "n/a", why: CHECKED_ELSEWHERE[id] ?? "no resource implements it" };
          // Per failed control: the node and, for a drift, the field with its live and wanted values.
          const why = c.failures
            .map((f) => (f.field === undefined ? `${f.node}: ${f.state}` : `${f.node} ${f.field}: ${fmtValue(f.live)} -> ${fmtValue(f.wanted)}${f.pending ? ` ${f.pending}` : ""}`))
            .join(", ");
          return { id, result: c.pass ? "pass" : c.pending ? "pending" : "FAIL", why: c.pass ? c.nodes.map((n) => n.node).join(", ") : why, ...(c.pass ? {} : { failures: c.failures }) };
        });
        const failed = rows.filter((r) => r.result === "FAIL" || r.result === "pending").length;
        if (globalOptions(cmd).json) printJson({ pass: failed === 0, controls: rows, apiCalls: run.apiCalls });
        else progress.emit({ type: "result", text: auditText(rows, Boolean(process.stdout.isTTY)) });
        // A node that could not be read fails its controls; one without controls still fails the run (exit 1).
        return failed === 0 && run.report.ok ? 0 : 1;
      });
    });
}

/** A value in one line of the audit table. */
function fmtValue(v: unknown): string {
  return v === undefined ? "(none)" : typeof v === "string" ? v : JSON.stringify(v);
}
