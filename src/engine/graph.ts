/** A directed acyclic graph of plan nodes; knows nothing about AWS. */
export interface GraphNode {
  id: string;
  deps: string[];
}

/** Thrown when a plan is not a DAG or names a dependency that does not exist. */
export class PlanGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanGraphError";
  }
}

/** Checks that every dependency exists and that there is no cycle (reported as `a -> b -> a`). */
export function validateGraph(nodes: readonly GraphNode[]): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  if (byId.size !== nodes.length) {
    const seen = new Set<string>();
    for (const n of nodes) {
      if (seen.has(n.id)) throw new PlanGraphError(`duplicate plan node ${n.id}`);
      seen.add(n.id);
    }
  }
  for (const n of nodes) {
    for (const d of n.deps) {
      if (!byId.has(d)) throw new PlanGraphError(`plan node ${n.id} depends on ${d}, which is not in the plan`);
    }
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    const s = state.get(id);
    if (s === 2) return;
    if (s === 1) {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      throw new PlanGraphError(`dependency cycle: ${cycle.join(" -> ")}`);
    }
    state.set(id, 1);
    stack.push(id);
    for (const d of byId.get(id)!.deps) visit(d);
    stack.pop();
    state.set(id, 2);
  };
  for (const n of nodes) visit(n.id);
}

/** The same graph with every arrow reversed (teardown order). */
export function reverseGraph<T extends GraphNode>(nodes: readonly T[]): T[] {
  const dependents = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const n of nodes) for (const d of n.deps) dependents.get(d)?.push(n.id);
  return nodes.map((n) => ({ ...n, deps: dependents.get(n.id)! }));
}

/** Groups nodes into waves: wave k holds the nodes whose longest dependency chain has length k. */
export function waves(nodes: readonly GraphNode[]): string[][] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const level = new Map<string, number>();
  const depth = (id: string): number => {
    const cached = level.get(id);
    if (cached !== undefined) return cached;
    const deps = byId.get(id)!.deps;
    const v = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depth));
    level.set(id, v);
    return v;
  };
  const out: string[][] = [];
  for (const n of nodes) {
    const d = depth(n.id);
    (out[d] ??= []).push(n.id);
  }
  return out.map((w) => w ?? []);
}

/**
 * Longest weighted path through the graph.
 * @returns the total weight and the node ids along the path, first to last.
 */
export function criticalPath(nodes: readonly GraphNode[], weight: (id: string) => number): { total: number; path: string[] } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const memo = new Map<string, { total: number; path: string[] }>();
  const best = (id: string): { total: number; path: string[] } => {
    const m = memo.get(id);
    if (m) return m;
    let prev: { total: number; path: string[] } = { total: 0, path: [] };
    for (const d of byId.get(id)!.deps) {
      const b = best(d);
      if (b.total > prev.total) prev = b;
    }
    const r = { total: prev.total + weight(id), path: [...prev.path, id] };
    memo.set(id, r);
    return r;
  };
  let top: { total: number; path: string[] } = { total: 0, path: [] };
  for (const n of nodes) {
    const b = best(n.id);
    if (b.total > top.total) top = b;
  }
  return top;
}
