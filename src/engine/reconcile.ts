import type { Clock } from "./clock.js";
import { BudgetExceeded, OpsError, TryAgainLater } from "./errors.js";
import type { Action, EventSink } from "./events.js";
import { execute, type TaskStatus } from "./executor.js";
import { reverseGraph } from "./graph.js";
import { inNode, pollUntil } from "./poll.js";
import { hasUnknown, makeRefs, type Plan, type PlanNode } from "./plan.js";
import type { Description, FieldChange, Outputs, ResourceKind } from "./resource.js";

/** How to run a plan. */
export interface RunOptions<C> {
  clock: Clock;
  /** The context a node's resource module works with (clients, tags for that node …). */
  makeContext(node: PlanNode<C>): C;
  emit: EventSink;
  /** Nodes running at once (default 16). */
  concurrency?: number;
  /**
   * Errors worth trying again later that escaped the client's own retries (e.g. throttling once
   * the SDK's retry quota is spent). Supplied by the caller: the engine knows no service.
   */
  isTransient?(error: unknown): boolean;
  /** Ctrl-C: stop starting nodes (running ones finish); see {@link execute}. */
  signal?: AbortSignal;
}

/** What happened to one node. */
export interface NodeOutcome {
  node: string;
  kind: string;
  action: Action;
  status: TaskStatus;
  id?: string;
  /** Field differences (drift in status, the update in plan/up). */
  changes: FieldChange[];
  /** Changes AWS cannot make in place: reported, not applied. */
  blocked: FieldChange[];
  description?: Description;
  controls?: string[];
  error?: unknown;
  startedAt?: number;
  endedAt?: number;
  /** Resource no longer exists in AWS (down) or does not exist (plan). */
  exists: boolean;
  /** What `down` kept on purpose (data), one line each. */
  kept?: string[];
  /**
   * Preview only: why the node was not checked (status "skipped") — a dependency failed to be read,
   * so its outputs are unknown and the node could not be found without them.
   */
  unchecked?: string;
}

/** The result of a run. */
export interface RunReport {
  ok: boolean;
  outcomes: NodeOutcome[];
  startedAt: number;
  endedAt: number;
}

type Mode = "up" | "preview" | "down";

/** Minimum time to keep retrying a try-again-later while converging (AWS eventual consistency). */
const CONSISTENCY_BUDGET_MS = 3 * 60_000;

/**
 * Brings every node of the plan to its spec: find, then create or update only
 * the changed fields, then wait for a ready state. Safe to run again at any time.
 */
export function up<C>(plan: Plan<C>, opts: RunOptions<C>): Promise<RunReport> {
  return run(plan, opts, "up");
}

/** Read-only: what `up` would do (plan) and the drift of each node (status). Writes nothing. */
export function preview<C>(plan: Plan<C>, opts: RunOptions<C>): Promise<RunReport> {
  return run(plan, opts, "preview");
}

/** Deletes every node of the plan in reverse dependency order, waiting for each to be gone. */
export function down<C>(plan: Plan<C>, opts: RunOptions<C>): Promise<RunReport> {
  return run(plan, opts, "down");
}

async function run<C>(plan: Plan<C>, opts: RunOptions<C>, mode: Mode): Promise<RunReport> {
  const { clock, emit } = opts;
  const outputs = new Map<string, Outputs | undefined>();
  const outcomes = new Map<string, NodeOutcome>();
  // Preview is fail-soft: node -> the failed node(s) it could not be read because of (itself when it failed).
  const unread = new Map<string, string[]>();
  const graph = mode === "down" ? reverseGraph(plan.nodes) : plan.nodes;
  const tasks = graph.map((node) => ({
    id: node.id,
    deps: node.deps,
    run: async () => {
      const t0 = clock.now();
      emit({ type: "node-start", node: node.id, at: t0 });
      const outcome: NodeOutcome = {
        node: node.id,
        kind: node.resource.kind,
        action: "noop",
        status: "done",
        changes: [],
        blocked: [],
        controls: node.controls,
        startedAt: t0,
        exists: false,
      };
      outcomes.set(node.id, outcome);
      const ctx = opts.makeContext(node);
      const original = plan.nodes.find((n) => n.id === node.id)!;
      const step = mode === "down" ? stepDown : mode === "up" ? stepUp : stepPreview;
      try {
        await inNode(node.id, () => step(original, ctx, outcome, outputs, opts, unread));
      } catch (error) {
        outcome.status = "failed";
        outcome.error = error;
        unread.set(node.id, [node.id]);
        outcome.endedAt = clock.now();
        emit({ type: "node-failed", node: node.id, error, at: outcome.endedAt, elapsedMs: outcome.endedAt - t0 });
        throw error;
      }
      outcome.endedAt = clock.now();
      if (outcome.unchecked) {
        emit({ type: "node-skipped", node: node.id, reason: outcome.unchecked });
        return;
      }
      emit({ type: "node-done", node: node.id, action: outcome.action, id: outcome.id, at: outcome.endedAt, elapsedMs: outcome.endedAt - t0 });
    },
  }));
  const res = await execute(tasks, {
    clock,
    concurrency: opts.concurrency,
    // Read-only runs read every node: one failed read must not blank the rest of the report.
    keepGoing: mode === "preview",
    signal: opts.signal,
    onEvent: (e) => {
      if (e.type === "task-skip") emit({ type: "node-skipped", node: e.id, reason: e.reason });
    },
  });
  const list = plan.nodes.map(
    (n) =>
      outcomes.get(n.id) ?? {
        node: n.id,
        kind: n.resource.kind,
        action: "noop" as Action,
        status: "skipped" as TaskStatus,
        changes: [],
        blocked: [],
        controls: n.controls,
        exists: false,
      },
  );
  return { ok: res.ok, outcomes: list, startedAt: res.startedAt, endedAt: res.endedAt };
}

async function stepUp<C>(node: PlanNode<C>, ctx: C, out: NodeOutcome, outputs: Map<string, Outputs | undefined>, opts: RunOptions<C>): Promise<void> {
  const r = node.resource;
  const spec = node.spec(makeRefs(node.id, node.deps, outputs));
  // Eventual consistency ("not visible yet") can last much longer than the operation itself.
  const budget = Math.max(r.budget.create, CONSISTENCY_BUDGET_MS);
  let actual = await retrying(opts, node.id, budget, () => r.find(ctx, spec));
  if (!actual) {
    out.action = "create";
    opts.emit({ type: "node-action", node: node.id, action: "create", at: opts.clock.now() });
    const created = await retrying(opts, node.id, budget, () => r.create(ctx, spec));
    // Read it back: AWS adds defaults the create call does not return (e.g. a security group's egress rule).
    actual = await retrying(opts, node.id, budget, async () => {
      const seen = await r.refresh(ctx, created);
      if (!seen) throw new TryAgainLater(`${r.describe(created).id} not visible yet`, 1_000);
      return seen;
    });
  }
  // A resource found already failed (by an earlier run, e.g. a rollout the circuit breaker stopped)
  // would fail the wait at once: when its diff has a change, that change is what repairs it, so it
  // is applied first and waited for after.
  const failedBefore = out.action !== "create" && r.failure?.(actual) !== undefined && r.diff(spec, actual).some((c) => !c.replace);
  if (!failedBefore) actual = await waitReady(r, ctx, actual, opts, node.id);
  {
    // Also after a create: fields the create call cannot set are applied here, so a crash between
    // the create and the follow-up calls is repaired by the next run through the same path.
    const changes = r.diff(spec, actual);
    out.blocked = changes.filter((c) => c.replace);
    out.changes = changes.filter((c) => !c.replace);
    for (const b of out.blocked) {
      opts.emit({ type: "node-warn", node: node.id, message: `${b.field} cannot change in place (${fmt(b.from)} -> ${fmt(b.to)}): not applied; ${b.hint ?? "recreate the resource to change it"}`, at: opts.clock.now() });
    }
    if (out.changes.length) {
      if (out.action !== "create") {
        out.action = r.removes ? "delete" : "update";
        opts.emit({ type: "node-action", node: node.id, action: out.action, changes: out.changes, at: opts.clock.now() });
      }
      // A retried update starts from a fresh read: part of the previous attempt may have landed.
      let current = actual;
      let attempt = 0;
      actual = await retrying(opts, node.id, budget, async () => {
        if (attempt++ > 0) {
          current = (await r.refresh(ctx, current)) ?? current;
          const left = r.diff(spec, current).filter((c) => !c.replace);
          if (left.length === 0) return current;
          return r.update(ctx, spec, current, left);
        }
        return r.update(ctx, spec, current, out.changes);
      });
      actual = await waitReady(r, ctx, actual, opts, node.id);
    }
  }
  out.exists = true;
  out.description = r.describe(actual);
  out.id = out.description.id;
  outputs.set(node.id, r.outputs(actual));
}

async function stepPreview<C>(
  node: PlanNode<C>,
  ctx: C,
  out: NodeOutcome,
  outputs: Map<string, Outputs | undefined>,
  opts: RunOptions<C>,
  unread: Map<string, string[]>,
): Promise<void> {
  const r = node.resource;
  const failedDeps = [...new Set(node.deps.flatMap((d) => unread.get(d) ?? []))];
  let spec: unknown;
  let actual: unknown;
  if (failedDeps.length) {
    // A dependency could not be read, so its outputs are unknown: look anyway (most kinds find
    // their resource by tag or name); what cannot be found that way is "not checked", not "missing".
    try {
      spec = node.spec(makeRefs(node.id, node.deps, outputs));
      actual = await r.find(ctx, spec);
    } catch {
      actual = undefined;
    }
    if (!actual) {
      out.status = "skipped";
      out.unchecked = `not checked: depends on ${failedDeps.join(", ")}, which failed`;
      unread.set(node.id, failedDeps);
      return;
    }
  } else {
    spec = node.spec(makeRefs(node.id, node.deps, outputs));
    // A node whose dependencies are still to be created cannot exist yet: no need to look.
    const parentMissing = node.deps.some((d) => outputs.has(d) && outputs.get(d) === undefined);
    actual = parentMissing ? undefined : await retrying(opts, node.id, r.budget.create, () => r.find(ctx, spec));
    if (!actual) {
      out.action = "create";
      outputs.set(node.id, undefined);
      return;
    }
  }
  out.exists = true;
  out.description = r.describe(actual);
  out.id = out.description.id;
  if (failedDeps.length && hasUnknown(spec)) {
    // Found, but its spec needs values of a node that could not be read: a diff against
    // placeholders would report drift that is not there (kinds summarise some fields).
    out.unchecked = `drift not checked: depends on ${failedDeps.join(", ")}, which failed`;
    outputs.set(node.id, r.outputs(actual));
    return;
  }
  const changes = r.diff(spec as never, actual).filter((c) => !hasUnknown(c.to));
  out.blocked = changes.filter((c) => c.replace);
  out.changes = changes.filter((c) => !c.replace);
  out.action = out.changes.length ? (r.removes ? "delete" : "update") : "noop";
  outputs.set(node.id, r.outputs(actual));
}

async function stepDown<C>(node: PlanNode<C>, ctx: C, out: NodeOutcome, _outputs: Map<string, Outputs | undefined>, opts: RunOptions<C>): Promise<void> {
  const r = node.resource;
  const budget = r.budget.delete;
  const all = await retrying(opts, node.id, budget, async () => (r.findAll ? r.findAll(ctx) : [await r.find(ctx)].filter((x) => x !== undefined)));
  const live = all.filter((a) => !(r.isGone?.(a) ?? false));
  if (live.length === 0) return;
  out.action = "delete";
  out.exists = true;
  out.id = live.map((a) => r.describe(a).id).join(",");
  opts.emit({ type: "node-action", node: node.id, action: "delete", at: opts.clock.now() });
  const kept: string[] = [];
  await Promise.all(
    live.map(async (a) => {
      const res = await retrying(opts, node.id, budget, () => r.delete(ctx, a), () => (r.blockers ? r.blockers(ctx, a) : Promise.resolve([])));
      if (res && "kept" in res) {
        kept.push(`${r.describe(a).id}: ${res.kept}`);
        return;
      }
      await waitGone(r, ctx, a, opts, node.id);
      const after = r.keptAfterDelete ? await r.refresh(ctx, a) : undefined;
      const note = after ? r.keptAfterDelete!(after) : undefined;
      if (note) kept.push(`${r.describe(a).id}: ${note}`);
    }),
  );
  if (kept.length) out.kept = kept;
  out.exists = kept.length > 0 && kept.length === live.length;
}

/**
 * Runs `fn`, retrying {@link TryAgainLater} on the clock until `budgetMs` is spent;
 * then fails naming what blocks it (when `blockers` can tell).
 */
export async function retrying<T, C>(
  opts: Pick<RunOptions<C>, "clock" | "emit" | "isTransient">,
  node: string,
  budgetMs: number,
  fn: () => Promise<T>,
  blockers?: () => Promise<string[]>,
): Promise<T> {
  const start = opts.clock.now();
  let announced = false;
  for (;;) {
    try {
      return await fn();
    } catch (caught) {
      const e = caught instanceof TryAgainLater ? caught : opts.isTransient?.(caught) ? new TryAgainLater(`${(caught as Error).name}: ${(caught as Error).message}`, 5_000) : undefined;
      if (!e) throw caught;
      if (opts.clock.now() - start >= budgetMs) {
        const names = blockers ? await blockers().catch(() => []) : [];
        throw new BudgetExceeded(
          `${node}: still not possible after ${Math.round(budgetMs / 1000)} s: ${e.message}${names.length ? `; blocked by ${names.join(", ")}` : ""}`,
          names.length ? "delete or detach the blocking resources, then run the command again" : "run the command again later; it resumes where it stopped",
          e,
        );
      }
      if (!announced) {
        opts.emit({ type: "node-wait", node, message: e.message, at: opts.clock.now() });
        announced = true;
      }
      await opts.clock.sleep(e.retryAfterMs);
    }
  }
}

async function waitReady<A, C>(r: ResourceKind<any, A, C>, ctx: C, actual: A, opts: RunOptions<C>, node: string): Promise<A> {
  if (!r.isReady || r.isReady(actual)) return actual;
  const isReady = r.isReady;
  opts.emit({ type: "node-wait", node, message: `waiting for ${r.describe(actual).state} to become ready`, at: opts.clock.now() });
  // A refresh that finds nothing (not visible yet) keeps the last state seen and asks again.
  let last: A = actual;
  const seen = await pollUntil<A | undefined>({
    clock: opts.clock,
    typicalMs: r.typicalCreateMs,
    budgetMs: r.budget.create,
    initial: { value: actual },
    read: async () => {
      const a = await retrying(opts, node, r.budget.create, () => r.refresh(ctx, last));
      if (a) last = a;
      return a;
    },
    done: (a) => a !== undefined && isReady(a),
    failure: (a) => {
      const failure = a && r.failure?.(a);
      return failure ? new OpsError("resource_failed", `${node} (${r.describe(a).id}) failed: ${failure}`, { fault: "aws" }) : undefined;
    },
    timeout: (a, elapsed) => new BudgetExceeded(`${node}: not ready after ${Math.round(elapsed / 1000)} s (state ${a ? r.describe(a).state : "not visible"})`, "run `opsctl up` again later: it resumes and waits"),
  });
  return seen!;
}

async function waitGone<A, C>(r: ResourceKind<any, A, C>, ctx: C, actual: A, opts: RunOptions<C>, node: string): Promise<void> {
  let last: A = actual;
  await pollUntil<A | undefined>({
    clock: opts.clock,
    typicalMs: r.typicalDeleteMs ?? r.typicalCreateMs,
    budgetMs: r.budget.delete,
    read: async () => {
      const a = await retrying(opts, node, r.budget.delete, () => r.refresh(ctx, last));
      if (a) last = a;
      return a;
    },
    done: (a) => !a || (r.isGone?.(a) ?? false),
    timeout: async (a, elapsed) => {
      const names = r.blockers ? await r.blockers(ctx, a!) : [];
      return new BudgetExceeded(`${node}: still ${r.describe(a!).state} after ${Math.round(elapsed / 1000)} s${names.length ? `; blocked by ${names.join(", ")}` : ""}`, "run `opsctl down` again later");
    },
  });
}

function fmt(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}
