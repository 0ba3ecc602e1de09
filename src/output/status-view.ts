import { errorText, isHealthy, type EnvironmentRun } from "../operations/environment.js";
import { renderTable } from "./table.js";

function details(d: Record<string, unknown> | undefined): string {
  if (!d) return "";
  return Object.entries(d)
    .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`)
    .join(" ")
    .replace(/^(.{117}).+$/s, "$1…"); // `status --json` has them all
}

/** The status table: one row per node. */
export function statusView(run: EnvironmentRun, color: boolean): string {
  const rows = run.report.outcomes.map((o) => {
    // Fail-soft read: the node's own one-line error (or why it was not checked) instead of "missing".
    if (o.status === "failed" || o.unchecked) return [o.node, (o.controls ?? []).join(" "), "-", o.status === "failed" ? "error" : "not checked", "✖", o.status === "failed" ? errorText(o.error) : o.unchecked!];
    return [
      o.node,
      (o.controls ?? []).join(" "),
      o.exists ? o.id : "-",
      o.exists ? o.description?.state : "missing",
      !o.exists ? "✖" : o.description?.healthy && !o.changes.length && !o.blocked.length ? "✔" : "✖",
      [...o.changes, ...o.blocked].map((c) => `${c.field}: ${c.from === undefined ? "(none)" : String(c.from)} ≠ ${c.to === undefined ? "(none)" : String(c.to)}`).join("\n") || details(o.description?.details),
    ];
  });
  const unread = run.report.outcomes.filter((o) => o.status === "failed" || o.unchecked);
  const bad = run.report.outcomes.filter((o) => !unread.includes(o) && (!o.exists || !o.description?.healthy || o.changes.length || o.blocked.length)).length;
  return [
    renderTable(["node", "controls", "id", "state", "ok", "drift / details"], rows, color),
    isHealthy(run)
      ? `healthy: all ${rows.length} resources exist, are healthy and match the spec`
      : `NOT healthy: ${bad} of ${rows.length} resources missing, unhealthy or drifted${unread.length ? `; ${unread.length} could not be read (errors above)` : ""} (\`opsctl plan\` shows the fix, \`opsctl up\` applies it)`,
  ].join("\n");
}
