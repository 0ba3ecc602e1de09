import { describe, expect, it } from "vitest";
import { DescribeServicesCommand, ListTasksCommand, DescribeTasksCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { StartDBInstanceCommand } from "@aws-sdk/client-rds";
import { runUp } from "../../src/operations/environment.js";
import { runPause, runRestore } from "../../src/operations/runbooks.js";
import { RESTORE_GRACE_S } from "../../plans/runbooks.js";
import { SERVICE_GRACE_S } from "../../plans/compute.js";
import { typicalMs } from "../../src/aws/durations.js";
import { sandboxSession } from "../helpers/env.js";

const emit = () => {};

async function paused() {
  const s = sandboxSession();
  expect((await runUp(s, { emit })).report.ok).toBe(true);
  expect((await runPause(s, { emit })).report.ok).toBe(true);
  return s;
}

/** Tasks of the api service that ECS stopped for failing their load balancer health checks. */
async function stoppedUnhealthy(s: Awaited<ReturnType<typeof paused>>): Promise<number> {
  const ecs = await s.aws.get("ecs");
  const arns = (await ecs.send(new ListTasksCommand({ cluster: "demo-main", serviceName: "api", desiredStatus: "STOPPED" }))).taskArns ?? [];
  if (!arns.length) return 0;
  const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: "demo-main", tasks: arns }))).tasks ?? [];
  return tasks.filter((t) => /failed ELB health checks/.test(t.stoppedReason ?? "")).length;
}

describe("restore scales ECS while RDS starts (issue 13, item 6)", () => {
  it("with a grace period covering the RDS start: restore succeeds in RDS start + the health checks, no task stopped, grace back to the environment's", async () => {
    const s = await paused();
    const restore = await runRestore(s, { emit });
    expect(restore.report.ok).toBe(true);
    // ECS did not wait for RDS: the service was scaled before the database was available.
    const at = (node: string, k: "startedAt" | "endedAt") => restore.report.outcomes.find((o) => o.node === node)![k]!;
    expect(at("ecs-service:api", "startedAt")).toBeLessThan(at("db-instance-power:main", "endedAt"));
    expect(restore.makespanMs).toBeLessThanOrEqual(typicalMs("rds.instance.start") + 90_000);
    expect(await stoppedUnhealthy(s)).toBe(0);
    const ecs = await s.aws.get("ecs");
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster: "demo-main", services: ["api"] }))).services![0];
    expect(svc.healthCheckGracePeriodSeconds).toBe(SERVICE_GRACE_S);
    expect(svc.deployments!.map((d) => [d.status, d.rolloutState, d.failedTasks])).toEqual([["PRIMARY", "COMPLETED", 0]]);
    expect(RESTORE_GRACE_S).toBeGreaterThanOrEqual(typicalMs("rds.instance.start") / 1000);
  }, 120_000);

  it("unsafe variant in the sandbox: a deployment whose tasks cannot reach the stopped/starting database with a short grace period is stopped task by task and the circuit breaker fails it", async () => {
    const s = await paused();
    const ecs = await s.aws.get("ecs");
    const rds = await s.aws.get("rds");
    await rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: "demo-main" }));
    // A new deployment (as a redeploy during the start would make), grace period 0.
    await ecs.send(new UpdateServiceCommand({ cluster: "demo-main", service: "api", desiredCount: 2, healthCheckGracePeriodSeconds: 0, forceNewDeployment: true }));
    s.sandbox.clock.advance(typicalMs("rds.instance.start"));
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster: "demo-main", services: ["api"] }))).services![0];
    const primary = svc.deployments!.find((d) => d.status === "PRIMARY")!;
    expect(primary.rolloutState).toBe("FAILED");
    expect(primary.rolloutStateReason).toMatch(/circuit breaker/);
    // Threshold: min 3, max 200, 0.5 × desired count (ECS deployment circuit breaker).
    expect(primary.failedTasks).toBeGreaterThanOrEqual(3);
    expect(svc.events!.some((e) => /is unhealthy in \(target-group .*\) due to \(reason Health checks failed\)/.test(e.message ?? ""))).toBe(true);
    expect(await stoppedUnhealthy(s)).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it("the same deployment with a grace period covering the RDS start completes with no failed task", async () => {
    const s = await paused();
    const ecs = await s.aws.get("ecs");
    const rds = await s.aws.get("rds");
    await rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: "demo-main" }));
    await ecs.send(new UpdateServiceCommand({ cluster: "demo-main", service: "api", desiredCount: 2, healthCheckGracePeriodSeconds: RESTORE_GRACE_S, forceNewDeployment: true }));
    s.sandbox.clock.advance(typicalMs("rds.instance.start") + 60_000);
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster: "demo-main", services: ["api"] }))).services![0];
    expect(svc.deployments!.map((d) => [d.status, d.rolloutState, d.failedTasks])).toEqual([["PRIMARY", "COMPLETED", 0]]);
    expect(await stoppedUnhealthy(s)).toBe(0);
  }, 120_000);
});
