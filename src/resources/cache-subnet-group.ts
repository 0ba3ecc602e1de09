/**
 * Resource kind `cache-subnet-group`.
 * Tests: test/resources/cache-subnet-group.test.ts.
 * Sandbox: src/sandbox/services/elasticache.ts.
 */
import {
  CreateCacheSubnetGroupCommand,
  DeleteCacheSubnetGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheSubnetGroupsCommand,
  ListTagsForResourceCommand,
  ModifyCacheSubnetGroupCommand,
  type CacheSubnetGroup,
} from "@aws-sdk/client-elasticache";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { TAG_ENV, TAG_NODE, tagValue, type ResourceContext } from "./context.js";
import { retryOn, sameSet } from "./ec2-common.js";

/** RED-01: the ElastiCache subnet group over the private or isolated subnets (one per AZ). */
export interface CacheSubnetGroupSpec {
  /** Deterministic name (`<env>-…`); ElastiCache stores it lowercase. */
  name: string;
  description: string;
  subnetIds: string[];
}

/**
 * ElastiCache's NotFound faults end in `Fault` (ReplicationGroupNotFoundFault …), which the
 * shared `isNotFound` does not recognise: this list is what "gone / not visible yet" means here.
 */
export const ELASTICACHE_NOT_FOUND = ["CacheSubnetGroupNotFoundFault", "ReplicationGroupNotFoundFault", "CacheClusterNotFoundFault", "SnapshotNotFoundFault"];

/** Awaits an ElastiCache call; its NotFound faults become undefined. */
export async function ecOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isCode(e, ...ELASTICACHE_NOT_FOUND)) return undefined;
    throw e;
  }
}

/**
 * True when the ElastiCache resource `arn` carries this node's tags. ElastiCache cannot filter a
 * Describe* call by tag, so candidates (found by the env's name prefix) are checked one by one.
 */
export async function ownedByNode(ctx: ResourceContext, arn: string): Promise<boolean> {
  const ec = await ctx.aws.get("elasticache");
  const tags = (await ecOrUndefined(ec.send(new ListTagsForResourceCommand({ ResourceName: arn }))))?.TagList;
  return tagValue(tags, TAG_ENV) === ctx.env && tagValue(tags, TAG_NODE) === ctx.node;
}

const describeOne = async (ctx: ResourceContext, name: string) => {
  const ec = await ctx.aws.get("elasticache");
  return (await ecOrUndefined(ec.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }))))?.CacheSubnetGroups?.[0];
};

/** Every subnet group of the account and region (one paged read per run, shared by all nodes). */
function allSubnetGroups(ctx: ResourceContext): Promise<CacheSubnetGroup[]> {
  return ctx.once("elasticache:subnet-groups", async () => {
    const ec = await ctx.aws.get("elasticache");
    const out: CacheSubnetGroup[] = [];
    let Marker: string | undefined;
    do {
      const r = await ec.send(new DescribeCacheSubnetGroupsCommand({ Marker }));
      out.push(...(r.CacheSubnetGroups ?? []));
      Marker = r.Marker;
    } while (Marker);
    return out;
  });
}

const subnetIdsOf = (g: CacheSubnetGroup) => (g.Subnets ?? []).map((s) => s.SubnetIdentifier!);

export const cacheSubnetGroup: ResourceKind<CacheSubnetGroupSpec, CacheSubnetGroup, ResourceContext, { id: string; arn: string | undefined; vpcId: string | undefined; subnetIds: string[] }> = {
  kind: "cache-subnet-group",
  // The durations table has no ElastiCache subnet-group entry; it is the same metadata-only call as RDS's.
  budget: { create: slowMs("rds.subnet-group.create"), delete: slowMs("elasticache.replication-group.delete") },
  typicalCreateMs: typicalMs("rds.subnet-group.create"),

  async find(ctx, spec) {
    if (spec) return describeOne(ctx, spec.name.toLowerCase());
    return (await this.findAll!(ctx))[0];
  },
  async findAll(ctx) {
    const prefix = `${ctx.env}-`.toLowerCase();
    const mine: CacheSubnetGroup[] = [];
    for (const g of await allSubnetGroups(ctx)) {
      if (g.CacheSubnetGroupName?.startsWith(prefix) && (await ownedByNode(ctx, g.ARN!))) mine.push(g);
    }
    return mine;
  },
  diff(spec, g) {
    const c: FieldChange[] = [];
    if ((g.CacheSubnetGroupDescription ?? "") !== spec.description) c.push({ field: "Description", from: g.CacheSubnetGroupDescription, to: spec.description });
    if (!sameSet(subnetIdsOf(g), spec.subnetIds)) c.push({ field: "SubnetIds", from: subnetIdsOf(g), to: spec.subnetIds });
    return c;
  },
  async create(ctx, spec) {
    const ec = await ctx.aws.get("elasticache");
    try {
      // A subnet still invisible to ElastiCache (EC2 eventual consistency) answers InvalidSubnet.
      const r = await retryOn(["InvalidSubnet"], ctx.node, () =>
        ec.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: spec.name, CacheSubnetGroupDescription: spec.description, SubnetIds: spec.subnetIds, Tags: ctx.tags() })),
      );
      return r.CacheSubnetGroup!;
    } catch (e) {
      // Created by a run that crashed before hearing the answer (no client token in this API).
      if (!isCode(e, "CacheSubnetGroupAlreadyExistsFault")) throw e;
      const g = await describeOne(ctx, spec.name.toLowerCase());
      if (!g) throw new TryAgainLater(`cache subnet group ${spec.name} not visible yet`, 1_000);
      return g;
    }
  },
  async update(ctx, spec, g) {
    const ec = await ctx.aws.get("elasticache");
    const r = await retryOn(["InvalidSubnet"], ctx.node, () =>
      ec.send(new ModifyCacheSubnetGroupCommand({ CacheSubnetGroupName: g.CacheSubnetGroupName, CacheSubnetGroupDescription: spec.description, SubnetIds: spec.subnetIds })),
    );
    return r.CacheSubnetGroup ?? g;
  },
  async delete(ctx, g) {
    const ec = await ctx.aws.get("elasticache");
    try {
      // In use until the replication group that uses it is completely gone.
      await retryOn(["CacheSubnetGroupInUse"], ctx.node, () => ec.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: g.CacheSubnetGroupName })), 15_000);
    } catch (e) {
      if (!isCode(e, ...ELASTICACHE_NOT_FOUND)) throw e;
    }
  },
  async blockers(ctx, g) {
    const ec = await ctx.aws.get("elasticache");
    const users = new Set<string>();
    let Marker: string | undefined;
    do {
      const r = await ec.send(new DescribeCacheClustersCommand({ Marker }));
      for (const c of r.CacheClusters ?? []) if (c.CacheSubnetGroupName === g.CacheSubnetGroupName) users.add(`replication group ${c.ReplicationGroupId ?? c.CacheClusterId}`);
      Marker = r.Marker;
    } while (Marker);
    return [...users];
  },
  refresh: (ctx, g) => describeOne(ctx, g.CacheSubnetGroupName!),
  describe: (g) => ({
    id: g.CacheSubnetGroupName!,
    state: "available",
    healthy: true,
    details: { vpc: g.VpcId, subnets: (g.Subnets ?? []).map((s) => `${s.SubnetIdentifier} (${s.SubnetAvailabilityZone?.Name})`) },
  }),
  outputs: (g) => ({ id: g.CacheSubnetGroupName!, arn: g.ARN, vpcId: g.VpcId, subnetIds: subnetIdsOf(g) }),
};
