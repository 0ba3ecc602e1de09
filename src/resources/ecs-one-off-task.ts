/**
 * Resource kind `ecs-one-off-task`.
 * Tests: test/resources/ecs-one-off-task.test.ts.
 * Sandbox: src/sandbox/services/ecs.ts, src/sandbox/services/ecs-tasks.ts.
 */
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ListTasksCommand, RunTaskCommand, TagResourceCommand, type Task } from "@aws-sdk/client-ecs";
import { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import type { ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { orUndefined, tagValue } from "./toolkit.js";
import { ecsTags } from "./ecs-cluster.js";

/** RDS-07: a one-off Fargate task (the API image's bootstrap command) that must succeed once per task definition. */
export interface OneOffTaskSpec {
  cluster: string;
  taskDefinitionArn: string;
  containerName: string;
  command: string[];
  subnetIds: string[];
  securityGroupIds: string[];
  /** Where the container's awslogs output goes (for the log tail of a failure). */
  logGroupName: string;
  logStreamPrefix: string;
}

/** The task of this node (running or stopped), or the record that it already succeeded. */
export interface OneOffTaskActual {
  taskDefinitionArn: string;
  startedBy: string;
  containerName: string;
  task?: Task;
  /** The success marker is on the task definition: nothing to run. */
  done: boolean;
  logTail?: string[];
  logGroupName: string;
  logStreamPrefix: string;
}

/** Lines of the log tail a failure shows. */
const TAIL = 20;

/**
 * `startedBy` of this node's task: a deterministic token of the node, the task definition and the
 * command (≤ 36 characters), so a new image or command runs again and a retry does not.
 */
function startedBy(ctx: ResourceContext, spec: OneOffTaskSpec): string {
  return ctx.token(spec.taskDefinitionArn, spec.containerName, ...spec.command).slice(0, 36);
}

/**
 * ECS keeps stopped tasks for about an hour only, so success is recorded durably as a tag on the task
 * definition revision (`opsctl:ran:<node>` = startedBy); the next revision starts without it.
 */
function markerKey(ctx: ResourceContext): string {
  return `opsctl:ran:${ctx.node}`;
}

const exitCode = (t: Task, container: string) => t.containers?.find((c) => c.name === container)?.exitCode;
const succeeded = (t: Task, container: string) => t.lastStatus === "STOPPED" && exitCode(t, container) === 0;

async function listTasks(ctx: ResourceContext, cluster: string, by: string, desiredStatus: "RUNNING" | "STOPPED"): Promise<string[]> {
  const ecs = await ctx.aws.get("ecs");
  return (await orUndefined(ecs.send(new ListTasksCommand({ cluster, startedBy: by, desiredStatus }))))?.taskArns ?? [];
}

async function describeTasks(ctx: ResourceContext, cluster: string, arns: string[]): Promise<Task[]> {
  if (!arns.length) return [];
  const ecs = await ctx.aws.get("ecs");
  return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [];
}

async function logTail(ctx: ResourceContext, a: OneOffTaskActual, task: Task): Promise<string[]> {
  const logs = await ctx.aws.get("logs");
  const id = task.taskArn!.slice(task.taskArn!.lastIndexOf("/") + 1);
  // A task that failed before its container started wrote no log stream (ResourceNotFoundException).
  const r = await orUndefined(logs.send(new GetLogEventsCommand({ logGroupName: a.logGroupName, logStreamName: `${a.logStreamPrefix}/${a.containerName}/${id}`, limit: TAIL, startFromHead: false })));
  return (r?.events ?? []).map((e) => e.message ?? "");
}

export const ecsOneOffTask: ResourceKind<OneOffTaskSpec, OneOffTaskActual, ResourceContext, { id: string; startedBy: string; succeeded: boolean }> = {
  kind: "ecs-one-off-task",
  budget: { create: slowMs("ecs.service.steady"), delete: 60_000 },
  typicalCreateMs: typicalMs("ecs.service.steady") / 2,

  async find(ctx, spec) {
    // Without a spec (down, status) there is nothing to find: a finished task leaves nothing to delete.
    if (!spec) return undefined;
    const ecs = await ctx.aws.get("ecs");
    const by = startedBy(ctx, spec);
    const base = { taskDefinitionArn: spec.taskDefinitionArn, startedBy: by, containerName: spec.containerName, logGroupName: spec.logGroupName, logStreamPrefix: spec.logStreamPrefix };
    const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: spec.taskDefinitionArn, include: ["TAGS"] }));
    if (tagValue(td.tags, markerKey(ctx)) === by) return { ...base, done: true };
    const running = (await describeTasks(ctx, spec.cluster, await listTasks(ctx, spec.cluster, by, "RUNNING"))).filter((t) => t.taskDefinitionArn === spec.taskDefinitionArn);
    if (running.length) return { ...base, task: running[0], done: false };
    const stopped = (await describeTasks(ctx, spec.cluster, await listTasks(ctx, spec.cluster, by, "STOPPED"))).filter((t) => t.taskDefinitionArn === spec.taskDefinitionArn);
    const ok = stopped.find((t) => succeeded(t, spec.containerName));
    // Only failed attempts: run it again.
    return ok ? { ...base, task: ok, done: false } : undefined;
  },
  // The marker is missing after a successful task (first run, or a crash before it was written).
  diff: (_spec, a) => (!a.done && a.task && succeeded(a.task, a.containerName) ? [{ field: "succeeded", from: undefined, to: a.startedBy }] : []),
  async create(ctx, spec) {
    const ecs = await ctx.aws.get("ecs");
    const by = startedBy(ctx, spec);
    // One client token per attempt: the same token after a crash answers the same task; after a failed
    // attempt (the next `up`) a new one runs.
    const attempt = (await listTasks(ctx, spec.cluster, by, "STOPPED")).length;
    try {
      const r = await ecs.send(
        new RunTaskCommand({
          cluster: spec.cluster,
          taskDefinition: spec.taskDefinitionArn,
          launchType: "FARGATE",
          count: 1,
          networkConfiguration: { awsvpcConfiguration: { subnets: spec.subnetIds, securityGroups: spec.securityGroupIds, assignPublicIp: "DISABLED" } },
          overrides: { containerOverrides: [{ name: spec.containerName, command: spec.command }] },
          startedBy: by,
          clientToken: ctx.token(by, String(attempt)),
          tags: ecsTags(ctx),
        }),
      );
      const failure = r.failures?.[0];
      if (failure) throw new TryAgainLater(`RunTask: ${failure.reason ?? "failed"} ${failure.detail ?? ""}`, 15_000);
      return { taskDefinitionArn: spec.taskDefinitionArn, startedBy: by, containerName: spec.containerName, task: r.tasks![0], done: false, logGroupName: spec.logGroupName, logStreamPrefix: spec.logStreamPrefix };
    } catch (e) {
      if (isCode(e, "InvalidParameterException") && /Unable to assume role/i.test(String((e as Error).message))) throw new TryAgainLater(`RunTask: ${(e as Error).message}`, 10_000);
      throw e;
    }
  },
  async update(ctx, _spec, a) {
    const ecs = await ctx.aws.get("ecs");
    await ecs.send(new TagResourceCommand({ resourceArn: a.taskDefinitionArn, tags: [{ key: markerKey(ctx), value: a.startedBy }] }));
    return { ...a, done: true };
  },
  delete: async () => undefined,
  async refresh(ctx, a) {
    if (!a.task) return a;
    const [task] = await describeTasks(ctx, a.task.clusterArn!, [a.task.taskArn!]);
    if (!task) return undefined;
    const failed = task.lastStatus === "STOPPED" && !succeeded(task, a.containerName);
    return { ...a, task, logTail: failed ? await logTail(ctx, a, task) : undefined };
  },
  isReady: (a) => a.done || a.task?.lastStatus === "STOPPED",
  failure: (a) => {
    const t = a.task;
    if (a.done || !t || t.lastStatus !== "STOPPED" || succeeded(t, a.containerName)) return undefined;
    const code = exitCode(t, a.containerName);
    const why = `${t.stopCode ?? "stopped"}: ${t.stoppedReason ?? ""}`;
    const tail = a.logTail?.length ? `\nlast ${a.logTail.length} log lines:\n  ${a.logTail.join("\n  ")}` : "\n(no log lines)";
    return `task ${t.taskArn} ${code === undefined ? "did not run" : `exited with code ${code}`} (${why})${tail}`;
  },
  describe: (a) => ({
    id: a.task?.taskArn ?? `${a.taskDefinitionArn} (${a.startedBy})`,
    state: a.done ? "succeeded" : (a.task?.lastStatus ?? "unknown").toLowerCase(),
    healthy: a.done || (a.task !== undefined && succeeded(a.task, a.containerName)),
    details: { taskDefinition: a.taskDefinitionArn.slice(a.taskDefinitionArn.lastIndexOf("/") + 1), exitCode: a.task ? exitCode(a.task, a.containerName) : a.done ? 0 : undefined },
  }),
  outputs: (a) => ({ id: a.task?.taskArn ?? a.startedBy, startedBy: a.startedBy, succeeded: a.done || (a.task !== undefined && succeeded(a.task, a.containerName)) }),
};
