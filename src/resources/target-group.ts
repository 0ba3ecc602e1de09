/**
 * Resource kind `target-group`.
 * Tests: test/resources/target-group.test.ts.
 * Sandbox: src/sandbox/services/elbv2.ts.
 */
import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  type Tag,
  type TargetGroup,
  paginateDescribeTargetGroups,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, orUndefined, ownedBy, retryOn } from "./toolkit.js";
import { envElbResources } from "./load-balancer.js";

/** ALB-02: an IP target group (Fargate tasks) with the API's health check and a short deregistration delay. */
export interface TargetGroupSpec {
  /** ≤ 32 characters; unique per region. */
  name: string;
  vpcId: string;
  /** The tasks' port. */
  port: number;
  healthCheckPath: string;
  /** Default 30 s (AWS's default of 300 s makes every deployment wait five minutes per task). */
  deregistrationDelaySeconds?: number;
}

/** The target group with its attributes. */
export interface TargetGroupActual {
  tg: TargetGroup;
  attributes: Record<string, string>;
}

/** Health check settings opsctl gives every target group: a task is healthy after 2 × 15 s. */
const HEALTH = { HealthCheckIntervalSeconds: 15, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2, UnhealthyThresholdCount: 3, Matcher: { HttpCode: "200" } };

const DELAY = "deregistration_delay.timeout_seconds";

function envTargetGroups(ctx: ResourceContext): Promise<{ item: TargetGroup; tags: Tag[] }[]> {
  return ctx.once("elbv2:target-groups", async () => {
    const elb = await ctx.aws.get("elbv2");
    const all = await collect(paginateDescribeTargetGroups({ client: elb }, { PageSize: 400 }), (p) => p.TargetGroups);
    return envElbResources(ctx, all, (tg) => tg.TargetGroupName, (tg) => tg.TargetGroupArn!);
  });
}

async function withAttributes(ctx: ResourceContext, tg: TargetGroup): Promise<TargetGroupActual | undefined> {
  const elb = await ctx.aws.get("elbv2");
  const r = await orUndefined(elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn })));
  return r ? { tg, attributes: Object.fromEntries((r.Attributes ?? []).map((a) => [a.Key!, a.Value ?? ""])) } : undefined;
}

export const targetGroup: ResourceKind<TargetGroupSpec, TargetGroupActual, ResourceContext, { id: string; arn: string }> = {
  kind: "target-group",
  budget: { create: slowMs("elbv2.target-group.create"), delete: slowMs("elbv2.load-balancer.delete") },
  typicalCreateMs: typicalMs("elbv2.target-group.create"),

  async find(ctx) {
    return (await this.findAll!(ctx))[0];
  },
  async findAll(ctx) {
    const out: TargetGroupActual[] = [];
    for (const { item: tg, tags } of await envTargetGroups(ctx)) {
      if (!ownedBy(ctx, tags)) continue;
      const a = await withAttributes(ctx, tg);
      if (a) out.push(a);
    }
    return out;
  },
  diff(spec, { tg, attributes }) {
    const c: FieldChange[] = [];
    const fixed: [string, unknown, unknown][] = [
      ["TargetGroupName", tg.TargetGroupName, spec.name],
      ["VpcId", tg.VpcId, spec.vpcId],
      ["Port", tg.Port, spec.port],
      ["Protocol", tg.Protocol, "HTTP"],
      ["TargetType", tg.TargetType, "ip"],
    ];
    for (const [field, from, to] of fixed) if (from !== to) c.push({ field, from, to, replace: true });
    if (tg.HealthCheckPath !== spec.healthCheckPath) c.push({ field: "HealthCheckPath", from: tg.HealthCheckPath, to: spec.healthCheckPath });
    const health: [string, unknown, unknown][] = [
      ["HealthCheckIntervalSeconds", tg.HealthCheckIntervalSeconds, HEALTH.HealthCheckIntervalSeconds],
      ["HealthCheckTimeoutSeconds", tg.HealthCheckTimeoutSeconds, HEALTH.HealthCheckTimeoutSeconds],
      ["HealthyThresholdCount", tg.HealthyThresholdCount, HEALTH.HealthyThresholdCount],
      ["UnhealthyThresholdCount", tg.UnhealthyThresholdCount, HEALTH.UnhealthyThresholdCount],
      ["Matcher", tg.Matcher?.HttpCode, HEALTH.Matcher.HttpCode],
    ];
    for (const [field, from, to] of health) if (from !== to) c.push({ field, from, to });
    const delay = String(spec.deregistrationDelaySeconds ?? 30);
    if (attributes[DELAY] !== delay) c.push({ field: DELAY, from: attributes[DELAY], to: delay });
    return c;
  },
  async create(ctx, spec) {
    const elb = await ctx.aws.get("elbv2");
    // No token: CreateTargetGroup is idempotent by name (same name and settings → the same group).
    const r = await elb.send(
      new CreateTargetGroupCommand({
        Name: spec.name,
        TargetType: "ip",
        Protocol: "HTTP",
        ProtocolVersion: "HTTP1",
        Port: spec.port,
        VpcId: spec.vpcId,
        IpAddressType: "ipv4",
        HealthCheckProtocol: "HTTP",
        HealthCheckPath: spec.healthCheckPath,
        ...HEALTH,
        Tags: ctx.tags(),
      }),
    );
    ctx.forget("elbv2:target-groups");
    // The deregistration delay is an attribute, not a create parameter: the post-create diff sets it.
    return { tg: r.TargetGroups![0], attributes: {} };
  },
  async update(ctx, spec, { tg }, changes) {
    const elb = await ctx.aws.get("elbv2");
    const fields = new Set(changes.map((c) => c.field));
    if (["HealthCheckPath", ...Object.keys(HEALTH)].some((f) => fields.has(f))) {
      await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn, HealthCheckPath: spec.healthCheckPath, ...HEALTH }));
    }
    if (fields.has(DELAY)) {
      await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn, Attributes: [{ Key: DELAY, Value: String(spec.deregistrationDelaySeconds ?? 30) }] }));
    }
    return (await this.refresh(ctx, { tg, attributes: {} }))!;
  },
  async delete(ctx, { tg }) {
    const elb = await ctx.aws.get("elbv2");
    // In use by a listener (a listener or load balancer being deleted): try again later.
    await retryOn(["ResourceInUseException"], ctx.node, () => elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn })));
    ctx.forget("elbv2:target-groups");
  },
  async refresh(ctx, { tg }) {
    const elb = await ctx.aws.get("elbv2");
    const r = await orUndefined(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg.TargetGroupArn!] })));
    const seen = r?.TargetGroups?.[0];
    return seen ? withAttributes(ctx, seen) : undefined;
  },
  describe: ({ tg, attributes }) => ({
    id: tg.TargetGroupArn!,
    state: (tg.LoadBalancerArns ?? []).length ? "in use" : "not attached",
    healthy: true,
    details: { port: tg.Port, healthCheckPath: tg.HealthCheckPath, deregistrationDelaySeconds: Number(attributes[DELAY]), loadBalancers: tg.LoadBalancerArns },
  }),
  outputs: ({ tg }) => ({ id: tg.TargetGroupArn!, arn: tg.TargetGroupArn! }),
};
