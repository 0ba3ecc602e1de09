import { describe, expect, it } from "vitest";
import {
  AddTagsCommand,
  CloudTrailServiceException,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  ListTagsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from "@aws-sdk/client-cloudtrail";
import { CreateBucketCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { CreateKeyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { newSandbox } from "../helpers/sandbox.js";

const ACCOUNT = "123456789012";

function bucketPolicy(bucket: string, service = "cloudtrail.amazonaws.com") {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "AclCheck", Effect: "Allow", Principal: { Service: service }, Action: "s3:GetBucketAcl", Resource: `arn:aws:s3:::${bucket}` },
      { Sid: "Write", Effect: "Allow", Principal: { Service: service }, Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/AWSLogs/${ACCOUNT}/*`, Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } } },
    ],
  });
}

const keyPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
    { Sid: "CloudTrail", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "kms:GenerateDataKey*", Resource: "*" },
  ],
});

async function setup(opts: { policy?: boolean; keyPolicy?: boolean } = {}) {
  const { sandbox, aws } = newSandbox();
  const ct = await aws.get("cloudtrail");
  const s3 = await aws.get("s3");
  const kms = await aws.get("kms");
  await s3.send(new CreateBucketCommand({ Bucket: "demo-logs", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
  if (opts.policy !== false) await s3.send(new PutBucketPolicyCommand({ Bucket: "demo-logs", Policy: bucketPolicy("demo-logs") }));
  const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  if (opts.keyPolicy !== false) await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: "default", Policy: keyPolicy }));
  return { sandbox, aws, ct, s3, keyArn: key.Arn! };
}

async function failure(p: Promise<unknown>): Promise<CloudTrailServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CloudTrailServiceException);
  return e as CloudTrailServiceException;
}

const TRAIL = (keyArn: string) => ({ Name: "demo-trail", S3BucketName: "demo-logs", IsMultiRegionTrail: true, EnableLogFileValidation: true, IncludeGlobalServiceEvents: true, KmsKeyId: keyArn, TagsList: [{ Key: "opsctl:env", Value: "demo" }] });

describe("CloudTrail: trails", () => {
  it("creates a multi-region, validated, KMS-encrypted trail that logs only after StartLogging", async () => {
    const { ct, keyArn } = await setup();
    const r = await ct.send(new CreateTrailCommand(TRAIL(keyArn)));
    expect(r.TrailARN).toBe(`arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/demo-trail`);
    expect(r).toMatchObject({ IsMultiRegionTrail: true, LogFileValidationEnabled: true, KmsKeyId: keyArn, IncludeGlobalServiceEvents: true, S3BucketName: "demo-logs" });
    expect((await ct.send(new GetTrailStatusCommand({ Name: "demo-trail" }))).IsLogging).toBe(false);
    await ct.send(new StartLoggingCommand({ Name: r.TrailARN }));
    const st = await ct.send(new GetTrailStatusCommand({ Name: "demo-trail" }));
    expect(st.IsLogging).toBe(true);
    expect(st.StartLoggingTime).toBeInstanceOf(Date);
    await ct.send(new StopLoggingCommand({ Name: "demo-trail" }));
    expect((await ct.send(new GetTrailStatusCommand({ Name: "demo-trail" }))).IsLogging).toBe(false);

    const got = await ct.send(new GetTrailCommand({ Name: "demo-trail" }));
    expect(got.Trail!.HomeRegion).toBe("eu-west-1");
    const d = await ct.send(new DescribeTrailsCommand({}));
    expect(d.trailList!.map((t) => t.Name)).toEqual(["demo-trail"]);
    expect((await ct.send(new DescribeTrailsCommand({ trailNameList: ["nope"] }))).trailList).toEqual([]);

    await ct.send(new AddTagsCommand({ ResourceId: r.TrailARN, TagsList: [{ Key: "Name", Value: "demo-trail" }] }));
    const tags = await ct.send(new ListTagsCommand({ ResourceIdList: [r.TrailARN!] }));
    expect(tags.ResourceTagList![0].TagsList!.map((t) => t.Key)).toEqual(["opsctl:env", "Name"]);
  });

  it("refuses a duplicate name, a missing bucket, a bucket policy without CloudTrail, a key CloudTrail cannot use", async () => {
    const { ct, s3, keyArn } = await setup();
    await ct.send(new CreateTrailCommand(TRAIL(keyArn)));
    expect((await failure(ct.send(new CreateTrailCommand(TRAIL(keyArn))))).name).toBe("TrailAlreadyExistsException");
    expect((await failure(ct.send(new CreateTrailCommand({ ...TRAIL(keyArn), Name: "trail-2", S3BucketName: "no-such-bucket" })))).name).toBe("S3BucketDoesNotExistException");
    await s3.send(new CreateBucketCommand({ Bucket: "other-logs", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    expect((await failure(ct.send(new CreateTrailCommand({ ...TRAIL(keyArn), Name: "trail-3", S3BucketName: "other-logs" })))).name).toBe("InsufficientS3BucketPolicyException");
    await s3.send(new PutBucketPolicyCommand({ Bucket: "other-logs", Policy: bucketPolicy("other-logs", "delivery.logs.amazonaws.com") }));
    expect((await failure(ct.send(new CreateTrailCommand({ ...TRAIL(keyArn), Name: "trail-4", S3BucketName: "other-logs" })))).name).toBe("InsufficientS3BucketPolicyException");
    const missingKey = keyArn.replace(/key\/.*/, "key/00000000-0000-0000-0000-000000000000");
    expect((await failure(ct.send(new CreateTrailCommand({ ...TRAIL(missingKey), Name: "trail-5" })))).name).toBe("KmsKeyNotFoundException");
    expect((await failure(ct.send(new CreateTrailCommand({ ...TRAIL(keyArn), Name: "trail-6", IncludeGlobalServiceEvents: false })))).name).toBe("InvalidParameterCombinationException");
    expect((await failure(ct.send(new CreateTrailCommand({ ...TRAIL(keyArn), Name: "-bad" })))).name).toBe("InvalidTrailNameException");
  });

  it("refuses a KMS key whose policy does not admit CloudTrail", async () => {
    const { ct, keyArn } = await setup({ keyPolicy: false });
    expect((await failure(ct.send(new CreateTrailCommand(TRAIL(keyArn))))).name).toBe("InsufficientEncryptionPolicyException");
  });

  it("updates, deletes, and answers TrailNotFoundException afterwards", async () => {
    const { ct, keyArn } = await setup();
    await ct.send(new CreateTrailCommand({ ...TRAIL(keyArn), EnableLogFileValidation: false }));
    const up = await ct.send(new UpdateTrailCommand({ Name: "demo-trail", EnableLogFileValidation: true }));
    expect(up.LogFileValidationEnabled).toBe(true);
    expect(up.KmsKeyId).toBe(keyArn);
    await ct.send(new DeleteTrailCommand({ Name: "demo-trail" }));
    const e = await failure(ct.send(new GetTrailCommand({ Name: "demo-trail" })));
    expect(e.name).toBe("TrailNotFoundException");
    expect(e.message).toContain(`trail/demo-trail for the user: ${ACCOUNT}`);
    expect((await failure(ct.send(new GetTrailStatusCommand({ Name: "demo-trail" })))).name).toBe("TrailNotFoundException");
  });

  it("a multi-region trail is readable from another region but changed only from its home region", async () => {
    const { aws, ct, keyArn } = await setup();
    const r = await ct.send(new CreateTrailCommand(TRAIL(keyArn)));
    const other = await aws.get("cloudtrail", "eu-central-1");
    expect((await other.send(new GetTrailCommand({ Name: r.TrailARN }))).Trail!.Name).toBe("demo-trail");
    expect((await failure(other.send(new DeleteTrailCommand({ Name: r.TrailARN })))).name).toBe("InvalidHomeRegionException");
  });
});
