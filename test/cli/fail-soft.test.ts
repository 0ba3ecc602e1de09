import { describe, expect, it } from "vitest";
import { opsctl, workdir } from "../helpers/cli.js";
import { sandboxSession, TEST_CONFIG } from "../helpers/env.js";
import { runUp } from "../../src/operations/environment.js";

const BROKEN = "signing-key-rotation:active-session";

/**
 * Issue 9 defect 4: one bad read must not blank the whole report. The environment is brought up
 * in-process; then every read of the active-session signing key's versions is refused
 * (AccessDenied, as a missing kms:Decrypt or secretsmanager:GetSecretValue grant would): reading
 * that node fails, every other node reads as usual. (A key overwritten with a non-key value is now
 * read fine and reported as malformed: test/scenario/secret-values.test.ts.)
 */
async function upThenDenyKey(state: string): Promise<void> {
  const s = sandboxSession();
  const run = await runUp(s, { emit: () => {} });
  expect(run.report.ok).toBe(true);
  s.sandbox.save(state);
  await s.close();
}

const DENY = { OPSCTL_SANDBOX_FAULTS: JSON.stringify({ failCalls: [{ service: "SecretsManager", operation: "GetSecretValue", inputIncludes: "signing/active_session", code: "AccessDeniedException", message: "User is not authorized to perform secretsmanager:GetSecretValue (sandbox fault)" }] }) };

describe("read-only runs are fail-soft (issue 9 defect 4)", () => {
  it("status and audit read every node; the failing node shows its own one-line error; exit 1", async () => {
    const w = workdir();
    w.writeConfig(TEST_CONFIG);
    await upThenDenyKey(w.state);
    const run = (args: string[]) => opsctl(args, { ...w, env: DENY });

    const json = run(["status", "--sandbox", "--json"]);
    expect(json.code, json.stderr).toBe(1);
    const doc = JSON.parse(json.stdout) as { resources: { node: string; state: string; healthy: boolean; error?: string; note?: string }[]; controls: Record<string, { pass: boolean; nodes: string[] }> };
    const broken = doc.resources.find((r) => r.node === BROKEN)!;
    expect(broken).toMatchObject({ state: "error", healthy: false });
    expect(broken.error).toMatch(/AccessDeniedException/);
    expect(broken.error).not.toMatch(/\n/);
    // Every other node was read and reported as it is: all exist and are healthy.
    // The secret node reads the same key (its value check): it fails on its own, with its own error.
    // The rotation that depends on that secret cannot be found without it: "not checked", never "missing".
    expect(doc.resources.find((r) => r.node === "secret:signing-active-session")).toMatchObject({ state: "error", healthy: false });
    expect(doc.resources.find((r) => r.node === "secret-rotation:signing-active-session")?.state).toMatch(/^not checked/);
    // Nodes found whose spec needs the failed node's outputs are shown, with their drift "not checked".
    const unchecked = doc.resources.filter((r) => r.note?.startsWith("drift not checked")).map((r) => r.node);
    expect(unchecked).toContain("task-definition:api");
    const affected = [BROKEN, "secret:signing-active-session", "secret-rotation:signing-active-session", ...unchecked];
    const others = doc.resources.filter((r) => !affected.includes(r.node));
    expect(others.length).toBeGreaterThan(60);
    expect(others.filter((r) => r.state === "missing" || r.state === "error" || r.state.startsWith("not checked") || !r.healthy).map((r) => `${r.node}: ${r.state}`)).toEqual([]);
    // The failed controls are exactly those the unreadable nodes carry (and include the key's API-06 and SM-04).
    const failedControls = Object.entries(doc.controls).filter(([, c]) => !c.pass);
    expect(failedControls.map(([id]) => id)).toEqual(expect.arrayContaining(["API-06", "SM-04"]));
    for (const [id, c] of failedControls) expect(c.nodes.some((n) => affected.includes(n)), id).toBe(true);
    const carried = new Set(doc.resources.filter((r) => affected.includes(r.node)).flatMap((r) => Object.entries(doc.controls).filter(([, c]) => c.nodes.includes(r.node)).map(([id]) => id)));
    expect(failedControls.map(([id]) => id).sort()).toEqual([...carried].sort());

    const table = run(["status", "--sandbox"]);
    expect(table.code, table.stderr).toBe(1);
    const row = table.stdout.split("\n").find((l) => l.includes(BROKEN))!;
    expect(row).toMatch(/error.*AccessDenied/);
    expect(table.stdout).toMatch(/NOT healthy: \d+ of \d+ resources missing, unhealthy or drifted; \d+ could not be read/);

    const audit = run(["audit", "--sandbox", "--json"]);
    expect(audit.code, audit.stderr).toBe(1);
    const rows = (JSON.parse(audit.stdout) as { controls: { id: string; result: string; why: string }[] }).controls;
    const failed = rows.filter((r) => r.result === "FAIL");
    expect(failed.map((r) => r.id).sort()).toEqual(failedControls.map(([id]) => id).sort());
    for (const id of ["API-06", "SM-04"]) expect(failed.find((r) => r.id === id)!.why).toMatch(new RegExp(`${BROKEN}: error: .*AccessDenied`));
    expect(rows.filter((r) => r.result === "pass").length).toBeGreaterThan(40);
  }, 120_000);
});
