/**
 * Services of the simulated ECS: the service scheduler (rolling deployments, circuit breaker,
 * rollback, scale in/out) run as a discrete-event simulation settled on every call (behaviour: ecs.md).
 */
import type { ECS } from "@aws-sdk/client-ecs";
import { paginate } from "../filters.js";
import { lowerTags, tagsOf } from "../tags.js";
import { type SimRecord, type Handlers } from "../types.js";
import { typicalMs } from "../../aws/durations.js";
import {
  HEALTHY_MS,
  LINGER_MS,
  activeCluster,
  arn,
  checkTags,
  clusterName,
  deploymentId,
  findTaskDef,
  lastPart,
  out,
  services,
  tasks,
  type Ctx,
} from "./ecs-common.js";
import { checkAwsvpc, launchTask, nextChange, requestStop, settleTask } from "./ecs-tasks.js";
import { databaseReadyAt } from "./rds-readiness.js";

const STEADY_MS = typicalMs("ecs.service.steady");
const DRAIN_MS = typicalMs("ecs.service.drain");
const MAX_EVENTS = 100;
const MIN_DRAINING_MS = 10_000;
const LIVE = (t: SimRecord) => t.lastStatus !== "STOPPED";

/** The circuit breaker's failed-task threshold: 0.5 × desired count, at least 3 and at most 200 (rolling update guide). */
export function failureThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desired * 0.5)));
}

function event(ctx: Ctx, svc: SimRecord, at: number, message: string): void {
  svc.events.unshift({ id: ctx.newId("", 8) + "-" + ctx.newId("", 4) + "-" + ctx.newId("", 12), createdAt: at, message: `(service ${svc.serviceName}) ${message}` });
  svc.events.length = Math.min(svc.events.length, MAX_EVENTS);
}

function serviceTasks(ctx: Ctx, svc: SimRecord): SimRecord[] {
  return Object.values(tasks(ctx)).filter((t) => t._service?.key === svc._key);
}

/**
 * When a RUNNING task's load balancer health checks pass: HEALTHY_MS after it started, or after the
 * database it needs became ready (rds-readiness.ts); Infinity while that is not foreseeable.
 */
function healthyAt(ctx: Ctx, task: SimRecord): number {
  const ready = task._db ? databaseReadyAt(ctx, task._db) : -Infinity;
  return Math.max(task.startedAt, ready) + HEALTHY_MS;
}

/**
 * When ECS stops a task that fails its load balancer health checks: "the Amazon ECS service scheduler
 * ignores unhealthy Elastic Load Balancing … health checks" for healthCheckGracePeriodSeconds "after a
 * task has first started" (CreateService reference); the target's first verdict comes HEALTHY_MS
 * after it starts. Undefined when it passes before that.
 */
function unhealthyStopAt(ctx: Ctx, svc: SimRecord, task: SimRecord): number | undefined {
  if (!svc.loadBalancers?.length || task.lastStatus !== "RUNNING" || task.desiredStatus !== "RUNNING" || task.startedAt === undefined) return undefined;
  // A grace period changed later applies from then on (UpdateService), not retroactively.
  const at = Math.max(task.startedAt + Math.max((svc.healthCheckGracePeriodSeconds ?? 0) * 1000, HEALTHY_MS), svc._graceSetAt ?? 0);
  return at < healthyAt(ctx, task) ? at : undefined;
}

function newDeployment(ctx: Ctx, svc: SimRecord, taskDefinition: string, at: number): SimRecord {
  return {
    id: deploymentId(ctx),
    status: "PRIMARY",
    taskDefinition,
    desiredCount: svc.desiredCount,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: at,
    updatedAt: at,
    launchType: "FARGATE",
    platformVersion: "1.4.0",
    platformFamily: "Linux",
    networkConfiguration: structuredClone(svc.networkConfiguration),
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: "ECS deployment ecs-svc is in progress.",
  };
}

/** One scheduler pass at simulated time `t`. */
function step(ctx: Ctx, svc: SimRecord, t: number): void {
  const all = serviceTasks(ctx, svc);
  for (const task of all) settleTask(ctx, task, t);
  const cluster = { clusterName: clusterName(svc.clusterArn), clusterArn: svc.clusterArn };
  const deps: SimRecord[] = svc.deployments;
  const primary = deps[0];
  const want = svc.status === "ACTIVE" ? svc.desiredCount : 0;

  // Tasks that stopped without being asked to: count failures, tell the events.
  for (const task of all) {
    if (task.lastStatus !== "STOPPED" || task._reported) continue;
    task._reported = true;
    if (task.stopCode === "UserInitiated" || task.stopCode === "ServiceSchedulerInitiated") continue;
    const d = deps.find((x) => x.id === task._service.deploymentId);
    if (d) d.failedTasks++;
    event(ctx, svc, task.stoppedAt, `has stopped 1 running tasks: (task ${lastPart(task.taskArn)}).`);
  }

  // Past the grace period, a task failing its load balancer health checks is stopped and replaced;
  // it counts as a failed task for the circuit breaker ("How the Amazon ECS deployment circuit
  // breaker detects failures": tasks that fail health checks).
  for (const task of all) {
    const at = unhealthyStopAt(ctx, svc, task);
    if (at === undefined || t < at) continue;
    const tg = String(svc.loadBalancers[0].targetGroupArn);
    event(ctx, svc, at, `(task ${lastPart(task.taskArn)}) (port ${svc.loadBalancers[0].containerPort}) is unhealthy in (target-group ${tg}) due to (reason Health checks failed).`);
    requestStop(ctx, task, at, "ServiceSchedulerInitiated", `Task failed ELB health checks in (target-group ${tg})`);
    task._reported = true;
    const d = deps.find((x) => x.id === task._service.deploymentId);
    if (d) d.failedTasks++;
    event(ctx, svc, at, `has stopped 1 running tasks: (task ${lastPart(task.taskArn)}).`);
  }

  const cb = svc.deploymentConfiguration?.deploymentCircuitBreaker;
  if (primary && primary.rolloutState === "IN_PROGRESS" && cb?.enable && primary.failedTasks >= failureThreshold(svc.desiredCount)) {
    primary.rolloutState = "FAILED";
    primary.rolloutStateReason = `ECS deployment circuit breaker: tasks failed to start.`;
    primary.updatedAt = t;
    event(ctx, svc, t, `(deployment ${primary.id}) deployment failed: tasks failed to start.`);
    const previous: string | undefined = svc._lastCompleted;
    if (cb.rollback && previous && previous !== primary.taskDefinition) {
      const rollback = newDeployment(ctx, svc, previous, t);
      rollback.rolloutStateReason = `ECS deployment detected failure. Rolling back to the last deployment that completed successfully (${previous}).`;
      primary.status = "ACTIVE";
      deps.unshift(rollback);
      svc.taskDefinition = previous;
      event(ctx, svc, t, `rolling back to deployment ${rollback.id}.`);
    }
    for (const task of all.filter(LIVE)) if (task._service.deploymentId === primary.id) requestStop(ctx, task, t, "ServiceSchedulerInitiated", "Deployment failed: tasks failed to start", DRAIN_MS);
  }

  const head = deps[0];
  if (head) {
    const mine = all.filter((x) => LIVE(x) && x.desiredStatus === "RUNNING" && x._service.deploymentId === head.id);
    if (head.rolloutState !== "FAILED" && mine.length < want) {
      const td = findTaskDef(ctx, head.taskDefinition)!;
      const subnets: string[] = head.networkConfiguration.awsvpcConfiguration.subnets;
      const started: string[] = [];
      for (let i = mine.length; i < want; i++) {
        // Spread over the availability zones: the subnet whose AZ runs the fewest of this service's tasks.
        const live = serviceTasks(ctx, svc).filter(LIVE);
        const load = (s: string) => live.filter((x) => x.attachments[0].details[0].value === s || x.availabilityZone === ctx.tableOf("ec2", "subnets")[s]?.AvailabilityZone).length;
        const subnetId = [...subnets].sort((a, b) => load(a) - load(b))[0];
        const vpc = head.networkConfiguration.awsvpcConfiguration;
        const task = launchTask(
          ctx,
          {
            cluster,
            taskDef: td,
            subnetId,
            securityGroups: vpc.securityGroups ?? [],
            assignPublicIp: vpc.assignPublicIp,
            startedBy: head.id,
            group: `service:${svc.serviceName}`,
            tags: svc.propagateTags === "SERVICE" ? tagsOf(svc) : svc.propagateTags === "TASK_DEFINITION" ? tagsOf(td) : [],
            oneOff: false,
            service: { key: svc._key, deploymentId: head.id, loadBalancers: svc.loadBalancers, serviceRegistries: svc.serviceRegistries, name: svc.serviceName },
          },
          t,
        );
        started.push(`(task ${lastPart(task.taskArn)})`);
      }
      event(ctx, svc, t, `has started ${started.length} tasks: ${started.join(" ")}.`);
    }
    if (mine.length > want) {
      for (const task of mine.slice(want)) requestStop(ctx, task, t, "ServiceSchedulerInitiated", "Scaling activity initiated by (deployment " + head.id + ")", DRAIN_MS);
      event(ctx, svc, t, `has begun draining ${mine.length - want} tasks.`);
    }
    // Old deployments drain once the new one runs its full count (minimumHealthyPercent 100 %).
    const headRunning = mine.filter((x) => x.lastStatus === "RUNNING").length;
    if (head.rolloutState !== "FAILED" && headRunning >= want) {
      for (const task of all.filter((x) => LIVE(x) && x._service.deploymentId !== head.id)) requestStop(ctx, task, t, "ServiceSchedulerInitiated", `Task stopped by deployment ${head.id}`, DRAIN_MS);
    }
  }

  // Counts, completion and the removal of drained deployments.
  const live = serviceTasks(ctx, svc).filter(LIVE);
  for (const d of deps) {
    const own = live.filter((x) => x._service.deploymentId === d.id);
    d.runningCount = own.filter((x) => x.lastStatus === "RUNNING" && x.desiredStatus === "RUNNING").length;
    d.pendingCount = own.filter((x) => x.lastStatus === "PROVISIONING" || x.lastStatus === "PENDING").length;
    d.desiredCount = d === head && d.rolloutState !== "FAILED" ? want : 0;
  }
  let completeAt: number | undefined;
  if (head && head.rolloutState === "IN_PROGRESS" && svc.status === "ACTIVE") {
    const others = live.some((x) => x._service.deploymentId !== head.id);
    const running = live.filter((x) => x._service.deploymentId === head.id && x.lastStatus === "RUNNING");
    if (!others && head.runningCount === want && head.pendingCount === 0) {
      // Steady: the targets passed their health checks, and not before the typical rollout time.
      const steadyAt = Math.max(head.createdAt + STEADY_MS, ...running.map((x) => healthyAt(ctx, x)));
      if (t >= steadyAt) {
        head.rolloutState = "COMPLETED";
        head.rolloutStateReason = `ECS deployment ${head.id} completed.`;
        head.updatedAt = t;
        svc._lastCompleted = head.taskDefinition;
        event(ctx, svc, t, `(deployment ${head.id}) deployment completed.`);
        event(ctx, svc, t, `has reached a steady state.`);
      } else if (steadyAt !== Infinity) completeAt = steadyAt;
    }
  }
  svc.deployments = deps.filter((d) => d === head || live.some((x) => x._service.deploymentId === d.id) || (d.rolloutState === "FAILED" && head?.rolloutState === "IN_PROGRESS"));
  svc.runningCount = live.filter((x) => x.lastStatus === "RUNNING").length;
  svc.pendingCount = live.filter((x) => x.lastStatus === "PROVISIONING" || x.lastStatus === "PENDING").length;
  if (svc.status === "DRAINING" && live.length === 0) {
    // DRAINING lasts at least a few seconds, even without tasks.
    if (t >= svc._inactiveAt) {
      svc.status = "INACTIVE";
      svc._purgeAt = t + LINGER_MS;
      for (const d of svc.deployments) d.status = "INACTIVE";
    } else completeAt = svc._inactiveAt;
  }
  const times = live.flatMap((x) => [nextChange(x), unhealthyStopAt(ctx, svc, x)]).filter((x): x is number => x !== undefined && x > t);
  if (completeAt !== undefined) times.push(completeAt);
  svc._next = times.length ? Math.min(...times) : undefined;
}

/** Runs the scheduler up to now, one pass at every moment something changes. */
export function settleService(ctx: Ctx, svc: SimRecord): void {
  for (let guard = 0; guard < 100_000 && svc._next !== undefined && svc._next <= ctx.now(); guard++) step(ctx, svc, svc._next);
}

/** Settles, changes, then reschedules a service at "now". */
function mutate(ctx: Ctx, svc: SimRecord, change: () => void): void {
  settleService(ctx, svc);
  change();
  step(ctx, svc, ctx.now());
}

/** The current service named `name` in `cluster` (ACTIVE/DRAINING first, else the newest INACTIVE one). */
function serviceByName(ctx: Ctx, cluster: string, ref: string): SimRecord | undefined {
  const name = lastPart(ref);
  const list = Object.values(services(ctx)).filter((s) => s.serviceName === name && clusterName(s.clusterArn) === cluster && ctx.visible(s));
  return list.find((s) => s.status !== "INACTIVE") ?? list.sort((a, b) => b.createdAt - a.createdAt)[0];
}

function activeService(ctx: Ctx, input: any): SimRecord {
  const cluster = activeCluster(ctx, input.cluster);
  const svc = serviceByName(ctx, cluster.clusterName, input.service ?? "");
  if (!svc) ctx.fail("ServiceNotFoundException", "Service not found.");
  if (svc.status !== "ACTIVE") ctx.fail("ServiceNotActiveException", "Service was not ACTIVE.");
  return svc;
}

/** The public view of a service. */
export function serviceView(svc: SimRecord, include: string[] = []): SimRecord {
  const v = out(svc);
  if (include.includes("TAGS")) v.tags = lowerTags(svc);
  return v;
}

function checkLoadBalancers(ctx: Ctx, lbs: SimRecord[] | undefined, td: SimRecord): SimRecord[] {
  return (lbs ?? []).map((lb) => {
    if (!lb.targetGroupArn) ctx.fail("InvalidParameterException", "Target group ARN must be specified for an application load balancer.");
    const c = (td.containerDefinitions as SimRecord[]).find((x) => x.name === lb.containerName);
    if (!c) ctx.fail("InvalidParameterException", `The container ${lb.containerName} does not exist in the task definition.`);
    if (!(c.portMappings ?? []).some((p: SimRecord) => p.containerPort === lb.containerPort)) {
      ctx.fail("InvalidParameterException", `The container ${lb.containerName} did not have a container port ${lb.containerPort} defined.`);
    }
    return { targetGroupArn: lb.targetGroupArn, containerName: lb.containerName, containerPort: lb.containerPort };
  });
}

function checkDeploymentConfiguration(ctx: Ctx, dc: SimRecord | undefined): SimRecord {
  const r: SimRecord = {
    deploymentCircuitBreaker: { enable: !!dc?.deploymentCircuitBreaker?.enable, rollback: !!dc?.deploymentCircuitBreaker?.rollback },
    maximumPercent: dc?.maximumPercent ?? 200,
    minimumHealthyPercent: dc?.minimumHealthyPercent ?? 100,
  };
  if (r.minimumHealthyPercent < 0 || r.minimumHealthyPercent > 100) ctx.fail("InvalidParameterException", "minimumHealthyPercent must be between 0 and 100.");
  if (r.maximumPercent < 100 || r.maximumPercent > 200 || r.maximumPercent <= r.minimumHealthyPercent - 0) {
    if (r.maximumPercent < 100 || r.maximumPercent > 200) ctx.fail("InvalidParameterException", "maximumPercent must be between 100 and 200.");
  }
  if (dc?.alarms) r.alarms = structuredClone(dc.alarms);
  return r;
}

/** Same clientToken → the service it created; the identity of a request otherwise. */
function requestKey(input: any): string {
  const { clientToken: _c, ...rest } = input;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

export const serviceHandlers: Handlers<ECS> = {
  CreateService(input, ctx) {
    const cluster = activeCluster(ctx, input.cluster);
    const name: string = input.serviceName ?? "";
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,254}$/.test(name)) ctx.fail("InvalidParameterException", "serviceName must start with a letter and contain up to 255 letters, numbers, hyphens and underscores.");
    if (input.clientToken !== undefined && (String(input.clientToken).length > 36 || !/^[\x21-\x7e]+$/.test(input.clientToken))) {
      ctx.fail("InvalidParameterException", "clientToken must be up to 36 ASCII characters in the range 33-126.");
    }
    const existing = serviceByName(ctx, cluster.clusterName, name);
    if (existing && existing.status !== "INACTIVE") {
      // A retry with the same client token answers the service it created (ECS_Idempotency).
      if (input.clientToken && existing._clientToken === input.clientToken) {
        if (existing._request !== requestKey(input)) ctx.fail("InvalidParameterException", "Creation of service was not idempotent.");
        return { service: serviceView(existing, ["TAGS"]) };
      }
      ctx.fail("InvalidParameterException", "Creation of service was not idempotent.");
    }
    const td = findTaskDef(ctx, input.taskDefinition);
    if (!td) return ctx.fail("ClientException", "TaskDefinition not found.");
    if (td.status !== "ACTIVE") ctx.fail("ClientException", "TaskDefinition is inactive");
    if (input.launchType && input.launchType !== "FARGATE") ctx.fail("InvalidParameterException", "The sandbox runs services on Fargate only (launchType FARGATE).");
    if (!(td.compatibilities ?? []).includes("FARGATE")) ctx.fail("InvalidParameterException", "Task definition does not support launch_type FARGATE.");
    const desired = input.desiredCount ?? 0;
    if (!Number.isInteger(desired) || desired < 0) ctx.fail("InvalidParameterException", "desiredCount must be a non-negative integer.");
    const vpc = checkAwsvpc(ctx, input.networkConfiguration);
    const lbs = checkLoadBalancers(ctx, input.loadBalancers, td);
    if (input.healthCheckGracePeriodSeconds !== undefined && input.healthCheckGracePeriodSeconds > 2_147_483_647) ctx.fail("InvalidParameterException", "healthCheckGracePeriodSeconds is too large.");
    const tags = checkTags(ctx, input.tags);
    const key = `${cluster.clusterName}/${name}/${ctx.now()}-${ctx.newId("", 6)}`;
    const svc: SimRecord = ctx.born({
      serviceArn: arn(ctx, `service/${cluster.clusterName}/${name}`),
      serviceName: name,
      clusterArn: cluster.clusterArn,
      loadBalancers: lbs,
      serviceRegistries: (input.serviceRegistries ?? []).map((r: SimRecord) => ({ ...r })),
      status: "ACTIVE",
      desiredCount: desired,
      runningCount: 0,
      pendingCount: 0,
      launchType: "FARGATE",
      platformVersion: input.platformVersion ?? "LATEST",
      platformFamily: "Linux",
      taskDefinition: td.taskDefinitionArn,
      deploymentConfiguration: checkDeploymentConfiguration(ctx, input.deploymentConfiguration),
      deployments: [],
      events: [],
      createdAt: ctx.now(),
      placementConstraints: [],
      placementStrategy: [],
      networkConfiguration: { awsvpcConfiguration: { subnets: [...vpc.subnets], securityGroups: [...(vpc.securityGroups ?? [])], assignPublicIp: vpc.assignPublicIp ?? "DISABLED" } },
      schedulingStrategy: "REPLICA",
      deploymentController: { type: "ECS" },
      createdBy: `arn:aws:iam::${ctx.accountId}:role/opsctl`,
      enableECSManagedTags: !!input.enableECSManagedTags,
      propagateTags: input.propagateTags ?? "NONE",
      enableExecuteCommand: !!input.enableExecuteCommand,
      availabilityZoneRebalancing: "ENABLED",
      _tags: tags,
      _key: key,
      _clientToken: input.clientToken,
      _request: requestKey(input),
    });
    if (lbs.length || input.healthCheckGracePeriodSeconds !== undefined) svc.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds ?? 0;
    if (lbs.length) svc.roleArn = `arn:aws:iam::${ctx.accountId}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`;
    svc.deployments = [newDeployment(ctx, svc, td.taskDefinitionArn, ctx.now())];
    services(ctx)[key] = svc;
    step(ctx, svc, ctx.now());
    return { service: serviceView(svc, ["TAGS"]) };
  },

  DescribeServices(input, ctx) {
    const cluster = activeCluster(ctx, input.cluster);
    const refs: string[] = input.services ?? [];
    if (!refs.length || refs.length > 10) ctx.fail("InvalidParameterException", "services can have between 1 and 10 items.");
    const found: SimRecord[] = [];
    const failures: SimRecord[] = [];
    for (const ref of refs) {
      const svc = serviceByName(ctx, cluster.clusterName, ref);
      if (svc) found.push(serviceView(svc, input.include ?? []));
      else failures.push({ arn: ref.startsWith("arn:") ? ref : arn(ctx, `service/${cluster.clusterName}/${ref}`), reason: "MISSING" });
    }
    return { services: found, failures };
  },

  ListServices(input, ctx) {
    const cluster = activeCluster(ctx, input.cluster);
    const list = Object.values(services(ctx))
      .filter((s) => s.clusterArn === cluster.clusterArn && s.status !== "INACTIVE" && ctx.visible(s))
      .sort((a, b) => a.createdAt - b.createdAt);
    const { page, next } = paginate(list, input.maxResults, input.nextToken, 10);
    return { serviceArns: page.map((s) => s.serviceArn), nextToken: next };
  },

  UpdateService(input, ctx) {
    const svc = activeService(ctx, input);
    let td: SimRecord | undefined;
    if (input.taskDefinition !== undefined) {
      td = findTaskDef(ctx, input.taskDefinition);
      if (!td) return ctx.fail("ClientException", "TaskDefinition not found.");
      if (td.status !== "ACTIVE") ctx.fail("ClientException", "TaskDefinition is inactive");
    }
    const desired = input.desiredCount;
    if (desired !== undefined && (!Number.isInteger(desired) || desired < 0)) ctx.fail("InvalidParameterException", "desiredCount must be a non-negative integer.");
    const effectiveTd = td ?? findTaskDef(ctx, svc.taskDefinition)!;
    const lbs = input.loadBalancers !== undefined ? checkLoadBalancers(ctx, input.loadBalancers, effectiveTd) : undefined;
    const vpc = input.networkConfiguration !== undefined ? checkAwsvpc(ctx, input.networkConfiguration) : undefined;
    const dc = input.deploymentConfiguration !== undefined ? checkDeploymentConfiguration(ctx, input.deploymentConfiguration) : undefined;
    mutate(ctx, svc, () => {
      if (desired !== undefined) svc.desiredCount = desired;
      if (dc) svc.deploymentConfiguration = dc;
      if (input.healthCheckGracePeriodSeconds !== undefined) {
        svc.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
        svc._graceSetAt = ctx.now();
      }
      if (input.propagateTags !== undefined) svc.propagateTags = input.propagateTags;
      if (input.enableECSManagedTags !== undefined) svc.enableECSManagedTags = input.enableECSManagedTags;
      if (input.serviceRegistries !== undefined) svc.serviceRegistries = input.serviceRegistries.map((r: SimRecord) => ({ ...r }));
      if (lbs) svc.loadBalancers = lbs;
      if (vpc) svc.networkConfiguration = { awsvpcConfiguration: { subnets: [...vpc.subnets], securityGroups: [...(vpc.securityGroups ?? [])], assignPublicIp: vpc.assignPublicIp ?? "DISABLED" } };
      if (input.platformVersion !== undefined) svc.platformVersion = input.platformVersion;
      // A new deployment for what changes the tasks; a desired count alone only scales the current one.
      const redeploy = (td && td.taskDefinitionArn !== svc.taskDefinition) || input.forceNewDeployment || lbs || vpc || input.serviceRegistries !== undefined || input.platformVersion !== undefined;
      if (td) svc.taskDefinition = td.taskDefinitionArn;
      if (redeploy) {
        for (const d of svc.deployments) d.status = "ACTIVE";
        svc.deployments.unshift(newDeployment(ctx, svc, svc.taskDefinition, ctx.now()));
      }
    });
    return { service: serviceView(svc) };
  },

  DeleteService(input, ctx) {
    const cluster = activeCluster(ctx, input.cluster);
    const svc = serviceByName(ctx, cluster.clusterName, input.service ?? "");
    if (!svc) return ctx.fail("ServiceNotFoundException", "Service not found.");
    if (svc.status !== "ACTIVE") {
      if (svc.status === "DRAINING") return { service: serviceView(svc) };
      ctx.fail("ServiceNotActiveException", "Service was not ACTIVE.");
    }
    settleService(ctx, svc);
    if (svc.desiredCount > 0 && !input.force) ctx.fail("InvalidParameterException", "The service cannot be stopped while it is scaled above 0.");
    mutate(ctx, svc, () => {
      svc.status = "DRAINING";
      svc.desiredCount = 0;
      svc._inactiveAt = ctx.now() + MIN_DRAINING_MS;
    });
    return { service: serviceView(svc) };
  },
};

/** Settles every service of the region and forgets INACTIVE ones an hour after they became inactive. */
export function settleServices(ctx: Ctx): void {
  const all = services(ctx);
  for (const [k, s] of Object.entries(all)) {
    settleService(ctx, s);
    if (s.status === "INACTIVE" && ctx.now() >= s._purgeAt) delete all[k];
  }
}
