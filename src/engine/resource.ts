/**
 * The shape every resource kind answers (after kops' fi.Task): find, diff,
 * create, update, delete, describe. Generic over the context type so the
 * engine never names an AWS service.
 */

/** One field that differs between the desired spec and the actual resource. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
  /** True when AWS cannot change this field in place: reported, never silently replaced. */
  replace?: boolean;
  /** For a change opsctl does not apply (replace): what the operator does instead (else: recreate the resource). */
  hint?: string;
}

/** What `status` shows for one resource. */
export interface Description {
  id: string;
  state: string;
  healthy: boolean;
  /** Extra facts worth showing (engine version, public IP, …). */
  details?: Record<string, unknown>;
}

/** What `down` kept on purpose instead of deleting, and how to get rid of it. */
export interface Kept {
  kept: string;
}

/** Values a node hands to the nodes that depend on it (ids, ARNs, CIDRs …). */
export type Outputs = Record<string, string | string[] | number | boolean | undefined>;

/**
 * A resource kind. `S` is the desired spec (plain data), `A` the actual
 * resource as read from AWS, `C` the context (clients, tags, clock), `O` the outputs it hands
 * to dependents (a type literal, so plan refs to an output it does not have fail to type-check).
 */
export interface ResourceKind<S, A, C, O extends Outputs = Outputs> {
  /** kebab-case AWS noun: `vpc`, `nat-gateway`, … */
  kind: string;
  /**
   * Audit precision: the control IDs each diff field is about (a key ending in `*` matches a field
   * prefix), narrowed to the node's own controls. A drifted field fails only these controls; a field
   * not listed fails all of the node's controls; an empty list fails none (the field carries no control).
   */
  fieldControls?: Readonly<Record<string, readonly string[]>>;
  /** The actual resource of this node, or undefined. `spec` is absent when only the node id is known (down, status). */
  find(ctx: C, spec?: S): Promise<A | undefined>;
  /** Every resource of this node (duplicates included), for teardown. Defaults to `find`. */
  findAll?(ctx: C): Promise<A[]>;
  /** Pure: the fields that differ. */
  diff(spec: S, actual: A): FieldChange[];
  create(ctx: C, spec: S): Promise<A>;
  /** Applies only the changed fields (never called with a `replace` change). */
  update(ctx: C, spec: S, actual: A, changes: FieldChange[]): Promise<A>;
  /**
   * Deletes the resource, or keeps it on purpose (data kept by default: a bucket with
   * objects, …) and says so by returning a {@link Kept} notice; then nothing is waited on.
   */
  delete(ctx: C, actual: A): Promise<void | Kept>;
  describe(actual: A): Description;
  /** Values for dependents. */
  outputs(actual: A): O;
  /** False while the resource is in a transitional state (pending, creating …). Default: always ready. */
  isReady?(actual: A): boolean;
  /** A state from which it will never become ready (failed, deleted …): message, or undefined. */
  failure?(actual: A): string | undefined;
  /**
   * True once a deleted resource is completely gone (deleted NATs stay visible as `deleted`),
   * or is in the state `down` leaves it in by design (secret or KMS key pending deletion).
   */
  isGone?(actual: A): boolean;
  /** Re-reads this resource by id (for waits). Undefined when it is gone. */
  refresh(ctx: C, actual: A): Promise<A | undefined>;
  /** Names what keeps a delete from succeeding (ENIs still in a subnet …), for the error message. */
  blockers?(ctx: C, actual: A): Promise<string[]>;
  /** After `delete` succeeded: what stays around by design (e.g. "scheduled for deletion on …"). */
  keptAfterDelete?(actual: A): string | undefined;
  /** Time budgets (ms) for waiting on create/update and delete. */
  budget: { create: number; delete: number };
  /** True for a kind whose convergence removes something (runbooks): its changes show as `delete`. */
  removes?: boolean;
  /** Typical duration (ms) of creating one (plan estimates and the benchmark's critical path). */
  typicalCreateMs: number;
  /** Typical duration (ms) of deleting one, when AWS deletes it asynchronously (default 0: gone when the call returns). */
  typicalDeleteMs?: number;
}
