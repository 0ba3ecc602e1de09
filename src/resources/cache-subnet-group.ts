/**
 * Resource kind `cache-subnet-group`.
 * Tests: test/resources/cache-subnet-group.test.ts.
 * Sandbox: src/sandbox/services/elasticache.ts.
 */
import {
  CreateCacheSubnetGroupCommand,
  DeleteCacheSubnetGroupCommand,
  DescribeCacheSubnetGroupsCommand,
  ListTagsForResourceCommand,
  ModifyCacheSubnetGroupCommand,
  paginateDescribeCacheClusters,
  paginateDescribeCacheSubnetGroups,
  type CacheSubnetGroup,
} from "@aws-sdk/client-elasticache";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode, isNotFound } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, listOnce, namedOfNode, orUndefined, retryOn, sameSet } from "./toolkit.js";

/** RED-01: the ElastiCache subnet group over the private or isolated subnets (one per AZ). */
export interface CacheSubnetGroupSpec {
  /** Deterministic name (`<env>-…`); ElastiCache stores it lowercase. */
  name: string;
  description: string;
  subnetIds: string[];
}

/**
 * The ElastiCache resources of this node among `items`: ElastiCache cannot filter a Describe* call by
 * tag, so candidates (found by the env's name prefix) have their tags read one by one.
 */
export async function elastiCacheOfNode<T extends { ARN?: string }>(ctx: ResourceContext, items: readonly T[], name: (item: T) => string | undefined): Promise<T[]> {
  const ec = await ctx.aws.get("elasticache");
  return namedOfNode(ctx, items, name, async (i) => (await orUndefined(ec.send(new ListTagsForResourceCommand({ ResourceName: i.ARN }))))?.TagList);
}

const describeOne = async (ctx: ResourceContext, name: string) => {
  const ec = await ctx.aws.get("elasticache");
  return (await orUndefined(ec.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }))))?.CacheSubnetGroups?.[0];
};

/** Every subnet group of the account and region (one paged read per run, shared by all nodes). */
function allSubnetGroups(ctx: ResourceContext): Promise<CacheSubnetGroup[]> {
  return listOnce(ctx, "elasticache:subnet-groups", "elasticache", paginateDescribeCacheSubnetGroups, {}, (p) => p.CacheSubnetGroups);
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
  findAll: async (ctx) => elastiCacheOfNode(ctx, await allSubnetGroups(ctx), (g) => g.CacheSubnetGroupName),
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
      if (!isNotFound(e)) throw e;
    }
  },
  async blockers(ctx, g) {
    const ec = await ctx.aws.get("elasticache");
    const clusters = await collect(paginateDescribeCacheClusters({ client: ec }, {}), (p) => p.CacheClusters);
    return [...new Set(clusters.filter((c) => c.CacheSubnetGroupName === g.CacheSubnetGroupName).map((c) => `replication group ${c.ReplicationGroupId ?? c.CacheClusterId}`))];
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
