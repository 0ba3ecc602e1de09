/**
 * Resource kind `target-health`.
 * Tests: test/resources/target-health.test.ts.
 * Sandbox: src/sandbox/services/elbv2.ts, src/sandbox/services/ecs.ts.
 */
import { DescribeTargetHealthCommand, type TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ResourceKind } from "../engine/resource.js";
import { slowMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { orUndefined } from "./toolkit.js";

/**
 * ALB-02 / ECS-03: the service's tasks are registered and pass the health check — at least
 * `minHealthy` healthy targets (restore's "done" and up's). Nothing is created: it is a wait.
 */
export interface TargetHealthSpec {
  targetGroupArn: string;
  minHealthy: number;
}

/** The targets of a group, with the number wanted. */
export interface TargetHealthActual {
  targetGroupArn: string;
  minHealthy: number;
  targets: TargetHealthDescription[];
}

async function read(ctx: ResourceContext, arn: string, minHealthy: number): Promise<TargetHealthActual | undefined> {
  const elb = await ctx.aws.get("elbv2");
  const r = await orUndefined(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })));
  return r ? { targetGroupArn: arn, minHealthy, targets: r.TargetHealthDescriptions ?? [] } : undefined;
}

const healthy = (a: TargetHealthActual) => a.targets.filter((t) => t.TargetHealth?.State === "healthy").length;

/**
 * How long a target takes to pass once its health check can succeed: the target group's
 * HealthCheckIntervalSeconds (15) × HealthyThresholdCount (2), as src/resources/target-group.ts sets them.
 */
export const PASS_AFTER_MS = 15 * 2 * 1000;

export const targetHealth: ResourceKind<TargetHealthSpec, TargetHealthActual, ResourceContext, { id: string; healthy: number }> = {
  kind: "target-health",
  budget: { create: slowMs("ecs.service.steady"), delete: 0 },
  // Health checks run while the deployment settles: by the time the service is steady, its targets
  // have usually passed them, so the wait adds no time on the critical path.
  typicalCreateMs: 0,

  find: (ctx, spec) => (spec ? read(ctx, spec.targetGroupArn, spec.minHealthy) : Promise.resolve(undefined)),
  diff: () => [],
  create: async (_ctx, spec) => ({ targetGroupArn: spec.targetGroupArn, minHealthy: spec.minHealthy, targets: [] }),
  update: async (_ctx, _spec, a) => a,
  delete: async () => {},
  refresh: (ctx, a) => read(ctx, a.targetGroupArn, a.minHealthy),
  isReady: (a) => healthy(a) >= a.minHealthy,
  describe: (a) => ({
    id: a.targetGroupArn.split(":").pop()!,
    state: `${healthy(a)} healthy of ${a.targets.length}`,
    healthy: healthy(a) >= a.minHealthy,
    details: { targets: a.targets.map((t) => `${t.Target?.Id}:${t.TargetHealth?.State}`) },
  }),
  outputs: (a) => ({ id: a.targetGroupArn, healthy: healthy(a) }),
};
