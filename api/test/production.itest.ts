/**
 * API-09/API-10: the built server from the production layout (production dependencies only + dist),
 * as the container runs it: answers /healthz, and on SIGTERM finishes an in-flight request, refuses
 * new connections, and exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, rm, access, readFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { AddressInfo } from "node:net";
import { startEnv, databaseUrl, newEmail, tokenFrom, type TestEnv } from "./helpers/harness.js";

const run = promisify(execFile);
const API_DIR = resolve(import.meta.dirname, "..");
const ROOT = resolve(API_DIR, "..");

let env: TestEnv;
let layout: string;
beforeAll(async () => {
  env = await startEnv();
  await access(join(API_DIR, "dist/src/cli.js")).catch(() => {
    throw new Error("api/dist is missing: `npm test -w api` builds it before running vitest");
  });
  layout = await mkdtemp(join(tmpdir(), "api-prod-"));
  await cp(join(ROOT, "package.json"), join(layout, "package.json"));
  await cp(join(ROOT, "package-lock.json"), join(layout, "package-lock.json"));
  await cp(join(API_DIR, "package.json"), join(layout, "api/package.json"));
  await cp(join(API_DIR, "dist"), join(layout, "api/dist"), { recursive: true });
  const npmArgs = ["--omit=dev", "-w", "api", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"];
  try {
    await run("npm", ["ci", ...npmArgs], { cwd: layout });
  } catch (e) {
    // `npm ci` refuses a lock that lacks an optional dependency the registry mirror does not serve
    // (see README, "Known issues"); `npm install` from the same lock gives the same production tree.
    if (!String((e as { stderr?: string }).stderr).includes("can only install packages when your package.json and package-lock.json")) throw e;
    await run("npm", ["install", ...npmArgs], { cwd: layout });
  }
}, 180_000);
afterAll(async () => {
  await env?.stop();
  if (layout) await rm(layout, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitForHealth(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("server did not become healthy");
}

describe("production layout", () => {
  it("has production dependencies only", async () => {
    await expect(access(join(layout, "node_modules/vitest"))).rejects.toThrow();
    await expect(access(join(layout, "node_modules/typescript"))).rejects.toThrow();
    await access(join(layout, "node_modules/fastify"));
  });

  it("generates keys, serves, and shuts down gracefully on SIGTERM with an in-flight request completed", async () => {
    const cli = join(layout, "api/dist/src/cli.js");
    const keys = join(layout, "signing-keys.json");
    await run(process.execPath, [cli, "generate-keys", "--out", keys], { cwd: layout });
    const parsed = JSON.parse(await readFile(keys, "utf8"));
    expect(Object.keys(parsed).sort()).toEqual(["active_session", "password_reset_session", "verify_email_session"]);
    // Refuses to overwrite without --force.
    await expect(run(process.execPath, [cli, "generate-keys", "--out", keys], { cwd: layout })).rejects.toThrow();

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [cli, "serve"], {
      cwd: layout,
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: databaseUrl(),
        REDIS_URL: "redis://127.0.0.1:6379",
        SMTP_URL: env.mail.url,
        MAIL_FROM: "no-reply@example.test",
        APP_ORIGINS: "https://app.example.test",
        PUBLIC_URL: "https://app.example.test",
        AUTH_RATE_LIMIT: "100/1m",
        RATE_LIMIT_PREFIX: `rl-prod-${port}:`,
        SIGNING_KEYS_FILE: keys,
        S3_BUCKET: env.bucket,
        S3_ENDPOINT: env.s3.endpoint,
        AWS_ACCESS_KEY_ID: "S3RVER",
        AWS_SECRET_ACCESS_KEY: "S3RVER",
        AWS_REGION: "us-east-1",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let logs = "";
    child.stdout!.on("data", (d: Buffer) => (logs += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (logs += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      await waitForHealth(base, child);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);

      const email = newEmail("prod");
      const post = (path: string, body: unknown, token?: string) =>
        fetch(`${base}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
      expect((await post("/v1/auth/signup", { email, password: "production password", displayName: "P" })).status).toBe(202);
      const vt = tokenFrom(await env.mail.waitFor(email, /token: /));
      expect((await post("/v1/auth/verify-email", { token: vt })).status).toBe(204);
      const { token } = (await (await post("/v1/auth/login", { email, password: "production password" })).json()) as { token: string };

      // An upload that is still streaming when SIGTERM arrives.
      const half = Buffer.alloc(32 * 1024, 97);
      const response = new Promise<{ status: number; body: string }>((resolveRes, reject) => {
        const req = request(
          `${base}/v1/attachments`,
          { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "text/plain", "content-length": String(half.length * 2) } },
          (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => resolveRes({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("error", reject);
        req.write(half);
        setTimeout(() => {
          child.kill("SIGTERM");
          setTimeout(async () => {
            // While draining: no new connections are accepted.
            const refused = await fetch(`${base}/healthz`).then(
              (r) => `status ${r.status}`,
              () => "refused",
            );
            expect(["refused", "status 503"]).toContain(refused);
            req.end(half);
          }, 500);
        }, 300);
      });
      const res = await response;
      expect(res.status, logs).toBe(201);
      expect(JSON.parse(res.body)).toMatchObject({ size: half.length * 2, contentType: "text/plain" });
      expect(await exited, logs).toBe(0);
      // JSON logs with request ids and no secrets.
      const lines = logs.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.some((l) => typeof l.reqId === "string")).toBe(true);
      expect(logs).not.toContain(token);
      expect(logs).not.toContain("production password");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);
});
