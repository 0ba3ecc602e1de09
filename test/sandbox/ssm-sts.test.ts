import { describe, it, expect } from "vitest";
import { DeleteParameterCommand, GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMServiceException } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { newSandbox } from "../helpers/sandbox.js";

const AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
const AL2023_ARM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
const AL2023_61 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64";

async function failure(p: Promise<unknown>): Promise<SSMServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SSMServiceException);
  return e as SSMServiceException;
}

describe("SSM public AMI parameters", () => {
  it("answers an ami- id per region, stable across sandboxes", async () => {
    const { aws } = newSandbox();
    const ssm = await aws.get("ssm");
    const p = (await ssm.send(new GetParameterCommand({ Name: AL2023 }))).Parameter!;
    expect(p.Value).toMatch(/^ami-[0-9a-f]{17}$/);
    expect(p.Type).toBe("String");
    expect(p.DataType).toBe("aws:ec2:image");
    expect(p.ARN).toBe(`arn:aws:ssm:eu-west-1::parameter${AL2023}`);
    const again = (await (await newSandbox().aws.get("ssm")).send(new GetParameterCommand({ Name: AL2023 }))).Parameter!;
    expect(again.Value).toBe(p.Value);
    const other = (await (await aws.get("ssm", "us-east-1")).send(new GetParameterCommand({ Name: AL2023 }))).Parameter!;
    expect(other.Value).not.toBe(p.Value);
    const arm = (await ssm.send(new GetParameterCommand({ Name: AL2023_ARM }))).Parameter!;
    expect(arm.Value).not.toBe(p.Value);
  });

  it("answers ParameterNotFound, and GetParameters lists unknown names as InvalidParameters", async () => {
    const { aws } = newSandbox();
    const ssm = await aws.get("ssm");
    const e = await failure(ssm.send(new GetParameterCommand({ Name: "/aws/service/nope" })));
    expect(e.name).toBe("ParameterNotFound");
    const out = await ssm.send(new GetParametersCommand({ Names: [AL2023, AL2023_61, "/missing"] }));
    expect(out.Parameters!.map((x) => x.Name)).toEqual([AL2023, AL2023_61]);
    expect(out.InvalidParameters).toEqual(["/missing"]);
  });
});

describe("SSM own parameters", () => {
  it("puts, overwrites, decrypts SecureString and deletes", async () => {
    const { aws } = newSandbox();
    const ssm = await aws.get("ssm");
    expect((await ssm.send(new PutParameterCommand({ Name: "/app/x", Value: "1", Type: "String" }))).Version).toBe(1);
    const dup = await failure(ssm.send(new PutParameterCommand({ Name: "/app/x", Value: "2", Type: "String" })));
    expect(dup.name).toBe("ParameterAlreadyExists");
    expect((await ssm.send(new PutParameterCommand({ Name: "/app/x", Value: "2", Overwrite: true }))).Version).toBe(2);
    expect((await ssm.send(new GetParameterCommand({ Name: "/app/x" }))).Parameter!.Value).toBe("2");
    await ssm.send(new PutParameterCommand({ Name: "/app/secret", Value: "pw", Type: "SecureString" }));
    expect((await ssm.send(new GetParameterCommand({ Name: "/app/secret" }))).Parameter!.Value).not.toBe("pw");
    expect((await ssm.send(new GetParameterCommand({ Name: "/app/secret", WithDecryption: true }))).Parameter!.Value).toBe("pw");
    await ssm.send(new DeleteParameterCommand({ Name: "/app/x" }));
    expect((await failure(ssm.send(new GetParameterCommand({ Name: "/app/x" })))).name).toBe("ParameterNotFound");
    expect((await failure(ssm.send(new DeleteParameterCommand({ Name: "/app/x" })))).name).toBe("ParameterNotFound");
    expect((await failure(ssm.send(new PutParameterCommand({ Name: "/aws/mine", Value: "1", Type: "String" })))).name).toBe("ValidationException");
    const tagged = await failure(ssm.send(new PutParameterCommand({ Name: "/app/y", Value: "1", Type: "String", Overwrite: true, Tags: [{ Key: "k", Value: "v" }] })));
    expect(tagged.name).toBe("ValidationException");
    expect(tagged.message).toMatch(/tags and overwrite can't be used together/);
  });
});

describe("STS", () => {
  it("answers GetCallerIdentity with the sandbox account", async () => {
    const { aws, sandbox } = newSandbox();
    const sts = await aws.get("sts");
    const id = await sts.send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe(sandbox.state.accountId);
    expect(id.Arn).toBe(`arn:aws:iam::${sandbox.state.accountId}:user/sandbox`);
    expect(id.UserId).toMatch(/^AIDA/);
  });
});
