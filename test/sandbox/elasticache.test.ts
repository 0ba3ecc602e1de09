import { describe, expect, it } from "vitest";
import {
  AddTagsToResourceCommand,
  CreateCacheSubnetGroupCommand,
  CreateReplicationGroupCommand,
  DeleteCacheSubnetGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheEngineVersionsCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheServiceException,
  ListTagsForResourceCommand,
  ModifyCacheSubnetGroupCommand,
  ModifyReplicationGroupCommand,
  type CreateReplicationGroupMessage,
} from "@aws-sdk/client-elasticache";
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand } from "@aws-sdk/client-ec2";
import { newSandbox } from "../helpers/sandbox.js";

const TOKEN = "Abcdefghij0123456789-klmnop";

async function setup(opts: Parameters<typeof newSandbox>[0] = {}) {
  const { sandbox, aws } = newSandbox(opts);
  const ec = await aws.get("elasticache");
  const ec2 = await aws.get("ec2");
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  const a = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: "10.0.1.0/24", AvailabilityZone: "eu-west-1a" }))).Subnet!.SubnetId!;
  const b = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: "10.0.2.0/24", AvailabilityZone: "eu-west-1b" }))).Subnet!.SubnetId!;
  const sg = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: "redis", Description: "redis" }))).GroupId!;
  return { sandbox, aws, ec, ec2, vpc, subnets: [a, b], sg };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function failure(p: Promise<unknown>): Promise<ElastiCacheServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ElastiCacheServiceException);
  return e as ElastiCacheServiceException;
}

async function subnetGroup(s: Setup, name = "demo-redis") {
  return (await s.ec.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: name, CacheSubnetGroupDescription: "redis", SubnetIds: s.subnets, Tags: [{ Key: "opsctl:env", Value: "demo" }] }))).CacheSubnetGroup!;
}

function red01(s: Setup, over: Partial<CreateReplicationGroupMessage> = {}): CreateReplicationGroupMessage {
  return {
    ReplicationGroupId: "demo-redis",
    ReplicationGroupDescription: "rate limits",
    Engine: "valkey",
    EngineVersion: "8.0",
    CacheNodeType: "cache.t4g.small",
    NumCacheClusters: 2,
    PreferredCacheClusterAZs: ["eu-west-1a", "eu-west-1b"],
    AutomaticFailoverEnabled: true,
    MultiAZEnabled: true,
    CacheSubnetGroupName: "demo-redis",
    SecurityGroupIds: [s.sg],
    AtRestEncryptionEnabled: true,
    KmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    TransitEncryptionEnabled: true,
    AuthToken: TOKEN,
    Port: 6379,
    Tags: [{ Key: "opsctl:env", Value: "demo" }],
    ...over,
  };
}

const group = async (s: Setup, id = "demo-redis") => (await s.ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0];

describe("simulated ElastiCache: cache subnet groups", () => {
  it("creates from EC2 subnets with their AZs, describes, modifies, refuses duplicates and unknown subnets", async () => {
    const s = await setup();
    const g = await subnetGroup(s, "Demo-Redis");
    expect(g.CacheSubnetGroupName).toBe("demo-redis");
    expect(g.VpcId).toBe(s.vpc);
    expect(g.ARN).toBe("arn:aws:elasticache:eu-west-1:123456789012:subnetgroup:demo-redis");
    expect(g.Subnets!.map((x) => [x.SubnetIdentifier, x.SubnetAvailabilityZone?.Name])).toEqual([
      [s.subnets[0], "eu-west-1a"],
      [s.subnets[1], "eu-west-1b"],
    ]);
    expect((await failure(subnetGroup(s))).name).toBe("CacheSubnetGroupAlreadyExistsFault");
    const bad = await failure(s.ec.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: "x", CacheSubnetGroupDescription: "x", SubnetIds: ["subnet-0000000000000dead"] })));
    expect(bad.name).toBe("InvalidSubnet");
    const mod = await s.ec.send(new ModifyCacheSubnetGroupCommand({ CacheSubnetGroupName: "demo-redis", CacheSubnetGroupDescription: "new", SubnetIds: [s.subnets[0]] }));
    expect(mod.CacheSubnetGroup!.CacheSubnetGroupDescription).toBe("new");
    expect(mod.CacheSubnetGroup!.Subnets).toHaveLength(1);
    expect((await failure(s.ec.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "nope" })))).name).toBe("CacheSubnetGroupNotFoundFault");
    const tags = await s.ec.send(new ListTagsForResourceCommand({ ResourceName: g.ARN }));
    expect(tags.TagList).toEqual([{ Key: "opsctl:env", Value: "demo" }]);
  });

  it("refuses to delete a subnet group while a replication group uses it (CacheSubnetGroupInUse), until it is gone", async () => {
    const s = await setup();
    await subnetGroup(s);
    await s.ec.send(new CreateReplicationGroupCommand(red01(s)));
    expect((await failure(s.ec.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "demo-redis" })))).name).toBe("CacheSubnetGroupInUse");
    await s.sandbox.clock.sleep(480_000);
    await s.ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "demo-redis" }));
    expect((await failure(s.ec.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "demo-redis" })))).name).toBe("CacheSubnetGroupInUse");
    await s.sandbox.clock.sleep(420_000);
    await s.ec.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "demo-redis" }));
    expect((await s.ec.send(new DescribeCacheSubnetGroupsCommand({}))).CacheSubnetGroups).toEqual([]);
  });
});

describe("simulated ElastiCache: replication groups", () => {
  it("creates a RED-01 group: creating for 480 s, then available with two clusters in two AZs and endpoints", async () => {
    const s = await setup();
    await subnetGroup(s);
    const t0 = s.sandbox.clock.now();
    const created = (await s.ec.send(new CreateReplicationGroupCommand(red01(s)))).ReplicationGroup!;
    expect(created.Status).toBe("creating");
    expect(created.NodeGroups![0].PrimaryEndpoint).toBeUndefined();
    expect(created.AuthTokenEnabled).toBe(true);
    expect((await failure(s.ec.send(new CreateReplicationGroupCommand(red01(s))))).name).toBe("ReplicationGroupAlreadyExistsFault");

    await s.sandbox.clock.sleep(479_000);
    expect((await group(s)).Status).toBe("creating");
    await s.sandbox.clock.sleep(1_000);
    expect(s.sandbox.clock.now() - t0).toBe(480_000);
    const g = await group(s);
    expect(g.Status).toBe("available");
    expect(g.MemberClusters).toEqual(["demo-redis-001", "demo-redis-002"]);
    expect(g.AutomaticFailover).toBe("enabled");
    expect(g.MultiAZ).toBe("enabled");
    expect(g.TransitEncryptionEnabled).toBe(true);
    expect(g.AtRestEncryptionEnabled).toBe(true);
    expect(g.KmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(g.Engine).toBe("valkey");
    const ng = g.NodeGroups![0];
    expect(ng.PrimaryEndpoint).toEqual({ Address: expect.stringMatching(/^master\.demo-redis\..*\.euw1\.cache\.amazonaws\.com$/), Port: 6379 });
    expect(ng.ReaderEndpoint!.Address).toMatch(/^replica\.demo-redis\./);
    expect(ng.NodeGroupMembers!.map((m) => [m.CacheClusterId, m.PreferredAvailabilityZone, m.CurrentRole])).toEqual([
      ["demo-redis-001", "eu-west-1a", "primary"],
      ["demo-redis-002", "eu-west-1b", "replica"],
    ]);
    const clusters = (await s.ec.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: true }))).CacheClusters!;
    expect(clusters.map((c) => [c.CacheClusterId, c.EngineVersion, c.CacheSubnetGroupName, c.SecurityGroups![0].SecurityGroupId, c.CacheNodes![0].Endpoint!.Port])).toEqual([
      ["demo-redis-001", "8.0.1", "demo-redis", s.sg, 6379],
      ["demo-redis-002", "8.0.1", "demo-redis", s.sg, 6379],
    ]);
    // The token is stored privately and never returned.
    expect(JSON.stringify(g)).not.toContain(TOKEN);
    expect(s.sandbox.records("eu-west-1", "elasticache", "replicationGroups")[0]._authTokens).toEqual([TOKEN]);
  });

  it("rejects bad combinations and bad AUTH tokens with the reference's errors", async () => {
    const s = await setup();
    await subnetGroup(s);
    const err = async (over: Partial<CreateReplicationGroupMessage>) => (await failure(s.ec.send(new CreateReplicationGroupCommand(red01(s, over))))).name;
    expect(await err({ AutomaticFailoverEnabled: false })).toBe("InvalidParameterCombinationException");
    expect(await err({ NumCacheClusters: 1, PreferredCacheClusterAZs: ["eu-west-1a"] })).toBe("InvalidParameterCombinationException");
    expect(await err({ TransitEncryptionEnabled: false })).toBe("InvalidParameterCombinationException");
    expect(await err({ AuthToken: "short" })).toBe("InvalidParameterValueException");
    expect(await err({ AuthToken: "a".repeat(129) })).toBe("InvalidParameterValueException");
    expect(await err({ AuthToken: "abcdefghijklmnop@q" })).toBe("InvalidParameterValueException");
    expect(await err({ AuthToken: 'abcdefghijklmnop"q' })).toBe("InvalidParameterValueException");
    expect(await err({ AuthToken: "abcdefghijklmnop/q" })).toBe("InvalidParameterValueException");
    expect(await err({ EngineVersion: "5.0" })).toBe("InvalidParameterValueException");
    expect(await err({ Engine: "memcached" })).toBe("InvalidParameterValueException");
    expect(await err({ CacheSubnetGroupName: "missing" })).toBe("CacheSubnetGroupNotFoundFault");
    expect(await err({ SecurityGroupIds: ["sg-00000000000000bad"] })).toBe("InvalidParameterValueException");
    expect(await err({ PreferredCacheClusterAZs: ["eu-west-1a", "eu-west-1c"] })).toBe("InvalidParameterValueException");
    expect(await err({ ReplicationGroupId: "1bad" })).toBe("InvalidParameterValueException");
    expect(await err({ Engine: "redis", EngineVersion: "7.1", AtRestEncryptionEnabled: false })).toBe("InvalidParameterCombinationException");
    // Nothing was created by the refused calls.
    expect((await s.ec.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups).toEqual([]);
    // The allowed special characters pass.
    await s.ec.send(new CreateReplicationGroupCommand(red01(s, { AuthToken: "Ab1!&#$^<>-xyzwvu" })));
  });

  it("pages DescribeReplicationGroups and answers ReplicationGroupNotFoundFault", async () => {
    const s = await setup();
    await subnetGroup(s);
    for (let i = 0; i < 25; i++) await s.ec.send(new CreateReplicationGroupCommand(red01(s, { ReplicationGroupId: `rg-${String(i).padStart(2, "0")}` })));
    const p1 = await s.ec.send(new DescribeReplicationGroupsCommand({ MaxRecords: 20 }));
    expect(p1.ReplicationGroups).toHaveLength(20);
    const p2 = await s.ec.send(new DescribeReplicationGroupsCommand({ MaxRecords: 20, Marker: p1.Marker }));
    expect(p2.ReplicationGroups!.map((g) => g.ReplicationGroupId)).toEqual(["rg-20", "rg-21", "rg-22", "rg-23", "rg-24"]);
    expect(p2.Marker).toBeUndefined();
    expect((await failure(s.ec.send(new DescribeReplicationGroupsCommand({ MaxRecords: 5 })))).name).toBe("InvalidParameterValueException");
    expect((await failure(group(s, "nope"))).name).toBe("ReplicationGroupNotFoundFault");
    expect((await failure(s.ec.send(new DescribeCacheClustersCommand({ CacheClusterId: "nope-001" })))).name).toBe("CacheClusterNotFoundFault");
  });

  it("modifies (modifying → available), rotates the AUTH token (ROTATE keeps both, SET only after ROTATE)", async () => {
    const s = await setup();
    await subnetGroup(s);
    await s.ec.send(new CreateReplicationGroupCommand(red01(s)));
    expect((await failure(s.ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "demo-redis", ReplicationGroupDescription: "x" })))).name).toBe("InvalidReplicationGroupStateFault");
    await s.sandbox.clock.sleep(480_000);
    const set = await failure(s.ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "demo-redis", AuthToken: "Zyxwvutsrqponmlk0", AuthTokenUpdateStrategy: "SET", ApplyImmediately: true })));
    expect(set.name).toBe("InvalidParameterCombinationException");
    const rot = (await s.ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "demo-redis", AuthToken: "Zyxwvutsrqponmlk0", AuthTokenUpdateStrategy: "ROTATE", ApplyImmediately: true }))).ReplicationGroup!;
    expect(rot.Status).toBe("modifying");
    expect(rot.PendingModifiedValues?.AuthTokenStatus).toBe("ROTATING");
    expect(s.sandbox.records("eu-west-1", "elasticache", "replicationGroups")[0]._authTokens).toEqual([TOKEN, "Zyxwvutsrqponmlk0"]);
    expect((await failure(s.ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "demo-redis" })))).name).toBe("InvalidReplicationGroupStateFault");
    await s.sandbox.clock.sleep(60_000);
    expect((await group(s)).Status).toBe("available");
    await s.ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "demo-redis", AuthToken: "Zyxwvutsrqponmlk0", AuthTokenUpdateStrategy: "SET", ApplyImmediately: true }));
    expect(s.sandbox.records("eu-west-1", "elasticache", "replicationGroups")[0]._authTokens).toEqual(["Zyxwvutsrqponmlk0"]);
    await s.sandbox.clock.sleep(60_000);
    const bad = await failure(s.ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "demo-redis", AuthToken: "abcdefghijklmnop%", ApplyImmediately: true })));
    expect(bad.name).toBe("InvalidParameterValueException");
    const multi = await failure(s.ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "demo-redis", AutomaticFailoverEnabled: false, ApplyImmediately: true })));
    expect(multi.name).toBe("InvalidParameterCombinationException");
    const down = await failure(s.ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "demo-redis", EngineVersion: "7.2", ApplyImmediately: true })));
    expect(down.name).toBe("InvalidParameterCombinationException");
  });

  it("deletes with a final snapshot: deleting for 420 s, then gone; the snapshot remains", async () => {
    const s = await setup();
    await subnetGroup(s);
    await s.ec.send(new CreateReplicationGroupCommand(red01(s)));
    await s.sandbox.clock.sleep(480_000);
    const d = (await s.ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "demo-redis", FinalSnapshotIdentifier: "demo-redis-final-1" }))).ReplicationGroup!;
    expect(d.Status).toBe("deleting");
    expect((await failure(s.ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "demo-redis" })))).name).toBe("InvalidReplicationGroupStateFault");
    await s.sandbox.clock.sleep(419_000);
    expect((await group(s)).Status).toBe("deleting");
    await s.sandbox.clock.sleep(1_000);
    expect((await failure(group(s))).name).toBe("ReplicationGroupNotFoundFault");
    const snaps = (await s.ec.send(new DescribeSnapshotsCommand({ ReplicationGroupId: "demo-redis" }))).Snapshots!;
    expect(snaps.map((x) => x.SnapshotName)).toEqual(["demo-redis-final-1"]);
  });

  it("tags by ARN, lists engine versions, hides new groups during the NotFound lag", async () => {
    const s = await setup();
    s.sandbox.faults = { notFoundLagMs: 10_000 };
    await subnetGroup(s);
    expect((await failure(s.ec.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "demo-redis" })))).name).toBe("CacheSubnetGroupNotFoundFault");
    await s.sandbox.clock.sleep(10_000);
    const g = (await s.ec.send(new CreateReplicationGroupCommand(red01(s)))).ReplicationGroup!;
    expect((await failure(group(s))).name).toBe("ReplicationGroupNotFoundFault");
    await s.sandbox.clock.sleep(10_000);
    await s.ec.send(new AddTagsToResourceCommand({ ResourceName: g.ARN, Tags: [{ Key: "team", Value: "api" }] }));
    expect((await s.ec.send(new ListTagsForResourceCommand({ ResourceName: g.ARN }))).TagList).toEqual([
      { Key: "opsctl:env", Value: "demo" },
      { Key: "team", Value: "api" },
    ]);
    expect((await failure(s.ec.send(new ListTagsForResourceCommand({ ResourceName: "not-an-arn" })))).name).toBe("InvalidARNFault");
    const v = (await s.ec.send(new DescribeCacheEngineVersionsCommand({}))).CacheEngineVersions!.map((x) => `${x.Engine} ${x.EngineVersion}`);
    expect(v).toEqual(expect.arrayContaining(["redis 7.1.0", "valkey 7.2.6", "valkey 8.0.1"]));
  });
});
