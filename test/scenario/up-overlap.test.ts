import { describe, expect, it } from "vitest";
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from "@aws-sdk/client-ecs";
import { isHealthy, runStatus, runUp, runWith, type PlanBuilder } from "../../src/operations/environment.js";
import { environmentPlan } from "../../plans/environment.js";
import { SERVICE_GRACE_S } from "../../plans/compute.js";
import type { EcsServiceSpec } from "../../src/resources/ecs-service.js";
import { criticalPath } from "../../src/engine/graph.js";
import { failureThreshold } from "../../src/sandbox/services/ecs-services.js";
import { sandboxSession, subplan, TEST_CONFIG } from "../helpers/env.js";

const emit = () => {};
type S = ReturnType<typeof sandboxSession>;

/** The api service's tasks and the bootstrap task, as ECS lists them (stopped ones included). */
async function tasks(s: S) {
  const ecs = await s.aws.get("ecs");
  const arns = [...((await ecs.send(new ListTasksCommand({ cluster: "demo-main", desiredStatus: "STOPPED" }))).taskArns ?? []), ...((await ecs.send(new ListTasksCommand({ cluster: "demo-main" }))).taskArns ?? [])];
  return arns.length ? ((await ecs.send(new DescribeTasksCommand({ cluster: "demo-main", tasks: arns }))).tasks ?? []) : [];
}

async function service(s: S) {
  const ecs = await s.aws.get("ecs");
  return (await ecs.send(new DescribeServicesCommand({ cluster: "demo-main", services: ["api"] }))).services![0];
}

const stoppedUnhealthy = async (s: S) => (await tasks(s)).filter((t) => /failed ELB health checks/.test(t.stoppedReason ?? "")).length;

/** The environment plan up to healthy targets (service, bootstrap task and what they need), the service's grace period set to `graceS`. */
const upToHealthyTargets = (graceS: number): PlanBuilder => (config, facts) => {
  const plan = subplan(environmentPlan(config, facts), "target-health:api");
  return { ...plan, nodes: plan.nodes.map((n) => (n.id === "ecs-service:api" ? { ...n, spec: (r) => ({ ...(n.spec(r) as EcsServiceSpec), healthCheckGracePeriodSeconds: graceS }) } : n)) };
};

describe("up creates the ECS service while the bootstrap task runs (issue 13, item 6)", () => {
  it("the service is created before the bootstrap task stops; no task is stopped for failed health checks; up's critical path ≤ the path through RDS create + bootstrap + 120 s; the environment is healthy", async () => {
    const s = sandboxSession();
    const run = await runUp(s, { emit });
    expect(run.report.ok).toBe(true);
    const at = (node: string, k: "startedAt" | "endedAt") => run.report.outcomes.find((o) => o.node === node)![k]!;
    expect(at("ecs-service:api", "startedAt")).toBeLessThan(at("ecs-one-off-task:db-bootstrap", "endedAt"));
    // ECS's own record: the service exists before the bootstrap task has stopped.
    const svc = await service(s);
    const bootstrap = (await tasks(s)).filter((t) => /demo-bootstrap:/.test(t.taskDefinitionArn ?? ""));
    expect(bootstrap).toHaveLength(1);
    expect(bootstrap[0].containers?.[0]?.exitCode).toBe(0);
    expect(svc.createdAt!.getTime()).toBeLessThan(bootstrap[0].stoppedAt!.getTime());
    // Its tasks started before the bootstrap had exited: their health checks failed meanwhile, inside the grace period.
    const apiTasks = (await tasks(s)).filter((t) => /demo-api:/.test(t.taskDefinitionArn ?? ""));
    expect(apiTasks.some((t) => t.startedAt!.getTime() < bootstrap[0].stoppedAt!.getTime())).toBe(true);
    expect(await stoppedUnhealthy(s)).toBe(0);
    expect(svc.healthCheckGracePeriodSeconds).toBe(SERVICE_GRACE_S);
    expect(svc.deployments!.map((d) => [d.status, d.rolloutState, d.failedTasks])).toEqual([["PRIMARY", "COMPLETED", 0]]);
    // Target (typical durations): up's critical path ≤ its path through the RDS create and the bootstrap
    // task + 120 s — the service no longer adds its steady state after the bootstrap — and the makespan
    // within 5 % of the critical path (the waits' detection lag, mostly on the RDS create).
    const typical = (id: string) => run.plan.nodes.find((n) => n.id === id)!.resource.typicalCreateMs;
    const throughBootstrap = criticalPath(subplan(run.plan, "ecs-one-off-task:db-bootstrap").nodes, typical);
    expect(throughBootstrap.path).toContain("db-instance:main");
    expect(run.criticalPath.path).not.toContain("ecs-one-off-task:db-bootstrap");
    expect(run.criticalPath.totalMs).toBeLessThanOrEqual(throughBootstrap.total + 120_000);
    expect(run.makespanMs).toBeLessThanOrEqual(run.criticalPath.totalMs * 1.05);
    expect(isHealthy(await runStatus(s, { emit }))).toBe(true);
  }, 120_000);

  it("unsafe variant: a grace period shorter than the bootstrap's run gets the tasks stopped for failed health checks, and with 6 tasks the circuit breaker fails the rollout", async () => {
    const s = sandboxSession({ config: { ...TEST_CONFIG, compute: { ...TEST_CONFIG.compute, desiredCount: 6 } } });
    const run = await runWith(s, "up", { emit }, upToHealthyTargets(60));
    expect(run.report.ok).toBe(false);
    const failed = run.report.outcomes.find((o) => o.node === "ecs-service:api")!;
    expect(failed.status).toBe("failed");
    expect(String(failed.error)).toMatch(/circuit breaker/);
    const primary = (await service(s)).deployments!.find((d) => d.status === "PRIMARY")!;
    expect(primary.rolloutState).toBe("FAILED");
    expect(primary.failedTasks).toBeGreaterThanOrEqual(failureThreshold(6));
    expect(await stoppedUnhealthy(s)).toBeGreaterThanOrEqual(failureThreshold(6));

    // The bootstrap has run by now: `up` again starts a new deployment of the FAILED service (no
    // rollback target on a first rollout), which completes; a third `up` changes nothing.
    const again = await runWith(s, "up", { emit }, upToHealthyTargets(60));
    expect(again.report.ok).toBe(true);
    expect(again.report.outcomes.find((o) => o.node === "ecs-service:api")!.changes.map((c) => c.field)).toEqual(["deployment"]);
    expect((await service(s)).deployments!.find((d) => d.status === "PRIMARY")!.rolloutState).toBe("COMPLETED");
    expect((await runWith(s, "up", { emit }, upToHealthyTargets(60))).apiCalls.write).toBe(0);
  }, 120_000);

  it("the same 6 tasks with the environment's grace period (covering the bootstrap) complete with no failed task", async () => {
    const s = sandboxSession({ config: { ...TEST_CONFIG, compute: { ...TEST_CONFIG.compute, desiredCount: 6 } } });
    const run = await runWith(s, "up", { emit }, upToHealthyTargets(SERVICE_GRACE_S));
    expect(run.report.ok).toBe(true);
    expect(await stoppedUnhealthy(s)).toBe(0);
    expect((await service(s)).deployments!.map((d) => [d.status, d.rolloutState, d.failedTasks])).toEqual([["PRIMARY", "COMPLETED", 0]]);
  }, 120_000);
});
