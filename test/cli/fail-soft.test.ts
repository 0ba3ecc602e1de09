import { describe, expect, it } from "vitest";
import { PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { opsctl, workdir } from "../helpers/cli.js";
import { sandboxSession, TEST_CONFIG } from "../helpers/env.js";
import { runUp } from "../../src/operations/environment.js";
import { signingSecretName } from "../../src/resources/signing-keys.js";

const BROKEN = "signing-key-rotation:active-session";

/**
 * Issue 9 defect 4: one bad read must not blank the whole report. The environment is brought up
 * in-process, then the active-session signing key is overwritten with a value that is not a key
 * (as an operator's mistaken `put-secret-value` would): reading that node fails, every other node
 * reads as usual.
 */
async function upWithBrokenKey(state: string): Promise<void> {
  const s = sandboxSession();
  const run = await runUp(s, { emit: () => {} });
  expect(run.report.ok).toBe(true);
  const sm = await s.aws.get("secrets");
  await sm.send(new PutSecretValueCommand({ SecretId: signingSecretName("demo", "active_session"), SecretString: "not a key" }));
  s.sandbox.save(state);
  await s.close();
}

describe("read-only runs are fail-soft (issue 9 defect 4)", () => {
  it("status and audit read every node; the failing node shows its own one-line error; exit 1", async () => {
    const w = workdir();
    w.writeConfig(TEST_CONFIG);
    await upWithBrokenKey(w.state);

    const json = opsctl(["status", "--sandbox", "--json"], w);
    expect(json.code, json.stderr).toBe(1);
    const doc = JSON.parse(json.stdout) as { resources: { node: string; state: string; healthy: boolean; error?: string; note?: string }[]; controls: Record<string, { pass: boolean }> };
    const broken = doc.resources.find((r) => r.node === BROKEN)!;
    expect(broken).toMatchObject({ state: "error", healthy: false });
    expect(broken.error).toMatch(/demo\/signing\/active_session \(AWSCURRENT\) is not a signing key/);
    expect(broken.error).not.toMatch(/\n/);
    // Every other node was read and reported as it is: all exist and are healthy.
    const others = doc.resources.filter((r) => r.node !== BROKEN);
    expect(others.length).toBeGreaterThan(60);
    expect(others.filter((r) => r.state === "missing" || r.state === "error" || r.state === "not checked" || !r.healthy).map((r) => `${r.node}: ${r.state}`)).toEqual([]);
    expect(Object.entries(doc.controls).filter(([, c]) => !c.pass).map(([id]) => id).sort()).toEqual(["API-06", "SM-04"]);

    const table = opsctl(["status", "--sandbox"], w);
    expect(table.code, table.stderr).toBe(1);
    const row = table.stdout.split("\n").find((l) => l.includes(BROKEN))!;
    expect(row).toMatch(/error.*not a signing key/);
    expect(table.stdout).toMatch(/NOT healthy: 0 of \d+ resources missing, unhealthy or drifted; 1 could not be read/);

    const audit = opsctl(["audit", "--sandbox", "--json"], w);
    expect(audit.code, audit.stderr).toBe(1);
    const rows = (JSON.parse(audit.stdout) as { controls: { id: string; result: string; why: string }[] }).controls;
    const failed = rows.filter((r) => r.result === "FAIL");
    expect(failed.map((r) => r.id).sort()).toEqual(["API-06", "SM-04"]);
    for (const r of failed) expect(r.why).toMatch(new RegExp(`${BROKEN}: error: .*not a signing key`));
    expect(rows.filter((r) => r.result === "pass").length).toBeGreaterThan(40);
  }, 120_000);
});
