import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { opsctl, sandboxWrites, workdir } from "../helpers/cli.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";
import { AwsClients } from "../../src/aws/clients.js";
import { parseHiddenInput, validateSmtp, versionToken } from "../../src/operations/secrets.js";

const SECRET = "demo/smtp";

/** The built CLI with `input` on stdin (the helper's opsctl() gives an empty stdin). */
function withStdin(args: string[], input: string, w: { dir: string; state: string }) {
  const r = spawnSync(process.execPath, [resolve("bin/opsctl.js"), ...args], {
    cwd: w.dir,
    input,
    encoding: "utf8",
    env: { ...process.env, CI: "true", OPSCTL_SANDBOX_STATE: w.state, OPSCTL_QUIET_NODE: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function current(state: string): Promise<{ value: Record<string, string> }> {
  const sandbox = Sandbox.load(state, { services: allServices() });
  const aws = new AwsClients({ region: "eu-west-1", sandbox });
  try {
    const sm = await aws.get("secrets");
    const v = await sm.send(new GetSecretValueCommand({ SecretId: SECRET }));
    return { value: JSON.parse(v.SecretString!) };
  } finally {
    await aws.destroy();
  }
}

const SET = ["secrets", "set", "smtp", "--sandbox", "--user", "mailer@example.com", "--client-id", "1234.apps.googleusercontent.com"];

describe("secrets set smtp: input rules (SM-01, API-07)", () => {
  it("hidden values: two lines or JSON", () => {
    expect(parseHiddenInput("s3cret\nr3fresh\n")).toEqual({ clientSecret: "s3cret", refreshToken: "r3fresh" });
    expect(parseHiddenInput('{"clientSecret":"a","refreshToken":"b"}')).toEqual({ clientSecret: "a", refreshToken: "b" });
    expect(() => parseHiddenInput("a\nb\nc\n")).toThrow(/has 3 lines; expected 2/);
    expect(() => parseHiddenInput("{nope")).toThrow(/stdin: is not valid JSON/);
  });

  it("all four present, no placeholder, user an e-mail; the message never holds a hidden value", () => {
    const ok = { user: "a@b.co", clientId: "c", clientSecret: "topsecret", refreshToken: "tok" };
    expect(validateSmtp(ok)).toEqual(ok);
    expect(() => validateSmtp({ ...ok, refreshToken: "" })).toThrow(/refresh token \(stdin\): is required/);
    expect(() => validateSmtp({ ...ok, clientSecret: "CHANGE_ME" })).toThrow(/client secret \(stdin\): is still the placeholder/);
    const e = (() => {
      try {
        validateSmtp({ ...ok, user: "not-mail" });
      } catch (x) {
        return x as Error;
      }
    })();
    expect(e?.message).toBe('--user: "not-mail" is not an e-mail address');
    expect(e?.message).not.toContain("topsecret");
  });

  it("the version token depends on the version it replaces (A → B → A makes a new version)", () => {
    expect(versionToken("v1", "A")).toBe(versionToken("v1", "A"));
    expect(versionToken("v1", "A")).not.toBe(versionToken("v2", "A"));
    expect(versionToken("v1", "A")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe("opsctl secrets set smtp (CLI, one sandbox for the file)", () => {
  const w = workdir();
  beforeAll(() => {
    const up = opsctl(["up", "--sandbox"], w);
    expect(up.code, up.stderr).toBe(0);
  });

  it("bad input: exit 2, one line, 0 writes", () => {
    const before = sandboxWrites(w.state);
    const cases: [string[], string, RegExp][] = [
      [["secrets", "set", "mail", "--sandbox"], "", /^error: secret: unknown secret "mail": opsctl secrets set takes one of: smtp/],
      [["secrets", "set", "smtp", "--sandbox", "--user", "mailer@example.com"], "a\nb\n", /^error: --client-id: is required/],
      [["secrets", "set", "smtp", "--sandbox", "--user", "mailer", "--client-id", "c"], "a\nb\n", /^error: --user: "mailer" is not an e-mail address/],
      [[...SET, "--client-secret", "leak"], "", /^error: --client-secret: is not accepted on the command line/],
      [SET, "only-one-line\n", /^error: refresh token \(stdin\): is required/],
      [SET, "", /^error: client secret \(stdin\): is required/],
    ];
    for (const [args, input, msg] of cases) {
      const r = withStdin(args, input, w);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
      expect([args.join(" "), r.code]).toEqual([args.join(" "), 2]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(msg);
      expect(r.stderr + r.stdout).not.toContain("leak");
    }
    expect(sandboxWrites(w.state) - before).toBe(0);
  });

  it("sets the value, prints only the changed field names; the same value again is 0 writes", async () => {
    expect((await current(w.state)).value.user).toBe("CHANGE_ME@example.com");
    const r = withStdin(SET, "GOCSPX-client-secret\n1//refresh-token\n", w);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("demo/smtp: set (changed: user, clientId, clientSecret, refreshToken; values not shown)\n");
    expect(r.stdout + r.stderr).not.toMatch(/GOCSPX|refresh-token|mailer@/);
    expect((await current(w.state)).value).toEqual({ user: "mailer@example.com", clientId: "1234.apps.googleusercontent.com", clientSecret: "GOCSPX-client-secret", refreshToken: "1//refresh-token" });

    const before = sandboxWrites(w.state);
    const again = withStdin([...SET, "--json"], '{"clientSecret":"GOCSPX-client-secret","refreshToken":"1//refresh-token"}', w);
    expect(JSON.parse(again.stdout)).toEqual({ ok: true, secret: SECRET, changed: [] });
    expect(sandboxWrites(w.state) - before).toBe(0);
  });

  it("one changed field is the only one reported; setting the earlier value again makes it current again", async () => {
    const b = JSON.parse(withStdin([...SET, "--json"], "GOCSPX-client-secret\n1//new-refresh\n", w).stdout);
    expect(b.changed).toEqual(["refreshToken"]);
    expect((await current(w.state)).value.refreshToken).toBe("1//new-refresh");
    const a = JSON.parse(withStdin([...SET, "--json"], "GOCSPX-client-secret\n1//refresh-token\n", w).stdout);
    expect(a.changed).toEqual(["refreshToken"]);
    // AWSCURRENT moved back to A (a reused token would have been ignored and left B current).
    expect((await current(w.state)).value.refreshToken).toBe("1//refresh-token");
  });

  it("before `up`: exit 2, run `opsctl up` first, 0 writes", () => {
    const fresh = workdir();
    const r = withStdin(SET, "a\nb\n", fresh);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: env: secret demo\/smtp of environment demo does not exist — run `opsctl up` first/);
    expect(sandboxWrites(fresh.state)).toBe(0);
  });
});
