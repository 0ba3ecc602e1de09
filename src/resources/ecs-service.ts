/**
 * Resource kind `ecs-service`.
 * Tests: test/resources/ecs-service.test.ts.
 * Sandbox: src/sandbox/services/ecs.ts, src/sandbox/services/ecs-services.ts.
 */
import { CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, UpdateServiceCommand, paginateListServices, type Service } from "@aws-sdk/client-ecs";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { createWithToken, type ResourceContext } from "./context.js";
import { collect, orUndefined, ownedBy, sameSet } from "./toolkit.js";
import { allClusters, ecsTags } from "./ecs-cluster.js";

/** ECS-03/ECS-04: the Fargate service in the private subnets, behind the target group, in Cloud Map. */
export interface EcsServiceSpec {
  cluster: string;
  name: string;
  taskDefinitionArn: string;
  desiredCount: number;
  subnetIds: string[];
  securityGroupIds: string[];
  /** Registered with this target group (absent: no load balancer). */
  targetGroupArn?: string;
  containerName: string;
  containerPort: number;
  /** The Cloud Map service ARN (ECS-04). */
  registryArn?: string;
  healthCheckGracePeriodSeconds?: number;
}

/** How many of the newest service events a failure shows. */
const EVENTS_SHOWN = 5;

async function describeOne(ctx: ResourceContext, cluster: string, name: string): Promise<Service | undefined> {
  const ecs = await ctx.aws.get("ecs");
  // ClusterNotFoundException: the cluster itself is gone, so is the service.
  return (await orUndefined(ecs.send(new DescribeServicesCommand({ cluster, services: [name], include: ["TAGS"] }))))?.services?.[0];
}

/** Every service of this environment's clusters, with tags (for `down`, which knows no spec). */
function envServices(ctx: ResourceContext): Promise<Service[]> {
  return ctx.once("ecs:services", async () => {
    const ecs = await ctx.aws.get("ecs");
    const out: Service[] = [];
    for (const c of await allClusters(ctx)) {
      const arns = await collect(paginateListServices({ client: ecs }, { cluster: c.clusterArn }), (p) => p.serviceArns);
      for (let i = 0; i < arns.length; i += 10) {
        out.push(...((await ecs.send(new DescribeServicesCommand({ cluster: c.clusterArn, services: arns.slice(i, i + 10), include: ["TAGS"] }))).services ?? []));
      }
    }
    return out;
  });
}

function loadBalancers(spec: EcsServiceSpec) {
  return spec.targetGroupArn ? [{ targetGroupArn: spec.targetGroupArn, containerName: spec.containerName, containerPort: spec.containerPort }] : [];
}

function registries(spec: EcsServiceSpec) {
  return spec.registryArn ? [{ registryArn: spec.registryArn }] : [];
}

function network(spec: EcsServiceSpec) {
  // ECS-03: private subnets, no public IP.
  return { awsvpcConfiguration: { subnets: spec.subnetIds, securityGroups: spec.securityGroupIds, assignPublicIp: "DISABLED" as const } };
}

/** ECS-03: circuit breaker with rollback; new tasks start before old ones stop. */
const DEPLOYMENT = { deploymentCircuitBreaker: { enable: true, rollback: true }, minimumHealthyPercent: 100, maximumPercent: 200 };

const primary = (s: Service) => s.deployments?.find((d) => d.status === "PRIMARY");
const lastEvents = (s: Service) => (s.events ?? []).slice(0, EVENTS_SHOWN).map((e) => e.message).join(" | ");

export const ecsService: ResourceKind<EcsServiceSpec, Service, ResourceContext, { id: string; name: string; arn: string; cluster: string }> = {
  kind: "ecs-service",
  // SPEC.md ECS-03 (the service), ALB-02 (registered with the target group), ECS-04 (service discovery).
  fieldControls: {
    taskDefinition: ["ECS-03"],
    desiredCount: ["ECS-03"],
    networkConfiguration: ["ECS-03"],
    deploymentCircuitBreaker: ["ECS-03"],
    healthCheckGracePeriodSeconds: ["ECS-03"],
    loadBalancers: ["ECS-03", "ALB-02"],
    serviceRegistries: ["ECS-04"],
  },
  budget: { create: slowMs("ecs.service.steady"), delete: slowMs("ecs.service.drain") * 2 },
  typicalCreateMs: typicalMs("ecs.service.steady"),
  typicalDeleteMs: typicalMs("ecs.service.drain"),

  async find(ctx, spec) {
    const s = spec ? await describeOne(ctx, spec.cluster, spec.name) : (await envServices(ctx)).find((x) => ownedBy(ctx, x.tags) && x.status !== "INACTIVE");
    if (!s || s.status === "INACTIVE") return undefined;
    // A service of that name still draining after a `down` blocks a new one (its name is taken until INACTIVE).
    if (spec && s.status === "DRAINING") throw new TryAgainLater(`service ${spec.name} is still draining from an earlier delete`, 15_000);
    return s;
  },
  async findAll(ctx) {
    return (await envServices(ctx)).filter((x) => ownedBy(ctx, x.tags) && x.status !== "INACTIVE");
  },
  diff(spec, s) {
    const c: FieldChange[] = [];
    if (s.taskDefinition !== spec.taskDefinitionArn) c.push({ field: "taskDefinition", from: s.taskDefinition, to: spec.taskDefinitionArn });
    if (s.desiredCount !== spec.desiredCount) c.push({ field: "desiredCount", from: s.desiredCount, to: spec.desiredCount });
    const vpc = s.networkConfiguration?.awsvpcConfiguration;
    const want = network(spec).awsvpcConfiguration;
    if (!vpc || !sameSet(vpc.subnets ?? [], want.subnets) || !sameSet(vpc.securityGroups ?? [], want.securityGroups) || (vpc.assignPublicIp ?? "DISABLED") !== "DISABLED") {
      c.push({ field: "networkConfiguration", from: vpc, to: want });
    }
    const lbs = (s.loadBalancers ?? []).map((l) => `${l.targetGroupArn}|${l.containerName}|${l.containerPort}`);
    const wantLbs = loadBalancers(spec).map((l) => `${l.targetGroupArn}|${l.containerName}|${l.containerPort}`);
    if (!sameSet(lbs, wantLbs)) c.push({ field: "loadBalancers", from: lbs, to: wantLbs });
    const regs = (s.serviceRegistries ?? []).map((r) => r.registryArn ?? "");
    const wantRegs = registries(spec).map((r) => r.registryArn);
    if (!sameSet(regs, wantRegs)) c.push({ field: "serviceRegistries", from: regs, to: wantRegs });
    const cb = s.deploymentConfiguration?.deploymentCircuitBreaker;
    if (!cb?.enable || !cb.rollback) c.push({ field: "deploymentCircuitBreaker", from: cb, to: DEPLOYMENT.deploymentCircuitBreaker });
    if (spec.targetGroupArn && (s.healthCheckGracePeriodSeconds ?? 0) !== (spec.healthCheckGracePeriodSeconds ?? 0)) {
      c.push({ field: "healthCheckGracePeriodSeconds", from: s.healthCheckGracePeriodSeconds, to: spec.healthCheckGracePeriodSeconds ?? 0 });
    }
    // A rollout the circuit breaker failed with nothing to roll back to (the service's first one, e.g.
    // when its tasks started while the bootstrap task failed) stays FAILED until a new deployment:
    // `up` run again after the cause is fixed starts one (UpdateService forceNewDeployment).
    const p = primary(s);
    if (p?.rolloutState === "FAILED") c.push({ field: "deployment", from: `${p.id} FAILED (${p.rolloutStateReason ?? "circuit breaker"})`, to: "a new deployment" });
    return c;
  },
  async create(ctx, spec) {
    const ecs = await ctx.aws.get("ecs");
    try {
      // A token that answers a service deleted out of band (INACTIVE, or DRAINING) moves on to the next generation.
      return await createWithToken(ctx, [spec.cluster, spec.name], async (token) => (await ecs.send(
        new CreateServiceCommand({
          cluster: spec.cluster,
          serviceName: spec.name,
          taskDefinition: spec.taskDefinitionArn,
          desiredCount: spec.desiredCount,
          launchType: "FARGATE",
          platformVersion: "LATEST",
          networkConfiguration: network(spec),
          loadBalancers: loadBalancers(spec),
          serviceRegistries: registries(spec),
          deploymentConfiguration: DEPLOYMENT,
          healthCheckGracePeriodSeconds: spec.targetGroupArn ? spec.healthCheckGracePeriodSeconds : undefined,
          propagateTags: "SERVICE",
          enableECSManagedTags: true,
          // CreateService takes at most 36 characters (ECS_Idempotency): the token's prefix is enough to be unique.
          clientToken: token.slice(0, 36),
          tags: ecsTags(ctx),
        }),
      )).service!, (x) => x.status === "INACTIVE" || x.status === "DRAINING");
    } catch (e) {
      // The task role or the target group is not visible to ECS yet (IAM/ELB eventual consistency).
      if (isCode(e, "InvalidParameterException") && /Unable to assume role|target ?group/i.test(String((e as Error).message))) throw new TryAgainLater(`service ${spec.name}: ${(e as Error).message}`, 10_000);
      throw e;
    }
  },
  async update(ctx, spec, s, changes) {
    const ecs = await ctx.aws.get("ecs");
    const f = new Set(changes.map((c) => c.field));
    const r = await ecs.send(
      new UpdateServiceCommand({
        cluster: s.clusterArn,
        service: s.serviceName,
        taskDefinition: f.has("taskDefinition") ? spec.taskDefinitionArn : undefined,
        desiredCount: f.has("desiredCount") ? spec.desiredCount : undefined,
        networkConfiguration: f.has("networkConfiguration") ? network(spec) : undefined,
        loadBalancers: f.has("loadBalancers") ? loadBalancers(spec) : undefined,
        serviceRegistries: f.has("serviceRegistries") ? registries(spec) : undefined,
        deploymentConfiguration: f.has("deploymentCircuitBreaker") ? DEPLOYMENT : undefined,
        healthCheckGracePeriodSeconds: f.has("healthCheckGracePeriodSeconds") ? spec.healthCheckGracePeriodSeconds ?? 0 : undefined,
        forceNewDeployment: f.has("deployment") ? true : undefined,
      }),
    );
    return r.service!;
  },
  async delete(ctx, s) {
    const ecs = await ctx.aws.get("ecs");
    if (s.status === "DRAINING") return;
    try {
      if ((s.desiredCount ?? 0) > 0) await ecs.send(new UpdateServiceCommand({ cluster: s.clusterArn, service: s.serviceName, desiredCount: 0 }));
      await ecs.send(new DeleteServiceCommand({ cluster: s.clusterArn, service: s.serviceName, force: true }));
    } catch (e) {
      if (!isCode(e, "ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException")) throw e;
    }
  },
  refresh: (ctx, s) => describeOne(ctx, s.clusterArn!, s.serviceName!),
  // Steady state: the PRIMARY deployment completed and runs the desired count.
  isReady: (s) => s.status === "ACTIVE" && primary(s)?.rolloutState === "COMPLETED" && s.runningCount === s.desiredCount,
  failure: (s) => {
    if (s.status !== "ACTIVE") return `it is ${s.status}`;
    // The PRIMARY rollout failed, or a failed rollout was rolled back to another task definition. A
    // FAILED older rollout beside a new PRIMARY of the same task definition is the one `up`'s forced
    // new deployment replaces (see diff): not a failure of this run.
    const p = primary(s);
    const failed = p?.rolloutState === "FAILED" ? p : s.deployments?.find((d) => d.rolloutState === "FAILED" && d.taskDefinition !== p?.taskDefinition);
    if (!failed) return undefined;
    const rolledBack = failed.status !== "PRIMARY" ? `; rolled back to ${s.taskDefinition}` : "";
    return `deployment ${failed.id} of ${failed.taskDefinition} failed (${failed.rolloutStateReason ?? "circuit breaker"}${rolledBack}); ${failed.failedTasks ?? 0} task(s) failed; last events: ${lastEvents(s)}`;
  },
  isGone: (s) => s.status === "INACTIVE",
  describe: (s) => {
    const p = primary(s);
    return {
      id: s.serviceName!,
      state: s.status === "ACTIVE" ? (p?.rolloutState ?? "unknown").toLowerCase().replace("_", " ") : (s.status ?? "unknown").toLowerCase(),
      healthy: s.status === "ACTIVE" && p?.rolloutState === "COMPLETED" && s.runningCount === s.desiredCount,
      details: {
        running: s.runningCount,
        desired: s.desiredCount,
        pending: s.pendingCount,
        taskDefinition: s.taskDefinition?.slice(s.taskDefinition.lastIndexOf("/") + 1),
        rollout: p?.rolloutState,
        publicIp: s.networkConfiguration?.awsvpcConfiguration?.assignPublicIp,
        circuitBreaker: s.deploymentConfiguration?.deploymentCircuitBreaker?.rollback ? "rollback" : s.deploymentConfiguration?.deploymentCircuitBreaker?.enable ? "on" : "off",
      },
    };
  },
  outputs: (s) => ({ id: s.serviceName!, name: s.serviceName!, arn: s.serviceArn!, cluster: s.clusterArn! }),
};
