/** Full flows through the HTTP API with mails read from the in-process SMTP server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApp, startEnv, signupAndLogin, newEmail, tokenFrom, type TestEnv, type TestApp } from "./helpers/harness.js";

let env: TestEnv;
let t: TestApp;
beforeAll(async () => {
  env = await startEnv();
  t = await makeApp(env);
});
afterAll(async () => {
  await t?.close();
  await env?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("sign-up → verify → login → me → messages → logout", () => {
  it("runs end to end and refuses the token after logout", async () => {
    const email = newEmail("flow");
    const password = "a long enough password";
    const signup = await t.app.inject({ method: "POST", url: "/v1/auth/signup", payload: { email, password, displayName: "Flow" } });
    expect(signup.statusCode).toBe(202);

    // Not verified yet: the right password gets 403, a wrong one the usual 401.
    const mail = await env.mail.waitFor(email, /Confirm your e-mail/);
    expect(mail.raw).toContain("https://app.example.test/verify-email#token=");
    const early = await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email, password } });
    expect(early.statusCode).toBe(403);
    expect(early.json().error.code).toBe("email_not_verified");
    const wrong = await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email, password: "not the password" } });
    expect(wrong.statusCode).toBe(401);

    const vt = tokenFrom(mail);
    expect((await t.app.inject({ method: "POST", url: "/v1/auth/verify-email", payload: { token: vt } })).statusCode).toBe(204);
    // Single use.
    const again = await t.app.inject({ method: "POST", url: "/v1/auth/verify-email", payload: { token: vt } });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe("invalid_token");

    const login = await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: email.toUpperCase(), password } });
    expect(login.statusCode).toBe(200);
    const { token, expiresAt, sessionId } = login.json();
    expect(token).toMatch(/^v4\.public\./);
    const ttl = Date.parse(expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600_000);

    const me = await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email, displayName: "Flow", emailVerified: true });

    const conv = await t.app.inject({ method: "POST", url: "/v1/conversations", headers: bearer(token), payload: { title: "Notes", memberEmails: [] } });
    expect(conv.statusCode).toBe(201);
    const cid = conv.json().id;
    const msg = await t.app.inject({ method: "POST", url: `/v1/conversations/${cid}/messages`, headers: bearer(token), payload: { body: "hello" } });
    expect(msg.statusCode).toBe(201);
    expect(msg.json()).toMatchObject({ conversationId: cid, authorId: me.json().id, body: "hello", attachmentIds: [] });
    const list = await t.app.inject({ method: "GET", url: `/v1/conversations/${cid}/messages`, headers: bearer(token) });
    expect(list.json().items.map((m: { body: string }) => m.body)).toEqual(["hello"]);

    const sessions = await t.app.inject({ method: "GET", url: "/v1/auth/sessions", headers: bearer(token) });
    expect(sessions.json().items).toEqual([expect.objectContaining({ id: sessionId, current: true })]);

    expect((await t.app.inject({ method: "POST", url: "/v1/auth/logout", headers: bearer(token) })).statusCode).toBe(204);
    const after = await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.headers["www-authenticate"]).toContain("Bearer");
  });
});

describe("forgot → mail → reset", () => {
  it("ends every session and refuses the reset token a second time", async () => {
    const u = await signupAndLogin(t.app, env.mail);
    const second = await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: u.email, password: u.password } });
    const token2 = second.json().token;

    expect((await t.app.inject({ method: "POST", url: "/v1/auth/forgot-password", payload: { email: u.email } })).statusCode).toBe(202);
    const rt = tokenFrom(await env.mail.waitFor(u.email, /Reset your password/));
    const newPassword = "a brand new passphrase";
    expect((await t.app.inject({ method: "POST", url: "/v1/auth/reset-password", payload: { token: rt, password: newPassword } })).statusCode).toBe(204);

    for (const tok of [u.token, token2]) {
      expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(tok) })).statusCode).toBe(401);
    }
    const reuse = await t.app.inject({ method: "POST", url: "/v1/auth/reset-password", payload: { token: rt, password: "yet another passphrase" } });
    expect(reuse.statusCode).toBe(401);
    expect((await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: u.email, password: u.password } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: u.email, password: newPassword } })).statusCode).toBe(200);
    await env.mail.waitFor(u.email, /password of your account was reset/);
  });
});

describe("sessions", () => {
  it("change-password needs the current one, ends the other sessions, keeps this one, notifies by mail", async () => {
    const u = await signupAndLogin(t.app, env.mail);
    const other = (await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: u.email, password: u.password } })).json().token;
    const bad = await t.app.inject({
      method: "POST",
      url: "/v1/auth/change-password",
      headers: bearer(u.token),
      payload: { currentPassword: "wrong wrong wrong", newPassword: "the next password" },
    });
    expect(bad.statusCode).toBe(403);
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(other) })).statusCode).toBe(200);
    const ok = await t.app.inject({
      method: "POST",
      url: "/v1/auth/change-password",
      headers: bearer(u.token),
      payload: { currentPassword: u.password, newPassword: "the next password" },
    });
    expect(ok.statusCode).toBe(204);
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(u.token) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(other) })).statusCode).toBe(401);
    await env.mail.waitFor(u.email, /password of your account was changed/);
  });

  it("lists own sessions, ends one by id (404 for another user's), and logout-all ends all", async () => {
    const a = await signupAndLogin(t.app, env.mail);
    const b = await signupAndLogin(t.app, env.mail);
    const a2 = (await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: a.email, password: a.password } })).json();
    const list = (await t.app.inject({ method: "GET", url: "/v1/auth/sessions", headers: bearer(a.token) })).json().items;
    expect(list.map((s: { id: string }) => s.id).sort()).toEqual([a.sessionId, a2.sessionId].sort());
    expect(list.find((s: { id: string }) => s.id === a2.sessionId).current).toBe(false);

    const foreign = await t.app.inject({ method: "DELETE", url: `/v1/auth/sessions/${b.sessionId}`, headers: bearer(a.token) });
    expect(foreign.statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(b.token) })).statusCode).toBe(200);

    expect((await t.app.inject({ method: "DELETE", url: `/v1/auth/sessions/${a2.sessionId}`, headers: bearer(a.token) })).statusCode).toBe(204);
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(a2.token) })).statusCode).toBe(401);

    const a3 = (await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: a.email, password: a.password } })).json();
    expect((await t.app.inject({ method: "POST", url: "/v1/auth/logout-all", headers: bearer(a3.token) })).statusCode).toBe(204);
    for (const tok of [a.token, a3.token]) expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(tok) })).statusCode).toBe(401);
  });

  it("resend-verification mails a new token that works; the old one stays valid until used", async () => {
    const email = newEmail("resend");
    await t.app.inject({ method: "POST", url: "/v1/auth/signup", payload: { email, password: "password password", displayName: "R" } });
    await env.mail.waitFor(email, /token: /);
    expect((await t.app.inject({ method: "POST", url: "/v1/auth/resend-verification", payload: { email } })).statusCode).toBe(202);
    const second = tokenFrom(await env.mail.waitFor(email, /token: /, 2));
    expect((await t.app.inject({ method: "POST", url: "/v1/auth/verify-email", payload: { token: second } })).statusCode).toBe(204);
    expect((await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email, password: "password password" } })).statusCode).toBe(200);
  });

  it("enforces the password rules (8..128, not a common password, no composition rules)", async () => {
    const short = await t.app.inject({ method: "POST", url: "/v1/auth/signup", payload: { email: newEmail(), password: "1234567", displayName: "x" } });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.fields).toHaveProperty(["body.password"]);
    const long = await t.app.inject({ method: "POST", url: "/v1/auth/signup", payload: { email: newEmail(), password: "x".repeat(129), displayName: "x" } });
    expect(long.statusCode).toBe(400);
    const plain = await t.app.inject({ method: "POST", url: "/v1/auth/signup", payload: { email: newEmail(), password: "alllowercase", displayName: "x" } });
    expect(plain.statusCode).toBe(202);
    const common = await t.app.inject({ method: "POST", url: "/v1/auth/signup", payload: { email: newEmail(), password: "Password1", displayName: "x" } });
    expect(common.statusCode).toBe(400);
    expect(common.json().error.fields["body.password"]).toMatch(/most common/);
    const sixtyFour = await t.app.inject({ method: "POST", url: "/v1/auth/signup", payload: { email: newEmail(), password: "p".repeat(64), displayName: "x" } });
    expect(sixtyFour.statusCode).toBe(202);
  });
});
