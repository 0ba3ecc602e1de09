import { describe, expect, it } from "vitest";
import { ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { isHealthy, runStatus, runUp } from "../../src/operations/environment.js";
import { runPause, runRestore } from "../../src/operations/runbooks.js";
import { sandboxSession, costly } from "../helpers/env.js";
import { typicalMs } from "../../src/aws/durations.js";

const emit = () => {};

describe("runbooks: pause and restore on the engine", () => {
  it("pause cuts the costly parts and keeps the data; restore brings it back healthy; each twice makes 0 writes the second time", async () => {
    const s = sandboxSession();
    expect((await runUp(s, { emit })).report.ok).toBe(true);
    const sm = await s.aws.get("secrets");
    const secretsBefore = (await sm.send(new ListSecretsCommand({}))).SecretList!.map((x) => `${x.Name}:${x.LastChangedDate?.toISOString()}`).sort();
    const s3 = await s.aws.get("s3");
    const bucketsBefore = (await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name).sort();

    const pause = await runPause(s, { emit });
    expect(pause.report.ok).toBe(true);
    expect(await costly(s)).toEqual({ nats: 0, eips: 0, albs: 0, db: "stopped", bastion: "stopped", desired: 0, running: 0, records: 0 });
    // No data lost: the database still exists (stopped), buckets and secrets untouched.
    expect((await sm.send(new ListSecretsCommand({}))).SecretList!.map((x) => `${x.Name}:${x.LastChangedDate?.toISOString()}`).sort()).toEqual(secretsBefore);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name).sort()).toEqual(bucketsBefore);
    const pause2 = await runPause(s, { emit });
    expect(pause2.report.ok).toBe(true);
    expect(pause2.apiCalls.write).toBe(0);

    const restore = await runRestore(s, { emit });
    expect(restore.report.ok).toBe(true);
    expect(await costly(s)).toEqual({ nats: 1, eips: 1, albs: 1, db: "available", bastion: "running", desired: 2, running: 2, records: 2 });
    // Bounded by the RDS start, not by the sum of the steps: ECS scales up while RDS starts (issue 13, item 6).
    expect(restore.makespanMs).toBeLessThan(restore.criticalPath.totalMs * 1.05);
    expect(restore.makespanMs).toBeLessThanOrEqual(typicalMs("rds.instance.start") + 90_000);
    expect(restore.criticalPath.path).toEqual(["db-instance-power:main", "target-health:api"]);
    const restore2 = await runRestore(s, { emit });
    expect(restore2.apiCalls.write).toBe(0);
    expect(isHealthy(await runStatus(s, { emit }))).toBe(true);
  });

  it("pause run again after AWS restarted the stopped database (7 days) stops it again", async () => {
    const s = sandboxSession();
    await runUp(s, { emit });
    await runPause(s, { emit });
    s.sandbox.clock.advance(8 * 24 * 3600_000);
    expect((await costly(s)).db).toBe("available");
    const again = await runPause(s, { emit });
    expect(again.report.outcomes.find((o) => o.node === "db-instance-power:main")!.action).toBe("update");
    expect((await costly(s)).db).toBe("stopped");
  });

  for (const runbook of ["pause", "restore"] as const) {
    it(`a crash after every write of ${runbook}, then ${runbook} again: it finishes with no duplicate NAT gateway, Elastic IP, ALB or record`, async () => {
      const base = sandboxSession();
      await runUp(base, { emit });
      if (runbook === "restore") await runPause(base, { emit });
      const snapshot = JSON.stringify(base.sandbox.snapshot());
      const { Sandbox } = await import("../../src/sandbox/sandbox.js");
      const { allServices } = await import("../../src/sandbox/services/index.js");
      const fresh = () => new Sandbox({ state: JSON.parse(snapshot), services: allServices() });
      const run = (s: ReturnType<typeof sandboxSession>) => (runbook === "pause" ? runPause(s, { emit }) : runRestore(s, { emit }));
      const clean = fresh();
      await run(sandboxSession({ sandbox: clean }));
      const writes = clean.writeCount;
      expect(writes).toBeGreaterThan(5);
      const expected = await costly(sandboxSession({ sandbox: clean }));
      const failures: string[] = [];
      for (let k = 1; k <= writes; k++) {
        const sb = fresh();
        const crashed = await run(sandboxSession({ sandbox: sb, faults: { crashAfterWrites: k } }));
        if (crashed.report.ok) failures.push(`k=${k}: the crash did not stop it`);
        const again = await run(sandboxSession({ sandbox: sb, faults: {} }));
        if (!again.report.ok) failures.push(`k=${k}: the second run failed: ${again.report.outcomes.filter((o) => o.status === "failed").map((o) => `${o.node}: ${String((o.error as Error)?.message)}`).join("; ")}`);
        const got = await costly(sandboxSession({ sandbox: sb }));
        if (JSON.stringify(got) !== JSON.stringify(expected)) failures.push(`k=${k}: ${JSON.stringify(got)} != ${JSON.stringify(expected)}`);
      }
      expect(failures).toEqual([]);
    }, 300_000);
  }
});
