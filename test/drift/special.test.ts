/**
 * Issue 9's named out-of-band cases that are not a plain delete: a KMS key disabled, the 7-day RDS
 * auto-start of a paused environment, and 31 simulated days passing (SM-04). (The terminated
 * bastion, the NAT gateway and its EIP, and the cancelled rotation are in deletes.test.ts; the removed
 * replica is SM-02 in controls.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { DisableKeyCommand } from "@aws-sdk/client-kms";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { runStatus, runUp } from "../../src/operations/environment.js";
import { runPause } from "../../src/operations/runbooks.js";
import { runRotateKeys } from "../../src/operations/rotate-keys.js";
import { baseline, fromBaseline, record, repair, failedControls, unhealthy, emit, DAY, type Baseline, type S } from "./harness.js";

let base: Baseline;
const baseReady = baseline().then((b) => (base = b));

const writesOf = (s: S) => s.sandbox.journal.filter((j) => j.write && !j.error).length;

async function secondUpWrites(s: S): Promise<number> {
  const before = writesOf(s);
  const again = await runUp(s, { emit });
  expect(again.report.ok).toBe(true);
  return writesOf(s) - before;
}

describe("issue 9: the named out-of-band cases", () => {
  it("a KMS key disabled: status and audit (KMS-01) show it on its node; one up enables it; 0 writes after", async () => {
    await baseReady;
    const s = fromBaseline(base);
    await (await s.aws.get("kms")).send(new DisableKeyCommand({ KeyId: base.id("kms-key:smtp") }));
    s.sandbox.clock.advance(1_000);
    const status = await runStatus(s, { emit });
    const seen = unhealthy(status);
    const failed = failedControls(status);
    const repaired = await repair(s);
    const writes = await secondUpWrites(s);
    record({ part: "special", seed: "KMS key disabled (DisableKey)", node: "kms-key:smtp", detectedBy: `status (${seen.join(", ")}); audit ${failed.join(" ")}`, repairedInRuns: Number.isFinite(repaired.runs) ? repaired.runs : "not repaired", secondUpWrites: writes });
    expect(seen).toContain("kms-key:smtp");
    expect(failed).toContain("KMS-01");
    expect({ runs: repaired.runs, errors: repaired.errors }).toEqual({ runs: 1, errors: [] });
    expect(writes).toBe(0);
  });

  it("a paused environment whose database AWS restarted after 7 days: status shows it running; pause again stops it; pause again is a no-op", async () => {
    await baseReady;
    const s = fromBaseline(base);
    expect((await runPause(s, { emit })).report.ok).toBe(true);
    const rds = await s.aws.get("rds");
    const dbState = async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-main" }))).DBInstances![0].DBInstanceStatus;
    expect(await dbState()).toBe("stopped");
    s.sandbox.clock.advance(8 * DAY);
    expect(await dbState()).toBe("available");

    const status = await runStatus(s, { emit });
    const db = status.report.outcomes.find((o) => o.node === "db-instance:main")!;
    const runs: number[] = [];
    let n = 0;
    for (; n < 3; ) {
      n++;
      const pause = await runPause(s, { emit });
      expect(pause.report.ok).toBe(true);
      if ((await dbState()) === "stopped") break;
    }
    runs.push(n);
    const before = writesOf(s);
    const again = await runPause(s, { emit });
    const writes = writesOf(s) - before;
    record({ part: "special", seed: "paused, then 8 simulated days (RDS auto-start after 7)", node: "db-instance:main", detectedBy: `status (db-instance:main ${db.description?.state})`, repairedInRuns: (await dbState()) === "stopped" ? n : "not repaired", secondUpWrites: writes });
    // status reads the database as AWS reports it: running again, not paused.
    expect(db.description?.state).toBe("available");
    expect(n).toBe(1);
    expect(await dbState()).toBe("stopped");
    expect(again.report.ok).toBe(true);
    expect(writes).toBe(0);
  });

  it("31 simulated days pass: SM-04 fails audit on the signing keys; rotate-keys --if-older-than 30d fixes it; audit passes", async () => {
    await baseReady;
    const s = fromBaseline(base);
    s.sandbox.clock.advance(31 * DAY);
    const status = await runStatus(s, { emit });
    const failed = failedControls(status);
    const seen = unhealthy(status);
    const rotated = await runRotateKeys(s, { maxAgeMs: 30 * DAY, force: false, dryRun: false, emit });
    const after = await runStatus(s, { emit });
    const before = writesOf(s);
    const again = await runRotateKeys(s, { maxAgeMs: 30 * DAY, force: false, dryRun: false, emit });
    const writes = writesOf(s) - before;
    record({ part: "special", seed: "31 simulated days pass", node: "signing-key-rotation:*", detectedBy: `audit ${failed.join(" ")} (${seen.filter((x) => x.startsWith("signing-key-rotation")).join(", ")})`, repairedInRuns: failedControls(after).length === 0 ? 1 : "not repaired", secondUpWrites: writes });
    expect(failed).toContain("SM-04");
    expect(seen.filter((x) => x.startsWith("signing-key-rotation:")).sort()).toEqual(["signing-key-rotation:active-session", "signing-key-rotation:password-reset-session", "signing-key-rotation:verify-email-session"]);
    expect(rotated.report.ok).toBe(true);
    expect(failedControls(after)).toEqual([]);
    expect(again.report.outcomes.map((o) => o.action)).toEqual(["noop", "noop", "noop"]);
    expect(writes).toBe(0);
  });
});
