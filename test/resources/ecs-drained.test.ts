/**
 * ecs-drained (src/resources/ecs-drained.ts), the pause runbook's wait for a scaled-in service's tasks
 * to stop, against the sandbox (src/sandbox/services/ecs.ts, ecs-tasks.ts): it writes nothing, ever.
 * There is no drift case: the node owns nothing, it waits.
 */
import { describe, expect, it } from "vitest";
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { node } from "../../src/engine/plan.js";
import { down, up } from "../../src/engine/reconcile.js";
import { ecsDrained } from "../../src/resources/ecs-drained.js";
import { expectNoopRerun, subplan } from "../helpers/env.js";
import { kindEnv, target } from "../helpers/kind.js";

const ID = "ecs-drained:api";

describe(`${ID}: scaled in → waits until every task is STOPPED (0 writes) → rerun (0 writes) → delete (0 writes)`, () => {
  it("lives its whole life against the sandbox", async () => {
    const { s, plan, opts, writes } = await kindEnv();
    // Up to healthy targets: the service and the bootstrap task its tasks' health checks need.
    const service = await up(subplan(plan, "target-health:api"), opts());
    expect(service.ok).toBe(true);
    const cluster = target(service.outcomes, "ecs-cluster:main").id!;
    const drained = { name: "pause", nodes: [node(ecsDrained, ID, () => ({ cluster, serviceName: "api" }), ["ECS-03"])] };
    await (await s.aws.get("ecs")).send(new UpdateServiceCommand({ cluster, service: "api", desiredCount: 0 }));

    let w = writes();
    const wait = await up(drained, opts());
    expect(wait.ok).toBe(true);
    expect(target(wait.outcomes, ID).description).toMatchObject({ state: "drained", healthy: true });
    expect(writes() - w).toBe(0);
    await expectNoopRerun(drained, opts(), s.sandbox);
    for (let i = 0; i < 2; i++) {
      w = writes();
      expect((await down(drained, opts())).ok).toBe(true);
      expect(writes() - w).toBe(0);
    }
  });
});
