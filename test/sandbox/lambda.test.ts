import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { zipSync } from "fflate";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  ListTagsCommand,
  RemovePermissionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { newSandbox } from "../helpers/sandbox.js";

const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
const zip = (text: string) => Buffer.from(zipSync({ "index.mjs": new TextEncoder().encode(text) }));

async function setup() {
  const { sandbox, aws } = newSandbox();
  const [iam, lambda] = await Promise.all([aws.get("iam"), aws.get("lambda")]);
  const role = (await iam.send(new CreateRoleCommand({ RoleName: "fn-role", AssumeRolePolicyDocument: trust }))).Role!.Arn!;
  const create = (extra: Record<string, unknown> = {}) =>
    lambda.send(new CreateFunctionCommand({ FunctionName: "fn", Role: role, Runtime: "nodejs22.x", Handler: "index.handler", Code: { ZipFile: zip("export const handler = 1;") }, Tags: { "opsctl:env": "demo" }, ...extra }));
  return { sandbox, lambda, role, create };
}

const code = (e: unknown) => (e as Error).name;

describe("simulated Lambda through the SDK client", () => {
  it("refuses a role that is missing or not yet propagated (retryable), then creates Pending → Active", async () => {
    const { sandbox, lambda, create } = await setup();
    await expect(create()).rejects.toThrow(/cannot be assumed by Lambda/);
    await expect(create({ Role: "arn:aws:iam::123456789012:role/none" })).rejects.toSatisfy((e) => code(e) === "InvalidParameterValueException");
    sandbox.clock.advance(10_000);
    const made = await create();
    expect(made).toMatchObject({ State: "Pending", FunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:fn", CodeSha256: createHash("sha256").update(zip("export const handler = 1;")).digest("base64") });
    await expect(create()).rejects.toSatisfy((e) => code(e) === "ResourceConflictException");
    await expect(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "fn", ZipFile: zip("x") }))).rejects.toSatisfy((e) => code(e) === "ResourceConflictException");
    sandbox.clock.advance(5_000);
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: "fn" }));
    expect(got.Configuration).toMatchObject({ State: "Active", LastUpdateStatus: "Successful" });
    expect(got.Tags).toEqual({ "opsctl:env": "demo" });
    expect((await lambda.send(new ListTagsCommand({ Resource: made.FunctionArn }))).Tags).toEqual({ "opsctl:env": "demo" });
  });

  it("updates code and configuration one at a time; rejects a file that is not a zip", async () => {
    const { sandbox, lambda, create } = await setup();
    sandbox.clock.advance(10_000);
    await create();
    sandbox.clock.advance(5_000);
    await expect(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "fn", ZipFile: Buffer.from("not a zip") }))).rejects.toThrow(/Could not unzip/);
    const up = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "fn", ZipFile: zip("export const handler = 2;") }));
    expect(up.LastUpdateStatus).toBe("InProgress");
    await expect(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "fn", Timeout: 30 }))).rejects.toThrow(/update is in progress/);
    sandbox.clock.advance(3_000);
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "fn", Timeout: 30, Environment: { Variables: { A: "1" } } }));
    sandbox.clock.advance(3_000);
    expect(await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "fn" }))).toMatchObject({ Timeout: 30, Environment: { Variables: { A: "1" } }, LastUpdateStatus: "Successful" });
  });

  it("AddPermission / GetPolicy / RemovePermission, DeleteFunction", async () => {
    const { sandbox, lambda, create } = await setup();
    sandbox.clock.advance(10_000);
    await create();
    await expect(lambda.send(new GetPolicyCommand({ FunctionName: "fn" }))).rejects.toSatisfy((e) => code(e) === "ResourceNotFoundException");
    const add = { FunctionName: "fn", StatementId: "sm", Action: "lambda:InvokeFunction", Principal: "secretsmanager.amazonaws.com", SourceAccount: "123456789012" };
    await lambda.send(new AddPermissionCommand(add));
    await expect(lambda.send(new AddPermissionCommand(add))).rejects.toThrow(/already exists/);
    const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: "fn" }))).Policy!);
    expect(policy.Statement).toEqual([
      { Sid: "sm", Effect: "Allow", Principal: { Service: "secretsmanager.amazonaws.com" }, Action: "lambda:InvokeFunction", Resource: "arn:aws:lambda:eu-west-1:123456789012:function:fn", Condition: { StringEquals: { "AWS:SourceAccount": "123456789012" } } },
    ]);
    await lambda.send(new RemovePermissionCommand({ FunctionName: "fn", StatementId: "sm" }));
    await expect(lambda.send(new RemovePermissionCommand({ FunctionName: "fn", StatementId: "sm" }))).rejects.toSatisfy((e) => code(e) === "ResourceNotFoundException");
    await lambda.send(new DeleteFunctionCommand({ FunctionName: "fn" }));
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: "fn" }))).rejects.toSatisfy((e) => code(e) === "ResourceNotFoundException");
  });
});
