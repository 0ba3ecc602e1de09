import type { Outputs, ResourceKind } from "./resource.js";

/** Placeholder for a value that exists only after a dependency is created (plan mode). */
export const UNKNOWN = "(known after apply)";

/** Read access to the outputs of a node's dependencies. */
export interface Refs {
  /** Outputs of a dependency (throws if `node` is not a declared dependency). */
  out(node: string): Outputs;
  /** The `id` output of a dependency. */
  id(node: string): string;
}

/**
 * A node of a plan: `kind:name`, its dependencies, the resource kind that
 * realises it and a pure function from the dependencies' outputs to its spec.
 */
export interface PlanNode<C = unknown> {
  id: string;
  deps: string[];
  resource: ResourceKind<any, any, C>;
  spec(refs: Refs): unknown;
  /** Controls (SPEC.md IDs) this node implements, for status and audit. */
  controls?: string[];
}

/** A whole plan: typed data, built by a pure function of config and facts. */
export interface Plan<C = unknown> {
  name: string;
  nodes: PlanNode<C>[];
}

/** Makes a {@link Refs} over the outputs known so far, restricted to `deps`. */
export function makeRefs(nodeId: string, deps: readonly string[], outputs: ReadonlyMap<string, Outputs | undefined>): Refs {
  const out = (node: string): Outputs => {
    if (!deps.includes(node)) throw new Error(`plan node ${nodeId} reads ${node}, which is not one of its dependencies`);
    const o = outputs.get(node);
    if (!o) return new Proxy({}, { get: () => UNKNOWN }) as Outputs;
    return o;
  };
  return { out, id: (node) => String(out(node).id ?? UNKNOWN) };
}

/** True when any value of a spec (deeply) is still {@link UNKNOWN}. */
export function hasUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (value && typeof value === "object") return Object.values(value).some(hasUnknown);
  return false;
}
