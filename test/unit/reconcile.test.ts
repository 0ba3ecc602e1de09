import { describe, it, expect } from "vitest";
import { up } from "../../src/engine/reconcile.js";
import { SimClock } from "../../src/engine/clock.js";
import { TryAgainLater } from "../../src/engine/errors.js";
import type { FieldChange, ResourceKind } from "../../src/engine/resource.js";

/** An in-memory "rule set": its update adds rules one by one and fails half-way the first time. */
interface Rules { id: string; rules: string[] }

function ruleSet(store: { live?: Rules }, log: string[][]): ResourceKind<{ rules: string[] }, Rules, unknown> {
  let failOnce = true;
  return {
    kind: "rule-set",
    budget: { create: 60_000, delete: 60_000 },
    typicalCreateMs: 1_000,
    find: async () => (store.live ? { ...store.live, rules: [...store.live.rules] } : undefined),
    diff: (spec, a) => spec.rules.filter((r) => !a.rules.includes(r)).map((r): FieldChange => ({ field: `rule ${r}`, from: undefined, to: r })),
    create: async () => (store.live = { id: "rs-1", rules: [] }),
    async update(_ctx, _spec, _a, changes) {
      log.push(changes.map((c) => c.field));
      for (const c of changes) {
        const rule = String(c.to);
        // Like AWS: adding a rule that exists is an error (InvalidPermission.Duplicate, …).
        if (store.live!.rules.includes(rule)) throw new Error(`${rule} already exists`);
        store.live!.rules.push(rule);
        if (failOnce) {
          failOnce = false;
          throw new TryAgainLater("throttled half-way", 1_000);
        }
      }
      return { ...store.live!, rules: [...store.live!.rules] };
    },
    delete: async () => undefined,
    refresh: async () => (store.live ? { ...store.live, rules: [...store.live.rules] } : undefined),
    describe: (a) => ({ id: a.id, state: "ready", healthy: true }),
    outputs: (a) => ({ id: a.id }),
  };
}

describe("reconcile up", () => {
  it("a retried update starts from a fresh read: it applies only what the failed attempt did not", async () => {
    const store: { live?: Rules } = {};
    const log: string[][] = [];
    const report = await up(
      { name: "t", nodes: [{ id: "rule-set:main", deps: [], resource: ruleSet(store, log), spec: () => ({ rules: ["a", "b", "c"] }) }] },
      { clock: new SimClock(0), makeContext: () => ({}), emit: () => {} },
    );
    expect(report.outcomes.map((o) => [o.node, o.status, String(o.error ?? "")])).toEqual([["rule-set:main", "done", ""]]);
    expect(store.live!.rules).toEqual(["a", "b", "c"]);
    expect(log).toEqual([["rule a", "rule b", "rule c"], ["rule b", "rule c"]]);
  });
});
