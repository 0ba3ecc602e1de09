import { describe, expect, it } from "vitest";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { runDown, runUp } from "../../src/operations/environment.js";
import { runPause } from "../../src/operations/runbooks.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { liveInventory, sandboxSession, keptByDown } from "../helpers/env.js";

const emit = () => {};

const kept = (sb: Sandbox) => keptByDown(sb);

const failed = (r: Awaited<ReturnType<typeof runDown>>) => r.report.outcomes.filter((o) => o.status === "failed").map((o) => `${o.node}: ${String((o.error as Error)?.message)}`);

describe("down after pause (issue 9, defect 2)", () => {
  for (const days of [0, 8]) {
    it(`up → pause →${days ? ` ${days} simulated days (AWS restarts the stopped database after 7) →` : ""} down: exit 0, and exactly what a clean down keeps`, async () => {
      const s = sandboxSession();
      expect((await runUp(s, { emit })).report.ok).toBe(true);
      const reference = new Sandbox({ state: s.sandbox.snapshot(), services: (await import("../../src/sandbox/services/index.js")).allServices() });
      expect((await runPause(s, { emit })).report.ok).toBe(true);
      const rds = await s.aws.get("rds");
      const status = async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-main" }))).DBInstances![0].DBInstanceStatus;
      expect(await status()).toBe("stopped");
      if (days) {
        s.sandbox.clock.advance(days * 24 * 3600_000);
        expect(await status()).toBe("available");
      }
      const callsBefore = s.sandbox.journal.length;
      const down = await runDown(s, { emit });
      expect(failed(down)).toEqual([]);
      // RDS-12's deletion protection must go before DeleteDBInstance, and RDS cannot modify a stopped
      // instance (USER_StopInstance): a stopped one is started exactly once; one AWS restarted, never.
      const starts = s.sandbox.journal.slice(callsBefore).filter((j) => j.operation === "StartDBInstance");
      expect(starts.map((j) => Boolean(j.error))).toEqual(days ? [] : [false]);
      expect(down.report.ok).toBe(true);
      expect(liveInventory(s.sandbox, "demo").map((r) => `${r.key} ${r.node}`)).toEqual([]);

      const clean = await runDown(sandboxSession({ sandbox: reference }), { emit });
      expect(clean.report.ok).toBe(true);
      expect(kept(s.sandbox)).toEqual(kept(reference));
    }, 120_000);
  }
});
