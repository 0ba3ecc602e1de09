/** API-06: token refusal cases, key rotation with overlap, keyrings from Secrets Manager. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { makeApp, startEnv, signupAndLogin, writeKeysFile, FakeSecretsManager, type TestEnv, type TestApp } from "./helpers/harness.js";
import { Keyring, FileKeyLoader, SecretKeyLoader, TOKEN_LIFETIME_MS, type KeyLoader } from "../src/keys/keyring.js";
import { TokenService } from "../src/auth/tokens.js";
import { SecretsManagerSource } from "../src/config/secrets.js";
import { PURPOSES, generateSigningKey, type Purpose, type SigningKey } from "../src/keys/signing-key.js";

const AUD = "https://app.example.test";
let env: TestEnv;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A loader whose keys the test changes at will, counting loads. */
class MutableLoader implements KeyLoader {
  loads = 0;
  constructor(public keys: Record<Purpose, { current: SigningKey; previous?: SigningKey }>) {}
  async load(purpose: Purpose) {
    this.loads++;
    return this.keys[purpose];
  }
}

function freshKeys(): Record<Purpose, { current: SigningKey; previous?: SigningKey }> {
  return Object.fromEntries(PURPOSES.map((p) => [p, { current: generateSigningKey() }])) as Record<Purpose, { current: SigningKey }>;
}

/** A token service signing with exactly `key` for `purpose` (as an attacker or another deployment would). */
async function signerFor(purpose: Purpose, key: SigningKey): Promise<TokenService> {
  const keys = freshKeys();
  keys[purpose] = { current: key };
  const ring = new Keyring(new MutableLoader(keys));
  await ring.init();
  return new TokenService(ring, AUD);
}

describe("tokens refused with 401", () => {
  let t: TestApp;
  let loader: MutableLoader;
  let user: Awaited<ReturnType<typeof signupAndLogin>>;
  beforeAll(async () => {
    loader = new MutableLoader(freshKeys());
    t = await makeApp(env, {}, { keyLoader: loader });
    user = await signupAndLogin(t.app, env.mail);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("accepts the genuine token (control)", async () => {
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(user.token) })).statusCode).toBe(200);
  });

  it("refuses an expired token", async () => {
    const svc = await signerFor("active_session", loader.keys.active_session.current);
    const old = await svc.sign("active_session", { sub: user.userId, sid: user.sessionId }, { now: new Date(Date.now() - TOKEN_LIFETIME_MS.active_session - 1000) });
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(old.token) })).statusCode).toBe(401);
  });

  it("refuses a tampered token (payload, signature, footer)", async () => {
    const [v, p, payload, footer] = user.token.split(".");
    const body = Buffer.from(payload, "base64url");
    const flipped = (buf: Buffer, i: number) => {
      const c = Buffer.from(buf);
      c[i] ^= 1;
      return c.toString("base64url");
    };
    const variants = [
      [v, p, flipped(body, 5), footer].join("."), // claims
      [v, p, flipped(body, body.length - 1), footer].join("."), // signature
      [v, p, payload, Buffer.from('{"kid":"k4.pid.AAAA"}').toString("base64url")].join("."), // footer
      [v, p, payload].join("."), // footer removed
    ];
    for (const tok of variants) {
      expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(tok) })).statusCode, tok).toBe(401);
    }
  });

  it("refuses a token of another purpose, even signed with that purpose's real key", async () => {
    // A verify-email token presented as a session: the implicit assertion differs.
    const verifySvc = await signerFor("verify_email_session", loader.keys.verify_email_session.current);
    const v = await verifySvc.sign("verify_email_session", { sub: user.userId, sid: user.sessionId, jti: "x" });
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(v.token) })).statusCode).toBe(401);
    // The same with the session key itself signing a token claiming another purpose is impossible:
    // the kid is only looked up in the purpose's own keyring. A session token used as a reset token:
    const reset = await t.app.inject({ method: "POST", url: "/v1/auth/reset-password", payload: { token: user.token, password: "whatever whatever" } });
    expect(reset.statusCode).toBe(401);
    const verify = await t.app.inject({ method: "POST", url: "/v1/auth/verify-email", payload: { token: user.token } });
    expect(verify.statusCode).toBe(401);
  });

  it("refuses an unknown kid after one rate-limited refresh", async () => {
    const stranger = await signerFor("active_session", generateSigningKey());
    const tok = (await stranger.sign("active_session", { sub: user.userId, sid: user.sessionId })).token;
    // Earlier tests presented unknown kids too; let the harness's 1 s refresh interval pass.
    await new Promise((r) => setTimeout(r, 1100));
    const before = loader.loads;
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(tok) })).statusCode).toBe(401);
    expect(loader.loads).toBe(before + 1);
    // Within the refresh interval a second unknown kid does not reload again.
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(tok) })).statusCode).toBe(401);
    expect(loader.loads).toBe(before + 1);
  });

  it("refuses a token with the wrong audience", async () => {
    const keys = freshKeys();
    keys.active_session = { current: loader.keys.active_session.current };
    const ring = new Keyring(new MutableLoader(keys));
    await ring.init();
    const other = new TokenService(ring, "https://other.example.test");
    const tok = (await other.sign("active_session", { sub: user.userId, sid: user.sessionId })).token;
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(tok) })).statusCode).toBe(401);
  });
});

describe("rotation", () => {
  it("accepts AWSPREVIOUS within the window, refuses it after, and refuses a rotated-out key", async () => {
    const k1 = generateSigningKey(new Date(Date.now() - 60_000));
    const keys = freshKeys();
    keys.active_session = { current: k1 };
    const loader = new MutableLoader(keys);
    let now = Date.now();
    const t = await makeApp(env, {}, { keyLoader: loader, keyringNow: () => now });
    try {
      const u = await signupAndLogin(t.app, env.mail);
      // Rotate: k2 becomes current, k1 previous.
      const k2 = generateSigningKey();
      loader.keys.active_session = { current: k2, previous: k1 };
      await t.keyring.refresh("active_session", true);
      expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(u.token) })).statusCode).toBe(200);
      // New logins are signed by k2.
      const fresh = (await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: u.email, password: u.password } })).json().token;
      expect(JSON.parse(Buffer.from(fresh.split(".")[3], "base64url").toString()).kid).toBe(k2.kid);
      // Past the longest lifetime after k2 took over, k1 is no longer accepted even as AWSPREVIOUS.
      now = Date.parse(k2.createdAt) + TOKEN_LIFETIME_MS.active_session + 1000;
      expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(u.token) })).statusCode).toBe(401);
      now = Date.now();
      // Rotate again: k3 current, k2 previous, k1 rotated out entirely.
      loader.keys.active_session = { current: generateSigningKey(), previous: k2 };
      await t.keyring.refresh("active_session", true);
      expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(u.token) })).statusCode).toBe(401);
      expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(fresh) })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it("loads keyrings from Secrets Manager (AWSCURRENT/AWSPREVIOUS) and picks up a rotation through the unknown-kid refresh", async () => {
    const sm = await new FakeSecretsManager().start();
    try {
      const arns = Object.fromEntries(PURPOSES.map((p) => [p, `arn:aws:secretsmanager:us-east-1:111122223333:secret:test/signing/${p}`])) as Record<Purpose, string>;
      for (const p of PURPOSES) sm.put(arns[p], generateSigningKey(new Date(Date.now() - 1000)));
      const client = new SecretsManagerClient({ region: "us-east-1", endpoint: sm.endpoint, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
      const source = new SecretsManagerSource(client, 300_000);
      const t = await makeApp(env, {}, { keyLoader: new SecretKeyLoader(source, arns) });
      try {
        const u = await signupAndLogin(t.app, env.mail);
        const old = sm.get(arns.active_session) as SigningKey;
        // opsctl rotate-keys: a new AWSCURRENT; the old one moves to AWSPREVIOUS.
        const next = generateSigningKey();
        sm.put(arns.active_session, next);
        expect(sm.get(arns.active_session, "AWSPREVIOUS")).toEqual(old);
        // Another task already signs with the new key; this one learns it through the refresh.
        const other = await signerFor("active_session", next);
        const tok = (await other.sign("active_session", { sub: u.userId, sid: u.sessionId })).token;
        // Concurrent requests with the new kid share the one refresh and all pass.
        const before = sm.calls.length;
        const statuses = await Promise.all(Array.from({ length: 5 }, () => t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(tok) })));
        expect(statuses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
        expect(sm.calls.length - before).toBe(2); // AWSCURRENT + AWSPREVIOUS, once
        // The old key still verifies as AWSPREVIOUS within the window.
        expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(u.token) })).statusCode).toBe(200);
        const stages = sm.calls.filter((c) => c.target === "GetSecretValue").map((c) => c.body.VersionStage);
        expect(stages).toContain("AWSPREVIOUS");
      } finally {
        await t.close();
      }
    } finally {
      await sm.stop();
    }
  });

  it("reads a SIGNING_KEYS_FILE with previous keys", async () => {
    const prev = generateSigningKey(new Date(Date.now() - 3_600_000));
    const cur = generateSigningKey();
    const keys = freshKeys();
    keys.password_reset_session = { current: cur, previous: prev };
    const file = await writeKeysFile(env.dir, keys);
    const ring = new Keyring(new FileKeyLoader(file));
    await ring.init();
    expect((await ring.verificationKey("password_reset_session", prev.kid))?.meta.kid).toBe(prev.kid);
    // prev stopped signing when cur was made, just now: within the 30-minute window.
    expect(ring.signingKey("password_reset_session").meta.kid).toBe(cur.kid);
    // A kid of another purpose's keyring is unknown here.
    expect(await ring.verificationKey("active_session", prev.kid)).toBeUndefined();
  });
});
