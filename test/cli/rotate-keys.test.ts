import { describe, expect, it } from "vitest";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { opsctl, sandboxWrites, workdir } from "../helpers/cli.js";
import { newSandbox } from "../helpers/sandbox.js";
import { TEST_CONFIG } from "../helpers/env.js";
import { generateSigningKey, PURPOSES, signingSecretName } from "../../src/resources/signing-keys.js";

const base = TEST_CONFIG;

/** A state file holding the three signing-key secrets, as `up` leaves them. */
async function withKeys(state: string): Promise<void> {
  const { sandbox, aws } = newSandbox();
  const sm = await aws.get("secrets");
  for (const p of PURPOSES) await sm.send(new CreateSecretCommand({ Name: signingSecretName("demo", p), SecretString: JSON.stringify(generateSigningKey(new Date(sandbox.clock.now()))) }));
  sandbox.save(state);
  aws.destroy();
}

function expectRejected(w: ReturnType<typeof workdir>, args: string[], message: RegExp) {
  const before = sandboxWrites(w.state);
  const r = opsctl(["rotate-keys", "--sandbox", ...args], w);
  const errorLines = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  expect(r.code, r.stderr).toBe(2);
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(sandboxWrites(w.state) - before).toBe(0);
}

describe("opsctl rotate-keys: bad input → exit 2, one line, 0 writes", () => {
  it("unknown key name lists the valid ones", async () => {
    const w = workdir();
    w.writeConfig(base);
    await withKeys(w.state);
    expectRejected(w, ["--only", "admin_session"], /--only: unknown key name "admin_session": use one of active_session, verify_email_session, password_reset_session/);
  });

  it("malformed duration", async () => {
    const w = workdir();
    w.writeConfig(base);
    await withKeys(w.state);
    for (const d of ["30", "30x", "-1d", "1.5h", "d"]) expectRejected(w, ["--if-older-than", d], /--if-older-than: must be a duration like 30d, 12h or 90m/);
  });

  it("an environment that was never brought up points to `opsctl up`", () => {
    const w = workdir();
    w.writeConfig(base);
    expectRejected(w, [], /environment demo has no signing keys .*run `opsctl up` first/);
  });

  it("a second rotation inside the grace window is refused without --force", async () => {
    const w = workdir();
    w.writeConfig(base);
    await withKeys(w.state);
    const first = opsctl(["rotate-keys", "--sandbox", "--json"], w);
    expect(first.code, first.stderr).toBe(0);
    const doc = JSON.parse(first.stdout);
    expect(doc).toMatchObject({ ok: true, summary: { update: 3 }, apiCalls: { write: 3 } });
    expect(doc.actions.map((a: { node: string }) => a.node)).toEqual(["signing-key-rotation:active-session", "signing-key-rotation:verify-email-session", "signing-key-rotation:password-reset-session"]);
    expect(first.stdout).not.toMatch(/k4\.secret\./);
    expectRejected(w, [], /active_session: a rotation inside the grace window would cut valid sessions.*use --force/);
    const dry = opsctl(["rotate-keys", "--sandbox", "--dry-run", "--if-older-than", "30d"], w);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/0 would rotate, 3 unchanged — \d+ reads, 0 writes/);
    const forced = opsctl(["rotate-keys", "--sandbox", "--force", "--only", "active_session"], w);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/rotated active-session: k4\.pid\.\S+ -> k4\.pid\.\S+/);
  });
});
