import { describe, it, expect } from "vitest";
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  IAMServiceException,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  ListUserTagsCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from "@aws-sdk/client-iam";
import { newSandbox } from "../helpers/sandbox.js";

const trust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
const inline = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] });
const SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

async function setup(opts: Parameters<typeof newSandbox>[0] = {}) {
  const { sandbox, aws } = newSandbox(opts);
  return { sandbox, aws, iam: await aws.get("iam") };
}

async function failure(p: Promise<unknown>): Promise<IAMServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(IAMServiceException);
  return e as IAMServiceException;
}

describe("IAM roles", () => {
  it("creates a role with AWS's ARN and id formats and returns the trust policy URL-encoded", async () => {
    const { iam } = await setup();
    const out = await iam.send(
      new CreateRoleCommand({ RoleName: "app", Path: "/svc/", AssumeRolePolicyDocument: trust, Description: "d", Tags: [{ Key: "env", Value: "dev" }] }),
    );
    expect(out.Role!.Arn).toBe("arn:aws:iam::123456789012:role/svc/app");
    expect(out.Role!.RoleId).toMatch(/^AROA[0-9A-Z]{17}$/);
    expect(out.Role!.CreateDate).toBeInstanceOf(Date);
    const got = await iam.send(new GetRoleCommand({ RoleName: "app" }));
    const doc = got.Role!.AssumeRolePolicyDocument!;
    expect(doc).not.toBe(trust);
    expect(doc).toContain("%22Statement%22");
    expect(JSON.parse(decodeURIComponent(doc))).toEqual(JSON.parse(trust));
    expect(got.Role!.MaxSessionDuration).toBe(3600);
    expect(got.Role!.Description).toBe("d");
    expect(got.Role!.Tags).toEqual([{ Key: "env", Value: "dev" }]);
  });

  it("keeps roles global: a client in another region sees the same role", async () => {
    const { aws, iam, sandbox } = await setup();
    await iam.send(new CreateRoleCommand({ RoleName: "g", AssumeRolePolicyDocument: trust }));
    const iamUs = await aws.get("iam", "ap-southeast-2");
    expect((await iamUs.send(new GetRoleCommand({ RoleName: "g" }))).Role!.RoleName).toBe("g");
    expect(sandbox.records("us-east-1", "iam", "roles").map((r) => r.RoleName)).toEqual(["g"]);
  });

  it("answers EntityAlreadyExists, NoSuchEntity and MalformedPolicyDocument", async () => {
    const { iam } = await setup();
    await iam.send(new CreateRoleCommand({ RoleName: "r", AssumeRolePolicyDocument: trust }));
    const dup = await failure(iam.send(new CreateRoleCommand({ RoleName: "r", AssumeRolePolicyDocument: trust })));
    expect(dup.name).toBe("EntityAlreadyExistsException");
    expect(dup.$metadata.httpStatusCode).toBe(409);
    const missing = await failure(iam.send(new GetRoleCommand({ RoleName: "nope" })));
    // As the SDK surfaces AWS's answer: the model's error shape as name, the wire code in Code.
    expect(missing.name).toBe("NoSuchEntityException");
    expect((missing as { Code?: string }).Code).toBe("NoSuchEntity");
    expect(missing.message).toBe("The role with name nope cannot be found.");
    const bad = await failure(iam.send(new CreateRoleCommand({ RoleName: "bad", AssumeRolePolicyDocument: "{oops" })));
    expect(bad.name).toBe("MalformedPolicyDocumentException");
  });

  it("updates the trust policy, description and session duration", async () => {
    const { iam } = await setup();
    await iam.send(new CreateRoleCommand({ RoleName: "u", AssumeRolePolicyDocument: trust }));
    const trust2 = trust.replace("ec2.amazonaws.com", "ecs-tasks.amazonaws.com");
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "u", PolicyDocument: trust2 }));
    await iam.send(new UpdateRoleCommand({ RoleName: "u", Description: "new", MaxSessionDuration: 7200 }));
    const r = (await iam.send(new GetRoleCommand({ RoleName: "u" }))).Role!;
    expect(decodeURIComponent(r.AssumeRolePolicyDocument!)).toBe(trust2);
    expect(r.Description).toBe("new");
    expect(r.MaxSessionDuration).toBe(7200);
    expect((await failure(iam.send(new UpdateRoleCommand({ RoleName: "u", MaxSessionDuration: 100 })))).name).toBe("ValidationError");
  });

  it("lists roles by path prefix with Marker paging", async () => {
    const { iam } = await setup();
    for (const n of ["a", "b", "c"]) await iam.send(new CreateRoleCommand({ RoleName: n, Path: "/x/", AssumeRolePolicyDocument: trust }));
    await iam.send(new CreateRoleCommand({ RoleName: "other", AssumeRolePolicyDocument: trust }));
    const p1 = await iam.send(new ListRolesCommand({ PathPrefix: "/x/", MaxItems: 2 }));
    expect(p1.Roles!.map((r) => r.RoleName)).toEqual(["a", "b"]);
    expect(p1.IsTruncated).toBe(true);
    const p2 = await iam.send(new ListRolesCommand({ PathPrefix: "/x/", MaxItems: 2, Marker: p1.Marker }));
    expect(p2.Roles!.map((r) => r.RoleName)).toEqual(["c"]);
    expect(p2.IsTruncated).toBe(false);
    expect((await iam.send(new ListRolesCommand({}))).Roles).toHaveLength(4);
  });

  it("tags and untags roles", async () => {
    const { iam } = await setup();
    await iam.send(new CreateRoleCommand({ RoleName: "t", AssumeRolePolicyDocument: trust, Tags: [{ Key: "a", Value: "1" }] }));
    await iam.send(new TagRoleCommand({ RoleName: "t", Tags: [{ Key: "a", Value: "2" }, { Key: "b", Value: "3" }] }));
    await iam.send(new UntagRoleCommand({ RoleName: "t", TagKeys: ["b"] }));
    expect((await iam.send(new ListRoleTagsCommand({ RoleName: "t" }))).Tags).toEqual([{ Key: "a", Value: "2" }]);
  });

  it("hides a new role while the NotFound lag lasts", async () => {
    const { iam, sandbox } = await setup({ faults: { notFoundLagMs: 10_000 } });
    await iam.send(new CreateRoleCommand({ RoleName: "lag", AssumeRolePolicyDocument: trust }));
    expect((await failure(iam.send(new GetRoleCommand({ RoleName: "lag" })))).name).toBe("NoSuchEntityException");
    expect((await iam.send(new ListRolesCommand({}))).Roles).toEqual([]);
    sandbox.clock.advance(10_000);
    expect((await iam.send(new GetRoleCommand({ RoleName: "lag" }))).Role!.RoleName).toBe("lag");
  });
});

describe("IAM role policies and DeleteConflict", () => {
  it("stores inline policies and returns them URL-encoded", async () => {
    const { iam } = await setup();
    await iam.send(new CreateRoleCommand({ RoleName: "p", AssumeRolePolicyDocument: trust }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "p", PolicyName: "read", PolicyDocument: inline }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: "p", PolicyName: "read" }));
    expect(got.PolicyDocument).toContain("%7B");
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(inline);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: "p" }))).PolicyNames).toEqual(["read"]);
    const e = await failure(iam.send(new GetRolePolicyCommand({ RoleName: "p", PolicyName: "nope" })));
    expect(e.name).toBe("NoSuchEntityException");
    expect((await failure(iam.send(new PutRolePolicyCommand({ RoleName: "p", PolicyName: "x", PolicyDocument: "[" })))).name).toBe("MalformedPolicyDocumentException");
  });

  it("attaches AWS managed policies, refuses unknown ones", async () => {
    const { iam } = await setup();
    await iam.send(new CreateRoleCommand({ RoleName: "m", AssumeRolePolicyDocument: trust }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: "m", PolicyArn: SSM_CORE }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: "m", PolicyArn: SSM_CORE }));
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "m" }))).AttachedPolicies).toEqual([
      { PolicyName: "AmazonSSMManagedInstanceCore", PolicyArn: SSM_CORE },
    ]);
    const e = await failure(iam.send(new AttachRolePolicyCommand({ RoleName: "m", PolicyArn: "arn:aws:iam::123456789012:policy/missing" })));
    expect(e.name).toBe("NoSuchEntityException");
    expect(e.message).toContain("does not exist or is not attachable");
    const p = await iam.send(new CreatePolicyCommand({ PolicyName: "mine", PolicyDocument: inline }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: "m", PolicyArn: p.Policy!.Arn }));
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "m" }))).AttachedPolicies).toHaveLength(2);
  });

  it("refuses DeleteRole while policies or instance profiles remain (DeleteConflict, 409)", async () => {
    const { iam } = await setup();
    await iam.send(new CreateRoleCommand({ RoleName: "del", AssumeRolePolicyDocument: trust }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "del", PolicyName: "in", PolicyDocument: inline }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: "del", PolicyArn: SSM_CORE }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "ip" }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "ip", RoleName: "del" }));

    let e = await failure(iam.send(new DeleteRoleCommand({ RoleName: "del" })));
    expect(e.name).toBe("DeleteConflictException");
    expect(e.message).toBe("Cannot delete entity, must delete policies first.");
    expect(e.$metadata.httpStatusCode).toBe(409);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "del", PolicyName: "in" }));
    e = await failure(iam.send(new DeleteRoleCommand({ RoleName: "del" })));
    expect(e.message).toBe("Cannot delete entity, must detach all policies first.");
    await iam.send(new DetachRolePolicyCommand({ RoleName: "del", PolicyArn: SSM_CORE }));
    e = await failure(iam.send(new DeleteRoleCommand({ RoleName: "del" })));
    expect(e.message).toBe("Cannot delete entity, must remove roles from instance profile first.");
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: "ip", RoleName: "del" }));
    await iam.send(new DeleteRoleCommand({ RoleName: "del" }));
    expect((await failure(iam.send(new GetRoleCommand({ RoleName: "del" })))).name).toBe("NoSuchEntityException");
  });
});

describe("IAM instance profiles", () => {
  it("creates, holds one role, lists for role and deletes", async () => {
    const { iam, sandbox } = await setup();
    await iam.send(new CreateRoleCommand({ RoleName: "r1", AssumeRolePolicyDocument: trust }));
    await iam.send(new CreateRoleCommand({ RoleName: "r2", AssumeRolePolicyDocument: trust }));
    const created = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "prof", Path: "/app/", Tags: [{ Key: "k", Value: "v" }] }));
    expect(created.InstanceProfile!.Arn).toBe("arn:aws:iam::123456789012:instance-profile/app/prof");
    expect(created.InstanceProfile!.InstanceProfileId).toMatch(/^AIPA/);
    expect(created.InstanceProfile!.Roles).toEqual([]);
    // the record the simulated EC2 reads
    const [rec] = sandbox.records("us-east-1", "iam", "instanceProfiles");
    expect(rec.InstanceProfileName).toBe("prof");
    expect(rec._createdAt).toBe(sandbox.clock.now());
    expect(rec.InstanceProfileId).toMatch(/^AIPA/);

    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "prof", RoleName: "r1" }));
    const lim = await failure(iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "prof", RoleName: "r2" })));
    expect(lim.name).toBe("LimitExceededException");
    expect(lim.message).toBe("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");

    expect(sandbox.records("us-east-1", "iam", "instanceProfiles")[0].Roles.map((r: { Arn: string }) => r.Arn)).toEqual([
      "arn:aws:iam::123456789012:role/r1",
    ]);
    const got = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "prof" }));
    expect(got.InstanceProfile!.Roles!.map((r) => r.RoleName)).toEqual(["r1"]);
    expect(got.InstanceProfile!.Roles![0].AssumeRolePolicyDocument).toContain("%22");
    const forRole = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: "r1" }));
    expect(forRole.InstanceProfiles!.map((p) => p.InstanceProfileName)).toEqual(["prof"]);
    expect((await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: "r2" }))).InstanceProfiles).toEqual([]);

    const conflict = await failure(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: "prof" })));
    expect(conflict.name).toBe("DeleteConflictException");
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: "prof", RoleName: "r1" }));
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: "prof" }));
    const gone = await failure(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "prof" })));
    expect(gone.name).toBe("NoSuchEntityException");
  });
});

describe("IAM users", () => {
  it("models users, inline policies, access keys and tags", async () => {
    const { iam } = await setup();
    const u = await iam.send(new CreateUserCommand({ UserName: "dev", Tags: [{ Key: "who", Value: "me" }] }));
    expect(u.User!.Arn).toBe("arn:aws:iam::123456789012:user/dev");
    expect(u.User!.UserId).toMatch(/^AIDA/);
    await iam.send(new PutUserPolicyCommand({ UserName: "dev", PolicyName: "p", PolicyDocument: inline }));
    expect(decodeURIComponent((await iam.send(new GetUserPolicyCommand({ UserName: "dev", PolicyName: "p" }))).PolicyDocument!)).toBe(inline);
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: "dev" }));
    expect(key.AccessKey!.AccessKeyId).toMatch(/^AKIA[0-9A-Z]{16}$/);
    expect(key.AccessKey!.SecretAccessKey).toHaveLength(40);
    expect((await iam.send(new ListAccessKeysCommand({ UserName: "dev" }))).AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([key.AccessKey!.AccessKeyId]);
    expect((await iam.send(new ListUserTagsCommand({ UserName: "dev" }))).Tags).toEqual([{ Key: "who", Value: "me" }]);
    expect((await failure(iam.send(new DeleteUserCommand({ UserName: "dev" })))).name).toBe("DeleteConflictException");
    await iam.send(new DeleteUserPolicyCommand({ UserName: "dev", PolicyName: "p" }));
    await iam.send(new DeleteAccessKeyCommand({ UserName: "dev", AccessKeyId: key.AccessKey!.AccessKeyId }));
    await iam.send(new DeleteUserCommand({ UserName: "dev" }));
    expect((await failure(iam.send(new ListUserTagsCommand({ UserName: "dev" })))).name).toBe("NoSuchEntityException");
  });
});
