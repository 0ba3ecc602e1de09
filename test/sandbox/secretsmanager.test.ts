import { describe, it, expect } from "vitest";
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerServiceException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newSandbox } from "../helpers/sandbox.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";
import { AwsClients } from "../../src/aws/clients.js";

const DAY = 86_400_000;

async function setup(opts: Parameters<typeof newSandbox>[0] = {}) {
  const { sandbox, aws } = newSandbox(opts);
  const sm = await aws.get("secrets");
  return { sandbox, aws, sm };
}

/** The rejection of `p`, asserting it is a Secrets Manager service exception. */
async function failure(p: Promise<unknown>): Promise<SecretsManagerServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SecretsManagerServiceException);
  return e as SecretsManagerServiceException;
}

describe("Secrets Manager: create and read", () => {
  it("creates a secret with an AWS-shaped ARN and AWSCURRENT version", async () => {
    const { sm } = await setup();
    const out = await sm.send(new CreateSecretCommand({ Name: "app/db", SecretString: "s3cret", Description: "db", Tags: [{ Key: "env", Value: "dev" }] }));
    expect(out.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-1:123456789012:secret:app\/db-[A-Za-z0-9]{6}$/);
    expect(out.Name).toBe("app/db");
    expect(out.VersionId).toBeTruthy();
    const d = await sm.send(new DescribeSecretCommand({ SecretId: "app/db" }));
    expect(d.ARN).toBe(out.ARN);
    expect(d.Description).toBe("db");
    expect(d.Tags).toEqual([{ Key: "env", Value: "dev" }]);
    expect(d.VersionIdsToStages).toEqual({ [out.VersionId!]: ["AWSCURRENT"] });
    expect(d.CreatedDate).toBeInstanceOf(Date);
    expect(d.DeletedDate).toBeUndefined();
    const v = await sm.send(new GetSecretValueCommand({ SecretId: out.ARN }));
    expect(v.SecretString).toBe("s3cret");
    expect(v.VersionStages).toEqual(["AWSCURRENT"]);
    // partial ARN (without the random suffix) also works
    const partial = out.ARN!.slice(0, -7);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: partial }))).SecretString).toBe("s3cret");
  });

  it("stores binary secrets", async () => {
    const { sm } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "bin", SecretBinary: new Uint8Array([1, 2, 3]) }));
    const v = await sm.send(new GetSecretValueCommand({ SecretId: "bin" }));
    expect(Array.from(v.SecretBinary!)).toEqual([1, 2, 3]);
    expect(v.SecretString).toBeUndefined();
  });

  it("answers ResourceNotFoundException with AWS's message for an unknown secret", async () => {
    const { sm } = await setup();
    const e = await failure(sm.send(new DescribeSecretCommand({ SecretId: "nope" })));
    expect(e.name).toBe("ResourceNotFoundException");
    expect(e.message).toBe("Secrets Manager can't find the specified secret.");
  });

  it("rejects a duplicate name with ResourceExistsException", async () => {
    const { sm } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "dup", SecretString: "a" }));
    const e = await failure(sm.send(new CreateSecretCommand({ Name: "dup", SecretString: "a" })));
    expect(e.name).toBe("ResourceExistsException");
    expect(e.message).toContain("dup already exists");
  });

  it("is idempotent for the same ClientRequestToken and value, and refuses another value", async () => {
    const { sm, sandbox } = await setup();
    const token = "11111111-2222-3333-4444-555555555555";
    const a = await sm.send(new CreateSecretCommand({ Name: "idem", SecretString: "v1", ClientRequestToken: token }));
    const b = await sm.send(new CreateSecretCommand({ Name: "idem", SecretString: "v1", ClientRequestToken: token }));
    expect(b.ARN).toBe(a.ARN);
    expect(b.VersionId).toBe(token);
    expect(sandbox.records("eu-west-1", "secretsmanager", "secrets")).toHaveLength(1);
    const e = await failure(sm.send(new CreateSecretCommand({ Name: "idem", SecretString: "v2", ClientRequestToken: token })));
    expect(e.name).toBe("ResourceExistsException");
  });

  it("hides a new secret while the NotFound lag lasts", async () => {
    const { sm, sandbox } = await setup({ faults: { notFoundLagMs: 5000 } });
    await sm.send(new CreateSecretCommand({ Name: "lagged", SecretString: "x" }));
    expect((await failure(sm.send(new DescribeSecretCommand({ SecretId: "lagged" })))).name).toBe("ResourceNotFoundException");
    expect((await sm.send(new ListSecretsCommand({}))).SecretList).toEqual([]);
    sandbox.clock.advance(5000);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: "lagged" }))).Name).toBe("lagged");
  });
});

describe("Secrets Manager: versions and stages", () => {
  it("moves AWSCURRENT and AWSPREVIOUS across two PutSecretValue calls", async () => {
    const { sm } = await setup();
    const v1 = (await sm.send(new CreateSecretCommand({ Name: "s", SecretString: "one" }))).VersionId!;
    const v2 = (await sm.send(new PutSecretValueCommand({ SecretId: "s", SecretString: "two" }))).VersionId!;
    let d = await sm.send(new DescribeSecretCommand({ SecretId: "s" }));
    expect(d.VersionIdsToStages).toEqual({ [v1]: ["AWSPREVIOUS"], [v2]: ["AWSCURRENT"] });
    const put = await sm.send(new PutSecretValueCommand({ SecretId: "s", SecretString: "three" }));
    const v3 = put.VersionId!;
    expect(put.VersionStages).toEqual(["AWSCURRENT"]);
    d = await sm.send(new DescribeSecretCommand({ SecretId: "s" }));
    // v1 lost its last label: deprecated, no longer listed
    expect(d.VersionIdsToStages).toEqual({ [v2]: ["AWSPREVIOUS"], [v3]: ["AWSCURRENT"] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: "s" }))).SecretString).toBe("three");
    expect((await sm.send(new GetSecretValueCommand({ SecretId: "s", VersionStage: "AWSPREVIOUS" }))).SecretString).toBe("two");
    expect((await sm.send(new GetSecretValueCommand({ SecretId: "s", VersionId: v1 }))).SecretString).toBe("one");
    const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: "s" }));
    expect(listed.Versions!.map((v) => v.VersionId).sort()).toEqual([v2, v3].sort());
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: "s", IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(3);
  });

  it("honours VersionStages on PutSecretValue (AWSPENDING leaves AWSCURRENT alone)", async () => {
    const { sm } = await setup();
    const v1 = (await sm.send(new CreateSecretCommand({ Name: "p", SecretString: "one" }))).VersionId!;
    const v2 = (await sm.send(new PutSecretValueCommand({ SecretId: "p", SecretString: "pending", VersionStages: ["AWSPENDING"] }))).VersionId!;
    const d = await sm.send(new DescribeSecretCommand({ SecretId: "p" }));
    expect(d.VersionIdsToStages).toEqual({ [v1]: ["AWSCURRENT"], [v2]: ["AWSPENDING"] });
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: "p", VersionStage: "AWSCURRENT", MoveToVersionId: v2, RemoveFromVersionId: v1 }));
    const d2 = await sm.send(new DescribeSecretCommand({ SecretId: "p" }));
    expect(d2.VersionIdsToStages![v2]).toEqual(expect.arrayContaining(["AWSPENDING", "AWSCURRENT"]));
    expect(d2.VersionIdsToStages![v1]).toEqual(["AWSPREVIOUS"]);
  });

  it("PutSecretValue is idempotent per ClientRequestToken", async () => {
    const { sm } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "t", SecretString: "one" }));
    const token = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    await sm.send(new PutSecretValueCommand({ SecretId: "t", SecretString: "two", ClientRequestToken: token }));
    const again = await sm.send(new PutSecretValueCommand({ SecretId: "t", SecretString: "two", ClientRequestToken: token }));
    expect(again.VersionId).toBe(token);
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: "t", IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(2);
    const e = await failure(sm.send(new PutSecretValueCommand({ SecretId: "t", SecretString: "other", ClientRequestToken: token })));
    expect(e.name).toBe("ResourceExistsException");
  });

  it("UpdateSecret changes the description and adds a version", async () => {
    const { sm } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "u", SecretString: "one" }));
    const up = await sm.send(new UpdateSecretCommand({ SecretId: "u", Description: "new", SecretString: "two", KmsKeyId: "alias/mine" }));
    expect(up.VersionId).toBeTruthy();
    const d = await sm.send(new DescribeSecretCommand({ SecretId: "u" }));
    expect(d.Description).toBe("new");
    expect(d.KmsKeyId).toBe("alias/mine");
    expect((await sm.send(new GetSecretValueCommand({ SecretId: "u" }))).SecretString).toBe("two");
  });

  it("rejects SecretString and SecretBinary together", async () => {
    const { sm } = await setup();
    const e = await failure(sm.send(new CreateSecretCommand({ Name: "both", SecretString: "a", SecretBinary: new Uint8Array([1]) })));
    expect(e.name).toBe("InvalidParameterException");
  });
});

describe("Secrets Manager: deletion", () => {
  it("schedules deletion, refuses reads, restores, and removes the secret once the window passes", async () => {
    const { sm, sandbox } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "d", SecretString: "x" }));
    const start = sandbox.clock.now();
    const del = await sm.send(new DeleteSecretCommand({ SecretId: "d", RecoveryWindowInDays: 7 }));
    expect(del.DeletionDate!.getTime()).toBe(start + 7 * DAY);
    const d = await sm.send(new DescribeSecretCommand({ SecretId: "d" }));
    expect(d.DeletedDate!.getTime()).toBe(start + 7 * DAY);
    const e = await failure(sm.send(new GetSecretValueCommand({ SecretId: "d" })));
    expect(e.name).toBe("InvalidRequestException");
    expect(e.message).toBe("You can't perform this operation on the secret because it was marked for deletion.");
    const c = await failure(sm.send(new CreateSecretCommand({ Name: "d", SecretString: "y" })));
    expect(c.name).toBe("InvalidRequestException");
    expect(c.message).toBe("You can't create this secret because a secret with this name is already scheduled for deletion.");
    expect((await sm.send(new ListSecretsCommand({}))).SecretList).toEqual([]);
    expect((await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))).SecretList!.map((s) => s.Name)).toEqual(["d"]);

    await sm.send(new RestoreSecretCommand({ SecretId: "d" }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: "d" }))).SecretString).toBe("x");
    expect((await sm.send(new DescribeSecretCommand({ SecretId: "d" }))).DeletedDate).toBeUndefined();

    await sm.send(new DeleteSecretCommand({ SecretId: "d", RecoveryWindowInDays: 7 }));
    sandbox.clock.advance(7 * DAY - 1);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: "d" }))).Name).toBe("d");
    sandbox.clock.advance(1);
    expect((await failure(sm.send(new DescribeSecretCommand({ SecretId: "d" })))).name).toBe("ResourceNotFoundException");
    await sm.send(new CreateSecretCommand({ Name: "d", SecretString: "again" }));
  });

  it("defaults to a 30-day window", async () => {
    const { sm, sandbox } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "w", SecretString: "x" }));
    const del = await sm.send(new DeleteSecretCommand({ SecretId: "w" }));
    expect(del.DeletionDate!.getTime()).toBe(sandbox.clock.now() + 30 * DAY);
  });

  it("validates the window and the force flag", async () => {
    const { sm } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "v", SecretString: "x" }));
    expect((await failure(sm.send(new DeleteSecretCommand({ SecretId: "v", RecoveryWindowInDays: 6 })))).name).toBe("InvalidParameterException");
    expect((await failure(sm.send(new DeleteSecretCommand({ SecretId: "v", RecoveryWindowInDays: 31 })))).name).toBe("InvalidParameterException");
    const both = await failure(sm.send(new DeleteSecretCommand({ SecretId: "v", RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })));
    expect(both.name).toBe("InvalidParameterException");
    await sm.send(new DeleteSecretCommand({ SecretId: "v", ForceDeleteWithoutRecovery: true }));
    expect((await failure(sm.send(new DescribeSecretCommand({ SecretId: "v" })))).name).toBe("ResourceNotFoundException");
    // forcing the deletion of a missing secret is not an error
    await sm.send(new DeleteSecretCommand({ SecretId: "v", ForceDeleteWithoutRecovery: true }));
    expect((await failure(sm.send(new DeleteSecretCommand({ SecretId: "v" })))).name).toBe("ResourceNotFoundException");
  });
});

describe("Secrets Manager: replication", () => {
  it("replicates InProgress -> InSync after the typical duration; the replica is read-only", async () => {
    const { sm, sandbox, aws } = await setup();
    const smUs = await aws.get("secrets", "us-east-1");
    await sm.send(new CreateSecretCommand({ Name: "r", SecretString: "x", AddReplicaRegions: [{ Region: "us-east-1" }] }));
    let d = await sm.send(new DescribeSecretCommand({ SecretId: "r" }));
    expect(d.ReplicationStatus).toEqual([{ Region: "us-east-1", KmsKeyId: "alias/aws/secretsmanager", Status: "InProgress" }]);
    expect((await failure(smUs.send(new GetSecretValueCommand({ SecretId: "r" })))).name).toBe("ResourceNotFoundException");
    sandbox.clock.advance(30_000);
    d = await sm.send(new DescribeSecretCommand({ SecretId: "r" }));
    expect(d.ReplicationStatus![0].Status).toBe("InSync");
    const replica = await smUs.send(new DescribeSecretCommand({ SecretId: "r" }));
    expect(replica.PrimaryRegion).toBe("eu-west-1");
    expect(replica.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:/);
    expect((await smUs.send(new GetSecretValueCommand({ SecretId: "r" }))).SecretString).toBe("x");
    // a new primary value is visible in the replica
    await sm.send(new PutSecretValueCommand({ SecretId: "r", SecretString: "y" }));
    expect((await smUs.send(new GetSecretValueCommand({ SecretId: "r" }))).SecretString).toBe("y");
    const ro = await failure(smUs.send(new PutSecretValueCommand({ SecretId: "r", SecretString: "z" })));
    expect(ro.name).toBe("InvalidRequestException");
  });

  it("refuses to delete a primary with replicas, until they are removed", async () => {
    const { sm, aws } = await setup();
    const smUs = await aws.get("secrets", "us-east-1");
    await sm.send(new CreateSecretCommand({ Name: "rp", SecretString: "x" }));
    const rep = await sm.send(new ReplicateSecretToRegionsCommand({ SecretId: "rp", AddReplicaRegions: [{ Region: "us-east-1", KmsKeyId: "alias/k" }] }));
    expect(rep.ReplicationStatus).toEqual([{ Region: "us-east-1", KmsKeyId: "alias/k", Status: "InProgress" }]);
    const e = await failure(sm.send(new DeleteSecretCommand({ SecretId: "rp" })));
    expect(e.name).toBe("InvalidRequestException");
    expect(e.message).toContain("replica");
    const removed = await sm.send(new RemoveRegionsFromReplicationCommand({ SecretId: "rp", RemoveReplicaRegions: ["us-east-1"] }));
    expect(removed.ReplicationStatus).toEqual([]);
    expect((await failure(smUs.send(new DescribeSecretCommand({ SecretId: "rp" })))).name).toBe("ResourceNotFoundException");
    await sm.send(new DeleteSecretCommand({ SecretId: "rp", ForceDeleteWithoutRecovery: true }));
  });

  it("fails replication when the replica region already has that name (no ForceOverwriteReplicaSecret)", async () => {
    const { sm, aws } = await setup();
    const smUs = await aws.get("secrets", "us-east-1");
    await smUs.send(new CreateSecretCommand({ Name: "clash", SecretString: "local" }));
    const out = await sm.send(new CreateSecretCommand({ Name: "clash", SecretString: "x", AddReplicaRegions: [{ Region: "us-east-1" }] }));
    expect(out.ReplicationStatus![0].Status).toBe("Failed");
    expect((await smUs.send(new GetSecretValueCommand({ SecretId: "clash" }))).SecretString).toBe("local");
  });
});

describe("Secrets Manager: resource policies", () => {
  const publicPolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*" }],
  });
  const scoped = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/app" }, Action: "secretsmanager:GetSecretValue", Resource: "*" }],
  });

  it("blocks a public policy when BlockPublicPolicy is true", async () => {
    const { sm } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "pol", SecretString: "x" }));
    const e = await failure(sm.send(new PutResourcePolicyCommand({ SecretId: "pol", ResourcePolicy: publicPolicy, BlockPublicPolicy: true })));
    expect(e.name).toBe("PublicPolicyException");
    const awsStar = publicPolicy.replace('"Principal":"*"', '"Principal":{"AWS":"*"}');
    expect((await failure(sm.send(new PutResourcePolicyCommand({ SecretId: "pol", ResourcePolicy: awsStar, BlockPublicPolicy: true })))).name).toBe(
      "PublicPolicyException",
    );
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: "pol" }))).ResourcePolicy).toBeUndefined();
    await sm.send(new PutResourcePolicyCommand({ SecretId: "pol", ResourcePolicy: scoped, BlockPublicPolicy: true }));
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: "pol" }))).ResourcePolicy).toBe(scoped);
    // without BlockPublicPolicy the public policy is accepted
    await sm.send(new PutResourcePolicyCommand({ SecretId: "pol", ResourcePolicy: publicPolicy }));
    await sm.send(new DeleteResourcePolicyCommand({ SecretId: "pol" }));
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: "pol" }))).ResourcePolicy).toBeUndefined();
  });

  it("rejects invalid JSON with MalformedPolicyDocumentException", async () => {
    const { sm } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "bad", SecretString: "x" }));
    const e = await failure(sm.send(new PutResourcePolicyCommand({ SecretId: "bad", ResourcePolicy: "{not json" })));
    expect(e.name).toBe("MalformedPolicyDocumentException");
  });
});

describe("Secrets Manager: list, tags, rotation, passwords", () => {
  it("filters ListSecrets by name prefix (case-sensitive), description, tags and negation, and pages", async () => {
    const { sm } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "prod/db", Description: "Database creds", Tags: [{ Key: "team", Value: "core" }] }));
    await sm.send(new CreateSecretCommand({ Name: "prod/api", Tags: [{ Key: "team", Value: "web" }] }));
    await sm.send(new CreateSecretCommand({ Name: "Prod/other" }));
    const names = async (Filters: { Key: any; Values: string[] }[]) =>
      (await sm.send(new ListSecretsCommand({ Filters }))).SecretList!.map((s) => s.Name).sort();
    expect(await names([{ Key: "name", Values: ["prod/"] }])).toEqual(["prod/api", "prod/db"]);
    expect(await names([{ Key: "description", Values: ["database"] }])).toEqual(["prod/db"]);
    expect(await names([{ Key: "tag-key", Values: ["te"] }])).toEqual(["prod/api", "prod/db"]);
    expect(await names([{ Key: "tag-value", Values: ["we"] }])).toEqual(["prod/api"]);
    expect(await names([{ Key: "name", Values: ["prod/", "!prod/api"] }])).toEqual(["prod/db"]);
    expect(await names([{ Key: "all", Values: ["core"] }])).toEqual(["prod/db"]);
    const p1 = await sm.send(new ListSecretsCommand({ MaxResults: 2 }));
    expect(p1.SecretList).toHaveLength(2);
    expect(p1.NextToken).toBeTruthy();
    const p2 = await sm.send(new ListSecretsCommand({ MaxResults: 2, NextToken: p1.NextToken }));
    expect(p2.SecretList).toHaveLength(1);
    expect(p2.NextToken).toBeUndefined();
  });

  it("tags and untags", async () => {
    const { sm } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "tg", SecretString: "x", Tags: [{ Key: "a", Value: "1" }] }));
    await sm.send(new TagResourceCommand({ SecretId: "tg", Tags: [{ Key: "a", Value: "2" }, { Key: "b", Value: "3" }] }));
    await sm.send(new UntagResourceCommand({ SecretId: "tg", TagKeys: ["b"] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: "tg" }))).Tags).toEqual([{ Key: "a", Value: "2" }]);
  });

  it("records rotation settings and computes NextRotationDate without invoking Lambda", async () => {
    const { sm, sandbox } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "rot", SecretString: "x" }));
    const noLambda = await failure(sm.send(new RotateSecretCommand({ SecretId: "rot" })));
    expect(noLambda.name).toBe("InvalidRequestException");
    const lambda = "arn:aws:lambda:eu-west-1:123456789012:function:rotate";
    await sm.send(new RotateSecretCommand({ SecretId: "rot", RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
    const d = await sm.send(new DescribeSecretCommand({ SecretId: "rot" }));
    expect(d.RotationEnabled).toBe(true);
    expect(d.RotationLambdaARN).toBe(lambda);
    expect(d.RotationRules).toEqual({ AutomaticallyAfterDays: 30 });
    expect(d.NextRotationDate!.getTime()).toBe(sandbox.clock.now() + 30 * DAY);
    await sm.send(new CancelRotateSecretCommand({ SecretId: "rot" }));
    const c = await sm.send(new DescribeSecretCommand({ SecretId: "rot" }));
    expect(c.RotationEnabled).toBe(false);
    expect(c.NextRotationDate).toBeUndefined();
  });

  it("generates passwords honouring the Exclude flags", async () => {
    const { sm } = await setup();
    const p = (await sm.send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludePunctuation: true, ExcludeCharacters: "abc" }))).RandomPassword!;
    expect(p).toHaveLength(40);
    expect(p).toMatch(/^[A-Za-z0-9]+$/);
    expect(p).not.toMatch(/[abc]/);
    expect(p).toMatch(/[0-9]/);
    const digits = (await sm.send(new GetRandomPasswordCommand({ ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true }))).RandomPassword!;
    expect(digits).toMatch(/^[0-9]{32}$/);
    expect((await failure(sm.send(new GetRandomPasswordCommand({ PasswordLength: 0 })))).name).toBe("InvalidParameterException");
  });
});

describe("Secrets Manager: persistence and faults", () => {
  it("survives a save/load of the sandbox state (dates, versions, deletion window)", async () => {
    const { sm, sandbox } = await setup();
    await sm.send(new CreateSecretCommand({ Name: "keep", SecretString: "one" }));
    await sm.send(new PutSecretValueCommand({ SecretId: "keep", SecretString: "two" }));
    await sm.send(new CreateSecretCommand({ Name: "going", SecretString: "x" }));
    await sm.send(new DeleteSecretCommand({ SecretId: "going", RecoveryWindowInDays: 7 }));
    const path = join(mkdtempSync(join(tmpdir(), "opsctl-sm-")), "state.json");
    sandbox.save(path);
    const loaded = Sandbox.load(path, { services: allServices() });
    const sm2 = await new AwsClients({ region: "eu-west-1", sandbox: loaded }).get("secrets");
    expect((await sm2.send(new GetSecretValueCommand({ SecretId: "keep" }))).SecretString).toBe("two");
    expect((await sm2.send(new GetSecretValueCommand({ SecretId: "keep", VersionStage: "AWSPREVIOUS" }))).SecretString).toBe("one");
    const d = await sm2.send(new DescribeSecretCommand({ SecretId: "going" }));
    expect(d.DeletedDate).toBeInstanceOf(Date);
    loaded.clock.advance(7 * DAY);
    expect((await failure(sm2.send(new DescribeSecretCommand({ SecretId: "going" })))).name).toBe("ResourceNotFoundException");
  });

  it("answers ThrottlingException under the throttling fault, which the SDK retries", async () => {
    const { sm, sandbox } = await setup({ faults: { throttleRate: 1 } });
    const e = await failure(sm.send(new ListSecretsCommand({})));
    expect(e.name).toBe("ThrottlingException");
    expect(sandbox.journal.filter((c) => c.operation === "ListSecrets").length).toBeGreaterThan(1);
  });
});
