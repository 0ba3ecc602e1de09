/**
 * db-instance-power (src/resources/db-instance-power.ts), the pause/restore runbooks' kind, against the
 * sandbox (src/sandbox/services/rds.ts, rds-instances.ts): it never creates the instance (db-instance
 * does), stops or starts it, repairs a start made behind opsctl's back, and its delete writes nothing.
 */
import { describe, expect, it } from "vitest";
import { StartDBInstanceCommand } from "@aws-sdk/client-rds";
import { node } from "../../src/engine/plan.js";
import { down, preview, up } from "../../src/engine/reconcile.js";
import { dbInstancePower } from "../../src/resources/db-instance-power.js";
import { expectNoopRerun, subplan } from "../helpers/env.js";
import { kindEnv, target } from "../helpers/kind.js";

const ID = "db-instance-power:main";
const stopped = { name: "pause", nodes: [node(dbInstancePower, ID, () => ({ identifier: "demo-main", state: "stopped" as const }), ["RDS-02"])] };

describe(`${ID}: missing instance → stop → rerun (0 writes) → started out of band → one up → delete (0 writes)`, () => {
  it("lives its whole life against the sandbox", async () => {
    const { s, plan, opts, writes } = await kindEnv();
    // Without the instance it fails as a user error and writes nothing (db-instance creates it, never this kind).
    let w = writes();
    const missing = await up(stopped, opts());
    expect(missing.ok).toBe(false);
    expect(String(target(missing.outcomes, ID).error)).toMatch(/does not exist: run `opsctl up` first/);
    expect(writes() - w).toBe(0);

    expect((await up(subplan(plan, "db-instance:main"), opts())).ok).toBe(true);
    const stop = await up(stopped, opts());
    expect(stop.ok).toBe(true);
    expect(target(stop.outcomes, ID)).toMatchObject({ action: "update", description: { state: "stopped" } });
    await expectNoopRerun(stopped, opts(), s.sandbox);

    // Started behind opsctl's back: preview shows it, one up stops it again, the next writes nothing.
    await (await s.aws.get("rds")).send(new StartDBInstanceCommand({ DBInstanceIdentifier: "demo-main" }));
    expect(target((await preview(stopped, opts())).outcomes, ID).changes.map((c) => c.field)).toEqual(["DBInstanceStatus"]);
    const repair = await up(stopped, opts());
    expect(repair.ok).toBe(true);
    expect(target(repair.outcomes, ID).description?.state).toBe("stopped");
    await expectNoopRerun(stopped, opts(), s.sandbox);

    // Delete leaves the instance alone (db-instance owns it); again, the same.
    for (let i = 0; i < 2; i++) {
      w = writes();
      expect((await down(stopped, opts())).ok).toBe(true);
      expect(writes() - w).toBe(0);
    }
    expect(target((await preview(stopped, opts())).outcomes, ID).description?.state).toBe("stopped");
  });
});
