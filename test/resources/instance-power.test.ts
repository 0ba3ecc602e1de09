/**
 * instance-power (src/resources/instance-power.ts), the pause/restore runbooks' kind for the bastion,
 * against the sandbox (src/sandbox/services/ec2.ts, ec2-compute.ts): it never creates the instance
 * (instance does), stops or starts it, repairs a start made behind opsctl's back, and its delete writes nothing.
 */
import { describe, expect, it } from "vitest";
import { StartInstancesCommand } from "@aws-sdk/client-ec2";
import { node, type Plan } from "../../src/engine/plan.js";
import { down, preview, up } from "../../src/engine/reconcile.js";
import type { ResourceContext } from "../../src/resources/context.js";
import { instancePower } from "../../src/resources/instance-power.js";
import { expectNoopRerun, subplan } from "../helpers/env.js";
import { kindEnv, target } from "../helpers/kind.js";

const ID = "instance-power:bastion";
const stopped = (instanceId: string): Plan<ResourceContext> => ({ name: "pause", nodes: [node(instancePower, ID, () => ({ instanceId, state: "stopped" as const }), ["BAS-01"])] });

describe(`${ID}: missing instance → stop → rerun (0 writes) → started out of band → one up → delete (0 writes)`, () => {
  it("lives its whole life against the sandbox", async () => {
    const { s, plan, opts, writes } = await kindEnv();
    // Without the instance it fails as a user error and writes nothing (instance creates it, never this kind).
    let w = writes();
    const missing = await up(stopped("i-0123456789abcdef0"), opts());
    expect(missing.ok).toBe(false);
    expect(String(target(missing.outcomes, ID).error)).toMatch(/does not exist: run `opsctl up` first/);
    expect(writes() - w).toBe(0);

    const bastion = await up(subplan(plan, "instance:bastion"), opts());
    expect(bastion.ok).toBe(true);
    const id = target(bastion.outcomes, "instance:bastion").id!;
    const pause = stopped(id);
    const stop = await up(pause, opts());
    expect(stop.ok).toBe(true);
    expect(target(stop.outcomes, ID)).toMatchObject({ action: "update", description: { state: "stopped" } });
    await expectNoopRerun(pause, opts(), s.sandbox);

    // Started behind opsctl's back: preview shows it, one up stops it again, the next writes nothing.
    await (await s.aws.get("ec2")).send(new StartInstancesCommand({ InstanceIds: [id] }));
    expect(target((await preview(pause, opts())).outcomes, ID).changes.map((c) => c.field)).toEqual(["State"]);
    const repair = await up(pause, opts());
    expect(repair.ok).toBe(true);
    expect(target(repair.outcomes, ID).description?.state).toBe("stopped");
    await expectNoopRerun(pause, opts(), s.sandbox);

    // Delete leaves the instance alone (the instance node owns it); again, the same.
    for (let i = 0; i < 2; i++) {
      w = writes();
      expect((await down(pause, opts())).ok).toBe(true);
      expect(writes() - w).toBe(0);
    }
    expect(target((await preview(pause, opts())).outcomes, ID).description?.state).toBe("stopped");
  });
});
