/**
 * Issue 9, defect 3: a control holds when AWS reports it live. Multi-AZ, instance class and engine
 * version changes wait for the maintenance window (PendingModifiedValues): while queued they show as
 * pending — not pass — and `up --apply-immediately` applies them now.
 */
import { describe, expect, it } from "vitest";
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand } from "@aws-sdk/client-rds";
import { environmentPlan } from "../../plans/environment.js";
import { preview, up } from "../../src/engine/reconcile.js";
import type { PlanNode } from "../../src/engine/plan.js";
import { controlStates, gatherEnvironmentFacts } from "../../src/operations/environment.js";
import { contextFactory, type ResourceContext } from "../../src/resources/context.js";
import { effectiveWrites, expectNoopRerun, sandboxSession, subplan } from "../helpers/env.js";

const NODE = "db-instance:main";

async function setup() {
  const s = sandboxSession();
  const facts = await gatherEnvironmentFacts(s.aws, s.config);
  const planOf = (applyImmediately: boolean) => subplan(environmentPlan(s.config, { ...facts, applyImmediately }), NODE);
  const opts = () => {
    const make = contextFactory({ env: "demo", region: "eu-west-1", aws: s.aws, clock: s.clock, facts, flags: { deleteData: false } });
    return { clock: s.clock, makeContext: (n: PlanNode<ResourceContext>) => make(n.id), emit: () => {} };
  };
  expect((await up(planOf(false), opts())).ok).toBe(true);
  const rds = await s.aws.get("rds");
  const live = async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-main" }))).DBInstances![0];
  return { s, planOf, opts, rds, live };
}

describe("defect 3: RDS changes queued for the maintenance window are pending, not pass", () => {
  it("Multi-AZ turned off out of band: up queues the conversion; status and audit show it pending (RDS-02 fails); a second up writes nothing; --apply-immediately converts it", async () => {
    const { s, planOf, opts, rds, live } = await setup();
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-main", MultiAZ: false, ApplyImmediately: true }));
    s.sandbox.clock.advance(5 * 60_000);
    expect((await live()).MultiAZ).toBe(false);

    const first = await up(planOf(false), opts());
    expect(first.ok).toBe(true);
    const d = await live();
    expect(d.MultiAZ).toBe(false);
    expect(d.PendingModifiedValues?.MultiAZ).toBe(true);

    const status = await preview(planOf(false), opts());
    const o = status.outcomes.find((x) => x.node === NODE)!;
    expect(o.description!.state).toMatch(/MultiAZ pending \(applies in the maintenance window \S+\)/);
    const multiAz = o.blocked.find((c) => c.field === "MultiAZ")!;
    expect({ from: multiAz.from, to: multiAz.to }).toEqual({ from: false, to: true });
    expect(multiAz.hint).toMatch(/^pending \(applies in the maintenance window .*\); `opsctl up --apply-immediately` applies it now: a Multi-AZ conversion has no downtime/);
    const controls = controlStates({ report: status, plan: planOf(false) });
    expect(controls["RDS-02"]).toMatchObject({ pass: false, pending: true, failures: [{ node: NODE, field: "MultiAZ", live: false, wanted: true, pending: expect.stringMatching(/^pending \(applies in the maintenance window/) }] });
    // Only the control of the queued field: the other RDS controls hold.
    expect(Object.entries(controls).filter(([, c]) => !c.pass).map(([id]) => id)).toEqual(["RDS-02"]);

    // Already queued: not sent again.
    await expectNoopRerun(planOf(false), opts(), s.sandbox);

    const before = effectiveWrites(s.sandbox);
    const now = await up(planOf(true), opts());
    expect(now.ok).toBe(true);
    expect(effectiveWrites(s.sandbox) - before).toBe(1);
    const after = await live();
    expect(after.MultiAZ).toBe(true);
    expect(after.PendingModifiedValues?.MultiAZ).toBeUndefined();
    const clean = await preview(planOf(false), opts());
    const c = clean.outcomes.find((x) => x.node === NODE)!;
    expect([...c.changes, ...c.blocked]).toEqual([]);
    expect(controlStates({ report: clean, plan: planOf(false) })["RDS-02"].pass).toBe(true);
  });

  it("an instance class queued out of band away from the plan is not taken for the plan's class", async () => {
    const { s, planOf, opts, rds } = await setup();
    // Someone queues another class for the window: the live class still matches the plan, the queued one would not.
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-main", DBInstanceClass: "db.r7g.xlarge", ApplyImmediately: false }));
    const status = await preview(planOf(false), opts());
    const o = status.outcomes.find((x) => x.node === NODE)!;
    expect(o.description!.state).toMatch(/DBInstanceClass pending/);
    expect(o.changes.map((c) => [c.field, c.from, c.to])).toEqual([["DBInstanceClass", expect.stringMatching(/^db\.r7g\.xlarge \(pending \(applies in the maintenance window/), "db.r7g.large"]]);
    expect((await up(planOf(false), opts())).ok).toBe(true);
    const clean = (await preview(planOf(false), opts())).outcomes.find((x) => x.node === NODE)!;
    expect([...clean.changes, ...clean.blocked]).toEqual([]);
    await expectNoopRerun(planOf(false), opts(), s.sandbox);
  });
});
