import type { EnvironmentRun } from "../operations/environment.js";
import { errorText } from "../operations/environment.js";

function secs(ms: number): string {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s` : `${Math.round(ms / 1000)}s`;
}

/** The closing lines of up/down: counts, calls, time, failures. */
export function summaryLine(run: EnvironmentRun, simulated: boolean): string {
  const n = { create: 0, update: 0, delete: 0, noop: 0 };
  for (const o of run.report.outcomes) n[o.action]++;
  const failed = run.report.outcomes.filter((o) => o.status === "failed");
  const skipped = run.report.outcomes.filter((o) => o.status === "skipped");
  const lines = [
    `${run.command}: ${n.create} created, ${n.update} updated, ${n.delete} deleted, ${n.noop} unchanged — ${run.apiCalls.read} reads, ${run.apiCalls.write} writes, ${secs(run.makespanMs)}${simulated ? " simulated" : ""}`,
  ];
  for (const f of failed) lines.push(`error: ${f.node}: ${errorText(f.error)}`);
  if (skipped.length) lines.push(`${skipped.length} not started because of the failure; run \`opsctl ${run.command}\` again to finish (it resumes where it stopped)`);
  const notApplied = run.report.outcomes.filter((o) => o.blocked.length);
  for (const o of notApplied) lines.push(`not applied (cannot change in place): ${o.node}: ${o.blocked.map((b) => b.field).join(", ")}`);
  for (const k of run.kept) lines.push(`kept: ${k}`);
  return lines.join("\n");
}
