/**
 * Resource kind `task-definition`.
 * Tests: test/resources/task-definition.test.ts.
 * Sandbox: src/sandbox/services/ecs.ts, src/sandbox/services/ecs-task-definitions.ts.
 */
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type Tag,
  type TaskDefinition,
  paginateListTaskDefinitionFamilies,
} from "@aws-sdk/client-ecs";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, ownedBy } from "./toolkit.js";
import { ecsTags } from "./ecs-cluster.js";

/** A container of the task (plain data; opsctl fills in the ECS shape). */
export interface ContainerSpec {
  name: string;
  image: string;
  essential?: boolean;
  command?: string[];
  portMappings?: { containerPort: number }[];
  environment?: Record<string, string>;
  /** Injected at start from Secrets Manager (start-time values only). */
  secrets?: { name: string; valueFrom: string }[];
  /** awslogs driver: group, region and stream prefix. */
  logConfiguration?: { logGroup: string; region: string; streamPrefix: string };
  healthCheck?: { command: string[]; interval?: number; timeout?: number; retries?: number; startPeriod?: number };
  readonlyRootFilesystem?: boolean;
  user?: string;
}

/** ECS-02: a Fargate task definition (awsvpc, CPU/memory, the two roles, containers). */
export interface TaskDefinitionSpec {
  family: string;
  cpu: number;
  memory: number;
  executionRoleArn: string;
  taskRoleArn: string;
  containers: ContainerSpec[];
}

/** The newest ACTIVE revision of the family, and the older revisions still ACTIVE. */
export interface TaskDefinitionActual {
  td: TaskDefinition;
  tags: Tag[];
  olderActive: string[];
}

function toContainer(c: ContainerSpec): ContainerDefinition {
  const d: ContainerDefinition = { name: c.name, image: c.image, essential: c.essential ?? true };
  if (c.command?.length) d.command = c.command;
  if (c.portMappings?.length) d.portMappings = c.portMappings.map((p) => ({ containerPort: p.containerPort, protocol: "tcp" }));
  if (c.environment) d.environment = Object.entries(c.environment).map(([name, value]) => ({ name, value }));
  if (c.secrets?.length) d.secrets = c.secrets;
  if (c.logConfiguration) {
    const l = c.logConfiguration;
    d.logConfiguration = { logDriver: "awslogs", options: { "awslogs-group": l.logGroup, "awslogs-region": l.region, "awslogs-stream-prefix": l.streamPrefix } };
  }
  if (c.healthCheck) d.healthCheck = { ...c.healthCheck };
  if (c.readonlyRootFilesystem !== undefined) d.readonlyRootFilesystem = c.readonlyRootFilesystem;
  if (c.user) d.user = c.user;
  return d;
}

/**
 * The fields opsctl sets, with the defaults AWS adds normalised away (hostPort = containerPort,
 * protocol tcp, cpu 0, empty lists, health-check interval 30 / timeout 5 / retries 3 / startPeriod 0),
 * lists put in a stable order: equal for a spec and the task definition registered from it.
 */
export function canonicalContainer(d: ContainerDefinition): string {
  const hc = d.healthCheck;
  return JSON.stringify({
    name: d.name,
    image: d.image,
    essential: d.essential ?? true,
    command: d.command ?? [],
    portMappings: (d.portMappings ?? []).map((p) => `${p.containerPort}/${p.protocol ?? "tcp"}`).sort(),
    environment: Object.fromEntries((d.environment ?? []).map((e) => [e.name, e.value]).sort()),
    secrets: (d.secrets ?? []).map((s) => `${s.name}=${s.valueFrom}`).sort(),
    log: d.logConfiguration ? { driver: d.logConfiguration.logDriver, ...Object.fromEntries(Object.entries(d.logConfiguration.options ?? {}).sort()) } : null,
    healthCheck: hc ? { command: hc.command, interval: hc.interval ?? 30, timeout: hc.timeout ?? 5, retries: hc.retries ?? 3, startPeriod: hc.startPeriod ?? 0 } : null,
    readonlyRootFilesystem: d.readonlyRootFilesystem ?? false,
    user: d.user ?? null,
  });
}

async function newest(ctx: ResourceContext, family: string): Promise<TaskDefinitionActual | undefined> {
  const ecs = await ctx.aws.get("ecs");
  const arns = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", sort: "DESC" }))).taskDefinitionArns ?? [];
  // The newest revision tagged for this node: a newer one registered out of band (untagged, e.g. from the
  // console) does not hide it; it shows as an extra ACTIVE revision that `up` deregisters (ECS-02).
  for (const arn of arns.slice(0, 25)) {
    const r = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }));
    if (ownedBy(ctx, r.tags)) return { td: r.taskDefinition!, tags: r.tags ?? [], olderActive: arns.filter((a) => a !== arn) };
  }
  return undefined;
}

async function byArn(ctx: ResourceContext, arn: string): Promise<TaskDefinitionActual | undefined> {
  const ecs = await ctx.aws.get("ecs");
  let r;
  try {
    r = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }));
  } catch (e) {
    if (isCode(e, "ClientException")) return undefined;
    throw e;
  }
  const td = r.taskDefinition!;
  const arns = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: td.family, status: "ACTIVE", sort: "DESC" }))).taskDefinitionArns ?? [];
  return { td, tags: r.tags ?? [], olderActive: arns.filter((a) => a !== arn) };
}

/** The families whose newest ACTIVE revision is tagged for this environment (for `down`, which knows no spec). */
function envFamilies(ctx: ResourceContext): Promise<{ family: string; tags: Tag[] }[]> {
  return ctx.once("ecs:task-definition-families", async () => {
    const ecs = await ctx.aws.get("ecs");
    const families = await collect(paginateListTaskDefinitionFamilies({ client: ecs }, { status: "ACTIVE" }), (p) => p.families);
    return Promise.all(
      families.map(async (family) => ({ family, tags: (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ["TAGS"] }))).tags ?? [] })),
    );
  });
}

export const taskDefinition: ResourceKind<TaskDefinitionSpec, TaskDefinitionActual, ResourceContext, { id: string; arn: string; family: string; revision: number }> = {
  kind: "task-definition",
  budget: { create: slowMs("ecs.task-definition.register") * 6, delete: slowMs("ecs.task-definition.register") * 6 },
  typicalCreateMs: typicalMs("ecs.task-definition.register"),

  async find(ctx, spec) {
    if (spec) return newest(ctx, spec.family);
    const mine = (await envFamilies(ctx)).find((f) => ownedBy(ctx, f.tags));
    return mine ? newest(ctx, mine.family) : undefined;
  },
  diff(spec, { td, olderActive }) {
    const c: FieldChange[] = [];
    if (td.family !== spec.family) c.push({ field: "family", from: td.family, to: spec.family, replace: true });
    if (td.cpu !== String(spec.cpu)) c.push({ field: "cpu", from: td.cpu, to: String(spec.cpu) });
    if (td.memory !== String(spec.memory)) c.push({ field: "memory", from: td.memory, to: String(spec.memory) });
    if (td.executionRoleArn !== spec.executionRoleArn) c.push({ field: "executionRoleArn", from: td.executionRoleArn, to: spec.executionRoleArn });
    if (td.taskRoleArn !== spec.taskRoleArn) c.push({ field: "taskRoleArn", from: td.taskRoleArn, to: spec.taskRoleArn });
    if (td.networkMode !== "awsvpc") c.push({ field: "networkMode", from: td.networkMode, to: "awsvpc" });
    const have = (td.containerDefinitions ?? []).map(canonicalContainer).sort();
    const want = spec.containers.map((x) => canonicalContainer(toContainer(x))).sort();
    if (JSON.stringify(have) !== JSON.stringify(want)) c.push({ field: "containerDefinitions", from: `(revision ${td.revision})`, to: "(plan)" });
    // A run that crashed between registering a revision and deregistering the old ones left them ACTIVE.
    if (olderActive.length) c.push({ field: "olderActiveRevisions", from: olderActive, to: [] });
    return c;
  },
  async create(ctx, spec) {
    const ecs = await ctx.aws.get("ecs");
    // RegisterTaskDefinition has no idempotency token: a repeat after a crash would add a revision, so
    // the next run finds the newest tagged revision first and registers only when it differs.
    const r = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: spec.family,
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        cpu: String(spec.cpu),
        memory: String(spec.memory),
        executionRoleArn: spec.executionRoleArn,
        taskRoleArn: spec.taskRoleArn,
        containerDefinitions: spec.containers.map(toContainer),
        tags: ecsTags(ctx),
      }),
    );
    return { td: r.taskDefinition!, tags: r.tags ?? [], olderActive: [] };
  },
  async update(ctx, spec, a, changes) {
    const ecs = await ctx.aws.get("ecs");
    // Task definitions are immutable: a change is a new revision; the older ones are deregistered.
    const onlyCleanup = changes.every((c) => c.field === "olderActiveRevisions");
    const cur = onlyCleanup ? a : await this.create(ctx, spec);
    const keep = cur.td.taskDefinitionArn!;
    const stale = [...new Set([...a.olderActive, a.td.taskDefinitionArn!])].filter((arn) => arn !== keep);
    for (const arn of stale) await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
    return (await byArn(ctx, keep)) ?? cur;
  },
  async delete(ctx, a) {
    const ecs = await ctx.aws.get("ecs");
    const arns = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: a.td.family, status: "ACTIVE" }))).taskDefinitionArns ?? [];
    for (const arn of arns) await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
  },
  refresh: (ctx, a) => byArn(ctx, a.td.taskDefinitionArn!),
  // Deregistered revisions stay describable as INACTIVE (AWS keeps them); that is gone for opsctl.
  isGone: (a) => a.td.status !== "ACTIVE",
  describe: ({ td, olderActive }) => ({
    id: td.taskDefinitionArn!,
    state: (td.status ?? "unknown").toLowerCase(),
    healthy: td.status === "ACTIVE" && olderActive.length === 0,
    details: { family: td.family, revision: td.revision, cpu: td.cpu, memory: td.memory, images: (td.containerDefinitions ?? []).map((c) => c.image) },
  }),
  outputs: ({ td }) => ({ id: td.taskDefinitionArn!, arn: td.taskDefinitionArn!, family: td.family!, revision: td.revision! }),
};
