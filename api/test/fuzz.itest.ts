/** API-05: thousands of malformed bodies, params, queries and headers over every route → never ≥ 500. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InjectOptions } from "fastify";
import { makeApp, startEnv, signupAndLogin, type TestEnv, type TestApp } from "./helpers/harness.js";

let env: TestEnv;
let t: TestApp;
let token: string;
let spare: string;
let convId: string;
let msgId: string;
let attId: string;
beforeAll(async () => {
  env = await startEnv();
  t = await makeApp(env, { AUTH_RATE_LIMIT: "999999/1m" });
  const u = await signupAndLogin(t.app, env.mail);
  token = u.token;
  // Logout routes get another user's token, so the main session survives the whole run.
  spare = (await signupAndLogin(t.app, env.mail)).token;
  const auth = { authorization: `Bearer ${token}` };
  convId = (await t.app.inject({ method: "POST", url: "/v1/conversations", headers: auth, payload: { title: "fuzz", memberEmails: [] } })).json().id;
  msgId = (await t.app.inject({ method: "POST", url: `/v1/conversations/${convId}/messages`, headers: auth, payload: { body: "x" } })).json().id;
  attId = (await t.app.inject({ method: "POST", url: "/v1/attachments", headers: { ...auth, "content-type": "text/plain" }, payload: "hi" })).json().id;
});
afterAll(async () => {
  await t?.close();
  await env?.stop();
});

/** Strings that can travel in a URL or header at all (no CR/LF/NUL, no lone surrogate). */
const safeInHeader = (s: string) => ![...s].some((c) => c === "\r" || c === "\n" || c === "\u0000" || c === "\ud800");

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}

const WEIRD_STRINGS = [
  "",
  " ",
  "\u0000",
  "a".repeat(5000),
  "é",
  "😀".repeat(50),
  "../../etc/passwd",
  "%00",
  "%",
  "%zz",
  "' or 1=1 --",
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "null",
  "-1",
  "1e309",
  "NaN",
  "0190a0b0-0000-7000-8000-000000000000",
  "ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ",
  "user@example.test",
  "USER@EXAMPLE.TEST",
  "a@b",
  "@",
  "v4.public.",
  "v4.public.AAAA.AAAA",
  "\ud800",
  "\r\n\r\n",
];

describe("fuzz", () => {
  it("never answers 5xx", async () => {
    const r = rng(0xc0ffee);
    const ids = () => r.pick([convId, msgId, attId, ...WEIRD_STRINGS.filter((s) => s.length < 300 && safeInHeader(s)).map(encodeURIComponent), "x".repeat(250), "%E0%A4%A", "a/b"]);
    const routes: [InjectOptions["method"], () => string][] = [
      ["GET", () => "/healthz"],
      ["GET", () => "/readyz"],
      ["GET", () => "/openapi.json"],
      ["POST", () => "/v1/auth/signup"],
      ["POST", () => "/v1/auth/verify-email"],
      ["POST", () => "/v1/auth/resend-verification"],
      ["POST", () => "/v1/auth/login"],
      ["POST", () => "/v1/auth/logout"],
      ["POST", () => "/v1/auth/logout-all"],
      ["GET", () => "/v1/auth/sessions"],
      ["DELETE", () => `/v1/auth/sessions/${ids()}`],
      ["POST", () => "/v1/auth/forgot-password"],
      ["POST", () => "/v1/auth/reset-password"],
      ["POST", () => "/v1/auth/change-password"],
      ["GET", () => "/v1/me"],
      ["DELETE", () => "/v1/me"],
      ["POST", () => "/v1/conversations"],
      ["GET", () => "/v1/conversations"],
      ["POST", () => `/v1/conversations/${ids()}/messages`],
      ["GET", () => `/v1/conversations/${ids()}/messages`],
      ["DELETE", () => `/v1/messages/${ids()}`],
      ["POST", () => "/v1/attachments"],
      ["GET", () => `/v1/attachments/${ids()}`],
    ];
    const FIELDS = ["email", "password", "displayName", "token", "currentPassword", "newPassword", "title", "memberEmails", "body", "attachmentIds", "limit", "cursor", "__proto__", "constructor", "extra"];
    const value = (depth = 0): unknown => {
      switch (r.int(depth > 2 ? 6 : 9)) {
        case 0:
          return r.pick(WEIRD_STRINGS);
        case 1:
          return r.pick([0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2]);
        case 2:
          return r.pick([true, false, null]);
        case 3:
          return "p".repeat(r.int(200));
        case 4:
          return r.pick([`fuzz${r.int(1e6)}@example.test`, "ok password 123"]);
        case 5:
          return r.pick([[], [""], ["a@b.c"], [convId]]);
        case 6:
          return Array.from({ length: r.int(4) }, () => value(depth + 1));
        default: {
          const o: Record<string, unknown> = {};
          for (let i = r.int(5); i > 0; i--) o[r.pick(FIELDS)] = value(depth + 1);
          return o;
        }
      }
    };
    const bodyOf = (): { payload?: string | Buffer; contentType?: string } => {
      switch (r.int(8)) {
        case 0:
          return {};
        case 1:
          return { payload: r.pick(["{", "[", '{"a":', "nul", '{"email":"a@b.c",}', "\u0000", '"just a string"', "1", "[]"]), contentType: "application/json" };
        case 2:
          return { payload: Buffer.from(Array.from({ length: r.int(300) }, () => r.int(256))), contentType: r.pick(["application/octet-stream", "image/png", "text/plain", "multipart/form-data; boundary=x"]) };
        case 3:
          return { payload: JSON.stringify(value()), contentType: r.pick(["application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "APPLICATION/JSON", "text/json", "application/x-www-form-urlencoded"]) };
        case 4:
          return { payload: "x".repeat(70_000), contentType: "application/json" };
        default:
          return { payload: JSON.stringify(value()), contentType: "application/json" };
      }
    };
    const authHeader = (): string | undefined => {
      switch (r.int(9)) {
        case 0:
          return undefined;
        case 1:
        case 2:
        case 3:
          return `Bearer ${token}`;
        case 4: {
          const parts = token.split(".");
          const footer = r.pick(['{"kid":{"a":1}}', '{"kid":"k4.pid.' + "A".repeat(44) + '"}', "not json", '{"kid":null}', "[]", "{".repeat(100)]);
          return `Bearer ${parts[0]}.${parts[1]}.${parts[2]}.${Buffer.from(footer).toString("base64url")}`;
        }
        case 5: {
          const i = r.int(token.length);
          return `Bearer ${token.slice(0, i)}${r.pick(["A", "_", "-", "."])}${token.slice(i + 1)}`;
        }
        case 6:
          return r.pick(["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer " + token, `Bearer ${token} extra`, "Bearer " + "A".repeat(5000)]);
        default:
          return `Bearer ${r.pick(WEIRD_STRINGS.filter((s) => safeInHeader(s)))}`;
      }
    };
    const query = (): string => {
      if (r.int(2)) return "";
      const q = ["limit=" + r.pick(["", "0", "-5", "abc", "1e3", "100", "101", "3.5", "9999999999999999999"]), "cursor=" + encodeURIComponent(r.pick(WEIRD_STRINGS.filter((s) => !/[\ud800]/.test(s)))), "limit=1&limit=2", "__proto__[x]=1", "x=1"];
      return "?" + q.filter(() => r.int(2)).join("&");
    };

    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const N = 3000;
    for (let i = 0; i < N; i += 50) {
      const batch = Array.from({ length: 50 }, () => {
        const [method, path] = r.pick(routes);
        const { payload, contentType } = bodyOf();
        const headers: Record<string, string> = {};
        let auth = authHeader();
        if (auth === `Bearer ${token}` && (method === "DELETE" || /logout/.test(path()))) auth = `Bearer ${spare}`;
        if (auth !== undefined) headers.authorization = auth;
        if (contentType) headers["content-type"] = contentType;
        if (r.int(4) === 0) headers["x-forwarded-for"] = r.pick(["1.2.3.4", "garbage", "::1, 10.0.0.1", "", "999.999.999.999"]);
        if (r.int(6) === 0) headers.origin = r.pick(["https://app.example.test", "null", "https://evil.example", "*"]);
        if (r.int(8) === 0) headers.accept = r.pick(["text/html", "*/*", "application/xml", ""]);
        const url = path() + query();
        return t.app
          .inject({ method, url, headers, payload: method === "GET" ? undefined : payload })
          .then((res) => {
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            if (res.statusCode >= 500) failures.push(`${method} ${url} ${JSON.stringify(headers).slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 200)}`);
          });
      });
      await Promise.all(batch);
    }
    expect(failures).toEqual([]);
    // The main session is still valid: the authenticated requests really reached the handlers.
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(N);
    // The fuzz reached every layer: parsing, auth, validation, routing, and successful handlers.
    for (const code of [200, 400, 401, 404, 413, 415]) expect(statuses.get(code) ?? 0, `status ${code}`).toBeGreaterThan(0);
  }, 120_000);
});
