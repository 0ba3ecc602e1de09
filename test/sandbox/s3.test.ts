import { describe, it, expect } from "vitest";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { newSandbox } from "../helpers/sandbox.js";

async function setup(opts: Parameters<typeof newSandbox>[0] = {}) {
  const { sandbox, aws } = newSandbox(opts);
  const s3 = await aws.get("s3");
  return { sandbox, aws, s3 };
}

/** The rejection of `p`, asserting it is an S3 service exception. */
async function failure(p: Promise<unknown>): Promise<S3ServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(S3ServiceException);
  return e as S3ServiceException;
}

const B = "opsctl-demo-app-123456789012-eu-west-1";
const create = { Bucket: B, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" as const } };

describe("S3 smoke", () => {
  it("put and get an object", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: "a.txt", Body: "hello" }));
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "a.txt" }));
    expect(await got.Body!.transformToString()).toBe("hello");
  });
});
