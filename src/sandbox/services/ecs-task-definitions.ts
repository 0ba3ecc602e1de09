/** Task definitions of the simulated ECS: register, describe, list, deregister (behaviour: ecs.md). */
import type { ECS } from "@aws-sdk/client-ecs";
import { paginate } from "../filters.js";
import { lowerTags } from "../tags.js";
import { type SimRecord, type Handlers } from "../types.js";
import { arn, checkTags, findTaskDef, out, taskDefs, type Ctx } from "./ecs-common.js";

/** Fargate's task CPU units → the memory sizes (MiB) allowed with it (RegisterTaskDefinition reference). */
export function fargateMemory(cpu: number): number[] {
  const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  switch (cpu) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return range(1024, 4096, 1024);
    case 1024:
      return range(2048, 8192, 1024);
    case 2048:
      return range(4096, 16384, 1024);
    case 4096:
      return range(8192, 30720, 1024);
    case 8192:
      return range(16384, 61440, 4096);
    case 16384:
      return range(32768, 122880, 8192);
    default:
      return [];
  }
}

/** "1 vCPU" / "1024" → CPU units; "2 GB" / "2048" → MiB (the conversions RegisterTaskDefinition applies). */
function units(v: unknown, perUnit: number, unitRe: RegExp): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const s = String(v).trim();
  const m = unitRe.exec(s);
  if (m) return Math.round(Number(m[1]) * perUnit);
  return /^\d+$/.test(s) ? Number(s) : NaN;
}

const DEFAULT_CONTAINER: SimRecord = { cpu: 0, essential: true, environment: [], mountPoints: [], volumesFrom: [], systemControls: [] };

function container(ctx: Ctx, c: SimRecord, networkMode: string): SimRecord {
  if (!c?.name) ctx.fail("ClientException", "Container.name should not be null or empty.");
  if (!c.image) ctx.fail("ClientException", "Container.image should not be null or empty.");
  const r: SimRecord = { ...DEFAULT_CONTAINER, ...structuredClone(c) };
  r.portMappings = (c.portMappings ?? []).map((p: SimRecord) => {
    // awsvpc: the host port is the container port (given or not).
    if (networkMode === "awsvpc" && p.hostPort !== undefined && p.hostPort !== p.containerPort) {
      ctx.fail("ClientException", "When networkMode=awsvpc, the host ports and container ports in port mappings must match.");
    }
    return { ...p, hostPort: networkMode === "awsvpc" ? p.containerPort : p.hostPort, protocol: p.protocol ?? "tcp" };
  });
  return r;
}

function requiresAttributes(td: SimRecord): SimRecord[] {
  const a: SimRecord[] = [{ name: "com.amazonaws.ecs.capability.docker-remote-api.1.18" }];
  if (td.taskRoleArn) a.push({ name: "com.amazonaws.ecs.capability.task-iam-role" });
  if (td.networkMode === "awsvpc") a.push({ name: "ecs.capability.task-eni" });
  const cs: SimRecord[] = td.containerDefinitions;
  if (cs.some((c) => c.logConfiguration?.logDriver === "awslogs")) {
    a.push({ name: "com.amazonaws.ecs.capability.logging-driver.awslogs" }, { name: "ecs.capability.execution-role-awslogs" });
  }
  if (cs.some((c) => c.secrets?.length)) a.push({ name: "ecs.capability.secrets.asm.environment-variables" }, { name: "ecs.capability.execution-role-ecr-pull" });
  if (cs.some((c) => c.healthCheck)) a.push({ name: "ecs.capability.container-health-check" });
  return a;
}

/** The view of a task definition (tags are returned beside it, not in it). */
export function taskDefView(td: SimRecord): SimRecord {
  return out(td);
}

export const taskDefinitionHandlers: Handlers<ECS> = {
  RegisterTaskDefinition(input, ctx) {
    const family: string = input.family ?? "";
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) ctx.fail("ClientException", "Family contains invalid characters or is too long (up to 255 letters, numbers, hyphens and underscores).");
    const defs: SimRecord[] = input.containerDefinitions ?? [];
    if (!defs.length) ctx.fail("ClientException", "Container list cannot be empty.");
    const names = new Set<string>();
    for (const c of defs) {
      if (names.has(c.name)) ctx.fail("ClientException", `Duplicate container name: ${c.name}`);
      names.add(c.name);
    }
    const networkMode = input.networkMode ?? "bridge";
    const requires: string[] = input.requiresCompatibilities ?? [];
    const cpu = units(input.cpu, 1024, /^(\d+(?:\.\d+)?)\s*vcpu$/i);
    const memory = units(input.memory, 1024, /^(\d+(?:\.\d+)?)\s*gb$/i);
    if (Number.isNaN(cpu)) ctx.fail("ClientException", "Invalid 'cpu' setting for task.");
    if (Number.isNaN(memory)) ctx.fail("ClientException", "Invalid 'memory' setting for task.");
    if (requires.includes("FARGATE")) {
      if (networkMode !== "awsvpc") ctx.fail("ClientException", "Fargate only supports network mode 'awsvpc'.");
      if (cpu === undefined) return ctx.fail("ClientException", "Fargate requires task definition to have 'cpu' specified.");
      if (memory === undefined) return ctx.fail("ClientException", "Fargate requires task definition to have 'memory' specified.");
      const allowed = fargateMemory(cpu);
      if (!allowed.length) ctx.fail("ClientException", "Invalid 'cpu' setting for task.");
      if (!allowed.includes(memory)) ctx.fail("ClientException", `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`);
      if (defs.some((c) => c.logConfiguration?.logDriver === "awslogs") && !input.executionRoleArn) {
        ctx.fail("ClientException", "Fargate requires task definition to have execution role ARN to support log driver awslogs.");
      }
    }
    if (defs.some((c) => c.secrets?.length) && !input.executionRoleArn) {
      ctx.fail("ClientException", "Secrets require an execution role ARN (executionRoleArn) to retrieve the secret values.");
    }
    for (const c of defs) {
      const lc = c.logConfiguration;
      if (lc?.logDriver === "awslogs" && !lc.options?.["awslogs-group"]) ctx.fail("ClientException", "Log driver awslogs requires options: awslogs-group");
      if (lc?.logDriver === "awslogs" && requires.includes("FARGATE") && !lc.options?.["awslogs-stream-prefix"]) {
        ctx.fail("ClientException", "Log driver awslogs requires options: awslogs-stream-prefix (required on Fargate)");
      }
    }
    const tags = checkTags(ctx, input.tags);
    const all = taskDefs(ctx);
    const revision = Math.max(0, ...Object.values(all).filter((t) => t.family === family).map((t) => t.revision)) + 1;
    const td: SimRecord = ctx.born({
      taskDefinitionArn: arn(ctx, `task-definition/${family}:${revision}`),
      containerDefinitions: defs.map((c) => container(ctx, c, networkMode)),
      family,
      networkMode,
      revision,
      volumes: input.volumes ?? [],
      status: "ACTIVE",
      requiresAttributes: [],
      placementConstraints: input.placementConstraints ?? [],
      compatibilities: networkMode === "awsvpc" ? ["EC2", "FARGATE"] : ["EC2"],
      registeredAt: ctx.now(),
      registeredBy: `arn:aws:sts::${ctx.accountId}:assumed-role/opsctl/sandbox`,
      _tags: tags,
    });
    if (input.taskRoleArn) td.taskRoleArn = input.taskRoleArn;
    if (input.executionRoleArn) td.executionRoleArn = input.executionRoleArn;
    if (requires.length) td.requiresCompatibilities = [...requires];
    if (cpu !== undefined) td.cpu = String(cpu);
    if (memory !== undefined) td.memory = String(memory);
    if (input.runtimePlatform) td.runtimePlatform = { ...input.runtimePlatform };
    if (input.ephemeralStorage) td.ephemeralStorage = { ...input.ephemeralStorage };
    td.requiresAttributes = requiresAttributes(td);
    all[`${family}:${revision}`] = td;
    return { taskDefinition: taskDefView(td), tags: lowerTags(td) };
  },

  DescribeTaskDefinition(input, ctx) {
    const td = findTaskDef(ctx, input.taskDefinition);
    if (!td) return ctx.fail("ClientException", "Unable to describe task definition.");
    const res: SimRecord = { taskDefinition: taskDefView(td) };
    if ((input.include ?? []).includes("TAGS")) res.tags = lowerTags(td);
    return res;
  },

  ListTaskDefinitions(input, ctx) {
    const status = input.status ?? "ACTIVE";
    const sort = input.sort ?? "ASC";
    // familyPrefix names a whole family (the reference: "limits the listed task definitions to revisions that belong to that family").
    const list = Object.values(taskDefs(ctx))
      .filter((t) => ctx.visible(t) && t.status === status && (!input.familyPrefix || t.family === input.familyPrefix))
      .sort((a, b) => (a.family === b.family ? a.revision - b.revision : a.family < b.family ? -1 : 1));
    if (sort === "DESC") list.reverse();
    const { page, next } = paginate(list, input.maxResults, input.nextToken, 100);
    return { taskDefinitionArns: page.map((t) => t.taskDefinitionArn), nextToken: next };
  },

  ListTaskDefinitionFamilies(input, ctx) {
    const status = input.status ?? "ACTIVE";
    const fams = new Set<string>();
    for (const t of Object.values(taskDefs(ctx))) {
      if (!ctx.visible(t)) continue;
      if (input.familyPrefix && !t.family.startsWith(input.familyPrefix)) continue;
      if (status !== "ALL" && t.status !== status) continue;
      fams.add(t.family);
    }
    // ACTIVE: families with at least one ACTIVE revision; INACTIVE: families with no ACTIVE revision left.
    let list = [...fams].sort();
    if (status === "INACTIVE") list = list.filter((f) => !Object.values(taskDefs(ctx)).some((t) => t.family === f && t.status === "ACTIVE"));
    const { page, next } = paginate(list, input.maxResults, input.nextToken, 100);
    return { families: page, nextToken: next };
  },

  DeregisterTaskDefinition(input, ctx) {
    const ref: string = input.taskDefinition ?? "";
    // Deregistering needs a revision: a bare family is refused.
    if (!ref.includes(":")) ctx.fail("ClientException", "The specified task definition identifier is invalid. Specify a valid revision number.");
    const td = findTaskDef(ctx, ref);
    if (!td) return ctx.fail("ClientException", "The specified task definition does not exist.");
    if (td.status === "ACTIVE") {
      td.status = "INACTIVE";
      td.deregisteredAt = ctx.now();
    }
    return { taskDefinition: taskDefView(td) };
  },
};
