/** API-01/02/05, the error shape, OpenAPI, enumeration resistance, operations endpoints. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApp, startEnv, signupAndLogin, newEmail, type TestEnv, type TestApp } from "./helpers/harness.js";
import { KEEP_ALIVE_TIMEOUT_MS } from "../src/http/app.js";
import { loadConfig } from "../src/config/config.js";

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

const SPEC_ROUTES: [string, string][] = [
  ["get", "/healthz"],
  ["get", "/readyz"],
  ["post", "/v1/auth/signup"],
  ["post", "/v1/auth/verify-email"],
  ["post", "/v1/auth/resend-verification"],
  ["post", "/v1/auth/login"],
  ["post", "/v1/auth/logout"],
  ["post", "/v1/auth/logout-all"],
  ["get", "/v1/auth/sessions"],
  ["delete", "/v1/auth/sessions/{id}"],
  ["post", "/v1/auth/forgot-password"],
  ["post", "/v1/auth/reset-password"],
  ["post", "/v1/auth/change-password"],
  ["get", "/v1/me"],
  ["delete", "/v1/me"],
  ["post", "/v1/conversations"],
  ["get", "/v1/conversations"],
  ["post", "/v1/conversations/{id}/messages"],
  ["get", "/v1/conversations/{id}/messages"],
  ["delete", "/v1/messages/{id}"],
  ["post", "/v1/attachments"],
  ["get", "/v1/attachments/{id}"],
];

describe("headers", () => {
  it("sends the strict CSP and helmet's headers, and no x-powered-by", async () => {
    const r = await t.app.inject({ method: "GET", url: "/healthz" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-security-policy"]).toBe("default-src 'none';base-uri 'none';frame-ancestors 'none';form-action 'none'");
    expect(r.headers["x-powered-by"]).toBeUndefined();
    expect(r.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["strict-transport-security"]).toContain("max-age=31536000");
    expect(r.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(r.headers["referrer-policy"]).toBe("no-referrer");
  });

  it("allows CORS only from the allowlist", async () => {
    const ok = await t.app.inject({
      method: "OPTIONS",
      url: "/v1/auth/login",
      headers: { origin: "https://app.example.test", "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" },
    });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers["access-control-allow-origin"]).toBe("https://app.example.test");
    expect(String(ok.headers["access-control-allow-headers"]).toLowerCase()).toContain("authorization");
    const evil = await t.app.inject({
      method: "OPTIONS",
      url: "/v1/auth/login",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(evil.headers["access-control-allow-origin"]).toBeUndefined();
    const simple = await t.app.inject({ method: "GET", url: "/healthz", headers: { origin: "https://evil.example" } });
    expect(simple.headers["access-control-allow-origin"]).toBeUndefined();
    const dev = await t.app.inject({ method: "GET", url: "/healthz", headers: { origin: "http://localhost:5173" } });
    expect(dev.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
  });

  it("keeps connections alive longer than the ALB's 60 s idle timeout", () => {
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    expect(t.app.server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(t.app.server.headersTimeout).toBeGreaterThan(KEEP_ALIVE_TIMEOUT_MS);
  });
});

describe("validation and errors", () => {
  it("answers 400 validation_failed with field messages", async () => {
    const r = await t.app.inject({ method: "POST", url: "/v1/auth/signup", payload: { email: "not-an-email", password: "short", displayName: "" } });
    expect(r.statusCode).toBe(400);
    const body = r.json();
    expect(body.error.code).toBe("validation_failed");
    expect(Object.keys(body.error.fields).sort()).toEqual(["body.displayName", "body.email", "body.password"]);
    expect(body.error.fields["body.email"]).toBe("must be an e-mail address");
  });

  it("rejects unknown fields", async () => {
    const r = await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: newEmail(), password: "x", admin: true } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe("validation_failed");
    const q = await t.app.inject({ method: "GET", url: "/v1/conversations?limit=5&sort=asc", headers: { authorization: "Bearer x" } });
    expect([400, 401]).toContain(q.statusCode);
  });

  it("rejects malformed JSON, oversize bodies, wrong media types, unknown routes in the error shape", async () => {
    const cases = [
      await t.app.inject({ method: "POST", url: "/v1/auth/login", headers: { "content-type": "application/json" }, payload: "{bad" }),
      await t.app.inject({ method: "POST", url: "/v1/auth/login", headers: { "content-type": "application/json" }, payload: JSON.stringify({ email: "a".repeat(70_000) }) }),
      await t.app.inject({ method: "POST", url: "/v1/auth/login", headers: { "content-type": "text/plain" }, payload: "hello" }),
      await t.app.inject({ method: "GET", url: "/v1/nothing-here" }),
    ];
    expect(cases.map((c) => c.statusCode)).toEqual([400, 413, 415, 404]);
    for (const c of cases) expect(c.json()).toEqual({ error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), ...(c.json().error.fields ? { fields: expect.any(Object) } : {}) } });
  });
});

describe("enumeration", () => {
  it("answers sign-up, resend and forgot identically for known and unknown e-mails", async () => {
    const known = await signupAndLogin(t.app, env.mail);
    const unknown = newEmail("ghost");
    const strip = (h: Record<string, unknown>) => {
      const { date: _d, "x-request-id": _r, ...rest } = h;
      return rest;
    };
    for (const [url, extra] of [
      ["/v1/auth/signup", { password: "some password", displayName: "X" }],
      ["/v1/auth/resend-verification", {}],
      ["/v1/auth/forgot-password", {}],
    ] as const) {
      const a = await t.app.inject({ method: "POST", url, payload: { email: known.email, ...extra } });
      const b = await t.app.inject({ method: "POST", url, payload: { email: unknown, ...extra } });
      expect(a.statusCode).toBe(202);
      expect(b.statusCode).toBe(a.statusCode);
      expect(b.body).toBe(a.body);
      expect(strip(b.headers)).toEqual(strip(a.headers));
    }
    // The known address got an "account exists" notice instead of a second account.
    await env.mail.waitFor(known.email, /already has an account/);
  });

  it("answers a wrong password and an unknown e-mail with the same error and similar timing", async () => {
    const known = await signupAndLogin(t.app, env.mail);
    const time = async (email: string) => {
      const start = process.hrtime.bigint();
      const r = await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email, password: "wrong password" } });
      return { r, ms: Number(process.hrtime.bigint() - start) / 1e6 };
    };
    const wrong: number[] = [];
    const ghost: number[] = [];
    let bodies: string[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await time(known.email);
      const b = await time(newEmail("ghost"));
      wrong.push(a.ms);
      ghost.push(b.ms);
      bodies = [a.r.body, b.r.body];
      expect(a.r.statusCode).toBe(401);
      expect(b.r.statusCode).toBe(401);
    }
    expect(bodies[0]).toBe(bodies[1]);
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    // Both hash with argon2id: medians within a factor of two (a skipped hash would be ~100× faster).
    expect(median(ghost) / median(wrong)).toBeGreaterThan(0.5);
    expect(median(ghost) / median(wrong)).toBeLessThan(2);
  });
});

describe("operations and OpenAPI", () => {
  it("reports liveness and readiness", async () => {
    expect((await t.app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await t.app.inject({ method: "GET", url: "/readyz" })).json()).toEqual({ status: "ready" });
  });

  it("serves an OpenAPI 3 document with every route of the contract", async () => {
    const r = await t.app.inject({ method: "GET", url: "/openapi.json" });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const [method, path] of SPEC_ROUTES) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(doc.paths["/v1/auth/signup"].post.requestBody.content["application/json"].schema.additionalProperties).toBe(false);
    expect(doc.paths["/v1/auth/login"].post.responses["200"]).toBeDefined();
    expect(Object.keys(doc.paths["/v1/attachments"].post.requestBody.content)).toContain("image/png");
  });

  it("answers 503 (not 500) and fails readiness when MySQL or Redis is down", async () => {
    const noDb = await makeApp(env, { DATABASE_URL: "mysql://root@127.0.0.1:1/nothing" });
    try {
      const r = await noDb.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: newEmail(), password: "whatever whatever" } });
      expect(r.statusCode).toBe(503);
      expect(r.headers["retry-after"]).toBe("5");
      expect(r.json().error.code).toBe("service_unavailable");
      expect((await noDb.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(503);
      expect((await noDb.app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    } finally {
      await noDb.close();
    }
    const noRedis = await makeApp(env);
    try {
      await (noRedis.app.services.redis as unknown as { close(): Promise<void> }).close();
      const r = await noRedis.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: newEmail(), password: "whatever whatever" } });
      expect(r.statusCode).toBe(503);
      expect((await noRedis.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(503);
    } finally {
      await noRedis.close();
    }
  });

  it("refuses configuration that trusts every proxy", () => {
    const base = {
      DATABASE_URL: "mysql://a@b/c",
      REDIS_URL: "redis://x",
      SMTP_URL: "smtp://x:1",
      MAIL_FROM: "a@b",
      PUBLIC_URL: "https://x",
      SIGNING_KEYS_FILE: "k.json",
      S3_BUCKET: "b",
    };
    expect(() => loadConfig({ ...base, TRUST_PROXY: "0.0.0.0/0" })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ ...base, TRUST_PROXY: "true" })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ ...base, TRUST_PROXY: "10.0.0.0/16" }).trustProxy).toEqual(["10.0.0.0/16"]);
    expect(() => loadConfig({})).toThrow(/DATABASE_URL or DATABASE_SECRET_ARN/);
  });
});
