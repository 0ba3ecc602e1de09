import type { Outputs, ResourceKind } from "./resource.js";

/** Placeholder for a value that exists only after a dependency is created (plan mode). */
export const UNKNOWN = "(known after apply)";

/**
 * A typed handle on a plan node: its id, the kind that realises it, and (for the type checker
 * only) the outputs it hands to its dependents. A node built by {@link node} is its own handle;
 * {@link ref} names a node of another layer of the same plan.
 */
export interface NodeRef<O extends Outputs = Outputs> {
  readonly id: string;
  readonly resource: { readonly kind: string };
  /** Types only, never set: the outputs `Refs.out` returns for this node. */
  readonly outputsType?: O;
}

/** The output values a node can hand over (what `id` accepts). */
type OutputValue = Outputs[string];

/** Read access to the outputs of a node's dependencies, by typed handle: what a spec built with {@link node} gets. */
export interface PlanRefs {
  /** Outputs of a dependency: typed by its kind, so a misspelt output is a compile error. */
  out<O extends Outputs>(node: NodeRef<O>): O;
  /** The `id` output of a dependency (only for kinds that have one). */
  id(node: NodeRef<{ id: OutputValue }>): string;
}

/**
 * What the engine hands a spec: {@link PlanRefs}, plus access by node id (untyped), for nodes
 * written out by hand (tests). Throws if the node is not a declared dependency.
 */
export interface Refs extends PlanRefs {
  out<O extends Outputs>(node: NodeRef<O>): O;
  out(node: string): Outputs;
  id(node: NodeRef<{ id: OutputValue }> | NodeRef<Outputs> | string): string;
}

/**
 * A node of a plan: `kind:name`, its dependencies, the resource kind that
 * realises it and a pure function from the dependencies' outputs to its spec.
 */
export interface PlanNode<C = unknown, O extends Outputs = Outputs> extends NodeRef<O> {
  id: string;
  deps: string[];
  resource: ResourceKind<any, any, C, any>;
  spec(refs: Refs): unknown;
  /** Controls (SPEC.md IDs) this node implements, for status and audit. */
  controls?: string[];
  /** The nodes it names (read by its spec, or ordering-only `after`), with the kind each was typed by (see {@link checkRefs}). */
  reads?: readonly NodeRef[];
}

/** A whole plan: typed data, built by a pure function of config and facts. */
export interface Plan<C = unknown> {
  name: string;
  nodes: PlanNode<C>[];
}

type Primitive = string | number | boolean | bigint | symbol | null | undefined;
type KeysOf<T> = T extends unknown ? keyof T : never;
type ValueAt<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;

/**
 * `R` (a spec as written) with every property the spec type `T` does not have turned into
 * `never`, deeply (arrays, union members, records). TypeScript checks no excess properties on
 * the object a callback returns, so without this a misspelt optional field would pass.
 */
export type Exact<T, R> = unknown extends T
  ? R
  : unknown extends R
    ? R
    : R extends Primitive | ((...args: never[]) => unknown)
      ? R
      : R extends readonly (infer E)[]
        ? T extends readonly (infer TE)[]
          ? Exact<TE, E>[]
          : R
        : { [K in keyof R]: K extends KeysOf<NonNullable<T>> ? Exact<ValueAt<NonNullable<T>, K>, R[K]> : never };

/** Outputs read while a spec runs on placeholders: every value is {@link UNKNOWN}. */
const placeholders = (): Outputs => new Proxy({}, { get: () => UNKNOWN }) as Outputs;

/**
 * A plan node whose spec is type-checked against its kind (a misspelt, missing or mistyped field
 * is a compile error) and whose dependencies are the nodes the spec reads: the spec runs once here
 * on placeholder outputs and every handle it passes to `r.out`/`r.id` is recorded, so a dependency
 * is declared once, where it is used. `after` adds ordering-only dependencies (no data read).
 * Reads must not depend on output values (the run-time guard in {@link makeRefs} catches one that does).
 */
export function node<S, A, C, O extends Outputs, F extends (r: PlanRefs) => S>(
  resource: ResourceKind<S, A, C, O>,
  id: string,
  // F is the spec function as written (its return typed in context of S, so literals stay literal);
  // the second half turns every field S does not have into `never`.
  spec: F & ((r: PlanRefs) => Exact<S, ReturnType<F>>),
  controls: string[],
  after: readonly NodeRef<any>[] = [],
): PlanNode<C, O> {
  const reads: NodeRef[] = [];
  const record = (n: NodeRef<any>): Outputs => {
    if (!reads.some((r) => r.id === n.id)) reads.push({ id: n.id, resource: { kind: n.resource.kind } });
    return placeholders();
  };
  spec({ out: record as PlanRefs["out"], id: (n) => String(record(n).id) });
  const deps = [...new Set([...reads.map((r) => r.id), ...after.map((n) => n.id)])];
  return { id, deps, resource, spec: spec as (r: Refs) => unknown, controls, reads: [...reads, ...after.map((n) => ({ id: n.id, resource: { kind: n.resource.kind } }))] };
}

/** A typed handle on a node of another layer of the same plan, by its kind and id (checked by {@link checkRefs}). */
export function ref<O extends Outputs>(resource: ResourceKind<any, any, any, O>, id: string): NodeRef<O> {
  return { id, resource: { kind: resource.kind } };
}

/**
 * Checks that every handle a node was built with names a node of the plan of the kind it was
 * typed by (a {@link ref} with the wrong kind would type its outputs wrongly).
 */
export function checkRefs(nodes: readonly PlanNode<any>[]): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const n of nodes) {
    for (const r of n.reads ?? []) {
      const target = byId.get(r.id);
      if (!target) throw new Error(`plan node ${n.id} reads ${r.id}, which is not in the plan`);
      if (target.resource.kind !== r.resource.kind) throw new Error(`plan node ${n.id} reads ${r.id} as a ${r.resource.kind}, but it is a ${target.resource.kind}`);
    }
  }
}

/** Makes a {@link Refs} over the outputs known so far, restricted to `deps`. */
export function makeRefs(nodeId: string, deps: readonly string[], outputs: ReadonlyMap<string, Outputs | undefined>): Refs {
  const out = (n: NodeRef<any> | string): Outputs => {
    const id = typeof n === "string" ? n : n.id;
    if (!deps.includes(id)) throw new Error(`plan node ${nodeId} reads ${id}, which is not one of its dependencies`);
    return outputs.get(id) ?? placeholders();
  };
  return { out: out as Refs["out"], id: (n) => String(out(n).id ?? UNKNOWN) };
}

/** True when any value of a spec (deeply) is still {@link UNKNOWN}. */
export function hasUnknown(value: unknown): boolean {
  // Also inside a string built from a ref (an ARN pattern, a serialized policy document).
  if (typeof value === "string") return value.includes(UNKNOWN);
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (value && typeof value === "object") return Object.values(value).some(hasUnknown);
  return false;
}
