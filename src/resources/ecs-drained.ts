/**
 * Resource kind `ecs-drained`.
 * Tests: test/resources/ecs-drained.test.ts.
 * Sandbox: src/sandbox/services/ecs.ts, src/sandbox/services/ecs-tasks.ts.
 */
import { DescribeTasksCommand, ListTasksCommand, type Task } from "@aws-sdk/client-ecs";
import type { ResourceKind } from "../engine/resource.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";

/**
 * pause: the service's stopped tasks have really stopped. ECS counts a task that is deregistering
 * from its target group (DEACTIVATING, STOPPING) out of `runningCount` at once, while it still
 * serves its last requests; this waits until every one is STOPPED. Nothing is created or written.
 */
export interface EcsDrainedSpec {
  cluster: string;
  serviceName: string;
}

/** The service's tasks that were told to stop and have not stopped yet. */
export interface EcsDrainedActual {
  cluster: string;
  serviceName: string;
  draining: Task[];
}

async function read(ctx: ResourceContext, cluster: string, serviceName: string): Promise<EcsDrainedActual> {
  const ecs = await ctx.aws.get("ecs");
  const arns = (await ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: "STOPPED" }))).taskArns ?? [];
  const tasks = arns.length ? ((await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? []) : [];
  return { cluster, serviceName, draining: tasks.filter((t) => t.lastStatus !== "STOPPED") };
}

export const ecsDrained: ResourceKind<EcsDrainedSpec, EcsDrainedActual, ResourceContext, { id: string }> = {
  kind: "ecs-drained",
  budget: { create: slowMs("ecs.service.drain"), delete: 0 },
  typicalCreateMs: typicalMs("ecs.service.drain"),

  find: async (ctx, spec) => (spec ? read(ctx, spec.cluster, spec.serviceName) : undefined),
  diff: () => [],
  create: async (ctx, spec) => read(ctx, spec.cluster, spec.serviceName),
  update: async (_ctx, _spec, a) => a,
  delete: async () => {},
  refresh: (ctx, a) => read(ctx, a.cluster, a.serviceName),
  isReady: (a) => a.draining.length === 0,
  describe: (a) => ({ id: a.serviceName, state: a.draining.length ? `${a.draining.length} draining` : "drained", healthy: a.draining.length === 0 }),
  outputs: (a) => ({ id: a.serviceName }),
};
