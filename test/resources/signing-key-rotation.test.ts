/** signing-key-rotation (src/resources/signing-key-rotation.ts), the rotate-keys runbook (SM-04), against the sandbox (src/sandbox/services/secretsmanager.ts). Was rotate-keys.test.ts. */
import { describe, expect, it } from "vitest";
import { CreateSecretCommand, GetSecretValueCommand, ListSecretVersionIdsCommand } from "@aws-sdk/client-secrets-manager";
import { Keyring, SecretKeyLoader, TOKEN_LIFETIME_MS } from "../../api/src/keys/keyring.js";
import { TokenService } from "../../api/src/auth/tokens.js";
import type { SecretSource } from "../../api/src/config/secrets.js";
import { OpsError } from "../../src/engine/errors.js";
import { rotateKeysDocument, runRotateKeys, type RotateKeysRequest } from "../../src/operations/rotate-keys.js";
import { generateSigningKey, PURPOSES, signingSecretName, type Purpose } from "../../src/resources/signing-keys.js";
import { GRACE_MS } from "../../src/rotation-lambda/grace.js";
import { sandboxSession } from "../helpers/env.js";

const DAY = 86_400_000;
type S = ReturnType<typeof sandboxSession>;

/** The three signing-key secrets as `up` makes them (plans/data.ts: CreateSecret with a generateSigningKey value). */
async function withSigningKeys(s: S): Promise<Record<Purpose, string>> {
  const sm = await s.aws.get("secrets");
  const arns = {} as Record<Purpose, string>;
  for (const p of PURPOSES) {
    const r = await sm.send(new CreateSecretCommand({ Name: signingSecretName("demo", p), SecretString: JSON.stringify(generateSigningKey(new Date(s.clock.now()))), Tags: [{ Key: "opsctl:env", Value: "demo" }] }));
    arns[p] = r.ARN!;
  }
  return arns;
}

const rotate = (s: S, req: Partial<RotateKeysRequest> = {}) => runRotateKeys(s, { force: false, dryRun: false, emit: () => {}, ...req });
const writes = (s: S) => s.sandbox.journal.filter((j) => j.write && !j.error).length;

async function versions(s: S, p: Purpose): Promise<{ id: string; stages: string[] }[]> {
  const sm = await s.aws.get("secrets");
  const r = await sm.send(new ListSecretVersionIdsCommand({ SecretId: signingSecretName("demo", p), IncludeDeprecated: true }));
  return (r.Versions ?? []).map((v) => ({ id: v.VersionId!, stages: v.VersionStages ?? [] }));
}

/** The API's own verifier (Keyring + TokenService) reading the simulated secrets, on the simulated clock. */
async function apiTokens(s: S, arns: Record<Purpose, string>): Promise<TokenService> {
  const sm = await s.aws.get("secrets");
  const source: SecretSource = {
    async getJson(arn, stage) {
      try {
        const v = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
        return JSON.parse(v.SecretString!);
      } catch (e) {
        if ((e as Error).name === "ResourceNotFoundException") return undefined;
        throw e;
      }
    },
  };
  const keyring = new Keyring(new SecretKeyLoader(source, arns), { now: () => s.clock.now() });
  await keyring.init();
  return new TokenService(keyring, "https://api.example.test");
}

describe("rotate-keys (SM-04) through the sandbox", () => {
  it("keeps the grace windows equal to the API's token lifetimes", () => {
    expect(GRACE_MS).toEqual(TOKEN_LIFETIME_MS);
  });

  it("a token signed before a rotation verifies after one rotation and fails after two", async () => {
    const s = sandboxSession();
    const arns = await withSigningKeys(s);
    const before = await apiTokens(s, arns);
    const { token } = await before.sign("active_session", { sub: "user-1", sid: "session-1" }, { now: new Date(s.clock.now()) });

    s.sandbox.clock.advance(60_000);
    const first = await rotate(s);
    expect(first.report.ok).toBe(true);
    expect(first.report.outcomes.map((o) => o.action)).toEqual(["update", "update", "update"]);
    const afterOne = await apiTokens(s, arns);
    await expect(afterOne.verify("active_session", token, { now: new Date(s.clock.now()) })).resolves.toMatchObject({ sub: "user-1", sid: "session-1" });
    // A fresh token is signed by the new AWSCURRENT and verifies too.
    const fresh = await afterOne.sign("active_session", { sub: "user-2", sid: "session-2" }, { now: new Date(s.clock.now()) });
    await expect(afterOne.verify("active_session", fresh.token, { now: new Date(s.clock.now()) })).resolves.toMatchObject({ sub: "user-2" });

    s.sandbox.clock.advance(60_000);
    const second = await rotate(s, { force: true, only: "active_session" });
    expect(second.report.ok).toBe(true);
    const afterTwo = await apiTokens(s, arns);
    await expect(afterTwo.verify("active_session", token, { now: new Date(s.clock.now()) })).rejects.toThrow(/unknown kid/);
    // The token of the middle key is still accepted: it is AWSPREVIOUS now.
    await expect(afterTwo.verify("active_session", fresh.token, { now: new Date(s.clock.now()) })).resolves.toMatchObject({ sub: "user-2" });
  });

  it("refuses a second rotation inside the grace window without --force (0 writes) and allows it with --force", async () => {
    const s = sandboxSession();
    await withSigningKeys(s);
    expect((await rotate(s)).report.ok).toBe(true);
    s.sandbox.clock.advance(3600_000);
    const w = writes(s);
    const refused = await rotate(s).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpsError);
    expect((refused as OpsError).fault).toBe("user");
    expect((refused as OpsError).message).toMatch(/active_session: a rotation inside the grace window would cut valid sessions: the key that became AWSPREVIOUS at \S+ must stay verifiable until \S+ .*use --force to rotate anyway/);
    expect(writes(s)).toBe(w);
    for (const p of PURPOSES) expect(await versions(s, p)).toHaveLength(2);

    // password_reset_session's window (30 min) has passed: --only it is allowed without --force.
    const onlyReset = await rotate(s, { only: "password_reset_session" });
    expect(onlyReset.apiCalls.write).toBe(1);

    const forced = await rotate(s, { force: true });
    expect(forced.report.ok).toBe(true);
    expect(forced.apiCalls.write).toBe(3);
    for (const p of PURPOSES) expect((await versions(s, p)).filter((v) => v.stages.length > 0)).toHaveLength(2);
  });

  it("--if-older-than 30d rotates only the keys that are due, and is then a no-op", async () => {
    const s = sandboxSession();
    await withSigningKeys(s);
    s.sandbox.clock.advance(20 * DAY);
    expect((await rotate(s, { only: "verify_email_session" })).apiCalls.write).toBe(1);
    s.sandbox.clock.advance(15 * DAY);
    const due = await rotate(s, { maxAgeMs: 30 * DAY });
    expect(due.report.ok).toBe(true);
    expect(Object.fromEntries(due.report.outcomes.map((o) => [o.node, o.action]))).toEqual({
      "signing-key-rotation:active-session": "update",
      "signing-key-rotation:verify-email-session": "noop",
      "signing-key-rotation:password-reset-session": "update",
    });
    expect(due.apiCalls.write).toBe(2);
    const again = await rotate(s, { maxAgeMs: 30 * DAY });
    expect(again.report.ok).toBe(true);
    expect(again.apiCalls.write).toBe(0);
    expect(rotateKeysDocument(again)).toMatchObject({ ok: true, summary: { update: 0, noop: 3 }, apiCalls: { write: 0 } });
    const d = again.report.outcomes[0].description!;
    expect(d.details).toMatchObject({ ageDays: 0, previousKid: expect.stringMatching(/^k4\.pid\./), kid: expect.stringMatching(/^k4\.pid\./) });
  });

  it("--dry-run shows what would rotate and writes nothing", async () => {
    const s = sandboxSession();
    await withSigningKeys(s);
    const w = writes(s);
    const dry = await rotate(s, { dryRun: true });
    expect(dry.report.ok).toBe(true);
    expect(dry.report.outcomes.map((o) => o.action)).toEqual(["update", "update", "update"]);
    expect(dry.apiCalls.write).toBe(0);
    expect(writes(s)).toBe(w);
    for (const p of PURPOSES) expect(await versions(s, p)).toHaveLength(1);
  });

  it("refuses when the environment has no signing keys (0 writes)", async () => {
    const s = sandboxSession();
    await expect(rotate(s)).rejects.toThrow(/environment demo has no signing keys .*run `opsctl up` first/);
    expect(writes(s)).toBe(0);
  });

  it("after a crash following each write, a rerun leaves exactly one new version per key", async () => {
    for (let k = 1; k <= 3; k++) {
      const s = sandboxSession();
      await withSigningKeys(s);
      s.sandbox.clock.advance(60_000);
      const crashing = sandboxSession({ sandbox: s.sandbox, faults: { crashAfterWrites: k } });
      const crashed = await rotate(crashing);
      expect(crashed.report.ok, `k=${k}`).toBe(false);
      // A new process: no faults, fresh clients, same simulated AWS.
      const again = sandboxSession({ sandbox: s.sandbox, faults: {} });
      const rotatedBefore = (await Promise.all(PURPOSES.map((p) => versions(again, p)))).filter((v) => v.length === 2).length;
      expect(rotatedBefore, `k=${k}`).toBe(k);
      const resumed = await rotate(again).then(
        (r) => r,
        (e: unknown) => e,
      );
      if (k < 3) {
        // An interrupted run: the keys it rotated count as done, the others rotate now.
        expect((resumed as Awaited<ReturnType<typeof rotate>>).report.ok, `k=${k}`).toBe(true);
        expect((resumed as Awaited<ReturnType<typeof rotate>>).apiCalls.write, `k=${k}`).toBe(3 - k);
      } else {
        // Every key was rotated: indistinguishable from a completed run, so the grace rule refuses (0 writes).
        expect(resumed, `k=${k}`).toBeInstanceOf(OpsError);
      }
      for (const p of PURPOSES) {
        const v = await versions(again, p);
        expect(v, `k=${k} ${p}`).toHaveLength(2);
        expect(v.map((x) => x.stages.join()).sort(), `k=${k} ${p}`).toEqual(["AWSCURRENT", "AWSPREVIOUS"]);
      }
    }
  });
});
