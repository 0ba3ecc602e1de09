import { beforeAll, describe, expect, it } from "vitest";
import { CreateAccessKeyCommand, GetUserCommand, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { DescribeSecretCommand, GetResourcePolicyCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { opsctl, sandboxWrites, workdir, inspect } from "../helpers/cli.js";
import { isNotFound } from "../../src/aws/errors.js";

const USER = "demo-dev";
const SECRET = "demo/dev/access-key";


async function keysOf(state: string): Promise<string[]> {
  return inspect(state, async (aws) => ((await (await aws.get("iam")).send(new ListAccessKeysCommand({ UserName: USER }))).AccessKeyMetadata ?? []).map((k) => k.AccessKeyId!).sort());
}

async function stored(state: string): Promise<{ accessKeyId: string; secretAccessKey: string; createdAt: string } | undefined> {
  return inspect(state, async (aws) => {
    try {
      const v = await (await aws.get("secrets")).send(new GetSecretValueCommand({ SecretId: SECRET }));
      return JSON.parse(v.SecretString!);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  });
}

describe("opsctl dev-credentials (IAM-04; CLI, one sandbox for the file)", () => {
  const w = workdir();
  beforeAll(() => {
    const up = opsctl(["up", "--sandbox"], w);
    expect(up.code, up.stderr).toBe(0);
  });

  it("before `up`: exit 2 naming the user and the fix, 0 writes", () => {
    const fresh = workdir();
    const r = opsctl(["dev-credentials", "--sandbox"], fresh);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual(["error: env: the development user demo-dev of environment demo does not exist — run `opsctl up` first (it creates iam-user:dev)"]);
    expect(sandboxWrites(fresh.state)).toBe(0);
  });

  it("conflicting flags: exit 2 before any AWS call", () => {
    const before = sandboxWrites(w.state);
    expect(opsctl(["dev-credentials", "--sandbox", "--rotate", "--revoke"], w).code).toBe(2);
    expect(opsctl(["dev-credentials", "--sandbox", "--print", "--revoke"], w).code).toBe(2);
    expect(sandboxWrites(w.state) - before).toBe(0);
  });

  it("`up` leaves the user without keys; the first run creates one key and stores it (tagged, readable by the operator only); nothing secret is printed", async () => {
    expect(await keysOf(w.state)).toEqual([]);
    const r = opsctl(["dev-credentials", "--sandbox"], w);
    expect(r.code, r.stderr).toBe(0);
    const key = (await stored(w.state))!;
    expect(await keysOf(w.state)).toEqual([key.accessKeyId]);
    expect(key.secretAccessKey).toMatch(/^\S{40}$/);
    expect(new Date(key.createdAt).toISOString()).toBe(key.createdAt);
    expect(r.stdout).toContain(`demo-dev: created a new key ${key.accessKeyId} (secret ${SECRET})`);
    expect(r.stdout + r.stderr).not.toContain(key.secretAccessKey);
    await inspect(w.state, async (aws) => {
      const sm = await aws.get("secrets");
      const d = await sm.send(new DescribeSecretCommand({ SecretId: SECRET }));
      expect(Object.fromEntries(d.Tags!.map((t) => [t.Key, t.Value]))).toEqual({ "opsctl:env": "demo", "opsctl:node": "dev-credentials", Name: "demo-dev-credentials" });
      const policy = JSON.parse((await sm.send(new GetResourcePolicyCommand({ SecretId: SECRET }))).ResourcePolicy!);
      expect(policy.Statement[0]).toMatchObject({ Effect: "Deny", Action: "secretsmanager:GetSecretValue", Condition: { StringNotEquals: { "aws:PrincipalArn": [expect.stringMatching(/^arn:aws:iam::123456789012:/)] } } });
    });
  });

  it("a second run reuses the stored key: 0 writes; --print prints it once as export lines on stdout", async () => {
    const key = (await stored(w.state))!;
    const before = sandboxWrites(w.state);
    const again = opsctl(["dev-credentials", "--sandbox", "--json"], w);
    expect(JSON.parse(again.stdout)).toEqual({ ok: true, user: USER, secret: SECRET, action: "reused", accessKeyId: key.accessKeyId, createdAt: key.createdAt, deletedKeys: [] });
    const printed = opsctl(["dev-credentials", "--sandbox", "--print"], w);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(`export AWS_ACCESS_KEY_ID=${key.accessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n`);
    expect(sandboxWrites(w.state) - before).toBe(0);
  });

  it("--rotate: a new key is stored, the old one deleted; the user keeps one key", async () => {
    const old = (await stored(w.state))!;
    const r = JSON.parse(opsctl(["dev-credentials", "--sandbox", "--rotate", "--json"], w).stdout);
    const now = (await stored(w.state))!;
    expect(r).toMatchObject({ action: "rotated", accessKeyId: now.accessKeyId, deletedKeys: [old.accessKeyId] });
    expect(now.accessKeyId).not.toBe(old.accessKeyId);
    expect(await keysOf(w.state)).toEqual([now.accessKeyId]);
  });

  it("two keys opsctl does not know (the IAM limit): exit 2 naming them; --rotate leaves one stored key", async () => {
    opsctl(["dev-credentials", "--sandbox", "--revoke"], w);
    const made = await inspect(
      w.state,
      async (aws) => {
        const iam = await aws.get("iam");
        const a = await iam.send(new CreateAccessKeyCommand({ UserName: USER }));
        const b = await iam.send(new CreateAccessKeyCommand({ UserName: USER }));
        return [a.AccessKey!.AccessKeyId!, b.AccessKey!.AccessKeyId!];
      },
      true,
    );
    const before = sandboxWrites(w.state);
    const r = opsctl(["dev-credentials", "--sandbox"], w);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`error: env: demo-dev already has 2 access keys \\(the IAM limit\\) and neither is stored in ${SECRET}: ${made.join(", ")} — .*--rotate`));
    expect(sandboxWrites(w.state) - before).toBe(0);
    const rot = JSON.parse(opsctl(["dev-credentials", "--sandbox", "--rotate", "--json"], w).stdout);
    expect(rot.deletedKeys.sort()).toEqual([...made].sort());
    expect(await keysOf(w.state)).toEqual([(await stored(w.state))!.accessKeyId]);
  });

  it("--revoke deletes the keys and the secret; again: 0 writes", async () => {
    const r = opsctl(["dev-credentials", "--sandbox", "--revoke"], w);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^demo-dev: 1 access key\(s\) deleted \(AKIA\w+\); secret demo\/dev\/access-key deleted\n$/);
    expect(await keysOf(w.state)).toEqual([]);
    expect(await stored(w.state)).toBeUndefined();
    const before = sandboxWrites(w.state);
    expect(opsctl(["dev-credentials", "--sandbox", "--revoke"], w).stdout).toBe("demo-dev: 0 access key(s) deleted; no secret demo/dev/access-key\n");
    expect(sandboxWrites(w.state) - before).toBe(0);
  });

  it("`down` deletes the user with its access keys and schedules the stored key's secret for deletion", async () => {
    expect(opsctl(["dev-credentials", "--sandbox"], w).code).toBe(0);
    const down = opsctl(["down", "--sandbox", "--yes"], w);
    expect(down.code, down.stderr).toBe(0);
    const userGone = await inspect(w.state, async (aws) => (await aws.get("iam")).send(new GetUserCommand({ UserName: USER })).then(() => false, (e) => isNotFound(e)));
    expect(userGone).toBe(true);
    const deletedDate = await inspect(w.state, async (aws) => (await (await aws.get("secrets")).send(new DescribeSecretCommand({ SecretId: SECRET }))).DeletedDate);
    expect(deletedDate).toBeInstanceOf(Date);
  });
});
