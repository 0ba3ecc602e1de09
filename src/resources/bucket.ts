/**
 * Resource kind `bucket`.
 * Tests: test/resources/bucket.test.ts.
 * Sandbox: src/sandbox/services/s3.ts.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type LifecycleRule,
  type ObjectIdentifier,
  type PublicAccessBlockConfiguration,
  type S3Client,
  paginateListBuckets,
} from "@aws-sdk/client-s3";
import type { Description, FieldChange, ResourceKind } from "../engine/resource.js";
import { InputError, OpsError, TryAgainLater } from "../engine/errors.js";
import { isCode, isNotFound } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, envTagged, orUndefined, ownedBy, pagesOf } from "./toolkit.js";
import { canonicalPolicy, type PolicyDocument } from "./policy.js";

/** What a bucket is for: the app's data (S3-01), CloudTrail and ALB logs (S3-03), the web frontend (S3-02). */
export type BucketPurpose = "app" | "logs" | "web";

/** S3-01..S3-03: a private, encrypted, versioned bucket with a TLS-only policy. */
export interface BucketSpec {
  /** Globally unique and stable: build it with {@link bucketNameFor}. */
  name: string;
  purpose: BucketPurpose;
  /** SSE-KMS with this key (and an S3 Bucket Key) when given, else SSE-S3 (AES256). Not for `logs`: ALB logs need SSE-S3. */
  kmsKeyId?: string;
  versioning: true;
  policy: PolicyDocument;
  /** Logs: current objects expire after this many days (noncurrent versions as many days after they become noncurrent). */
  lifecycleExpireDays?: number;
}

/** A bucket as read from S3: one read per configuration (S3 has no "describe everything" call). */
export interface BucketActual {
  name: string;
  arn: string;
  region: string;
  tags: Record<string, string>;
  publicAccessBlock?: PublicAccessBlockConfiguration;
  objectOwnership?: string;
  encryption?: { algorithm: string; kmsKeyId?: string; bucketKeyEnabled: boolean };
  /** "Enabled", "Suspended", or undefined (never enabled). */
  versioning?: string;
  /** The policy JSON, or undefined. */
  policy?: string;
  lifecycle: LifecycleRule[];
  /** What this node expects (from the context at read time), so that {@link bucket.diff} stays pure. */
  expected: { region: string; tags: Record<string, string> };
}

/** The key prefix ALB access logs must be written under in the logs bucket (the load balancer's `access_logs.s3.prefix`). */
export const ALB_LOG_PREFIX = "alb";

/** Id of the lifecycle rule opsctl owns; other rules on the bucket are left alone. */
const LIFECYCLE_RULE_ID = "opsctl-expire";

// ---------------------------------------------------------------------------------------------
// Names

/**
 * Why `name` is not a valid general purpose bucket name (S3 user guide, "General purpose bucket
 * naming rules"), or undefined when it is valid.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `is ${name.length} characters long; S3 allows 3 to 63`;
  if (!/^[a-z0-9.-]+$/.test(name)) return "may contain only lowercase letters, digits, dots and hyphens";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "must begin and end with a letter or digit";
  if (name.includes("..")) return "must not contain two adjacent dots";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "must not be formatted as an IP address";
  for (const p of ["xn--", "sthree-", "amzn-s3-demo-"]) if (name.startsWith(p)) return `must not start with "${p}"`;
  for (const s of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) if (name.endsWith(s)) return `must not end with "${s}"`;
  return undefined;
}

/**
 * Throws an {@link InputError} naming `storage.bucketPrefix` when `name` breaks an S3 naming rule
 * (3–63 characters; lowercase letters, digits, dots and hyphens; letter or digit at both ends; no "..";
 * not an IP address; no "xn--" / "sthree-" prefix; no "-s3alias" / "--ol-s3" / ".mrap" / "--x-s3" suffix).
 * @param maxPrefix longest prefix that still fits in 63 characters, for the hint (when known)
 */
export function validateBucketName(name: string, maxPrefix?: number): void {
  const problem = bucketNameProblem(name);
  if (!problem) return;
  const room = maxPrefix !== undefined ? `${Math.max(0, maxPrefix)} characters or fewer` : "short";
  throw new InputError(
    "storage.bucketPrefix",
    `makes the bucket name "${name}" invalid: it ${problem}`,
    `set storage.bucketPrefix to ${room} of lowercase letters, digits and hyphens, starting and ending with a letter or digit (e.g. "opsctl")`,
  );
}

/**
 * The bucket name of a purpose: `<prefix>-<env>-<purpose>-<account>-<region>`, globally unique
 * (account id) and stable (no random part). Throws an {@link InputError} on `storage.bucketPrefix`
 * when the result is not a valid bucket name.
 */
export function bucketNameFor(prefix: string, env: string, purpose: string, accountId: string, region: string): string {
  const rest = `-${env}-${purpose}-${accountId}-${region}`;
  const name = `${prefix}${rest}`;
  validateBucketName(name, 63 - rest.length);
  return name;
}

/** `arn:aws:s3:::<name>` (bucket ARNs carry neither region nor account). */
export function bucketArn(name: string): string {
  return `arn:aws:s3:::${name}`;
}

// ---------------------------------------------------------------------------------------------
// Policies

/** Deny every S3 action on the bucket and its objects over plain HTTP (aws:SecureTransport false). */
export function tlsOnlyStatement(bucketArn: string): Record<string, unknown> {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * S3-01: TLS only, and the object data reachable only through the VPC endpoint `vpcEndpointId`.
 *
 * The S3 user guide's "Restricting access to a specific VPC endpoint" example denies `s3:*` unless
 * aws:SourceVpce matches, and warns that it also locks out the console and every administrator
 * (including opsctl itself, which runs outside the VPC and must still read and repair the bucket's
 * configuration). Instead this denies only the object DATA actions from outside the endpoint:
 * reading, writing and deleting objects (and reading old versions). Bucket management
 * (Get/Put/DeleteBucket*, ListBucket) stays governed by IAM alone, so an administrator can always
 * repair the bucket or remove this policy; `down --delete-data` removes the policy before emptying
 * the bucket for that reason. The ECS tasks reach S3 only through the gateway endpoint (NET-07), so
 * for them nothing changes, while leaked app credentials are useless outside the VPC.
 */
export function appBucketPolicy(bucketArn: string, vpcEndpointId: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      tlsOnlyStatement(bucketArn),
      {
        Sid: "DenyObjectDataOutsideVpcEndpoint",
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"],
        Resource: `${bucketArn}/*`,
        Condition: { StringNotEquals: { "aws:SourceVpce": vpcEndpointId } },
      },
    ],
  };
}

/**
 * Elastic Load Balancing account per Region for the legacy access-log bucket policy (ELB user
 * guide, "Enable access logs", step 2: "here are the IDs of the ELB accounts to specify in
 * `Principal`. Note that Regions that are not in this list never supported the legacy bucket
 * policy"). Checked against that list on 2026-11-29 (GovCloud left out: opsctl builds `aws`
 * partition ARNs). Other Regions only know the service principal.
 */
const LEGACY_ELB_ACCOUNTS: Record<string, string> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-southeast-3": "589379963580",
  "ap-south-1": "718504428378",
  "ap-northeast-1": "582318560864",
  "ap-northeast-2": "600734575887",
  "ap-northeast-3": "383597477331",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-west-3": "009996457667",
  "eu-south-1": "635631232127",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
};

/**
 * S3-03: the logs bucket's policy: TLS only; CloudTrail (CloudTrail user guide, "Amazon S3 bucket
 * policy for CloudTrail": GetBucketAcl on the bucket, PutObject under `AWSLogs/<account>/` with the
 * `bucket-owner-full-control` ACL, both conditioned on aws:SourceAccount and a trail of this account
 * as aws:SourceArn); ALB access logs under `alb/AWSLogs/<account>/` (see {@link ALB_LOG_PREFIX}) for
 * the `logdelivery.elasticloadbalancing.amazonaws.com` service principal (ELB user guide, "Enable
 * access logs", the policy for Regions available as of August 2022 or later), plus, in Regions
 * older than that, the Region's Elastic Load Balancing account, which those Regions still use.
 */
export function logsBucketPolicy(bucketArn: string, accountId: string, region: string): PolicyDocument {
  const trails = `arn:aws:cloudtrail:*:${accountId}:trail/*`;
  const albLogs = `${bucketArn}/${ALB_LOG_PREFIX}/AWSLogs/${accountId}/*`;
  const statements: Record<string, unknown>[] = [
    tlsOnlyStatement(bucketArn),
    {
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: bucketArn,
      Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": trails } },
    },
    {
      Sid: "CloudTrailWrite",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/AWSLogs/${accountId}/*`,
      Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": trails } },
    },
    {
      Sid: "AlbAccessLogsWrite",
      Effect: "Allow",
      Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: albLogs,
    },
  ];
  const legacy = LEGACY_ELB_ACCOUNTS[region];
  if (legacy) {
    statements.push({ Sid: "AlbAccessLogsWriteLegacyRegion", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${legacy}:root` }, Action: "s3:PutObject", Resource: albLogs });
  }
  return { Version: "2012-10-17", Statement: statements };
}

// ---------------------------------------------------------------------------------------------
// Reads

/** Awaits a Get* of an optional configuration: its "not configured" code (and NotFound) become undefined. */
const optional = orUndefined;

function expectedOf(ctx: ResourceContext): BucketActual["expected"] {
  return { region: ctx.region, tags: ctx.tagMap() };
}

/** HeadBucket, then every configuration read in parallel. Undefined when the bucket does not exist. */
async function readBucket(ctx: ResourceContext, name: string): Promise<BucketActual | undefined> {
  const s3 = await ctx.aws.get("s3");
  let head;
  try {
    head = await s3.send(new HeadBucketCommand({ Bucket: name }));
  } catch (e) {
    if (isNotFound(e)) return undefined;
    // 403 on HeadBucket: the name exists but belongs to another account.
    if (isCode(e, "Forbidden", "AccessDenied")) throw nameTaken(name, e);
    if (isCode(e, "PermanentRedirect", "MovedPermanently", "301")) {
      throw new OpsError("bucket_other_region", `bucket ${name} exists in another region than ${ctx.region}; a bucket cannot move`, {
        hint: "delete it there (after saving its data) or change storage.bucketPrefix",
        fault: "user",
        cause: e,
      });
    }
    throw e;
  }
  const b = { Bucket: name };
  const [tags, pab, own, enc, ver, pol, life] = await Promise.all([
    optional(s3.send(new GetBucketTaggingCommand(b)), "NoSuchTagSet"),
    optional(s3.send(new GetPublicAccessBlockCommand(b)), "NoSuchPublicAccessBlockConfiguration"),
    optional(s3.send(new GetBucketOwnershipControlsCommand(b)), "OwnershipControlsNotFoundError"),
    optional(s3.send(new GetBucketEncryptionCommand(b)), "ServerSideEncryptionConfigurationNotFoundError"),
    s3.send(new GetBucketVersioningCommand(b)),
    optional(s3.send(new GetBucketPolicyCommand(b)), "NoSuchBucketPolicy"),
    optional(s3.send(new GetBucketLifecycleConfigurationCommand(b)), "NoSuchLifecycleConfiguration"),
  ]);
  const rule = enc?.ServerSideEncryptionConfiguration?.Rules?.[0];
  const def = rule?.ApplyServerSideEncryptionByDefault;
  return {
    name,
    arn: head.BucketArn ?? bucketArn(name),
    region: head.BucketRegion ?? ctx.region,
    tags: Object.fromEntries((tags?.TagSet ?? []).map((t) => [t.Key!, t.Value ?? ""])),
    publicAccessBlock: pab?.PublicAccessBlockConfiguration,
    objectOwnership: own?.OwnershipControls?.Rules?.[0]?.ObjectOwnership,
    encryption: def ? { algorithm: String(def.SSEAlgorithm), kmsKeyId: def.KMSMasterKeyID, bucketKeyEnabled: rule?.BucketKeyEnabled ?? false } : undefined,
    versioning: ver.Status,
    policy: pol?.Policy,
    lifecycle: life?.Rules ?? [],
    expected: expectedOf(ctx),
  };
}

function nameTaken(name: string, cause: unknown): OpsError {
  return new OpsError("bucket_name_taken", `bucket name ${name} belongs to another AWS account (bucket names are global)`, {
    hint: "change storage.bucketPrefix so the derived names are free",
    fault: "user",
    cause,
  });
}

/**
 * Buckets of this env in this region, with their tags: one ListBuckets per run, narrowed to the names
 * opsctl derives (`…-<env>-<purpose>-<account>-<region>`), then the tag set of each candidate.
 * S3 cannot list buckets by tag, so down and status (which have no spec) find a node's bucket this way.
 */
async function envBuckets(ctx: ResourceContext) {
  const s3 = await ctx.aws.get("s3");
  const list = async () => {
    const all = await collect(paginateListBuckets({ client: s3 }, { BucketRegion: ctx.region, MaxBuckets: 1000 }), (p) => p.Buckets);
    return all.map((b) => b.Name!).filter((n) => n.includes(`-${ctx.env}-`) && n.endsWith(`-${ctx.facts.accountId}-${ctx.region}`));
  };
  return envTagged(ctx, `s3:buckets:${ctx.region}`, list, async (name) => (await optional(s3.send(new GetBucketTaggingCommand({ Bucket: name })), "NoSuchTagSet"))?.TagSet);
}

// ---------------------------------------------------------------------------------------------
// Desired state

const PAB_ALL: Required<PublicAccessBlockConfiguration> = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

function wantEncryption(spec: BucketSpec): NonNullable<BucketActual["encryption"]> {
  // An S3 Bucket Key cuts KMS requests (and cost) for SSE-KMS; it has no meaning for SSE-S3.
  return spec.kmsKeyId ? { algorithm: "aws:kms", kmsKeyId: spec.kmsKeyId, bucketKeyEnabled: true } : { algorithm: "AES256", bucketKeyEnabled: false };
}

function expireRule(days: number): LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: "Enabled",
    Filter: { Prefix: "" },
    Expiration: { Days: days },
    // Versioning keeps an expired object as a noncurrent version: expire those too, or nothing is ever freed.
    NoncurrentVersionExpiration: { NoncurrentDays: days },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  };
}

const ownRule = (a: BucketActual) => a.lifecycle.find((r) => r.ID === LIFECYCLE_RULE_ID);

/** Rejects specs AWS would refuse or that break a control, before anything is written. */
export function validateBucketSpec(spec: BucketSpec): void {
  validateBucketName(spec.name);
  if (spec.purpose === "logs" && spec.kmsKeyId) {
    // ELB user guide, "Enable access logs", step 1: "The only server-side encryption option that's supported is SSE-S3".
    throw new InputError("storage", "the logs bucket must use SSE-S3: ALB access logs cannot be written to an SSE-KMS bucket");
  }
  if (spec.lifecycleExpireDays !== undefined && (!Number.isInteger(spec.lifecycleExpireDays) || spec.lifecycleExpireDays < 1)) {
    throw new InputError("storage", `lifecycle expiry must be a whole number of days ≥ 1, not ${spec.lifecycleExpireDays}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Writes

/** Deletes every version and delete marker: ListObjectVersions pages of 1000, one DeleteObjects each. */
async function emptyBucket(s3: S3Client, name: string): Promise<void> {
  for (;;) {
    // Each page is deleted before the next listing, so listing from the start again is the next page.
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: name, MaxKeys: 1000 }));
    const ids: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    if (ids.length === 0) return;
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: ids, Quiet: true } }));
    const errors = r.Errors ?? [];
    if (errors.length) {
      throw new OpsError("delete_failed", `bucket ${name}: ${errors.length} object versions could not be deleted (first: ${errors[0].Key} ${errors[0].Code}: ${errors[0].Message})`, { fault: "aws" });
    }
  }
}

/** Objects (current, not delete markers) and versions in the bucket, counted up to `cap` versions. */
async function contents(s3: S3Client, name: string, cap = 100_000): Promise<{ objects: number; versions: number; more: boolean }> {
  let objects = 0;
  let versions = 0;
  // S3 has no SDK paginator for ListObjectVersions (its position is two markers).
  type Position = { KeyMarker?: string; VersionIdMarker?: string };
  const pages = pagesOf(
    (at: Position | undefined) => s3.send(new ListObjectVersionsCommand({ Bucket: name, MaxKeys: 1000, ...at })),
    (p) => (p.IsTruncated ? { KeyMarker: p.NextKeyMarker, VersionIdMarker: p.NextVersionIdMarker } : undefined),
  );
  for await (const p of pages) {
    objects += (p.Versions ?? []).filter((v) => v.IsLatest).length;
    versions += (p.Versions ?? []).length + (p.DeleteMarkers ?? []).length;
    if (p.IsTruncated && versions >= cap) return { objects, versions, more: true };
  }
  return { objects, versions, more: false };
}

export const bucket: ResourceKind<BucketSpec, BucketActual, ResourceContext, { id: string; arn: string }> = {
  kind: "bucket",
  // SPEC.md S3-01/S3-02/S3-03 (whichever the bucket's node carries); the app bucket's policy (only
  // through the VPC endpoint) is also NET-07.
  fieldControls: {
    ...Object.fromEntries(["region", "ObjectOwnership", "PublicAccessBlock", "Encryption", "Versioning", "Lifecycle"].map((f) => [f, ["S3-01", "S3-02", "S3-03"]])),
    Policy: ["S3-01", "S3-02", "S3-03", "NET-07"],
    Tags: [],
  },
  budget: { create: slowMs("s3.bucket.create") * 3, delete: slowMs("s3.bucket.create") * 6 },
  typicalCreateMs: typicalMs("s3.bucket.create"),

  async find(ctx, spec) {
    if (spec) {
      validateBucketSpec(spec);
      return readBucket(ctx, spec.name);
    }
    return (await this.findAll!(ctx))[0];
  },
  async findAll(ctx) {
    const mine = (await envBuckets(ctx)).filter((b) => ownedBy(ctx, b.tags));
    const read = await Promise.all(mine.map((b) => readBucket(ctx, b.item)));
    return read.filter((a): a is BucketActual => a !== undefined);
  },

  diff(spec, a) {
    const c: FieldChange[] = [];
    if (a.region !== a.expected.region) c.push({ field: "region", from: a.region, to: a.expected.region, replace: true });
    if (a.objectOwnership !== "BucketOwnerEnforced") c.push({ field: "ObjectOwnership", from: a.objectOwnership, to: "BucketOwnerEnforced" });
    const pab = a.publicAccessBlock ?? {};
    if (!(Object.keys(PAB_ALL) as (keyof PublicAccessBlockConfiguration)[]).every((k) => pab[k] === true)) {
      c.push({ field: "PublicAccessBlock", from: a.publicAccessBlock ?? "(none)", to: PAB_ALL });
    }
    const enc = wantEncryption(spec);
    const have = a.encryption;
    if (!have || have.algorithm !== enc.algorithm || (have.kmsKeyId ?? undefined) !== enc.kmsKeyId || have.bucketKeyEnabled !== enc.bucketKeyEnabled) {
      c.push({ field: "Encryption", from: have, to: enc });
    }
    if (a.versioning !== "Enabled") c.push({ field: "Versioning", from: a.versioning ?? "(never enabled)", to: "Enabled" });
    if (canonicalPolicy(a.policy) !== canonicalPolicy(spec.policy)) c.push({ field: "Policy", from: a.policy ? "(other policy)" : "(none)", to: "(plan)" });
    const rule = ownRule(a);
    const days = rule?.Expiration?.Days;
    if (spec.lifecycleExpireDays !== undefined) {
      const want = expireRule(spec.lifecycleExpireDays);
      if (!rule || JSON.stringify(canonicalRule(rule)) !== JSON.stringify(canonicalRule(want))) c.push({ field: "Lifecycle", from: days, to: spec.lifecycleExpireDays });
    } else if (rule) c.push({ field: "Lifecycle", from: days, to: undefined });
    const missing = Object.entries(a.expected.tags).filter(([k, v]) => a.tags[k] !== v);
    if (missing.length) c.push({ field: "Tags", from: a.tags, to: { ...a.tags, ...a.expected.tags } });
    return c;
  },

  async create(ctx, spec) {
    validateBucketSpec(spec);
    const s3 = await ctx.aws.get("s3");
    try {
      await s3.send(
        new CreateBucketCommand({
          Bucket: spec.name,
          // Outside us-east-1 the LocationConstraint is required; in us-east-1 it must be absent (CreateBucket reference).
          CreateBucketConfiguration: {
            ...(ctx.region === "us-east-1" ? {} : { LocationConstraint: ctx.region as BucketLocationConstraint }),
            // CreateBucketConfiguration.Tags (2025): the three tags go on in the create call itself.
            Tags: ctx.tags(),
          },
          ObjectOwnership: "BucketOwnerEnforced",
        }),
      );
    } catch (e) {
      if (isCode(e, "BucketAlreadyExists")) throw nameTaken(spec.name, e);
      // Ours already (a retried call after a lost answer): the post-create diff completes it.
      if (!isCode(e, "BucketAlreadyOwnedByYou")) throw e;
    }
    // Everything CreateBucket cannot set is applied by the post-create diff (reconcile.ts), so a crash
    // between these calls is repaired the same way on the next run.
    return { name: spec.name, arn: bucketArn(spec.name), region: ctx.region, tags: ctx.tagMap(), lifecycle: [], expected: expectedOf(ctx) };
  },

  async update(ctx, spec, a, changes) {
    const s3 = await ctx.aws.get("s3");
    const fields = new Set(changes.map((c) => c.field));
    const Bucket = a.name;
    // Ownership and the public access block first: the policy that follows must never land on an open bucket.
    if (fields.has("ObjectOwnership")) await s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } }));
    if (fields.has("PublicAccessBlock")) await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: PAB_ALL }));
    if (fields.has("Encryption")) {
      const enc = wantEncryption(spec);
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: enc.algorithm as "AES256" | "aws:kms", KMSMasterKeyID: enc.kmsKeyId }, BucketKeyEnabled: enc.bucketKeyEnabled }],
          },
        }),
      );
    }
    if (fields.has("Versioning")) await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
    if (fields.has("Policy")) await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(spec.policy) }));
    if (fields.has("Lifecycle")) {
      const others = a.lifecycle.filter((r) => r.ID !== LIFECYCLE_RULE_ID);
      const rules = spec.lifecycleExpireDays !== undefined ? [...others, expireRule(spec.lifecycleExpireDays)] : others;
      if (rules.length) await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: rules } }));
      else await s3.send(new DeleteBucketLifecycleCommand({ Bucket }));
    }
    if (fields.has("Tags")) {
      // PutBucketTagging replaces the whole set: keep the tags others added.
      const TagSet = Object.entries({ ...a.tags, ...ctx.tagMap() }).map(([Key, Value]) => ({ Key, Value }));
      await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet } }));
    }
    return (await readBucket(ctx, Bucket)) ?? a;
  },

  async delete(ctx, a) {
    const s3 = await ctx.aws.get("s3");
    const Bucket = a.name;
    const held = await contents(s3, Bucket);
    if (held.versions > 0 && !ctx.flags.deleteData) {
      const n = `${held.objects}${held.more ? "+" : ""}`;
      const v = held.versions !== held.objects ? ` (${held.versions}${held.more ? "+" : ""} versions)` : "";
      return { kept: `holds ${n} objects${v}; kept (\`down --delete-data\` deletes every version)` };
    }
    if (held.versions > 0) {
      // The app bucket's policy denies object deletes from outside the VPC endpoint (S3-01), and opsctl
      // runs outside it: the policy goes first, since the bucket is going away.
      await optional(s3.send(new DeleteBucketPolicyCommand({ Bucket })), "NoSuchBucket");
      await emptyBucket(s3, Bucket);
    }
    try {
      await s3.send(new DeleteBucketCommand({ Bucket }));
    } catch (e) {
      if (isNotFound(e)) return;
      // Something wrote between the count and the delete: look again (keep it, or empty it again).
      if (isCode(e, "BucketNotEmpty")) throw new TryAgainLater(`bucket ${Bucket} received objects while being deleted`, 1_000);
      throw e;
    }
  },

  refresh: (ctx, a) => readBucket(ctx, a.name),

  describe(a): Description {
    const pab = a.publicAccessBlock ?? {};
    const blocked = (Object.keys(PAB_ALL) as (keyof PublicAccessBlockConfiguration)[]).filter((k) => pab[k] === true);
    const statements = a.policy ? ((JSON.parse(a.policy) as PolicyDocument).Statement ?? []).map((s) => String(s.Sid ?? `${s.Effect} ${JSON.stringify(s.Action)}`)) : [];
    const enc = a.encryption;
    const protectedFully = blocked.length === 4 && a.versioning === "Enabled" && a.objectOwnership === "BucketOwnerEnforced" && statements.length > 0;
    return {
      id: a.name,
      state: "available",
      healthy: protectedFully,
      details: {
        region: a.region,
        encryption: !enc ? "none" : enc.algorithm === "AES256" ? "SSE-S3 (AES256)" : `SSE-KMS (${enc.kmsKeyId ?? "aws/s3"}${enc.bucketKeyEnabled ? ", bucket key" : ""})`,
        versioning: a.versioning ?? "never enabled",
        publicAccessBlock: blocked.length === 4 ? "all blocked" : blocked.length ? `only ${blocked.join(", ")}` : "none",
        objectOwnership: a.objectOwnership ?? "none",
        policyStatements: statements,
        lifecycleExpireDays: ownRule(a)?.Expiration?.Days,
      },
    };
  },
  outputs: (a) => ({ id: a.name, arn: a.arn }),
};

/** A lifecycle rule reduced to the fields opsctl sets (S3 may answer extra defaults). */
function canonicalRule(r: LifecycleRule): unknown {
  return {
    status: r.Status,
    prefix: r.Filter?.Prefix ?? r.Prefix ?? "",
    days: r.Expiration?.Days,
    noncurrent: r.NoncurrentVersionExpiration?.NoncurrentDays,
    abort: r.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
  };
}
