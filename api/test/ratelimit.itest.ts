/** API-03: the sliding-window limiter in real Redis, shared by two API instances. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { randomBytes } from "node:crypto";
import { makeApp, startEnv, signupAndLogin, newEmail, type TestEnv, type TestApp } from "./helpers/harness.js";
import { SlidingWindowLimiter } from "../src/ratelimit/sliding-window.js";
import { parseRateLimit } from "../src/config/config.js";

let env: TestEnv;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("two instances sharing Redis", () => {
  it("let exactly 10 of 50 concurrent logins through, the rest get 429 with Retry-After", async () => {
    const prefix = `rl-shared-${randomBytes(4).toString("hex")}:`;
    // A third instance with a high limit makes the verified user (its own prefix, so it spends nothing).
    const setup = await makeApp(env);
    const user = await signupAndLogin(setup.app, env.mail);
    await setup.close();
    const a: TestApp = await makeApp(env, { AUTH_RATE_LIMIT: "10/1m", RATE_LIMIT_PREFIX: prefix });
    const b: TestApp = await makeApp(env, { AUTH_RATE_LIMIT: "10/1m", RATE_LIMIT_PREFIX: prefix });
    try {
      const urls = await Promise.all([a.app.listen({ port: 0, host: "127.0.0.1" }), b.app.listen({ port: 0, host: "127.0.0.1" })]);
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fetch(`${urls[i % 2]}/v1/auth/login`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ email: user.email, password: user.password }),
          }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(40);
      const limited = responses.find((r) => r.status === 429)!;
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await limited.json()).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });
      // Both instances answered some of them: the limit really is shared.
      const byInstance = [0, 1].map((k) => statuses.filter((s, i) => i % 2 === k && s === 200).length);
      expect(byInstance[0] + byInstance[1]).toBe(10);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("keys by client IP from X-Forwarded-For only through the trusted proxy CIDR", async () => {
    const trusting = await makeApp(env, { AUTH_RATE_LIMIT: "3/1m", TRUST_PROXY: "127.0.0.0/8" });
    const direct = await makeApp(env, { AUTH_RATE_LIMIT: "3/1m" });
    try {
      const login = (app: TestApp, ip: string) =>
        app.app.inject({
          method: "POST",
          url: "/v1/auth/login",
          remoteAddress: "127.0.0.1",
          headers: { "x-forwarded-for": ip },
          payload: { email: newEmail("ip"), password: "whatever whatever" },
        });
      // Different e-mails, same forwarded client: the per-IP limit applies.
      const fromA = [];
      for (let i = 0; i < 4; i++) fromA.push((await login(trusting, "203.0.113.7")).statusCode);
      expect(fromA).toEqual([401, 401, 401, 429]);
      expect((await login(trusting, "203.0.113.8")).statusCode).toBe(401);
      // Without TRUST_PROXY the header is ignored: every request is the socket's address.
      const spoofed = [];
      for (let i = 0; i < 4; i++) spoofed.push((await login(direct, `198.51.100.${i}`)).statusCode);
      expect(spoofed).toEqual([401, 401, 401, 429]);
    } finally {
      await Promise.all([trusting.close(), direct.close()]);
    }
  });

  it("keys by normalized e-mail across client IPs", async () => {
    const app = await makeApp(env, { AUTH_RATE_LIMIT: "2/1m", TRUST_PROXY: "127.0.0.1" });
    try {
      const email = newEmail("norm");
      const codes = [];
      for (const [i, variant] of [email, email.toUpperCase(), `  ${email}`.trim()].entries()) {
        const r = await app.app.inject({
          method: "POST",
          url: "/v1/auth/forgot-password",
          remoteAddress: "127.0.0.1",
          headers: { "x-forwarded-for": `192.0.2.${i + 1}` },
          payload: { email: variant },
        });
        codes.push(r.statusCode);
      }
      expect(codes).toEqual([202, 202, 429]);
    } finally {
      await app.close();
    }
  });
});

describe("the sliding window", () => {
  it("slides: old attempts leave one by one, unlike a fixed window that resets all at once", async () => {
    const redis = createClient({ url: "redis://127.0.0.1:6379" });
    await redis.connect();
    try {
      const limiter = new SlidingWindowLimiter(
        { evalSha: (s, o) => redis.evalSha(s, o), eval: (s, o) => redis.eval(s, o) },
        3,
        2_000,
        `rl-slide-${randomBytes(4).toString("hex")}:`,
      );
      const burst = async (n: number) => {
        const out = [];
        for (let i = 0; i < n; i++) out.push((await limiter.hit(["k"])).allowed);
        return out;
      };
      const t0 = Date.now();
      expect(await burst(2)).toEqual([true, true]); // t≈0: 2 recorded
      const firstDone = Date.now(); // both are recorded before this instant (Redis shares this clock)
      await sleep(Math.max(0, 1_000 - (Date.now() - t0)));
      // t≈1.0 s: one more fits (3 in the window), the next does not. A fixed window that had
      // rolled over between t0 and now would admit both.
      const secondBegin = Date.now();
      expect(await burst(2)).toEqual([true, false]);
      const secondDone = Date.now();
      // Wait until the first two have surely left the window (recorded before firstDone), while the
      // one from t≈1.0 (recorded after secondBegin) surely has not.
      await sleep(Math.max(0, firstDone + 2_000 + 150 - Date.now()));
      expect(Date.now()).toBeLessThan(secondBegin + 2_000);
      // Exactly two fit now. A fixed window that had not rolled over at t≈1.0 would have reset by
      // now and admit three.
      expect(await burst(3)).toEqual([true, true, false]);
      const refused = await limiter.hit(["k"]);
      // The next slot opens when the t≈1.0 attempt leaves the window, under a second from now.
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(secondDone + 2_000 - Date.now() + 50);
    } finally {
      await redis.close();
    }
  });

  it("survives a flushed script cache (EVALSHA → NOSCRIPT → EVAL) and uses one round trip otherwise", async () => {
    const redis = createClient({ url: "redis://127.0.0.1:6379" });
    await redis.connect();
    try {
      const calls: string[] = [];
      const limiter = new SlidingWindowLimiter(
        {
          evalSha: (s, o) => {
            calls.push("evalsha");
            return redis.evalSha(s, o);
          },
          eval: (s, o) => {
            calls.push("eval");
            return redis.eval(s, o);
          },
        },
        5,
        10_000,
        `rl-noscript-${randomBytes(4).toString("hex")}:`,
      );
      await redis.scriptFlush();
      expect((await limiter.hit(["a", "b"])).allowed).toBe(true);
      expect(calls).toEqual(["evalsha", "eval"]);
      calls.length = 0;
      expect((await limiter.hit(["a", "b"])).allowed).toBe(true);
      expect(calls).toEqual(["evalsha"]);
    } finally {
      await redis.close();
    }
  });

  it("parses AUTH_RATE_LIMIT", () => {
    expect(parseRateLimit("10/15m")).toEqual({ limit: 10, windowMs: 900_000 });
    expect(parseRateLimit("5/3s")).toEqual({ limit: 5, windowMs: 3_000 });
    expect(() => parseRateLimit("10 per minute")).toThrow();
    expect(() => parseRateLimit("0/1m")).toThrow();
  });
});
