import type { Clock } from "./clock.js";
import { pollUntil } from "./poll.js";
import { BudgetExceeded } from "./errors.js";
import type { Description, FieldChange, Outputs, ResourceKind } from "./resource.js";

/**
 * A node a runbook only reads: it must exist (its outputs feed the nodes that act); drift is not
 * its business (`up` repairs drift), so it never writes. A missing one fails with `missing(node)`.
 */
export function readOnly<S, A, C, O extends Outputs>(r: ResourceKind<S, A, C, O>, missing: () => Error): ResourceKind<S, A, C, O> {
  return {
    ...r,
    // Nothing happens to it: it takes no time on the runbook's critical path.
    typicalCreateMs: 0,
    diff: () => [],
    create: async () => {
      throw missing();
    },
    update: async (_ctx, _spec, a) => a,
  };
}

/** Everything of a node that still exists. */
export interface Present<A> {
  items: A[];
}

/**
 * The node's resource must not exist (pause deletes the NAT gateway, the ALB …): converging it
 * deletes what is found, then waits until it is gone. Running it again finds nothing: 0 writes.
 */
export function absent<A, C>(r: ResourceKind<any, A, C>, clockOf: (ctx: C) => Clock): ResourceKind<unknown, Present<A>, C> {
  const list = async (ctx: C): Promise<Present<A>> => {
    const all = r.findAll ? await r.findAll(ctx) : [await r.find(ctx)].filter((x): x is Awaited<A> => x !== undefined);
    return { items: all.filter((a) => !(r.isGone?.(a) ?? false)) };
  };
  const ids = (p: Present<A>) => p.items.map((a) => r.describe(a).id);
  return {
    kind: r.kind,
    removes: true,
    budget: { create: r.budget.delete, delete: 0 },
    typicalCreateMs: r.typicalDeleteMs ?? 0,
    find: list,
    diff: (_spec, p): FieldChange[] => (p.items.length ? [{ field: "exists", from: ids(p), to: "(deleted)" }] : []),
    create: async () => ({ items: [] }),
    async update(ctx, _spec, p) {
      for (const a of p.items) await r.delete(ctx, a);
      // Wait here until it is gone: the engine waits for "ready" before it looks for changes,
      // and "ready" for this kind only means nothing is in a transitional state.
      // Re-read each one by id: listings may be cached for the run.
      const again = async (q: Present<A>): Promise<Present<A>> => ({
        items: (await Promise.all(q.items.map((a) => r.refresh(ctx, a)))).filter((a): a is Awaited<A> => a !== undefined && !(r.isGone?.(a) ?? false)),
      });
      let left = p;
      return pollUntil({
        clock: clockOf(ctx),
        typicalMs: r.typicalDeleteMs ?? 0,
        budgetMs: r.budget.delete,
        read: async () => (left = await again(left)),
        done: (q) => q.items.length === 0,
        timeout: (q, elapsed) => new BudgetExceeded(`${r.kind} ${ids(q).join(", ")}: still there after ${Math.round(elapsed / 1000)} s`, "run the command again later"),
      });
    },
    delete: async () => {},
    refresh: async (ctx, p) => ({ items: (await Promise.all(p.items.map((a) => r.refresh(ctx, a)))).filter((a): a is Awaited<A> => a !== undefined && !(r.isGone?.(a) ?? false)) }),
    isReady: () => true,
    describe: (p): Description => ({ id: ids(p).join(",") || "(none)", state: p.items.length ? "present" : "deleted", healthy: true }),
    outputs: () => ({}),
  };
}
