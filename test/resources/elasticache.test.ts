import { gatherEnvironmentFacts } from "../../src/operations/environment.js";
import { describe, expect, it } from "vitest";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { networkNodes } from "../../plans/network.js";

/** The network layer only: these tests add their own nodes on top. */
const environmentPlan = (config: Parameters<typeof networkNodes>[0], facts: Parameters<typeof networkNodes>[1]) => ({ name: "network", nodes: networkNodes(config, facts) });
import { down, up } from "../../src/engine/reconcile.js";
import type { Plan, PlanNode } from "../../src/engine/plan.js";
import type { EngineEvent } from "../../src/engine/events.js";
import { contextFactory, type Facts, type ResourceContext } from "../../src/resources/context.js";
import { secret } from "../../src/resources/secret.js";
import { cacheSubnetGroup } from "../../src/resources/cache-subnet-group.js";
import { generateAuthToken, redisSecretValue, replicationGroup, writeRedisSecretEndpoint } from "../../src/resources/replication-group.js";
import { slowMs, typicalMs } from "../../src/aws/durations.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { sandboxSession, taggedInventory, subplan, expectNoopRerun, effectiveWrites } from "../helpers/env.js";

const KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** The data-layer nodes of RED-01 added to the network plan (the lead's plan will hold the real ones). */
function redisNodes(facts: Facts): PlanNode<ResourceContext>[] {
  return [
    {
      id: "secret:redis",
      deps: [],
      resource: secret,
      spec: () => ({ name: "demo/redis", description: "opsctl demo: Redis AUTH token", generate: () => redisSecretValue("", 6379, generateAuthToken()), recoveryWindowDays: 7 }),
      controls: ["RED-01"],
    },
    {
      id: "cache-subnet-group:redis",
      deps: ["subnet:isolated-a", "subnet:isolated-b"],
      resource: cacheSubnetGroup,
      spec: (r) => ({ name: "demo-redis", description: "opsctl demo: Redis", subnetIds: [r.id("subnet:isolated-a"), r.id("subnet:isolated-b")] }),
      controls: ["RED-01"],
    },
    {
      id: "replication-group:redis",
      deps: ["cache-subnet-group:redis", "security-group:redis", "secret:redis"],
      resource: replicationGroup,
      spec: (r) => ({
        id: "demo-redis",
        description: "opsctl demo: rate limits",
        engine: "valkey",
        engineVersion: "8.0",
        nodeType: "cache.t4g.small",
        subnetGroupName: r.id("cache-subnet-group:redis"),
        securityGroupIds: [r.id("security-group:redis")],
        kmsKeyId: KMS_KEY,
        authTokenSecretArn: String(r.out("secret:redis").arn),
        azs: facts.azs,
      }),
      controls: ["RED-01", "SG-04"],
    },
  ];
}


async function setup(sandbox?: Sandbox, faults?: Sandbox["faults"]) {
  const s = sandboxSession({ sandbox, faults });
  const facts = await gatherEnvironmentFacts(s.aws, s.config);
  const base = environmentPlan(s.config, facts);
  const plan: Plan<ResourceContext> = { name: "redis", nodes: [...base.nodes, ...redisNodes(facts)] };
  const events: EngineEvent[] = [];
  const opts = (deleteData = false) => {
    // A fresh context factory per run, as a new CLI invocation would have (no cached reads).
    const fresh = contextFactory({ env: "demo", region: "eu-west-1", aws: s.aws, clock: s.clock, facts, flags: { deleteData } });
    return { clock: s.clock, makeContext: (n: PlanNode<ResourceContext>) => fresh(n.id), emit: (e: EngineEvent) => void events.push(e) };
  };
  return { s, plan, opts, facts, events };
}

const writes = (s: ReturnType<typeof sandboxSession>) => effectiveWrites(s.sandbox);
const live = (s: ReturnType<typeof sandboxSession>) => taggedInventory(s.sandbox, "demo").filter(({ rec }) => !rec.DeletedDate && rec.State !== "deleted" && rec.State?.Name !== "terminated");

describe("ElastiCache modules (RED-01): create, run again with zero writes, down leaves nothing", () => {
  for (const nodeId of ["cache-subnet-group:redis", "replication-group:redis"]) {
    it(nodeId, async () => {
      const { s, plan, opts } = await setup();
      const sub = subplan(plan, nodeId);
      const first = await up(sub, opts());
      expect(first.ok).toBe(true);
      const target = first.outcomes.find((o) => o.node === nodeId)!;
      expect(target.action).toBe("create");
      expect(target.description?.healthy).toBe(true);

      await expectNoopRerun(sub, opts(), s.sandbox);

      const gone = await down(sub, opts());
      expect(gone.ok).toBe(true);
      expect(live(s).map((l) => l.key)).toEqual([]);
      expect(s.sandbox.records("eu-west-1", "elasticache", "replicationGroups")).toEqual([]);
      expect(s.sandbox.records("eu-west-1", "elasticache", "subnetGroups")).toEqual([]);
      const b2 = writes(s);
      const again = await down(sub, opts());
      expect(again.ok).toBe(true);
      expect(writes(s) - b2).toBe(0);
    });
  }
});

describe("replication-group: the RED-01 controls", () => {
  it("CreateReplicationGroup carries every RED-01 control and the secret's AUTH token, which is never printed", async () => {
    const { s, plan, opts, facts, events } = await setup();
    const report = await up(subplan(plan, "replication-group:redis"), opts());
    expect(report.ok).toBe(true);
    const calls = s.sandbox.journal.filter((j) => j.operation === "CreateReplicationGroup");
    expect(calls).toHaveLength(1);
    const input = calls[0].input as Record<string, any>;
    const sm = await s.aws.get("secrets");
    const stored = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: "demo/redis" }))).SecretString!);
    expect(stored.authToken).toMatch(/^[A-Za-z0-9]{64}$/);
    const sg = report.outcomes.find((o) => o.node === "security-group:redis")!.id;
    expect(input).toMatchObject({
      ReplicationGroupId: "demo-redis",
      Engine: "valkey",
      NumCacheClusters: 2,
      PreferredCacheClusterAZs: facts.azs,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      CacheSubnetGroupName: "demo-redis",
      SecurityGroupIds: [sg],
      AtRestEncryptionEnabled: true,
      KmsKeyId: KMS_KEY,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: "required",
      AuthToken: stored.authToken,
      Port: 6379,
    });
    expect(input.Tags).toEqual(
      expect.arrayContaining([
        { Key: "opsctl:env", Value: "demo" },
        { Key: "opsctl:node", Value: "replication-group:redis" },
        { Key: "Name", Value: "demo-redis" },
      ]),
    );
    const rg = report.outcomes.find((o) => o.node === "replication-group:redis")!;
    expect(rg.description?.details).toMatchObject({
      engine: "valkey 8.0.1",
      nodeType: "cache.t4g.small",
      nodes: [`demo-redis-001 (${facts.azs[0]}, primary)`, `demo-redis-002 (${facts.azs[1]}, replica)`],
      automaticFailover: "enabled",
      multiAZ: "enabled",
      transitEncryption: "on (required)",
      atRestEncryption: `on (${KMS_KEY})`,
      authToken: "enabled",
      primaryEndpoint: expect.stringMatching(/^master\.demo-redis\..*:6379$/),
    });
    expect(JSON.stringify({ outcomes: report.outcomes, events })).not.toContain(stored.authToken);
  });

  it("waits through the 480 s create on the simulated clock within its budget (the SDK waiter's 10 minutes are not used)", async () => {
    const { s, plan, opts } = await setup();
    const report = await up(subplan(plan, "replication-group:redis"), opts());
    expect(report.ok).toBe(true);
    const o = report.outcomes.find((x) => x.node === "replication-group:redis")!;
    const took = o.endedAt! - o.startedAt!;
    expect(took).toBeGreaterThanOrEqual(typicalMs("elasticache.replication-group.create"));
    expect(took).toBeLessThan(replicationGroup.budget.create);
    expect(replicationGroup.budget.create).toBe(slowMs("elasticache.replication-group.create"));
    expect(replicationGroup.budget.create).toBeGreaterThan(10 * 60_000);
    expect(s.sandbox.records("eu-west-1", "elasticache", "replicationGroups")[0].Status).toBe("available");
  });

  it("down takes a final snapshot named after the group and the time; --delete-data skips it", async () => {
    const { s, plan, opts } = await setup();
    const sub = subplan(plan, "replication-group:redis");
    expect((await up(sub, opts())).ok).toBe(true);
    expect((await down(sub, opts())).ok).toBe(true);
    const del = s.sandbox.journal.find((j) => j.operation === "DeleteReplicationGroup")!.input as Record<string, any>;
    expect(del.FinalSnapshotIdentifier).toMatch(/^demo-redis-final-\d{14}$/);
    expect(s.sandbox.records("eu-west-1", "elasticache", "snapshots").map((x) => x.SnapshotName)).toEqual([del.FinalSnapshotIdentifier]);

    const t = await setup();
    const sub2 = subplan(t.plan, "replication-group:redis");
    expect((await up(sub2, t.opts())).ok).toBe(true);
    expect((await down(sub2, t.opts(true))).ok).toBe(true);
    const del2 = t.s.sandbox.journal.find((j) => j.operation === "DeleteReplicationGroup")!.input as Record<string, any>;
    expect(del2.FinalSnapshotIdentifier).toBeUndefined();
    expect(t.s.sandbox.records("eu-west-1", "elasticache", "snapshots")).toEqual([]);
  });

  it("a drifted group is repaired in place (failover, Multi-AZ, description); redis → valkey applied, subnet group reported, not applied", async () => {
    const { s, plan, opts } = await setup();
    const sub = subplan(plan, "replication-group:redis");
    expect((await up(sub, opts())).ok).toBe(true);
    const rec = s.sandbox.records("eu-west-1", "elasticache", "replicationGroups")[0];
    rec.MultiAZ = "disabled";
    rec.AutomaticFailover = "disabled";
    rec.Description = "changed by hand";
    const fixed = await up(sub, opts());
    expect(fixed.ok).toBe(true);
    const o = fixed.outcomes.find((x) => x.node === "replication-group:redis")!;
    expect(o.action).toBe("update");
    expect(o.changes.map((c) => c.field).sort()).toEqual(["AutomaticFailover", "Description", "MultiAZ"]);
    const mod = s.sandbox.journal.filter((j) => j.operation === "ModifyReplicationGroup" && !j.error);
    expect(mod).toHaveLength(1);
    expect(mod[0].input).toMatchObject({ AutomaticFailoverEnabled: true, MultiAZEnabled: true, ApplyImmediately: true });
    expect(rec.MultiAZ).toBe("enabled");

    rec.Engine = "redis";
    rec._subnetGroup = "other";
    const blocked = await up(sub, opts());
    const b = blocked.outcomes.find((x) => x.node === "replication-group:redis")!;
    // redis → valkey is an in-place upgrade in the reference: applied; the subnet group cannot change.
    expect(b.changes.map((c) => c.field)).toEqual(["Engine"]);
    expect(b.blocked.map((c) => c.field)).toEqual(["CacheSubnetGroupName"]);
  });

  it("a group without in-transit encryption or AUTH is migrated in place: preferred, required, then ROTATE and SET the secret's token", async () => {
    const { s, plan, opts } = await setup();
    const sub = subplan(plan, "replication-group:redis");
    expect((await up(sub, opts())).ok).toBe(true);
    const rec = s.sandbox.records("eu-west-1", "elasticache", "replicationGroups")[0];
    const token = rec._authTokens[0];
    Object.assign(rec, { TransitEncryptionEnabled: false, AuthTokenEnabled: false, _authTokens: [] });
    delete rec.TransitEncryptionMode;
    const fixed = await up(sub, opts());
    expect(fixed.ok).toBe(true);
    const mods = s.sandbox.journal.filter((j) => j.operation === "ModifyReplicationGroup" && !j.error).map((j) => j.input as Record<string, any>);
    expect(mods.map((m) => m.TransitEncryptionMode ?? m.AuthTokenUpdateStrategy)).toEqual(["preferred", "required", "ROTATE", "SET"]);
    expect(rec).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: "required", AuthTokenEnabled: true, _authTokens: [token] });
    const before = writes(s);
    expect((await up(sub, opts())).ok).toBe(true);
    expect(writes(s) - before).toBe(0);
  });

  it("the Redis secret gets the endpoint once (PutSecretValue only when host/port differ), keeping the token", async () => {
    const { s, plan, opts } = await setup();
    const report = await up(subplan(plan, "replication-group:redis"), opts());
    const out = report.outcomes.find((o) => o.node === "replication-group:redis")!;
    const host = String(out.description!.details!.primaryEndpoint).split(":")[0];
    const ctx = opts().makeContext(plan.nodes.find((n) => n.id === "secret:redis")!);
    const arn = report.outcomes.find((o) => o.node === "secret:redis")!.description!.details!.arn as string;
    expect(await writeRedisSecretEndpoint(ctx, arn, host, 6379)).toBe(true);
    expect(await writeRedisSecretEndpoint(ctx, arn, host, 6379)).toBe(false);
    const sm = await s.aws.get("secrets");
    const v = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString!);
    const token = (s.sandbox.journal.find((j) => j.operation === "CreateReplicationGroup")!.input as Record<string, any>).AuthToken;
    expect(v).toEqual({ host, port: 6379, authToken: token });
    expect(s.sandbox.journal.filter((j) => j.operation === "PutSecretValue")).toHaveLength(1);
  });

  it("generateAuthToken: 64 characters the CreateReplicationGroup rules accept, different every time", () => {
    const a = generateAuthToken();
    expect(a).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(generateAuthToken()).not.toBe(a);
  });
});

describe("replication-group: crash after every write of a from-zero up, then up again", () => {
  it("converges to exactly one replication group, subnet group and secret for every k", async () => {
    const clean = await setup();
    const sub = subplan(clean.plan, "replication-group:redis");
    expect((await up(sub, clean.opts())).ok).toBe(true);
    const total = writes(clean.s);
    // VPC, isolated subnets, cache subnet group, security group, key, secret, replication group…
    expect(total).toBeGreaterThan(6);
    const expected = live(clean.s).map((r) => `${r.key.split("/").slice(1, 3).join("/")} ${r.node}`).sort();

    const failures: string[] = [];
    for (let k = 1; k <= total; k++) {
      const crashed = await setup(undefined, { crashAfterWrites: k });
      const r1 = await up(subplan(crashed.plan, "replication-group:redis"), crashed.opts());
      if (r1.ok) failures.push(`k=${k}: the crash did not stop the run`);
      const again = await setup(crashed.s.sandbox, {});
      const r2 = await up(subplan(again.plan, "replication-group:redis"), again.opts());
      if (!r2.ok) {
        const f = r2.outcomes.find((o) => o.status === "failed");
        failures.push(`k=${k}: resume failed at ${f?.node}: ${String((f?.error as Error)?.message)}`);
        continue;
      }
      const rgs = again.s.sandbox.records("eu-west-1", "elasticache", "replicationGroups");
      if (rgs.length !== 1 || rgs[0].Status !== "available") failures.push(`k=${k}: ${rgs.length} replication groups`);
      const got = live(again.s).map((r) => `${r.key.split("/").slice(1, 3).join("/")} ${r.node}`).sort();
      if (JSON.stringify(got) !== JSON.stringify(expected)) failures.push(`k=${k}: inventory ${JSON.stringify(got)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it("with the NotFound lag, a crash right after CreateReplicationGroup still gives one group", async () => {
    const clean = await setup();
    const sub = subplan(clean.plan, "replication-group:redis");
    await up(sub, clean.opts());
    const k = clean.s.sandbox.journal.filter((j) => j.write && !j.error).findIndex((j) => j.operation === "CreateReplicationGroup") + 1;
    const crashed = await setup(undefined, { crashAfterWrites: k, notFoundLagMs: 60_000 });
    expect((await up(subplan(crashed.plan, "replication-group:redis"), crashed.opts())).ok).toBe(false);
    expect(crashed.s.sandbox.journal.filter((j) => j.write && !j.error).at(-1)?.operation).toBe("CreateReplicationGroup");
    const again = await setup(crashed.s.sandbox, { notFoundLagMs: 60_000 });
    // The group was created a moment ago: still invisible, so find() misses it and the create answers AlreadyExists.
    const r2 = await up(subplan(again.plan, "replication-group:redis"), again.opts());
    expect(r2.ok).toBe(true);
    expect(again.s.sandbox.records("eu-west-1", "elasticache", "replicationGroups")).toHaveLength(1);
    expect(again.s.sandbox.journal.filter((j) => j.operation === "CreateReplicationGroup").at(-1)?.error).toBe("ReplicationGroupAlreadyExistsFault");
  });
});
