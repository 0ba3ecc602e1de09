import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, RotateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { unzipSync } from "fflate";
import { rotateStep } from "../../src/rotation-lambda/handler.js";
import { rotationLambdaZip } from "../../src/rotation-lambda/package.js";
import { generateSigningKey, parseSigningKey, signingSecretName } from "../../src/resources/signing-keys.js";
import { dataNodes } from "../../plans/data.js";
import { rotationNodes } from "../../plans/rotate-keys.js";
import { gatherFacts } from "../../src/resources/facts.js";
import { contextFactory, type ResourceContext } from "../../src/resources/context.js";
import { down, up } from "../../src/engine/reconcile.js";
import type { PlanNode } from "../../src/engine/plan.js";
import { sandboxSession, liveInventory } from "../helpers/env.js";

type S = ReturnType<typeof sandboxSession>;
const quiet = () => {};

async function signingSecret(s: S, purpose = "active_session"): Promise<string> {
  const sm = await s.aws.get("secrets");
  const r = await sm.send(new CreateSecretCommand({ Name: signingSecretName("demo", purpose), SecretString: JSON.stringify(generateSigningKey(new Date(s.clock.now()))) }));
  await sm.send(new RotateSecretCommand({ SecretId: r.ARN, RotationLambdaARN: "arn:aws:lambda:eu-west-1:123456789012:function:demo-secret-rotation", RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
  return r.ARN!;
}

async function stages(s: S, arn: string): Promise<Record<string, string[]>> {
  const sm = await s.aws.get("secrets");
  return (await sm.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {};
}

describe("the rotation Lambda's four steps, driven against the simulated Secrets Manager", () => {
  it("createSecret → setSecret → testSecret → finishSecret moves AWSCURRENT to the new key and AWSPREVIOUS to the old one", async () => {
    const s = sandboxSession();
    const arn = await signingSecret(s);
    const sm = await s.aws.get("secrets");
    const [oldVersion] = Object.keys(await stages(s, arn));
    const deps = { client: sm, now: () => s.clock.now(), log: quiet };
    const token = randomUUID();
    const step = (Step: string) => rotateStep({ Step, SecretId: arn, ClientRequestToken: token }, deps);

    await step("createSecret");
    expect((await stages(s, arn))[token]).toEqual(["AWSPENDING"]);
    await step("createSecret"); // a retried step writes nothing new
    expect(Object.keys(await stages(s, arn))).toHaveLength(2);
    const pending = parseSigningKey(JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: "AWSPENDING" }))).SecretString!));
    await step("setSecret");
    await step("testSecret");
    await step("finishSecret");
    expect(await stages(s, arn)).toEqual({ [token]: ["AWSCURRENT"], [oldVersion]: ["AWSPREVIOUS"] });
    const current = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString!);
    expect(current.kid).toBe(pending.kid);
    await step("finishSecret"); // already current: no-op
    expect(await stages(s, arn)).toEqual({ [token]: ["AWSCURRENT"], [oldVersion]: ["AWSPREVIOUS"] });
  });

  it("testSecret fails the rotation when AWSPENDING is not a valid signing key", async () => {
    const s = sandboxSession();
    const arn = await signingSecret(s);
    const sm = await s.aws.get("secrets");
    const token = randomUUID();
    const bad = { ...generateSigningKey(), kid: "k4.pid.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
    await sm.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: JSON.stringify(bad), VersionStages: ["AWSPENDING"] }));
    await expect(rotateStep({ Step: "testSecret", SecretId: arn, ClientRequestToken: token }, { client: sm, log: quiet })).rejects.toThrow(/kid is not the k4.pid/);
  });

  it("createSecret refuses inside the grace window (the same rule as rotate-keys)", async () => {
    const s = sandboxSession();
    const arn = await signingSecret(s);
    const sm = await s.aws.get("secrets");
    const deps = { client: sm, now: () => s.clock.now(), log: quiet };
    for (const Step of ["createSecret", "setSecret", "testSecret", "finishSecret"]) await rotateStep({ Step, SecretId: arn, ClientRequestToken: "first-rotation-token-000000000001" }, deps);
    await expect(rotateStep({ Step: "createSecret", SecretId: arn, ClientRequestToken: "second-rotation-token-00000000002" }, deps)).rejects.toThrow(/must stay verifiable until/);
    s.sandbox.clock.advance(7 * 86_400_000);
    await rotateStep({ Step: "createSecret", SecretId: arn, ClientRequestToken: "second-rotation-token-00000000002" }, deps);
    expect((await stages(s, arn))["second-rotation-token-00000000002"]).toEqual(["AWSPENDING"]);
  });

  it("refuses steps for a token that is not AWSPENDING, and secrets without rotation", async () => {
    const s = sandboxSession();
    const arn = await signingSecret(s);
    const sm = await s.aws.get("secrets");
    await expect(rotateStep({ Step: "finishSecret", SecretId: arn, ClientRequestToken: randomUUID() }, { client: sm, log: quiet })).rejects.toThrow(/not set as AWSPENDING/);
    const other = await sm.send(new CreateSecretCommand({ Name: "demo/signing/password_reset_session", SecretString: JSON.stringify(generateSigningKey()) }));
    await expect(rotateStep({ Step: "createSecret", SecretId: other.ARN!, ClientRequestToken: randomUUID() }, { client: sm, log: quiet })).rejects.toThrow(/not enabled for rotation/);
  });
});

describe("rotationNodes: the rotation function and the 30-day schedules (SM-04)", () => {
  it("the package is a deterministic zip holding the handler and the shared signing-key module", () => {
    const a = rotationLambdaZip();
    expect(a.equals(rotationLambdaZip())).toBe(true);
    const files = Object.keys(unzipSync(a));
    expect(files).toEqual(expect.arrayContaining(["package.json", "src/rotation-lambda/handler.js", "src/rotation-lambda/grace.js", "node_modules/@opsctl/api/package.json", "node_modules/@opsctl/api/dist/src/keys/signing-key.js", "node_modules/@noble/hashes/blake2.js"]));
  });

  it("up deploys them, a second up writes nothing, down leaves nothing", async () => {
    const s = sandboxSession();
    const facts = await gatherFacts(s.aws, s.config);
    const wanted = new Set(["kms-key:signing", "kms-key:signing-replica", "secret:signing-active-session", "secret:signing-verify-email-session", "secret:signing-password-reset-session"]);
    const data = dataNodes(s.config, { ...facts, mysqlVersion: "8.4.5", logExports: [] }).filter((n) => wanted.has(n.id));
    const plan = { name: "rotation", nodes: [...data, ...rotationNodes(s.config, facts)] };
    const opts = () => {
      const make = contextFactory({ env: "demo", region: "eu-west-1", aws: s.aws, clock: s.clock, facts, flags: { deleteData: true } });
      return { clock: s.clock, makeContext: (n: PlanNode<ResourceContext>) => make(n.id), emit: quiet };
    };
    const writes = () => s.sandbox.journal.filter((j) => j.write && !j.error).length;

    const first = await up(plan, opts());
    expect(first.outcomes.filter((o) => o.status !== "done").map((o) => `${o.node}: ${String((o.error as Error)?.message)}`)).toEqual([]);
    const sm = await s.aws.get("secrets");
    for (const p of ["active_session", "verify_email_session", "password_reset_session"]) {
      const d = await sm.send(new DescribeSecretCommand({ SecretId: signingSecretName("demo", p) }));
      expect(d.RotationEnabled).toBe(true);
      expect(d.RotationRules?.AutomaticallyAfterDays).toBe(30);
      expect(d.RotationLambdaARN).toBe("arn:aws:lambda:eu-west-1:123456789012:function:demo-secret-rotation");
      expect(d.NextRotationDate!.getTime() - s.clock.now()).toBeGreaterThan(29 * 86_400_000);
    }
    const lambda = await s.aws.get("lambda");
    const { GetFunctionCommand, GetPolicyCommand } = await import("@aws-sdk/client-lambda");
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: "demo-secret-rotation" }));
    expect(fn.Configuration).toMatchObject({ State: "Active", Runtime: "nodejs22.x", Handler: "src/rotation-lambda/handler.handler" });
    expect(fn.Tags).toMatchObject({ "opsctl:env": "demo", "opsctl:node": "lambda-function:secret-rotation" });
    const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: "demo-secret-rotation" }))).Policy!);
    expect(policy.Statement[0]).toMatchObject({ Principal: { Service: "secretsmanager.amazonaws.com" }, Action: "lambda:InvokeFunction" });

    const w = writes();
    const again = await up(plan, opts());
    expect(again.ok).toBe(true);
    expect(writes() - w).toBe(0);

    const gone = await down(plan, opts());
    expect(gone.ok).toBe(true);
    expect(liveInventory(s.sandbox, "demo").map((r) => r.key)).toEqual([]);
    expect(s.sandbox.records("eu-west-1", "lambda", "functions")).toEqual([]);
    const w2 = writes();
    expect((await down(plan, opts())).ok).toBe(true);
    expect(writes() - w2).toBe(0);
  });
});
