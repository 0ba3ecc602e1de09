import { describe, expect, it } from "vitest";
import { networkNodes } from "../../plans/network.js";

/** The network layer only: these tests add their own nodes on top. */
const environmentPlan = (config: Parameters<typeof networkNodes>[0], facts: Parameters<typeof networkNodes>[1]) => ({ name: "network", nodes: networkNodes(config, facts) });
import { down, up, type RunReport } from "../../src/engine/reconcile.js";
import type { Plan, PlanNode, Refs } from "../../src/engine/plan.js";
import { contextFactory, type Facts, type ResourceContext } from "../../src/resources/context.js";
import { gatherFacts } from "../../src/resources/facts.js";
import { logGroup, logGroupName } from "../../src/resources/log-group.js";
import { iamRole } from "../../src/resources/iam-role.js";
import { ecrRepository } from "../../src/resources/ecr-repository.js";
import { ecsCluster } from "../../src/resources/ecs-cluster.js";
import { taskDefinition, type ContainerSpec } from "../../src/resources/task-definition.js";
import { ecsService } from "../../src/resources/ecs-service.js";
import { serviceDiscoveryNamespace, serviceDiscoveryService } from "../../src/resources/service-discovery.js";
import { metricAlarm } from "../../src/resources/metric-alarm.js";
import { ecsOneOffTask } from "../../src/resources/ecs-one-off-task.js";
import { sandboxSession, taggedInventory, subplan, expectNoopRerun, effectiveWrites } from "../helpers/env.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";

type Node = PlanNode<ResourceContext>;

interface Variant {
  image?: string;
  bootstrapCommand?: string[];
  cpu?: number;
  memory?: number;
  /** Register the service in Cloud Map (ECS-04). */
  registry?: boolean;
}

const IMAGE = "public.ecr.aws/docker/library/node:22-slim";

/** The compute nodes under test, on top of the network nodes of the environment plan. */
function computeNodes(env: string, facts: Facts, v: Variant = {}): Node[] {
  const n = (id: string, deps: string[], resource: Node["resource"], spec: (r: Refs) => unknown, controls: string[]): Node => ({ id, deps, resource, spec, controls });
  const group = logGroupName(env, "api");
  const trust = { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] };
  const container = (): ContainerSpec => ({
    name: "api",
    image: v.image ?? IMAGE,
    portMappings: [{ containerPort: 3000 }],
    environment: { NODE_ENV: "production", PORT: "3000" },
    logConfiguration: { logGroup: group, region: facts.region, streamPrefix: "api" },
    healthCheck: { command: ["CMD-SHELL", "node dist/healthcheck.js"], startPeriod: 30 },
    readonlyRootFilesystem: true,
    user: "node",
  });
  const registry = v.registry ?? true;
  return [
    n("log-group:api", [], logGroup, () => ({ name: group, retentionDays: 30 }), ["MON-01"]),
    n("iam-role:task-execution", ["log-group:api"], iamRole, (r) => ({
      name: `${env}-task-execution`,
      description: "execution role",
      assumeRolePolicy: trust,
      inlinePolicies: { logs: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${String(r.out("log-group:api").arn)}:*`] }] } },
    }), ["IAM-02"]),
    n("iam-role:task", [], iamRole, () => ({ name: `${env}-task`, description: "task role", assumeRolePolicy: trust, inlinePolicies: {} }), ["IAM-01"]),
    n("ecr-repository:api", [], ecrRepository, () => ({ name: `${env}-api`, keepLastImages: 10 }), ["ECS-05"]),
    n("ecs-cluster:main", [], ecsCluster, () => ({ name: `${env}-main` }), ["ECS-01"]),
    n("task-definition:api", ["iam-role:task-execution", "iam-role:task", "log-group:api"], taskDefinition, (r) => ({
      family: `${env}-api`,
      cpu: v.cpu ?? 256,
      memory: v.memory ?? 512,
      executionRoleArn: String(r.out("iam-role:task-execution").arn),
      taskRoleArn: String(r.out("iam-role:task").arn),
      containers: [container()],
    }), ["ECS-02"]),
    n("service-discovery-namespace:main", ["vpc:main"], serviceDiscoveryNamespace, (r) => ({ name: `${env}.internal`, vpcId: r.id("vpc:main") }), ["ECS-04"]),
    n("service-discovery-service:api", ["service-discovery-namespace:main"], serviceDiscoveryService, (r) => ({ name: "api", namespaceId: r.id("service-discovery-namespace:main") }), ["ECS-04"]),
    n(
      "ecs-service:api",
      ["ecs-cluster:main", "task-definition:api", "subnet:private-a", "subnet:private-b", "security-group:ecs", ...(registry ? ["service-discovery-service:api"] : [])],
      ecsService,
      (r) => ({
        cluster: String(r.out("ecs-cluster:main").name),
        name: "api",
        taskDefinitionArn: String(r.out("task-definition:api").arn),
        desiredCount: 2,
        subnetIds: [r.id("subnet:private-a"), r.id("subnet:private-b")],
        securityGroupIds: [r.id("security-group:ecs")],
        containerName: "api",
        containerPort: 3000,
        registryArn: registry ? String(r.out("service-discovery-service:api").arn) : undefined,
        healthCheckGracePeriodSeconds: 60,
      }),
      ["ECS-03", "ECS-04"],
    ),
    n("metric-alarm:ecs-running", ["ecs-cluster:main"], metricAlarm, (r) => ({
      name: `${env}-ecs-running-below-desired`,
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensions: { ClusterName: String(r.out("ecs-cluster:main").name), ServiceName: "api" },
      statistic: "Minimum",
      period: 60,
      evaluationPeriods: 3,
      threshold: 2,
      comparison: "LessThanThreshold",
      treatMissingData: "breaching",
    }), ["MON-01"]),
    n("ecs-one-off-task:db-bootstrap", ["ecs-cluster:main", "task-definition:api", "subnet:private-a", "subnet:private-b", "security-group:ecs"], ecsOneOffTask, (r) => ({
      cluster: String(r.out("ecs-cluster:main").name),
      taskDefinitionArn: String(r.out("task-definition:api").arn),
      containerName: "api",
      command: v.bootstrapCommand ?? ["node", "dist/bootstrap-db.js"],
      subnetIds: [r.id("subnet:private-a"), r.id("subnet:private-b")],
      securityGroupIds: [r.id("security-group:ecs")],
      logGroupName: group,
      logStreamPrefix: "api",
    }), ["RDS-07"]),
  ];
}


async function setup(v: Variant = {}, sandbox?: Sandbox) {
  const s = sandboxSession(sandbox ? { sandbox, faults: {} } : {});
  const facts = await gatherFacts(s.aws, s.config);
  const plan: Plan<ResourceContext> = { name: "compute", nodes: [...environmentPlan(s.config, facts).nodes, ...computeNodes("demo", facts, v)] };
  const opts = (deleteData = false) => {
    // A fresh context factory per run, as a new CLI invocation would have (no cached reads).
    const fresh = contextFactory({ env: "demo", region: "eu-west-1", aws: s.aws, clock: s.clock, facts, flags: { deleteData } });
    return { clock: s.clock, makeContext: (x: PlanNode<ResourceContext>) => fresh(x.id), emit: () => {} };
  };
  return { s, plan, opts };
}

const writes = (s: ReturnType<typeof sandboxSession>) => effectiveWrites(s.sandbox);

/** Tagged records `down` leaves on purpose: AWS keeps INACTIVE clusters/services/revisions and STOPPED tasks visible for a while. */
const remaining = (sandbox: Sandbox) =>
  taggedInventory(sandbox, "demo").filter(({ rec }) => !rec.DeletedDate && rec.State !== "deleted" && rec.State?.Name !== "terminated" && rec.status !== "INACTIVE" && rec.lastStatus !== "STOPPED");

const failedOutcome = (r: RunReport) => r.outcomes.find((o) => o.status === "failed");

const KINDS: Record<string, string> = {
  "ecr-repository": "ecr-repository:api",
  "ecs-cluster": "ecs-cluster:main",
  "task-definition": "task-definition:api",
  "service-discovery-namespace": "service-discovery-namespace:main",
  "service-discovery-service": "service-discovery-service:api",
  "ecs-service": "ecs-service:api",
  "metric-alarm": "metric-alarm:ecs-running",
  "ecs-one-off-task": "ecs-one-off-task:db-bootstrap",
};

describe("compute modules: create, run again with zero writes, delete leaves nothing", () => {
  for (const [kind, nodeId] of Object.entries(KINDS)) {
    it(kind, async () => {
      const { s, plan, opts } = await setup();
      const sub = subplan(plan, nodeId);
      const first = await up(sub, opts());
      expect(failedOutcome(first)?.error).toBeUndefined();
      expect(first.ok).toBe(true);
      const target = first.outcomes.find((o) => o.node === nodeId)!;
      expect(target.action).toBe("create");
      expect(target.exists).toBe(true);
      expect(target.description?.healthy).toBe(true);

      await expectNoopRerun(sub, opts(), s.sandbox);

      const gone = await down(sub, opts());
      expect(failedOutcome(gone)?.error).toBeUndefined();
      expect(gone.ok).toBe(true);
      expect(remaining(s.sandbox).map((l) => l.key)).toEqual([]);
      const b2 = writes(s);
      await down(sub, opts());
      expect(writes(s) - b2).toBe(0);
    }, 60_000);
  }
});

describe("ECS service (ECS-01..ECS-04)", () => {
  it("reaches a steady state on the simulated clock: 2 tasks over both AZs, no public IP, circuit breaker with rollback, in Cloud Map", async () => {
    const { s, plan, opts } = await setup();
    const r = await up(subplan(plan, "ecs-service:api"), opts());
    expect(r.ok).toBe(true);
    const o = r.outcomes.find((x) => x.node === "ecs-service:api")!;
    expect(o.description).toMatchObject({ state: "completed", healthy: true, details: { running: 2, desired: 2, pending: 0, rollout: "COMPLETED", publicIp: "DISABLED", circuitBreaker: "rollback", taskDefinition: "demo-api:1" } });
    // Waited at least the typical time to a steady state (240 s) on the simulated clock.
    expect(o.endedAt! - o.startedAt!).toBeGreaterThanOrEqual(240_000);
    const tasks = s.sandbox.records("eu-west-1", "ecs", "tasks").filter((t) => t.lastStatus === "RUNNING");
    expect(new Set(tasks.map((t) => t.availabilityZone)).size).toBe(2);
    expect(s.sandbox.records("eu-west-1", "servicediscovery", "instances")).toHaveLength(2);
    const cluster = r.outcomes.find((x) => x.node === "ecs-cluster:main")!;
    expect(cluster.description?.details).toMatchObject({ containerInsights: "enabled" });
  }, 60_000);

  it("a failing image trips the circuit breaker and `up` reports the failure with the service events", async () => {
    const { plan, opts } = await setup({ image: "public.ecr.aws/acme/api:fail" });
    const r = await up(subplan(plan, "ecs-service:api"), opts());
    expect(r.ok).toBe(false);
    const f = failedOutcome(r)!;
    expect(f.node).toBe("ecs-service:api");
    const msg = String((f.error as Error).message);
    expect(msg).toMatch(/deployment ecs-svc\/\d+ of arn:aws:ecs:eu-west-1:123456789012:task-definition\/demo-api:1 failed \(ECS deployment circuit breaker: tasks failed to start\.\)/);
    expect(msg).toMatch(/last events: .*\(service api\) .*deployment failed: tasks failed to start/);
    expect(msg).toMatch(/has stopped 1 running tasks/);
  }, 60_000);

  it("a changed container makes a new revision, deregisters the old one and rolls the service to it", async () => {
    const { s, opts } = await setup();
    const first = await setup({}, s.sandbox);
    await up(subplan(first.plan, "ecs-service:api"), opts());
    const changed = await setup({ image: "public.ecr.aws/docker/library/node:24-slim" }, s.sandbox);
    const r = await up(subplan(changed.plan, "ecs-service:api"), changed.opts());
    expect(r.ok).toBe(true);
    expect(r.outcomes.find((x) => x.node === "task-definition:api")).toMatchObject({ action: "update", description: { details: { revision: 2 } } });
    expect(r.outcomes.find((x) => x.node === "ecs-service:api")).toMatchObject({ action: "update", description: { healthy: true, details: { taskDefinition: "demo-api:2" } } });
    const active = s.sandbox.records("eu-west-1", "ecs", "taskDefinitions").filter((t) => t.status === "ACTIVE");
    expect(active.map((t) => t.revision)).toEqual([2]);
  }, 60_000);

  it("an invalid Fargate CPU/memory pair is rejected by the (simulated) API", async () => {
    const { plan, opts } = await setup({ cpu: 256, memory: 4096 });
    const r = await up(subplan(plan, "task-definition:api"), opts());
    const f = failedOutcome(r)!;
    expect(f.node).toBe("task-definition:api");
    expect((f.error as Error).name).toBe("ClientException");
    expect((f.error as Error).message).toMatch(/No Fargate configuration exists for given values: 256 CPU, 4096 memory/);
  }, 60_000);

  it("a crash after every write of a from-zero up (cluster + task definition + service) converges to one service and one active revision", async () => {
    const target = "ecs-service:api";
    const failures: string[] = [];
    for (let k = 1; ; k++) {
      const crashed = sandboxSession({ faults: { crashAfterWrites: k } });
      const facts = await gatherFacts(crashed.aws, crashed.config);
      const plan = subplan({ name: "x", nodes: [...environmentPlan(crashed.config, facts).nodes, ...computeNodes("demo", facts, { registry: false })] }, target);
      const run = (sess: ReturnType<typeof sandboxSession>) => {
        const fresh = contextFactory({ env: "demo", region: "eu-west-1", aws: sess.aws, clock: sess.clock, facts, flags: { deleteData: false } });
        return up(plan, { clock: sess.clock, makeContext: (x) => fresh(x.id), emit: () => {} });
      };
      const first = await run(crashed);
      if (first.ok) {
        expect(k).toBeGreaterThan(10);
        break;
      }
      const again = sandboxSession({ sandbox: crashed.sandbox, faults: {} });
      const resumed = await run(again);
      if (!resumed.ok) {
        failures.push(`k=${k}: ${failedOutcome(resumed)?.node}: ${String((failedOutcome(resumed)?.error as Error)?.message)}`);
        continue;
      }
      const services = crashed.sandbox.records("eu-west-1", "ecs", "services").filter((x) => x.status === "ACTIVE");
      const revisions = crashed.sandbox.records("eu-west-1", "ecs", "taskDefinitions").filter((x) => x.status === "ACTIVE");
      const clusters = crashed.sandbox.records("eu-west-1", "ecs", "clusters").filter((x) => x.status === "ACTIVE");
      if (services.length !== 1 || revisions.length !== 1 || clusters.length !== 1) failures.push(`k=${k}: ${services.length} services, ${revisions.length} active revisions, ${clusters.length} clusters`);
      const running = crashed.sandbox.records("eu-west-1", "ecs", "tasks").filter((x) => x.lastStatus === "RUNNING");
      if (running.length !== 2) failures.push(`k=${k}: ${running.length} running tasks`);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});

describe("ECS one-off task (RDS-07)", () => {
  it("runs once; a second up makes no write and starts no task", async () => {
    const { s, plan, opts } = await setup();
    const sub = subplan(plan, "ecs-one-off-task:db-bootstrap");
    const r = await up(sub, opts());
    expect(r.ok).toBe(true);
    expect(r.outcomes.find((x) => x.node === "ecs-one-off-task:db-bootstrap")!.description).toMatchObject({ healthy: true, details: { exitCode: 0 } });
    const runs = () => s.sandbox.journal.filter((j) => j.operation === "RunTask" && !j.error).length;
    expect(runs()).toBe(1);
    const before = writes(s);
    const again = await up(sub, opts());
    expect(again.ok).toBe(true);
    expect(writes(s) - before).toBe(0);
    // Still none after ECS has forgotten the stopped task (about an hour): the marker is on the revision.
    s.sandbox.clock.advance(2 * 3_600_000);
    await up(sub, opts());
    expect(runs()).toBe(1);
  }, 60_000);

  it("a failing bootstrap shows the exit code and the log tail, and the next up runs it again", async () => {
    const { s, plan, opts } = await setup({ bootstrapCommand: ["node", "dist/bootstrap-db.js", "--fail-on-purpose"] });
    const sub = subplan(plan, "ecs-one-off-task:db-bootstrap");
    const r = await up(sub, opts());
    const f = failedOutcome(r)!;
    expect(f.node).toBe("ecs-one-off-task:db-bootstrap");
    const msg = String((f.error as Error).message);
    expect(msg).toMatch(/exited with code 1 \(EssentialContainerExited: Essential container in task exited\)/);
    expect(msg).toMatch(/last 4 log lines:\n {2}starting public\.ecr\.aws\/docker\/library\/node:22-slim with command: node dist\/bootstrap-db\.js --fail-on-purpose\n/);
    expect(msg).toMatch(/Error: node dist\/bootstrap-db\.js --fail-on-purpose failed\n {2}process exited with code 1$/);
    const again = await up(sub, opts());
    expect(again.ok).toBe(false);
    expect(s.sandbox.journal.filter((j) => j.operation === "RunTask" && !j.error)).toHaveLength(2);
  }, 60_000);
});

describe("ECR repository (ECS-05)", () => {
  it("is kept by down while it holds images, deleted with --delete-data", async () => {
    const { s, plan, opts } = await setup();
    const sub = subplan(plan, "ecr-repository:api");
    const r = await up(sub, opts());
    expect(r.outcomes[0].description).toMatchObject({ healthy: true, details: { scanOnPush: true, tagMutability: "IMMUTABLE" } });
    const ecr = await s.aws.get("ecr");
    const { PutImageCommand } = await import("@aws-sdk/client-ecr");
    await ecr.send(new PutImageCommand({ repositoryName: "demo-api", imageTag: "v1", imageManifest: JSON.stringify({ schemaVersion: 2, layers: [{ size: 100 }] }) }));
    const kept = await down(sub, opts());
    expect(kept.ok).toBe(true);
    expect(kept.outcomes[0].kept?.[0]).toMatch(/^demo-api: holds 1 image\(s\)/);
    expect(s.sandbox.records("eu-west-1", "ecr", "repositories")).toHaveLength(1);
    const gone = await down(sub, opts(true));
    expect(gone.ok).toBe(true);
    expect(s.sandbox.records("eu-west-1", "ecr", "repositories")).toHaveLength(0);
  }, 60_000);
});
