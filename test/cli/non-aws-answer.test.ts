import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workdir } from "../helpers/cli.js";
import { TEST_CONFIG } from "../helpers/env.js";

/**
 * A loopback server that answers every request as a broken proxy or an emulator lacking an
 * operation does: HTTP 500 with an HTML page, or with an empty body (issue 13, defect 3).
 */
let server: Server;
let endpoint = "";
let mode: "html" | "empty" = "html";
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push(`${req.headers["x-amz-target"] ?? ""}${body.match(/Action=\w+/)?.[0] ?? ""}`);
      if (mode === "empty") return void res.writeHead(500, { "content-length": "0" }).end();
      res.writeHead(500, { "content-type": "text/html; charset=utf-8" });
      res.end("<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Runs the built CLI against the loopback server (asynchronously: the server lives in this process). */
function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const w = workdir();
  w.writeConfig(TEST_CONFIG);
  return new Promise((done) => {
    const p = spawn(process.execPath, [resolve("bin/opsctl.js"), ...args, "--endpoint-url", endpoint], {
      cwd: w.dir,
      env: { ...process.env, CI: "true", OPSCTL_QUIET_NODE: "1", AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_SESSION_TOKEN: "", AWS_PROFILE: "", AWS_MAX_ATTEMPTS: "1" },
    });
    let stderr = "";
    p.stderr.on("data", (c) => (stderr += c));
    p.on("close", (code) => done({ code, stderr }));
  });
}

describe("an answer that is not AWS's: one line naming the endpoint and the operation", () => {
  it.each(["html", "empty"] as const)("HTTP 500 with %s body: exit 1, one error line, no stack, no parser text", async (m) => {
    mode = m;
    const r = await run(["status"]);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(r.code, r.stderr).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(endpoint);
    expect(lines[0]).toMatch(/answered (sts GetCallerIdentity|ec2 DescribeAvailabilityZones|ssm GetParameter) with HTTP 500 and (an HTML page|an empty body), not an AWS response/);
    expect(lines[0]).toMatch(m === "html" ? /an HTML page/ : /an empty body/);
    expect(lines[0]).toContain("--endpoint-url");
    expect(r.stderr).not.toMatch(/XML parse error|Deserialization error|UnknownError|\n\s+at /);
    expect(seen.length).toBeGreaterThan(0);
  });
});
