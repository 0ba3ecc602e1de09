/**
 * Resource kind `ecs-cluster`.
 * Tests: test/resources/ecs-cluster.test.ts.
 * Sandbox: src/sandbox/services/ecs.ts.
 */
import { CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, UpdateClusterSettingsCommand, paginateListClusters, type Cluster } from "@aws-sdk/client-ecs";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, deleted, ownedBy, retryOn } from "./toolkit.js";

/** ECS-01: the Fargate cluster, with Container Insights. */
export interface EcsClusterSpec {
  name: string;
}

/** ECS tags are `{key, value}` (lower case). */
export function ecsTags(ctx: ResourceContext): { key: string; value: string }[] {
  return ctx.tags().map((t) => ({ key: t.Key, value: t.Value }));
}

/** Container Insights: "enhanced" (with enhanced observability) includes what "enabled" gives. */
const INSIGHTS_ON = ["enabled", "enhanced"];

async function byName(ctx: ResourceContext, name: string): Promise<Cluster | undefined> {
  const ecs = await ctx.aws.get("ecs");
  const r = await ecs.send(new DescribeClustersCommand({ clusters: [name], include: ["SETTINGS", "TAGS"] }));
  return r.clusters?.[0];
}

/** Every ACTIVE cluster with its tags (one list + one batched describe per run). */
export function allClusters(ctx: ResourceContext): Promise<Cluster[]> {
  return ctx.once("ecs:clusters", async () => {
    const ecs = await ctx.aws.get("ecs");
    const arns = await collect(paginateListClusters({ client: ecs }, {}), (p) => p.clusterArns);
    const out: Cluster[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      out.push(...((await ecs.send(new DescribeClustersCommand({ clusters: arns.slice(i, i + 100), include: ["SETTINGS", "TAGS"] }))).clusters ?? []));
    }
    return out;
  });
}

const insights = (c: Cluster) => c.settings?.find((s) => s.name === "containerInsights")?.value;

export const ecsCluster: ResourceKind<EcsClusterSpec, Cluster, ResourceContext, { id: string; name: string; arn: string }> = {
  kind: "ecs-cluster",
  budget: { create: slowMs("ecs.cluster.create"), delete: slowMs("ecs.service.drain") },
  typicalCreateMs: typicalMs("ecs.cluster.create"),

  async find(ctx, spec) {
    if (spec) {
      const c = await byName(ctx, spec.name);
      return c?.status === "ACTIVE" ? c : undefined;
    }
    return (await allClusters(ctx)).find((c) => c.status === "ACTIVE" && ownedBy(ctx, c.tags));
  },
  diff(_spec, c) {
    const v = insights(c);
    return v && INSIGHTS_ON.includes(v) ? [] : ([{ field: "containerInsights", from: v ?? "disabled", to: "enabled" }] satisfies FieldChange[]);
  },
  async create(ctx, spec) {
    const ecs = await ctx.aws.get("ecs");
    // CreateCluster is idempotent by name: a repeat after a crash answers the same cluster.
    const r = await ecs.send(
      new CreateClusterCommand({
        clusterName: spec.name,
        settings: [{ name: "containerInsights", value: "enabled" }],
        capacityProviders: ["FARGATE"],
        defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
        tags: ecsTags(ctx),
      }),
    );
    return r.cluster!;
  },
  async update(ctx, _spec, c) {
    const ecs = await ctx.aws.get("ecs");
    await ecs.send(new UpdateClusterSettingsCommand({ cluster: c.clusterArn, settings: [{ name: "containerInsights", value: "enabled" }] }));
    return (await byName(ctx, c.clusterName!)) ?? c;
  },
  async delete(ctx, c) {
    const ecs = await ctx.aws.get("ecs");
    // Services still draining or tasks still stopping keep the cluster: try again later.
    await deleted(retryOn(["ClusterContainsServicesException", "ClusterContainsTasksException"], `cluster ${c.clusterName}`, () => ecs.send(new DeleteClusterCommand({ cluster: c.clusterArn })), 10_000));
  },
  async blockers(ctx, c) {
    const cur = await byName(ctx, c.clusterName!);
    if (!cur) return [];
    const b: string[] = [];
    if (cur.activeServicesCount) b.push(`${cur.activeServicesCount} active service(s) in cluster ${c.clusterName}`);
    const n = (cur.runningTasksCount ?? 0) + (cur.pendingTasksCount ?? 0);
    if (n) b.push(`${n} task(s) in cluster ${c.clusterName}`);
    return b;
  },
  refresh: (ctx, c) => byName(ctx, c.clusterName!),
  isGone: (c) => c.status === "INACTIVE",
  failure: (c) => (c.status === "INACTIVE" || c.status === "FAILED" ? `it is ${c.status}` : undefined),
  isReady: (c) => c.status === "ACTIVE",
  describe: (c) => ({
    id: c.clusterName!,
    state: (c.status ?? "unknown").toLowerCase(),
    healthy: c.status === "ACTIVE" && INSIGHTS_ON.includes(insights(c) ?? ""),
    details: { arn: c.clusterArn, containerInsights: insights(c), services: c.activeServicesCount, runningTasks: c.runningTasksCount },
  }),
  outputs: (c) => ({ id: c.clusterName!, name: c.clusterName!, arn: c.clusterArn! }),
};
