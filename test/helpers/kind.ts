/**
 * A resource kind's whole life against the sandbox, in-process (issue 14, "a resource's whole life in
 * two places"): each `test/resources/<kind>.test.ts` calls {@link lifecycle} with one node of the
 * environment plan and brings up only that node and its dependencies ({@link subplan}).
 *
 *   preview finds nothing → up creates it → up again writes nothing (found by its tags) →
 *   a change made behind opsctl's back through the SDK → preview (the kind's diff) shows it →
 *   one up repairs it → up again writes nothing → down deletes it → down again writes nothing →
 *   nothing of the environment is left.
 */
import { describe, expect, it } from "vitest";
import { gatherEnvironmentFacts } from "../../src/operations/environment.js";
import { environmentPlan } from "../../plans/environment.js";
import { down, preview, up, type NodeOutcome, type RunOptions } from "../../src/engine/reconcile.js";
import type { Plan, PlanNode } from "../../src/engine/plan.js";
import { contextFactory, type ResourceContext } from "../../src/resources/context.js";
import { sandboxSession, liveInventory, subplan, expectNoopRerun, effectiveWrites } from "./env.js";

/** A session over a fresh sandbox. */
export type KindSession = ReturnType<typeof sandboxSession>;

/** The environment plan over a fresh sandbox, and run options as a new CLI invocation has them. */
export interface KindEnv {
  s: KindSession;
  plan: Plan<ResourceContext>;
  facts: Awaited<ReturnType<typeof gatherEnvironmentFacts>>;
  /** Fresh run options (a new context factory: no cached reads), as each CLI invocation has. */
  opts(): RunOptions<ResourceContext>;
  writes(): number;
}

/** A fresh sandbox with the environment plan built from its facts. */
export async function kindEnv(): Promise<KindEnv> {
  const s = sandboxSession();
  const facts = await gatherEnvironmentFacts(s.aws, s.config);
  const plan = environmentPlan(s.config, facts);
  const opts = (): RunOptions<ResourceContext> => {
    const fresh = contextFactory({ env: "demo", region: "eu-west-1", aws: s.aws, clock: s.clock, facts, flags: { deleteData: false } });
    return { clock: s.clock, makeContext: (n: PlanNode<ResourceContext>) => fresh(n.id), emit: () => {} };
  };
  return { s, plan, facts, opts, writes: () => effectiveWrites(s.sandbox) };
}

/** What a drift seed gets: the session, the node's id as up reported it, and the id of any node of the sub-plan. */
export type DriftSeed = (s: KindSession, id: string, idOf: (nodeId: string) => string) => Promise<unknown>;

export interface LifecycleOptions {
  /** A change behind opsctl's back through the SDK (as an operator, the console or AWS would make it). */
  drift?: DriftSeed;
  /** The fields the kind's diff must report after the drift (at least these). */
  expectDriftFields?: string[];
  /** The drift deletes the resource: preview must show it missing (to be created), not a field change. */
  driftDeletes?: boolean;
  /** Why there is no drift case (kinds with nothing to change out of band). */
  noDrift?: string;
  /** What the first up does (default "create"; "update" for a node that takes over what AWS made, e.g. a VPC's default group; "noop" for a wait). */
  createAction?: "create" | "update" | "noop";
  /**
   * Other nodes the sub-plan takes along besides the node's dependencies: the api service's tasks pass
   * their health checks only once the bootstrap task has run, which `up` runs beside the service.
   */
  with?: string[];
  /** Whether the node is healthy once created (default true; a certificate alone is not ISSUED). */
  healthy?: boolean;
}

export const target = (outcomes: NodeOutcome[], nodeId: string): NodeOutcome => {
  const o = outcomes.find((x) => x.node === nodeId);
  if (!o) throw new Error(`no outcome for ${nodeId}`);
  return o;
};

const fieldsOf = (o: NodeOutcome) => [...o.changes, ...o.blocked].map((c) => c.field);

/**
 * Registers the lifecycle test of `nodeId`'s kind: find, create, rerun (zero writes), drift (seeded
 * through the SDK, shown by preview, repaired by one up), delete and delete again (zero writes).
 */
export function lifecycle(nodeId: string, o: LifecycleOptions = {}): void {
  const steps = ["create", "rerun (0 writes)", o.drift ? "drift → one up" : undefined, "delete", "delete again (0 writes)"].filter(Boolean).join(" → ");
  describe(`${nodeId}: ${steps}`, () => {
    it("lives its whole life against the sandbox", async () => {
      const env = await kindEnv();
      await runLifecycle(env, nodeId, o);
    });
  });
}

/** The steps of {@link lifecycle} on an environment (for files that share one). */
export async function runLifecycle(env: KindEnv, nodeId: string, o: LifecycleOptions = {}): Promise<void> {
  const { s, opts, writes } = env;
  const ids = new Set([nodeId, ...(o.with ?? [])].flatMap((id) => subplan(env.plan, id).nodes.map((n) => n.id)));
  const sub = { name: nodeId, nodes: env.plan.nodes.filter((n) => ids.has(n.id)) };

  // Find: nothing yet, and looking writes nothing.
  let w = writes();
  const before = await preview(sub, opts());
  expect(before.ok).toBe(true);
  expect(target(before.outcomes, nodeId)).toMatchObject({ exists: false, action: "create" });
  expect(writes() - w).toBe(0);

  // Create.
  const first = await up(sub, opts());
  expect(first.ok, String(first.outcomes.find((x) => x.error)?.error)).toBe(true);
  const created = target(first.outcomes, nodeId);
  expect(created.action).toBe(o.createAction ?? "create");
  expect(created.exists).toBe(true);
  if (o.healthy !== false) expect(created.description?.healthy).toBe(true);

  // Rerun: found by its tags/name, nothing to do.
  await expectNoopRerun(sub, opts(), s.sandbox);

  if (o.drift) {
    const idOf = (n: string) => target(first.outcomes, n).id ?? "";
    await o.drift(s, created.id!, idOf);
    // Detected: preview (the kind's diff against what AWS now says) shows it, writing nothing.
    w = writes();
    const seen = await preview(sub, opts());
    expect(writes() - w, "preview writes nothing").toBe(0);
    const drifted = target(seen.outcomes, nodeId);
    if (o.driftDeletes) {
      expect(drifted).toMatchObject({ exists: false, action: "create" });
    } else {
      expect(drifted.exists).toBe(true);
      expect(fieldsOf(drifted).length, "the drift shows in the diff").toBeGreaterThan(0);
      for (const f of o.expectDriftFields ?? []) expect(fieldsOf(drifted)).toContain(f);
    }
    // Repaired by one up: it succeeds, acts on the node, and the next up writes nothing.
    const repair = await up(sub, opts());
    expect(repair.ok, String(repair.outcomes.find((x) => x.error)?.error)).toBe(true);
    expect(target(repair.outcomes, nodeId).action).not.toBe("noop");
    await expectNoopRerun(sub, opts(), s.sandbox);
    const after = await preview(sub, opts());
    expect(fieldsOf(target(after.outcomes, nodeId))).toEqual([]);
  }

  // Delete: nothing of the environment is left (beyond what down keeps on purpose, see liveInventory).
  const gone = await down(sub, opts());
  expect(gone.ok, String(gone.outcomes.find((x) => x.error)?.error)).toBe(true);
  expect(liveInventory(s.sandbox, "demo").map((l) => l.key)).toEqual([]);
  // Delete again: a no-op.
  w = writes();
  const again = await down(sub, opts());
  expect(again.ok).toBe(true);
  expect(writes() - w).toBe(0);
}
