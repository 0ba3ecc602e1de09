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


describe("S3: CreateBucket", () => {
  it("needs the LocationConstraint outside us-east-1 and refuses it in us-east-1", async () => {
    const { s3, aws, sandbox } = await setup();
    // The SDK's own locationConstraintMiddleware fills in the client's region when the input has none…
    await s3.send(new CreateBucketCommand({ Bucket: "filled-in-by-the-sdk" }));
    const sent = sandbox.journal.find((j) => j.operation === "CreateBucket")!.input as { CreateBucketConfiguration?: { LocationConstraint?: string } };
    expect(sent.CreateBucketConfiguration?.LocationConstraint).toBe("eu-west-1");
    // …so S3's answer to a request without one is only reachable below the SDK.
    expect(() => sandbox.call("S3Client", "CreateBucket", { Bucket: "no-constraint-given" }, "eu-west-1")).toThrow(/unspecified location constraint/);
    let e = await failure(s3.send(new CreateBucketCommand({ Bucket: B, CreateBucketConfiguration: { LocationConstraint: "eu-central-1" } })));
    expect(e.name).toBe("IllegalLocationConstraintException");
    expect(e.message).toContain("eu-central-1 location constraint is incompatible");
    e = await failure(s3.send(new CreateBucketCommand({ Bucket: B, CreateBucketConfiguration: { LocationConstraint: "xx-nowhere-9" as never } })));
    expect(e.name).toBe("InvalidLocationConstraint");
    const east = await aws.get("s3", "us-east-1");
    e = await failure(east.send(new CreateBucketCommand({ Bucket: "east-bucket-1", CreateBucketConfiguration: { LocationConstraint: "us-east-1" as never } })));
    expect(e.name).toBe("InvalidLocationConstraint");
    await east.send(new CreateBucketCommand({ Bucket: "east-bucket-1" }));
    expect((await east.send(new GetBucketLocationCommand({ Bucket: "east-bucket-1" }))).LocationConstraint).toBeUndefined();
    await s3.send(new CreateBucketCommand(create));
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: B }))).LocationConstraint).toBe("eu-west-1");
  });

  it("rejects invalid names with InvalidBucketName", async () => {
    const { s3, sandbox } = await setup();
    for (const name of ["ab", "a".repeat(64), "Upper-case-bucket", "double..dot", "192.168.5.4", "bucket-s3alias", "sthree-bucket", "-leading", "trailing-"]) {
      const e = await failure(s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })));
      expect(e.name, name).toBe("InvalidBucketName");
    }
    // "xn--" names never leave the SDK (it cannot build the virtual-hosted URL); S3 itself refuses them too.
    await expect(s3.send(new CreateBucketCommand({ Bucket: "xn--bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }))).rejects.toThrow(/Invalid URL/);
    expect(() => sandbox.call("S3Client", "CreateBucket", { Bucket: "xn--bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }, "eu-west-1")).toThrow(/not valid/);
  });

  it("answers BucketAlreadyOwnedByYou (200 OK in us-east-1) and BucketAlreadyExists for another account's name", async () => {
    const { s3, aws, sandbox } = await setup();
    await s3.send(new CreateBucketCommand(create));
    const e = await failure(s3.send(new CreateBucketCommand(create)));
    expect(e.name).toBe("BucketAlreadyOwnedByYou");
    expect(e.$metadata.httpStatusCode).toBe(409);
    const east = await aws.get("s3", "us-east-1");
    await east.send(new CreateBucketCommand({ Bucket: "legacy-east-bucket" }));
    await expect(east.send(new CreateBucketCommand({ Bucket: "legacy-east-bucket" }))).resolves.toBeDefined();
    // A bucket of another account: names are global.
    const table = sandbox.state.regions.global.s3.buckets;
    table["someone-elses-bucket"] = { Name: "someone-elses-bucket", BucketRegion: "eu-west-1", CreationDate: new Date(0).toISOString(), _owner: "999999999999", _objects: {} };
    const taken = await failure(s3.send(new CreateBucketCommand({ Bucket: "someone-elses-bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })));
    expect(taken.name).toBe("BucketAlreadyExists");
    expect((await failure(s3.send(new HeadBucketCommand({ Bucket: "someone-elses-bucket" })))).$metadata.httpStatusCode).toBe(403);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).not.toContain("someone-elses-bucket");
  });

  it("takes tags in CreateBucketConfiguration.Tags and stores buckets in one global table", async () => {
    const { s3, sandbox } = await setup();
    await s3.send(new CreateBucketCommand({ ...create, CreateBucketConfiguration: { LocationConstraint: "eu-west-1", Tags: [{ Key: "opsctl:env", Value: "demo" }] } }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: B }))).TagSet).toEqual([{ Key: "opsctl:env", Value: "demo" }]);
    expect(Object.keys(sandbox.state.regions.global.s3.buckets)).toEqual([B]);
    expect(sandbox.state.regions["eu-west-1"]?.s3).toBeUndefined();
    const bad = await failure(s3.send(new CreateBucketCommand({ Bucket: "other-bucket-1", CreateBucketConfiguration: { LocationConstraint: "eu-west-1", Tags: [{ Key: "aws:x", Value: "1" }] } })));
    expect(bad.name).toBe("InvalidTag");
  });

  it("new buckets: every public access block on, ACLs disabled, SSE-S3, versioning never enabled, no policy, no tags", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: B }))).PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect((await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: B }))).OwnershipControls!.Rules![0].ObjectOwnership).toBe("BucketOwnerEnforced");
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: B }))).ServerSideEncryptionConfiguration!.Rules![0].ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: "AES256" });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status).toBeUndefined();
    expect((await failure(s3.send(new GetBucketPolicyCommand({ Bucket: B })))).name).toBe("NoSuchBucketPolicy");
    expect((await failure(s3.send(new GetBucketTaggingCommand({ Bucket: B })))).name).toBe("NoSuchTagSet");
    expect((await failure(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: B })))).name).toBe("NoSuchLifecycleConfiguration");
  });
});

describe("S3: bucket reads and addressing", () => {
  it("HeadBucket answers region and ARN, 404 NotFound for a missing bucket; other regions get 301", async () => {
    const { s3, aws } = await setup();
    const missing = await failure(s3.send(new HeadBucketCommand({ Bucket: B })));
    expect(missing.name).toBe("NotFound");
    expect(missing.$metadata.httpStatusCode).toBe(404);
    await s3.send(new CreateBucketCommand(create));
    const head = await s3.send(new HeadBucketCommand({ Bucket: B }));
    expect(head.BucketRegion).toBe("eu-west-1");
    expect(head.BucketArn).toBe(`arn:aws:s3:::${B}`);
    const other = await aws.get("s3", "eu-central-1");
    expect((await failure(other.send(new GetBucketVersioningCommand({ Bucket: B })))).name).toBe("PermanentRedirect");
    expect((await other.send(new GetBucketLocationCommand({ Bucket: B }))).LocationConstraint).toBe("eu-west-1");
    expect((await failure(s3.send(new GetBucketVersioningCommand({ Bucket: "no-such-bucket-here" })))).name).toBe("NoSuchBucket");
  });

  it("ListBuckets filters by BucketRegion and Prefix and pages with MaxBuckets", async () => {
    const { s3, aws } = await setup();
    for (const n of ["aa-one", "aa-two", "bb-three"]) await s3.send(new CreateBucketCommand({ Bucket: n, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    const fr = await aws.get("s3", "eu-west-3");
    await fr.send(new CreateBucketCommand({ Bucket: "aa-paris", CreateBucketConfiguration: { LocationConstraint: "eu-west-3" } }));
    const all = await s3.send(new ListBucketsCommand({}));
    expect(all.Buckets!.map((b) => [b.Name, b.BucketRegion])).toEqual([["aa-one", "eu-west-1"], ["aa-paris", "eu-west-3"], ["aa-two", "eu-west-1"], ["bb-three", "eu-west-1"]]);
    expect((await s3.send(new ListBucketsCommand({ BucketRegion: "eu-west-1", Prefix: "aa-" }))).Buckets!.map((b) => b.Name)).toEqual(["aa-one", "aa-two"]);
    const p1 = await s3.send(new ListBucketsCommand({ MaxBuckets: 3 }));
    expect(p1.Buckets).toHaveLength(3);
    const p2 = await s3.send(new ListBucketsCommand({ MaxBuckets: 3, ContinuationToken: p1.ContinuationToken }));
    expect(p2.Buckets!.map((b) => b.Name)).toEqual(["bb-three"]);
    expect(p2.ContinuationToken).toBeUndefined();
  });

  it("hides a new bucket while the NotFound-lag fault lasts", async () => {
    const { s3, sandbox } = await setup({ faults: { notFoundLagMs: 5_000 } });
    await s3.send(new CreateBucketCommand(create));
    expect((await failure(s3.send(new HeadBucketCommand({ Bucket: B })))).name).toBe("NotFound");
    await sandbox.clock.sleep(5_000);
    await expect(s3.send(new HeadBucketCommand({ Bucket: B }))).resolves.toBeDefined();
  });
});

describe("S3: bucket configuration", () => {
  it("public access block: delete, NoSuchPublicAccessBlockConfiguration, put back", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: B }));
    expect((await failure(s3.send(new GetPublicAccessBlockCommand({ Bucket: B })))).name).toBe("NoSuchPublicAccessBlockConfiguration");
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: B, PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: false } }));
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: B }))).PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false });
  });

  it("encryption: SSE-KMS with a key and bucket key; a key id with AES256 is refused", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    await s3.send(new PutBucketEncryptionCommand({ Bucket: B, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key }, BucketKeyEnabled: true }] } }));
    const rule = (await s3.send(new GetBucketEncryptionCommand({ Bucket: B }))).ServerSideEncryptionConfiguration!.Rules![0];
    expect(rule).toEqual({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key }, BucketKeyEnabled: true });
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "x" }));
    expect(put.ServerSideEncryption).toBe("aws:kms");
    expect(put.SSEKMSKeyId).toBe(key);
    const bad = await failure(s3.send(new PutBucketEncryptionCommand({ Bucket: B, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256", KMSMasterKeyID: key } }] } })));
    expect(bad.name).toBe("InvalidArgument");
  });

  it("policy: MalformedPolicy for bad JSON and foreign resources; a public policy is AccessDenied under BlockPublicPolicy", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    expect((await failure(s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: "not json" })))).name).toBe("MalformedPolicy");
    expect((await failure(s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: "{\"Version\":\"2012-10-17\"" })))).name).toBe("MalformedPolicy");
    expect((await failure(s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: JSON.stringify({ Version: "2012-10-17" }) })))).message).toContain("Statement");
    const foreign = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::another-bucket/*" }] };
    expect((await failure(s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: JSON.stringify(foreign) })))).message).toBe("Policy has invalid resource");
    const pub = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${B}/*` }] };
    const denied = await failure(s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: JSON.stringify(pub) })));
    expect(denied.name).toBe("AccessDenied");
    expect(denied.$metadata.httpStatusCode).toBe(403);
    // Narrowed to a VPC endpoint it is not public.
    const vpce = { ...pub, Statement: [{ ...pub.Statement[0], Condition: { StringEquals: { "aws:SourceVpce": "vpce-0123456789abcdef0" } } }] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: JSON.stringify(vpce) }));
    expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: B }))).Policy!)).toEqual(vpce);
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: B }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: JSON.stringify(pub) }));
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: B }));
    expect((await failure(s3.send(new GetBucketPolicyCommand({ Bucket: B })))).name).toBe("NoSuchBucketPolicy");
  });

  it("tagging, ownership controls, versioning, lifecycle", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    await s3.send(new PutBucketTaggingCommand({ Bucket: B, Tagging: { TagSet: [{ Key: "a", Value: "1" }] } }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: B }))).TagSet).toEqual([{ Key: "a", Value: "1" }]);
    expect((await failure(s3.send(new PutBucketTaggingCommand({ Bucket: B, Tagging: { TagSet: [{ Key: "a", Value: "1" }, { Key: "a", Value: "2" }] } })))).name).toBe("InvalidTag");
    await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: B, OwnershipControls: { Rules: [{ ObjectOwnership: "ObjectWriter" }] } }));
    expect((await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: B }))).OwnershipControls!.Rules![0].ObjectOwnership).toBe("ObjectWriter");
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status).toBe("Enabled");
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Suspended" } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status).toBe("Suspended");
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: B, LifecycleConfiguration: { Rules: [{ ID: "x", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 30 } }] } }));
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: B }))).Rules![0].Expiration).toEqual({ Days: 30 });
    expect((await failure(s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: B, LifecycleConfiguration: { Rules: [{ ID: "y", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 0 } }] } })))).name).toBe("InvalidArgument");
  });
});

describe("S3: objects and versions", () => {
  it("unversioned: an overwrite replaces the only version; a delete removes it", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "one" }));
    const p = await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: new Uint8Array([116, 119, 111]) }));
    expect(p.VersionId).toBeUndefined();
    const v = await s3.send(new ListObjectVersionsCommand({ Bucket: B }));
    expect(v.Versions!.map((x) => x.VersionId)).toEqual(["null"]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "k" }));
    expect(head.ContentLength).toBe(3);
    expect(head.ServerSideEncryption).toBe("AES256");
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "k" }));
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: B, Key: "k" })))).name).toBe("NoSuchKey");
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: B }))).Versions).toBeUndefined();
  });

  it("versioned: a delete adds a delete marker; old versions stay readable by VersionId", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } }));
    const v1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: "doc", Body: "v1" }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: B, Key: "doc", Body: "v2" }));
    expect(v1.VersionId).toBeTruthy();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    const del = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "doc" }));
    expect(del.DeleteMarker).toBe(true);
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: B, Key: "doc" })))).name).toBe("NoSuchKey");
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: B, Key: "doc" })))).name).toBe("NotFound");
    const old = await s3.send(new GetObjectCommand({ Bucket: B, Key: "doc", VersionId: v1.VersionId }));
    expect(await old.Body!.transformToString()).toBe("v1");
    expect(old.VersionId).toBe(v1.VersionId);
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: B, Key: "doc", VersionId: del.VersionId })))).$metadata.httpStatusCode).toBe(405);
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: B, Key: "doc", VersionId: "nope" })))).name).toBe("NoSuchVersion");
    const list = await s3.send(new ListObjectVersionsCommand({ Bucket: B }));
    expect(list.Versions!.map((v) => [v.VersionId, v.IsLatest])).toEqual([[v2.VersionId, false], [v1.VersionId, false]]);
    expect(list.DeleteMarkers!.map((m) => [m.VersionId, m.IsLatest])).toEqual([[del.VersionId, true]]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: B }))).KeyCount).toBe(0);
    // Deleting the delete marker by id brings v2 back.
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "doc", VersionId: del.VersionId }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: B, Key: "doc" }))).Body!.transformToString()).toBe("v2");
  });

  it("suspended versioning writes the null version; ListObjectVersions pages with key and version markers", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } }));
    for (const body of ["1", "2", "3"]) await s3.send(new PutObjectCommand({ Bucket: B, Key: "a", Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "b", Body: "b" }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Suspended" } }));
    const s = await s3.send(new PutObjectCommand({ Bucket: B, Key: "c", Body: "c" }));
    expect(s.VersionId).toBe("null");
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    let pages = 0;
    for (;;) {
      const p = await s3.send(new ListObjectVersionsCommand({ Bucket: B, MaxKeys: 2, KeyMarker, VersionIdMarker }));
      pages++;
      seen.push(...(p.Versions ?? []).map((v) => `${v.Key}:${v.IsLatest ? "latest" : "old"}`));
      if (!p.IsTruncated) break;
      KeyMarker = p.NextKeyMarker;
      VersionIdMarker = p.NextVersionIdMarker;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(["a:latest", "a:old", "a:old", "b:latest", "c:latest"]);
  });

  it("ListObjectsV2: prefix, delimiter and continuation", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    for (const k of ["logs/1", "logs/2", "top", "x/y/z"]) await s3.send(new PutObjectCommand({ Bucket: B, Key: k, Body: k }));
    const d = await s3.send(new ListObjectsV2Command({ Bucket: B, Delimiter: "/" }));
    expect(d.Contents!.map((c) => c.Key)).toEqual(["top"]);
    expect(d.CommonPrefixes!.map((c) => c.Prefix)).toEqual(["logs/", "x/"]);
    const p1 = await s3.send(new ListObjectsV2Command({ Bucket: B, MaxKeys: 3 }));
    expect(p1.IsTruncated).toBe(true);
    const p2 = await s3.send(new ListObjectsV2Command({ Bucket: B, MaxKeys: 3, ContinuationToken: p1.NextContinuationToken }));
    expect([...p1.Contents!, ...p2.Contents!].map((c) => c.Key)).toEqual(["logs/1", "logs/2", "top", "x/y/z"]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "logs/" }))).KeyCount).toBe(2);
  });

  it("PutObject refuses ACLs on a BucketOwnerEnforced bucket except bucket-owner-full-control", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "ok", Body: "x", ACL: "bucket-owner-full-control" }));
    expect((await failure(s3.send(new PutObjectCommand({ Bucket: B, Key: "no", Body: "x", ACL: "public-read" })))).name).toBe("AccessControlListNotSupported");
  });
});

describe("S3: DeleteBucket", () => {
  it("BucketNotEmpty while any version or delete marker exists; DeleteObjects empties it; then NoSuchBucket", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "a", Body: "1" }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "a" }));
    // Only a noncurrent version and a delete marker left: still not empty.
    const e = await failure(s3.send(new DeleteBucketCommand({ Bucket: B })));
    expect(e.name).toBe("BucketNotEmpty");
    expect(e.$metadata.httpStatusCode).toBe(409);
    const list = await s3.send(new ListObjectVersionsCommand({ Bucket: B }));
    const ids = [...list.Versions!, ...list.DeleteMarkers!].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    expect(ids).toHaveLength(2);
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: ids } }));
    expect(r.Deleted).toHaveLength(2);
    expect(r.Deleted!.filter((d) => d.DeleteMarker)).toHaveLength(1);
    await s3.send(new DeleteBucketCommand({ Bucket: B }));
    expect((await failure(s3.send(new DeleteBucketCommand({ Bucket: B })))).name).toBe("NoSuchBucket");
    expect((await failure(s3.send(new HeadBucketCommand({ Bucket: B })))).name).toBe("NotFound");
  });

  it("DeleteObjects refuses more than 1000 keys", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    const Objects = Array.from({ length: 1001 }, (_, i) => ({ Key: `k${i}` }));
    expect((await failure(s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects } })))).name).toBe("MalformedXML");
  });
});

describe("S3: faults", () => {
  it("throttling answers SlowDown, which the SDK's retry strategy retries", async () => {
    const { s3, sandbox } = await setup({ faults: { throttleRate: 0.5, seed: 7 } });
    await s3.send(new CreateBucketCommand(create));
    for (let i = 0; i < 20; i++) await s3.send(new PutObjectCommand({ Bucket: B, Key: `k${i}`, Body: "x" }));
    expect(sandbox.journal.filter((j) => j.error === "SlowDown").length).toBeGreaterThan(0);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: B }))).KeyCount).toBe(20);
  });
});

describe("S3: round trip", () => {
  it("put and get an object", async () => {
    const { s3 } = await setup();
    await s3.send(new CreateBucketCommand(create));
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: "a.txt", Body: "hello" }));
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "a.txt" }));
    expect(await got.Body!.transformToString()).toBe("hello");
  });
});
