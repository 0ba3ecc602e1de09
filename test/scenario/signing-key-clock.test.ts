import { describe, expect, it } from "vitest";
import { environmentPlan } from "../../plans/environment.js";
import { up } from "../../src/engine/reconcile.js";
import type { PlanNode } from "../../src/engine/plan.js";
import { gatherEnvironmentFacts } from "../../src/operations/environment.js";
import { runRotateKeys } from "../../src/operations/rotate-keys.js";
import { contextFactory, type ResourceContext } from "../../src/resources/context.js";
import { readSigningKey, signingKeyRotation } from "../../src/resources/signing-key-rotation.js";
import { PURPOSES, signingSecretName } from "../../src/resources/signing-keys.js";
import { sandboxSession, subplan } from "../helpers/env.js";

const DAY = 86_400_000;

/** The three signing-key secrets as `up` makes them (their plan nodes and what they depend on). */
async function upSigningKeys() {
  const s = sandboxSession();
  const facts = await gatherEnvironmentFacts(s.aws, s.config);
  const env = environmentPlan(s.config, facts);
  const ids = new Set(PURPOSES.flatMap((p) => subplan(env, `secret:signing-${p.replace(/_/g, "-")}`).nodes.map((n) => n.id)));
  const plan = { name: "signing", nodes: env.nodes.filter((n) => ids.has(n.id)) };
  const make = contextFactory({ env: "demo", region: "eu-west-1", aws: s.aws, clock: s.clock, facts, flags: { deleteData: false } });
  const createdAt = s.clock.now();
  const r = await up(plan, { clock: s.clock, makeContext: (n: PlanNode<ResourceContext>) => make(n.id), emit: () => {} });
  expect(r.ok).toBe(true);
  return { s, ctx: make("signing-key-rotation:probe"), createdAt, upEndedAt: s.clock.now() };
}

describe("defect 7: every date opsctl writes comes from the one (simulated) clock", () => {
  it("signing keys made by `up` are dated by the session clock; 31 simulated days trip SM-04 and --if-older-than rotates", async () => {
    const { s, ctx, createdAt, upEndedAt } = await upSigningKeys();
    for (const p of PURPOSES) {
      const k = (await readSigningKey(ctx, signingSecretName("demo", p)))!;
      // Dated inside the `up` run on the simulated clock, never by the wall clock.
      expect(k.current.createdAt).toBeGreaterThanOrEqual(Math.floor(createdAt / 1000) * 1000);
      expect(k.current.createdAt).toBeLessThanOrEqual(upEndedAt);
      const d = signingKeyRotation.describe(k);
      expect(d.details!.ageDays).toBe(0);
      expect(d.healthy).toBe(true);
    }

    s.sandbox.clock.advance(31 * DAY);
    for (const p of PURPOSES) {
      const d = signingKeyRotation.describe((await readSigningKey(ctx, signingSecretName("demo", p)))!);
      expect(d.details!.ageDays).toBe(31);
      expect(d.healthy).toBe(false);
      expect(String(d.details!.warning)).toMatch(/SM-04/);
    }

    const rotated = await runRotateKeys(s, { maxAgeMs: 30 * DAY, force: false, dryRun: false, emit: () => {} });
    expect(rotated.report.ok).toBe(true);
    expect(rotated.report.outcomes.map((o) => o.action)).toEqual(["update", "update", "update"]);
    for (const p of PURPOSES) {
      const d = signingKeyRotation.describe((await readSigningKey(ctx, signingSecretName("demo", p)))!);
      expect(d.details!.ageDays).toBe(0);
      expect(d.healthy).toBe(true);
    }
  });
});
