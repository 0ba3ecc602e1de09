import { criticalPath, waves } from "../engine/graph.js";
import { errorText, type EnvironmentRun } from "../operations/environment.js";
import { renderTable } from "./table.js";

function fmt(v: unknown): string {
  if (v === undefined) return "(none)";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The plan as data (waves, estimate) and as text. */
export function planView(run: EnvironmentRun): { waves: { wave: number; nodes: { node: string; action: string }[] }[]; estimatedMs: number; text(color: boolean): string } {
  const byId = new Map(run.report.outcomes.map((o) => [o.node, o]));
  const ws = waves(run.plan.nodes).map((ids, i) => ({ wave: i + 1, nodes: ids.map((id) => ({ node: id, action: byId.get(id)!.action })) }));
  const weight = (id: string) => {
    const o = byId.get(id)!;
    const r = run.plan.nodes.find((n) => n.id === id)!.resource;
    return o.action === "create" ? r.typicalCreateMs : o.action === "update" ? 2_000 : 0;
  };
  const cp = criticalPath(run.plan.nodes, weight);
  const text = (color: boolean) => {
    const rows = run.report.outcomes.map((o) => [
      o.node,
      o.status === "failed" ? "error" : o.unchecked ? "not checked" : o.action,
      o.id ?? "",
      o.status === "failed" ? errorText(o.error) : o.unchecked ?? [...o.changes.map((c) => `${c.field}: ${fmt(c.from)} -> ${fmt(c.to)}`), ...o.blocked.map((c) => `${c.field}: ${fmt(c.from)} -> ${fmt(c.to)} (cannot change in place: not applied)`)].join("\n"),
    ]);
    const n = { create: 0, update: 0, delete: 0, noop: 0 };
    for (const o of run.report.outcomes) n[o.action]++;
    const lines = [
      renderTable(["node", "action", "id", "changes"], rows, color),
      "",
      "execution waves (a node starts as soon as its own dependencies are done):",
      ...ws.map((w) => `  ${w.wave}. ${w.nodes.map((x) => (x.action === "noop" ? x.node : `${x.node} [${x.action}]`)).join(", ")}`),
      "",
      `plan: ${n.create} to create, ${n.update} to update, ${n.noop} unchanged — estimated ${Math.round(cp.total / 1000)} s (critical path: ${cp.path.filter((id) => byId.get(id)!.action !== "noop").join(" -> ") || "none"})`,
      `reads: ${run.apiCalls.read}, writes: ${run.apiCalls.write}`,
      ...run.report.outcomes.filter((o) => o.status === "failed").map((o) => `error: ${o.node}: could not be read: ${errorText(o.error)}`),
    ];
    return lines.join("\n");
  };
  return { waves: ws, estimatedMs: cp.total, text };
}
