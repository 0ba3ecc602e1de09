import { describe, expect, it } from "vitest";
import { ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { runUp } from "../../src/operations/environment.js";
import { runPause, runRestore } from "../../src/operations/runbooks.js";
import { effectiveWrites, sandboxSession } from "../helpers/env.js";

const emit = () => {};

/** The api records (A, AAAA) in the environment's hosted zone. */
async function apiRecords(s: ReturnType<typeof sandboxSession>): Promise<string[]> {
  const r53 = await s.aws.get("route53");
  const zoneId = String(Object.values(s.sandbox.state.regions["us-east-1"].route53.zones)[0].Id).replace("/hostedzone/", "");
  const sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
  return sets.filter((r) => r.Name === "api.opsctl-demo.example.com.").map((r) => r.Type!).sort();
}

/** An environment whose `up` stopped (crashed) right after it wrote the api records: the ALB and records exist, the API's task definition does not yet. */
async function incomplete() {
  const probe = sandboxSession();
  expect((await runUp(probe, { emit })).report.ok).toBe(true);
  const writes = probe.sandbox.journal.filter((j) => j.write && !j.error);
  const k = writes.map((j) => j.operation === "ChangeResourceRecordSets" && /"Name":"api\.opsctl-demo\.example\.com\.?"/.test(JSON.stringify(j.input))).lastIndexOf(true) + 1;
  expect(k).toBeGreaterThan(0);
  const s = sandboxSession({ faults: { crashAfterWrites: k } });
  expect((await runUp(s, { emit })).report.ok).toBe(false);
  s.sandbox.reset({});
  expect(await apiRecords(s)).toEqual(["A", "AAAA"]);
  return s;
}

describe("runbooks check every precondition before the first write (issue 13, defect 4)", () => {
  for (const [name, run] of [["pause", runPause], ["restore", runRestore]] as const) {
    it(`${name} on an environment whose up did not complete: refused, naming what is missing, and 0 writes`, async () => {
      const s = await incomplete();
      const before = effectiveWrites(s.sandbox);
      const outcome = await run(s, { emit }).then(
        (r) => ({ ok: r.report.ok, message: r.report.outcomes.filter((o) => o.status === "failed").map((o) => String((o.error as Error).message)).join("; ") }),
        (e: Error) => ({ ok: false, message: e.message }),
      );
      expect(outcome.ok).toBe(false);
      expect(outcome.message).toMatch(/iam-role:app-task/);
      expect(effectiveWrites(s.sandbox) - before).toBe(0);
      expect(await apiRecords(s)).toEqual(["A", "AAAA"]);
    }, 120_000);
  }
});
