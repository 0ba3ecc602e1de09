/** Tasks of the simulated ECS: launch, lifecycle over simulated time, side effects, RunTask/StopTask (behaviour: ecs.md). */
import type { ECS } from "@aws-sdk/client-ecs";
import { randomUUID } from "node:crypto";
import { paginate } from "../filters.js";
import { lowerTags, tagsOf, type Tag } from "../tags.js";
import { type SimRecord, type Handlers } from "../types.js";
import { newEni } from "./ec2-core.js";
import { appendLogEvents, logGroupExists } from "./logs.js";
import { databaseVpcOf } from "./rds-readiness.js";
import {
  FAIL_MS,
  HEALTHY_MS,
  LINGER_MS,
  ONE_OFF_MS,
  PROVISION_MS,
  START_MS,
  STOP_MS,
  activeCluster,
  arn,
  checkTags,
  clusterName,
  findTaskDef,
  lastPart,
  out,
  taskId,
  tasks,
  type Ctx,
} from "./ecs-common.js";

/** What a new task is launched with. */
export interface LaunchSpec {
  cluster: SimRecord;
  taskDef: SimRecord;
  subnetId: string;
  securityGroups: string[];
  assignPublicIp?: string;
  startedBy?: string;
  group: string;
  overrides?: SimRecord;
  tags?: Tag[];
  /** Runs to completion (RunTask) instead of serving until stopped (a service's task). */
  oneOff: boolean;
  service?: { key: string; deploymentId: string; loadBalancers: SimRecord[]; serviceRegistries: SimRecord[]; name: string };
}

/** The EC2 simulation's tables seen through a context of its own (its ENI helper writes `networkInterfaces`). */
function ec2(ctx: Ctx): Ctx {
  return { ...ctx, table: (name: string) => ctx.tableOf("ec2", name) };
}

/** A subnet of the EC2 simulation, or InvalidParameterException as ECS words it. */
export function subnetOf(ctx: Ctx, id: string): SimRecord {
  const s = ctx.tableOf("ec2", "subnets")[id];
  if (!s) ctx.fail("InvalidParameterException", `Error retrieving subnet information for [${id}]: The subnet ID '${id}' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound)`);
  return s;
}

/** Validates an awsvpcConfiguration (subnets exist, security groups exist). */
export function checkAwsvpc(ctx: Ctx, nc: SimRecord | undefined): SimRecord {
  const c = nc?.awsvpcConfiguration;
  if (!c) ctx.fail("InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  if (!c.subnets?.length) ctx.fail("InvalidParameterException", "subnets can not be empty.");
  if (c.subnets.length > 16) ctx.fail("InvalidParameterException", "subnets can have at most 16 items.");
  for (const s of c.subnets) subnetOf(ctx, s);
  const sgs = ctx.tableOf("ec2", "securityGroups");
  for (const g of c.securityGroups ?? []) {
    if (!sgs[g]) ctx.fail("InvalidParameterException", `Error retrieving security group information for [${g}]: The security group '${g}' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidGroup.NotFound)`);
  }
  return c;
}

function commandOf(def: SimRecord, overrides: SimRecord | undefined): string[] {
  const o = (overrides?.containerOverrides ?? []).find((x: SimRecord) => x.name === def.name);
  return o?.command ?? def.command ?? [];
}

/** The sandbox's failing image convention: `:fail` / `/fail` in the image, `["false"]` or a `fail` word in the command. */
function fails(image: string, command: string[]): boolean {
  return /[:/]fail/.test(image) || (command.length === 1 && command[0] === "false") || command.some((w) => w.includes("fail"));
}

/** Why the task cannot start (log group missing, secret missing, ECR image missing), as ECS reports it. */
function startError(ctx: Ctx, td: SimRecord): string | undefined {
  for (const c of td.containerDefinitions as SimRecord[]) {
    const ecr = /^(\d{12})\.dkr\.ecr\.([\w-]+)\.amazonaws\.com\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(c.image);
    if (ecr) {
      const repo = ctx.tableOf("ecr", "repositories", ecr[2])[ecr[3]];
      const imgs: Record<string, SimRecord> = repo?._images ?? {};
      const found = ecr[5] ? !!imgs[ecr[5]] : Object.values(imgs).some((i) => i.tags.includes(ecr[4] ?? "latest"));
      if (!found) return `CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref ${c.image}: not found`;
    }
    for (const s of (c.secrets ?? []) as SimRecord[]) {
      const m = /^(arn:aws[\w-]*:secretsmanager:([\w-]+):\d{12}:secret:[^:]+)/.exec(s.valueFrom ?? "");
      if (!m) continue;
      const sec = Object.values(ctx.tableOf("secretsmanager", "secrets", m[2])).find((x) => x.ARN === m[1]);
      if (!sec || sec.DeletedDate) {
        return `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${m[1]} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`;
      }
    }
    const lc = c.logConfiguration;
    if (lc?.logDriver === "awslogs") {
      const o = lc.options ?? {};
      if (o["awslogs-create-group"] !== "true" && !logGroupExists(ctx, o["awslogs-region"] ?? ctx.region, o["awslogs-group"])) {
        return `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1`;
      }
    }
  }
  return undefined;
}

/** Launches a task at time `at` (PROVISIONING), with its ENI in the subnet. */
export function launchTask(ctx: Ctx, spec: LaunchSpec, at: number): SimRecord {
  const id = taskId();
  const cname = spec.cluster.clusterName;
  const taskArn = arn(ctx, `task/${cname}/${id}`);
  const subnet = subnetOf(ctx, spec.subnetId);
  const sgs = ctx.tableOf("ec2", "securityGroups");
  const attachmentId = randomUUID();
  const eni = newEni(ec2(ctx), subnet, {
    description: `arn:aws:ecs:${ctx.region}:${ctx.accountId}:attachment/${attachmentId}`,
    type: "interface",
    requesterManaged: true,
    groups: spec.securityGroups.map((g) => sgs[g]).filter(Boolean),
  });
  const ip: string = eni.PrivateIpAddress;
  const td = spec.taskDef;
  let failing = false;
  const containers = (td.containerDefinitions as SimRecord[]).map((c) => {
    const command = commandOf(c, spec.overrides);
    if (c.essential !== false && fails(c.image, command)) failing = true;
    return {
      containerArn: arn(ctx, `container/${cname}/${id}/${randomUUID()}`),
      taskArn,
      name: c.name,
      image: c.image,
      lastStatus: "PENDING",
      networkInterfaces: [{ attachmentId, privateIpv4Address: ip }],
      healthStatus: "UNKNOWN",
      cpu: String(c.cpu ?? 0),
      ...(c.memory ? { memory: String(c.memory) } : {}),
      _command: command,
      _logs: c.logConfiguration?.logDriver === "awslogs" ? { ...c.logConfiguration.options } : undefined,
    };
  });
  const err = startError(ctx, td);
  const running = at + START_MS;
  const t: SimRecord = {
    taskArn,
    clusterArn: spec.cluster.clusterArn,
    taskDefinitionArn: td.taskDefinitionArn,
    group: spec.group,
    launchType: "FARGATE",
    platformVersion: "1.4.0",
    platformFamily: "Linux",
    cpu: td.cpu,
    memory: td.memory,
    availabilityZone: subnet.AvailabilityZone,
    connectivity: "CONNECTED",
    connectivityAt: at,
    lastStatus: "PROVISIONING",
    desiredStatus: "RUNNING",
    createdAt: at,
    version: 1,
    healthStatus: "UNKNOWN",
    overrides: { containerOverrides: structuredClone(spec.overrides?.containerOverrides ?? []), inferenceAcceleratorOverrides: [] },
    containers,
    attachments: [
      {
        id: attachmentId,
        type: "ElasticNetworkInterface",
        status: "PRECREATED",
        details: [
          { name: "subnetId", value: spec.subnetId },
          { name: "networkInterfaceId", value: eni.NetworkInterfaceId },
          { name: "macAddress", value: eni.MacAddress },
          { name: "privateDnsName", value: eni.PrivateDnsName },
          { name: "privateIPv4Address", value: ip },
        ],
      },
    ],
    _tags: (spec.tags ?? []).map((x) => ({ ...x })),
    ephemeralStorage: { sizeInGiB: 20 },
    _ip: ip,
    _eniId: eni.NetworkInterfaceId,
    _t: { pending: at + PROVISION_MS, running, ...(err ? {} : failing ? { exit: running + FAIL_MS } : spec.oneOff ? { exit: running + ONE_OFF_MS } : {}) },
    _exitCode: failing ? 1 : 0,
    _startError: err,
    _service: spec.service,
    // The VPC whose database its containers need (rds-readiness.ts), if they use one.
    _db: databaseVpcOf(ctx, td, spec.subnetId),
  };
  if (spec.startedBy) t.startedBy = spec.startedBy;
  tasks(ctx)[id] = t;
  return t;
}

function log(ctx: Ctx, t: SimRecord, c: SimRecord, at: number, lines: string[]): void {
  const o = c._logs;
  if (!o) return;
  const stream = `${o["awslogs-stream-prefix"]}/${c.name}/${lastPart(t.taskArn)}`;
  appendLogEvents(ctx, o["awslogs-region"] ?? ctx.region, o["awslogs-group"], stream, lines.map((message, i) => ({ timestamp: at + i, message })));
}

function onRunning(ctx: Ctx, t: SimRecord, at: number): void {
  const svc = t._service;
  t.attachments[0].status = "ATTACHED";
  for (const c of t.containers as SimRecord[]) {
    c.lastStatus = "RUNNING";
    c.runtimeId = `${lastPart(t.taskArn)}-${c.name}`;
    log(ctx, t, c, at, [`starting ${c.image}${c._command.length ? ` with command: ${c._command.join(" ")}` : ""}`, `${c.name} is up (task ${lastPart(t.taskArn)}, ${t._ip})`]);
  }
  if (!svc) return;
  const targets = ctx.tableOf("elbv2", "targets");
  // A container using the app database passes its health check only once the database is ready (rds-readiness.ts).
  const db = t._db;
  for (const lb of svc.loadBalancers as SimRecord[]) {
    if (!lb.targetGroupArn) continue;
    targets[`${lb.targetGroupArn}|${t._ip}|${lb.containerPort}`] = { TargetGroupArn: lb.targetGroupArn, Id: t._ip, Port: lb.containerPort, AvailabilityZone: t.availabilityZone, State: "initial", _healthyAt: at + HEALTHY_MS, ...(db ? { _db: db, _checkMs: HEALTHY_MS } : {}) };
  }
  const instances = ctx.tableOf("servicediscovery", "instances");
  for (const r of svc.serviceRegistries as SimRecord[]) {
    const serviceId = lastPart(r.registryArn ?? "");
    instances[`${serviceId}|${lastPart(t.taskArn)}`] = {
      Id: lastPart(t.taskArn),
      ServiceId: serviceId,
      Attributes: {
        AWS_INSTANCE_IPV4: t._ip,
        AVAILABILITY_ZONE: t.availabilityZone,
        AWS_INIT_HEALTH_STATUS: "HEALTHY",
        ECS_CLUSTER_NAME: clusterName(t.clusterArn),
        ECS_SERVICE_NAME: svc.name,
        ECS_TASK_DEFINITION_FAMILY: lastPart(t.taskDefinitionArn).split(":")[0],
        REGION: ctx.region,
      },
    };
  }
}

/** Takes the task out of its target groups (draining for the deregistration delay) and Cloud Map. */
function deregister(ctx: Ctx, t: SimRecord, at: number): void {
  const svc = t._service;
  if (!svc || t._deregistered) return;
  t._deregistered = true;
  const targets = ctx.tableOf("elbv2", "targets");
  for (const lb of svc.loadBalancers as SimRecord[]) {
    const row = targets[`${lb.targetGroupArn}|${t._ip}|${lb.containerPort}`];
    if (row && row.State !== "draining") {
      row.State = "draining";
      row._goneAt = at + HEALTHY_MS;
    }
  }
  const instances = ctx.tableOf("servicediscovery", "instances");
  for (const r of svc.serviceRegistries as SimRecord[]) delete instances[`${lastPart(r.registryArn ?? "")}|${lastPart(t.taskArn)}`];
}

function enterStopped(ctx: Ctx, t: SimRecord, at: number): void {
  deregister(ctx, t, at);
  t.lastStatus = "STOPPED";
  t.desiredStatus = "STOPPED";
  t.stoppedAt = at;
  t.executionStoppedAt ??= at;
  t.stoppingAt ??= at;
  t.connectivity = "DISCONNECTED";
  t.attachments[0].status = "DELETED";
  delete ctx.tableOf("ec2", "networkInterfaces")[t._eniId];
  for (const c of t.containers as SimRecord[]) c.lastStatus = "STOPPED";
  t._purgeAt = at + LINGER_MS;
}

/** Asks a task to stop at `at` (scheduler scale-in, StopTask, service deletion). */
export function requestStop(ctx: Ctx, t: SimRecord, at: number, code: string, reason: string, delayMs = STOP_MS): void {
  if (t.desiredStatus === "STOPPED" || t.lastStatus === "STOPPED") return;
  t.desiredStatus = "STOPPED";
  t.stopCode = code;
  t.stoppedReason = reason;
  t.stoppingAt = at;
  if (t.lastStatus !== "RUNNING") {
    enterStopped(ctx, t, at);
    return;
  }
  t.lastStatus = "DEACTIVATING";
  deregister(ctx, t, at);
  t._t.stopped = at + delayMs;
  delete t._t.exit;
}

/** Brings a task to its state at time `upTo`. */
export function settleTask(ctx: Ctx, t: SimRecord, upTo: number): void {
  const tt = t._t;
  if (t.lastStatus === "PROVISIONING" && upTo >= tt.pending) {
    t.lastStatus = "PENDING";
    t.pullStartedAt = tt.pending;
  }
  if (t.lastStatus === "PENDING" && upTo >= tt.running) {
    if (t._startError) {
      t.stopCode = "TaskFailedToStart";
      t.stoppedReason = t._startError;
      for (const c of t.containers as SimRecord[]) c.reason = t._startError;
      enterStopped(ctx, t, tt.running);
      return;
    }
    t.pullStoppedAt = tt.running - 1_000;
    t.startedAt = tt.running;
    t.lastStatus = "RUNNING";
    onRunning(ctx, t, tt.running);
  }
  if (t.lastStatus === "RUNNING" && tt.exit !== undefined && upTo >= tt.exit) {
    for (const c of t.containers as SimRecord[]) {
      c.exitCode = t._exitCode;
      log(ctx, t, c, tt.exit, t._exitCode ? [`Error: ${c._command.join(" ") || c.image} failed`, `process exited with code ${t._exitCode}`] : [`done`, `process exited with code 0`]);
    }
    t.stopCode = "EssentialContainerExited";
    t.stoppedReason = "Essential container in task exited";
    t.executionStoppedAt = tt.exit;
    enterStopped(ctx, t, tt.exit);
  }
  if (t.lastStatus === "DEACTIVATING" && upTo >= tt.stopped) {
    // SIGTERM'd containers exit 143 (128 + 15) unless they ran to completion.
    for (const c of t.containers as SimRecord[]) c.exitCode ??= 143;
    enterStopped(ctx, t, tt.stopped);
  }
}

/** The next time a task changes state after `now` (undefined when it will not by itself). */
export function nextChange(t: SimRecord): number | undefined {
  const tt = t._t;
  switch (t.lastStatus) {
    case "PROVISIONING":
      return tt.pending;
    case "PENDING":
      return tt.running;
    case "RUNNING":
      return tt.exit;
    case "DEACTIVATING":
      return tt.stopped;
    default:
      return undefined;
  }
}

/** The public view of a task. */
export function taskView(t: SimRecord, include: string[] = []): SimRecord {
  const v = out(t);
  if (include.includes("TAGS")) v.tags = lowerTags(t);
  return v;
}

function taskRef(ctx: Ctx, clusterRef: string | undefined, ref: string): SimRecord | undefined {
  const t = tasks(ctx)[lastPart(ref)];
  return t && clusterName(t.clusterArn) === clusterName(clusterRef) ? t : undefined;
}

export const taskHandlers: Handlers<ECS> = {
  RunTask(input, ctx) {
    const cluster = activeCluster(ctx, input.cluster);
    const count = input.count ?? 1;
    if (count < 1 || count > 10) ctx.fail("InvalidParameterException", "count must be between 1 and 10.");
    if (input.startedBy && String(input.startedBy).length > 128) ctx.fail("InvalidParameterException", "startedBy can be up to 128 characters.");
    const tokens = ctx.table("clientTokens");
    if (input.clientToken) {
      if (String(input.clientToken).length > 64) ctx.fail("InvalidParameterException", "clientToken can be up to 64 characters.");
      const prev = tokens[`RunTask:${input.clientToken}`];
      if (prev) {
        const again = prev.arns.map((a: string) => tasks(ctx)[lastPart(a)]).filter(Boolean);
        return { tasks: again.map((t: SimRecord) => taskView(t, ["TAGS"])), failures: [] };
      }
    }
    const td = findTaskDef(ctx, input.taskDefinition);
    if (!td) return ctx.fail("ClientException", "TaskDefinition not found.");
    if (td.status !== "ACTIVE") ctx.fail("ClientException", "TaskDefinition is inactive");
    if (input.launchType && input.launchType !== "FARGATE") ctx.fail("InvalidParameterException", "The sandbox runs tasks on Fargate only (launchType FARGATE).");
    if (!(td.compatibilities ?? []).includes("FARGATE")) ctx.fail("InvalidParameterException", "Task definition does not support launch_type FARGATE.");
    const vpc = checkAwsvpc(ctx, input.networkConfiguration);
    const tags = checkTags(ctx, input.tags);
    const launched: SimRecord[] = [];
    for (let i = 0; i < count; i++) {
      launched.push(
        launchTask(
          ctx,
          {
            cluster,
            taskDef: td,
            subnetId: vpc.subnets[i % vpc.subnets.length],
            securityGroups: vpc.securityGroups ?? [],
            assignPublicIp: vpc.assignPublicIp,
            startedBy: input.startedBy,
            group: input.group ?? `family:${td.family}`,
            overrides: input.overrides,
            tags: input.propagateTags === "TASK_DEFINITION" ? [...tagsOf(td), ...tags] : tags,
            oneOff: true,
          },
          ctx.now(),
        ),
      );
    }
    if (input.clientToken) tokens[`RunTask:${input.clientToken}`] = { arns: launched.map((t) => t.taskArn) };
    return { tasks: launched.map((t) => taskView(t, ["TAGS"])), failures: [] };
  },

  DescribeTasks(input, ctx) {
    activeCluster(ctx, input.cluster);
    const found: SimRecord[] = [];
    const failures: SimRecord[] = [];
    for (const ref of input.tasks ?? []) {
      const t = taskRef(ctx, input.cluster, ref);
      if (t) found.push(taskView(t, input.include ?? []));
      else failures.push({ arn: ref.startsWith("arn:") ? ref : arn(ctx, `task/${clusterName(input.cluster)}/${ref}`), reason: "MISSING" });
    }
    return { tasks: found, failures };
  },

  ListTasks(input, ctx) {
    const cluster = activeCluster(ctx, input.cluster);
    if (input.serviceName && input.startedBy) ctx.fail("InvalidParameterException", "startedBy and serviceName cannot be specified together.");
    const desired = input.desiredStatus ?? "RUNNING";
    const list = Object.values(tasks(ctx)).filter(
      (t) =>
        t.clusterArn === cluster.clusterArn &&
        t.desiredStatus === desired &&
        (!input.serviceName || t.group === `service:${lastPart(input.serviceName)}`) &&
        (!input.startedBy || t.startedBy === input.startedBy) &&
        (!input.family || lastPart(t.taskDefinitionArn).split(":")[0] === input.family) &&
        (!input.launchType || t.launchType === input.launchType),
    );
    list.sort((a, b) => a.createdAt - b.createdAt);
    const { page, next } = paginate(list, input.maxResults, input.nextToken, 100);
    return { taskArns: page.map((t) => t.taskArn), nextToken: next };
  },

  StopTask(input, ctx) {
    activeCluster(ctx, input.cluster);
    const t = taskRef(ctx, input.cluster, input.task ?? "");
    if (!t) return ctx.fail("InvalidParameterException", "The referenced task was not found.");
    requestStop(ctx, t, ctx.now(), "UserInitiated", input.reason ?? "Task stopped by user");
    return { task: taskView(t) };
  },
};

/** Stopped tasks are forgotten an hour after they stopped. */
export function purgeTasks(ctx: Ctx): void {
  const all = tasks(ctx);
  for (const [id, t] of Object.entries(all)) if (t.lastStatus === "STOPPED" && ctx.now() >= t._purgeAt) delete all[id];
}
