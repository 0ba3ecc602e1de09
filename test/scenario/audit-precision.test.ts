/**
 * Issue 9, defect 5: each control is checked on the fields it is about. A drift fails only the controls
 * whose fields drifted, and names the node, the field, the live value and the wanted value.
 */
import { describe, expect, it } from "vitest";
import { ModifyDBInstanceCommand } from "@aws-sdk/client-rds";
import { DeleteResourcePolicyCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetDistributionConfigCommand, ListDistributionsCommand, UpdateDistributionCommand } from "@aws-sdk/client-cloudfront";
import { environmentPlan } from "../../plans/environment.js";
import { preview, up } from "../../src/engine/reconcile.js";
import type { Plan, PlanNode } from "../../src/engine/plan.js";
import { controlStates, gatherEnvironmentFacts } from "../../src/operations/environment.js";
import { contextFactory, type ResourceContext } from "../../src/resources/context.js";
import { sandboxSession, subplan } from "../helpers/env.js";

async function setup(roots: string[]) {
  const s = sandboxSession();
  const facts = await gatherEnvironmentFacts(s.aws, s.config);
  const env = environmentPlan(s.config, facts);
  const ids = new Set(roots.flatMap((id) => subplan(env, id).nodes.map((n) => n.id)));
  const plan: Plan<ResourceContext> = { name: "audit", nodes: env.nodes.filter((n) => ids.has(n.id)) };
  const opts = () => {
    const make = contextFactory({ env: "demo", region: "eu-west-1", aws: s.aws, clock: s.clock, facts, flags: { deleteData: false } });
    return { clock: s.clock, makeContext: (n: PlanNode<ResourceContext>) => make(n.id), emit: () => {} };
  };
  expect((await up(plan, opts())).ok).toBe(true);
  /** The audit of this plan: failing control IDs and their failures. */
  const audit = async () => {
    const states = controlStates({ report: await preview(plan, opts()), plan });
    return Object.fromEntries(Object.entries(states).filter(([, c]) => !c.pass).map(([id, c]) => [id, c.failures]));
  };
  expect(await audit()).toEqual({});
  return { s, audit };
}

describe("defect 5: audit fails exactly the controls whose fields drifted", () => {
  it("db-instance: one drifted field fails one RDS control, naming node, field, live and wanted values", async () => {
    const { s, audit } = await setup(["db-instance:main"]);
    const rds = await s.aws.get("rds");
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-main", BackupRetentionPeriod: 1, ApplyImmediately: true }));
    s.sandbox.clock.advance(5 * 60_000);
    expect(await audit()).toEqual({ "RDS-12": [{ node: "db-instance:main", field: "BackupRetentionPeriod", live: 1, wanted: 7 }] });

    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-main", EnableIAMDatabaseAuthentication: false, ApplyImmediately: true }));
    s.sandbox.clock.advance(5 * 60_000);
    expect(Object.keys(await audit()).sort()).toEqual(["RDS-10", "RDS-12"]);
  });

  it("secrets: a removed resource policy fails SM-03 only; an SMTP value without its fields fails API-07 only", async () => {
    const { s, audit } = await setup(["secret:smtp", "secret:signing-active-session"]);
    const sm = await s.aws.get("secrets");
    await sm.send(new DeleteResourcePolicyCommand({ SecretId: "demo/smtp" }));
    expect(await audit()).toEqual({ "SM-03": [{ node: "secret:smtp", field: "ResourcePolicy", live: undefined, wanted: "(plan)" }] });

    await sm.send(new PutSecretValueCommand({ SecretId: "demo/smtp", SecretString: "{}" }));
    const failing = await audit();
    expect(Object.keys(failing).sort()).toEqual(["API-07", "SM-03"]);
    expect(failing["API-07"]).toEqual([{ node: "secret:smtp", field: "SecretString", live: "(missing user, clientId, clientSecret, refreshToken)", wanted: "(JSON with user, clientId, clientSecret, refreshToken)" }]);
  });

  it("distribution: a WAF web ACL removed out of band fails CDN-03 only", async () => {
    const { s, audit } = await setup(["distribution:site"]);
    const cf = await s.aws.get("cloudfront");
    const { DistributionList } = await cf.send(new ListDistributionsCommand({}));
    const dist = DistributionList!.Items![0];
    const cfg = await cf.send(new GetDistributionConfigCommand({ Id: dist.Id }));
    await cf.send(new UpdateDistributionCommand({ Id: dist.Id, IfMatch: cfg.ETag, DistributionConfig: { ...cfg.DistributionConfig!, WebACLId: "" } }));
    const failing = await audit();
    expect(Object.keys(failing)).toEqual(["CDN-03"]);
    expect(failing["CDN-03"]).toMatchObject([{ node: "distribution:site", field: "WebACLId", live: undefined }]);
  });
});
