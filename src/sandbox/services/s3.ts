import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { S3ServiceException, type S3 } from "@aws-sdk/client-s3";
import { sdkStreamMixin } from "@smithy/core/serde";
import { paginate } from "../filters.js";
import { keyValueTags, tagsOf } from "../tags.js";
import { defineService, type HandlerContext, type Handlers, type SimRecord, type SimService } from "../types.js";

/*
 * Simulated S3 (behaviour: s3.md beside this file).
 *
 * Bucket names are global (one namespace per partition), so every bucket lives in ONE table,
 * ctx.tableOf("s3", "buckets", "global"), keyed by name, whatever region the client is in; the record
 * remembers its region. Public fields: Name, BucketRegion, CreationDate (ISO). Private fields: _tags
 * (the bucket's tag set, the sandbox's one tag form: ../tags.ts), _owner (account id), _location
 * (the LocationConstraint as given, "" for us-east-1), _pab, _ownership, _encryption, _versioning,
 * _policy, _lifecycle, _objects (key -> versions, oldest first).
 */

const GLOBAL = "global";
const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";

/** Region codes S3 accepts as a LocationConstraint (commercial partition) besides the legacy "EU". */
const REGIONS = new Set([
  "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ca-central-1",
  "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
  "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-2", "us-west-1", "us-west-2",
]);

interface Version {
  VersionId: string;
  DeleteMarker: boolean;
  LastModified: string;
  /** base64 */
  body?: string;
  ETag?: string;
  Size?: number;
  ContentType?: string;
  CacheControl?: string;
  Metadata?: Record<string, string>;
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
}

const buckets = (ctx: HandlerContext) => ctx.tableOf("s3", "buckets", GLOBAL);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * AWS's rules for a general purpose bucket name, one per bullet of the S3 user guide page "General
 * purpose bucket naming rules" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html),
 * in the page's order. CreateBucket answers InvalidBucketName when a name breaks any of them; S3 does
 * not say which, so neither does the sandbox. (opsctl's own check of a name it builds, with its
 * message for the operator, is src/resources/bucket.ts: the sandbox never shares it.)
 */
const BUCKET_NAME_RULES: readonly ((name: string) => boolean)[] = [
  (n) => n.length >= 3 && n.length <= 63, // between 3 (min) and 63 (max) characters long
  (n) => /^[a-z0-9.-]*$/.test(n), // only lowercase letters, numbers, periods and hyphens
  (n) => /^[a-z0-9]/.test(n) && /[a-z0-9]$/.test(n), // begin and end with a letter or number
  (n) => !n.includes(".."), // no two adjacent periods
  (n) => !/^\d{1,3}(\.\d{1,3}){3}$/.test(n), // not formatted as an IP address (e.g. 192.168.5.4)
  (n) => !["xn--", "sthree-", "amzn-s3-demo-"].some((p) => n.startsWith(p)), // reserved prefixes
  (n) => !["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].some((x) => n.endsWith(x)), // reserved suffixes
];

/** True when `name` keeps every one of S3's general purpose bucket naming rules. */
export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME_RULES.every((rule) => rule(name));
}

/** A bucket this account owns, for any bucket operation; errors as S3 answers them. */
function own(ctx: HandlerContext, name: string | undefined, op?: string): SimRecord {
  const b = name ? buckets(ctx)[name] : undefined;
  if (!b || !ctx.visible(b)) {
    if (op === "HeadBucket") ctx.fail("NotFound", "Not Found", 404);
    ctx.fail("NoSuchBucket", "The specified bucket does not exist", 404);
  }
  if (b._owner !== ctx.accountId) {
    if (op === "HeadBucket") ctx.fail("Forbidden", "Forbidden", 403);
    ctx.fail("AccessDenied", "Access Denied", 403);
  }
  // A bucket is addressed through its own region's endpoint; S3 answers 301 from any other region.
  // GetBucketLocation is the documented exception (it tells you the region).
  if (op !== "GetBucketLocation" && b.BucketRegion !== ctx.region) {
    ctx.fail("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.", 301);
  }
  return b;
}

function defaultEncryption(): SimRecord {
  // Since January 2023 every bucket has SSE-S3 default encryption; it cannot be removed, only replaced.
  return { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false }] };
}

function validTags(ctx: HandlerContext, tags: { Key?: string; Value?: string }[] | undefined): { Key: string; Value: string }[] {
  const list = (tags ?? []).map((t) => ({ Key: String(t.Key ?? ""), Value: String(t.Value ?? "") }));
  if (list.length > 50) ctx.fail("InvalidTag", "Object tags cannot be greater than 50");
  const seen = new Set<string>();
  for (const t of list) {
    if (!t.Key || t.Key.length > 128) ctx.fail("InvalidTag", "The TagKey you have provided is invalid");
    if (t.Value.length > 256) ctx.fail("InvalidTag", "The TagValue you have provided is too long, max 256");
    if (t.Key.toLowerCase().startsWith("aws:")) ctx.fail("InvalidTag", "System tags cannot be added/updated by requester");
    if (seen.has(t.Key)) ctx.fail("InvalidTag", "Cannot provide multiple Tags with the same key");
    seen.add(t.Key);
  }
  return list;
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Condition keys whose fixed value makes a grant non-public ("The meaning of public", S3 user guide). */
const FIXING_KEYS = ["aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner", "aws:sourceaccount", "aws:principalaccount", "aws:principalorgid", "aws:principalarn", "aws:userid", "aws:sourceip", "s3:x-amz-server-side-encryption-aws-kms-key-id"];

/** True when the policy grants access to anyone: an Allow to `*` not narrowed by a fixed-value condition. */
export function isPublicPolicy(doc: SimRecord): boolean {
  return asList<SimRecord>(doc.Statement).some((s) => {
    if (s.Effect !== "Allow") return false;
    const p = s.Principal;
    const anyone = p === "*" || (p && typeof p === "object" && asList(p.AWS).includes("*"));
    if (!anyone) return false;
    const keys = Object.values((s.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap((block) =>
      Object.entries(block ?? {})
        .filter(([, v]) => asList(v as string | string[]).every((x) => typeof x === "string" && !x.includes("*")))
        .map(([k]) => k.toLowerCase()),
    );
    return !keys.some((k) => FIXING_KEYS.includes(k));
  });
}

function parsePolicy(ctx: HandlerContext, bucket: string, text: unknown): SimRecord {
  const s = String(text ?? "");
  if (!s.trimStart().startsWith("{")) ctx.fail("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'");
  let doc: SimRecord;
  try {
    doc = JSON.parse(s);
  } catch {
    ctx.fail("MalformedPolicy", "This policy contains invalid Json");
  }
  const statements = asList<SimRecord>(doc.Statement);
  if (!doc.Statement || statements.length === 0) ctx.fail("MalformedPolicy", "Missing required field Statement");
  for (const st of statements) {
    if (st.Effect !== "Allow" && st.Effect !== "Deny") ctx.fail("MalformedPolicy", "Invalid effect: " + String(st.Effect));
    if (st.Principal === undefined && st.NotPrincipal === undefined) ctx.fail("MalformedPolicy", "Missing required field Principal");
    if (st.Action === undefined && st.NotAction === undefined) ctx.fail("MalformedPolicy", "Missing required field Action");
    const resources = asList<string>(st.Resource ?? st.NotResource);
    if (resources.length === 0) ctx.fail("MalformedPolicy", "Missing required field Resource");
    for (const r of resources) {
      const m = /^arn:aws:s3:::([^/]+)(\/.*)?$/.exec(String(r));
      if (!m || !wildcard(m[1], bucket)) ctx.fail("MalformedPolicy", "Policy has invalid resource");
    }
    for (const a of asList<string>(st.Action ?? st.NotAction)) {
      if (a !== "*" && !/^s3:[A-Za-z*]+$/.test(String(a))) ctx.fail("MalformedPolicy", "Policy has invalid action");
    }
  }
  return doc;
}

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp("^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
  return re.test(value);
}

function bodyBytes(ctx: HandlerContext, body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  return ctx.fail("NotImplemented", "The opsctl sandbox takes PutObject bodies as a string or bytes, not a stream", 501);
}

const versionsOf = (b: SimRecord, key: string): Version[] => ((b._objects ??= {})[key] ??= []);
const latest = (vs: Version[]): Version | undefined => vs[vs.length - 1];
const everVersioned = (b: SimRecord) => b._versioning === "Enabled" || b._versioning === "Suspended";

/** Adds a version (or a delete marker) the way the bucket's versioning state says. */
function addVersion(ctx: HandlerContext, b: SimRecord, key: string, v: Omit<Version, "VersionId">): Version {
  const vs = versionsOf(b, key);
  let VersionId = "null";
  if (b._versioning === "Enabled") VersionId = ctx.newId("", 32);
  else {
    // Unversioned and suspended buckets keep one "null" version, replaced by each write.
    const i = vs.findIndex((x) => x.VersionId === "null");
    if (i >= 0) vs.splice(i, 1);
  }
  const rec: Version = { ...v, VersionId };
  vs.push(rec);
  return rec;
}

function pruneKey(b: SimRecord, key: string): void {
  if (b._objects?.[key]?.length === 0) delete b._objects[key];
}

function versionCount(b: SimRecord): number {
  return Object.values((b._objects ?? {}) as Record<string, Version[]>).reduce((n, vs) => n + vs.length, 0);
}

function sseOf(b: SimRecord, input: SimRecord): Pick<Version, "ServerSideEncryption" | "SSEKMSKeyId" | "BucketKeyEnabled"> {
  if (input.ServerSideEncryption) {
    return { ServerSideEncryption: input.ServerSideEncryption, SSEKMSKeyId: input.ServerSideEncryption.startsWith("aws:kms") ? (input.SSEKMSKeyId ?? `arn:aws:kms:${b.BucketRegion}:${b._owner}:alias/aws/s3`) : undefined, BucketKeyEnabled: input.BucketKeyEnabled };
  }
  const rule = b._encryption.Rules[0];
  const d = rule.ApplyServerSideEncryptionByDefault;
  return d.SSEAlgorithm === "AES256"
    ? { ServerSideEncryption: "AES256" }
    : { ServerSideEncryption: d.SSEAlgorithm, SSEKMSKeyId: d.KMSMasterKeyID ?? `arn:aws:kms:${b.BucketRegion}:${b._owner}:alias/aws/s3`, BucketKeyEnabled: rule.BucketKeyEnabled ?? false };
}

/** The version a Get/Head addresses (latest unless VersionId); S3's answers for missing keys and delete markers. */
function addressed(ctx: HandlerContext, b: SimRecord, input: SimRecord, head: boolean): Version {
  const vs: Version[] = b._objects?.[input.Key] ?? [];
  if (input.VersionId !== undefined) {
    const v = vs.find((x) => x.VersionId === input.VersionId);
    if (!v) return head ? ctx.fail("NotFound", "Not Found", 404) : ctx.fail("NoSuchVersion", "The specified version does not exist.", 404);
    // Addressing a delete marker by id: 405 (the reference: "Method Not Allowed").
    if (v.DeleteMarker) ctx.fail("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
    return v;
  }
  const v = latest(vs);
  if (!v || v.DeleteMarker) return head ? ctx.fail("NotFound", "Not Found", 404) : ctx.fail("NoSuchKey", "The specified key does not exist.", 404);
  return v;
}

function objectOutput(b: SimRecord, v: Version): SimRecord {
  return {
    LastModified: new Date(v.LastModified),
    ContentLength: v.Size,
    ETag: v.ETag,
    ContentType: v.ContentType,
    CacheControl: v.CacheControl,
    Metadata: v.Metadata ?? {},
    VersionId: everVersioned(b) ? v.VersionId : undefined,
    ServerSideEncryption: v.ServerSideEncryption,
    SSEKMSKeyId: v.SSEKMSKeyId,
    BucketKeyEnabled: v.BucketKeyEnabled,
    AcceptRanges: "bytes",
  };
}

/** Deletes one key (or one version) per the versioning rules; the DeleteObject output. */
function deleteOne(ctx: HandlerContext, b: SimRecord, key: string, versionId: string | undefined): SimRecord {
  const vs: Version[] = b._objects?.[key] ?? [];
  if (versionId !== undefined) {
    // Deleting a version (or delete marker) removes it for good; a missing version is not an error.
    const i = vs.findIndex((x) => x.VersionId === versionId);
    if (i < 0) return { VersionId: versionId };
    const [gone] = vs.splice(i, 1);
    pruneKey(b, key);
    return { VersionId: versionId, DeleteMarker: gone.DeleteMarker || undefined };
  }
  if (!everVersioned(b)) {
    if (b._objects) delete b._objects[key];
    return {};
  }
  const marker = addVersion(ctx, b, key, { DeleteMarker: true, LastModified: iso(ctx.now()) });
  return { DeleteMarker: true, VersionId: marker.VersionId };
}

const owner = (b: SimRecord) => ({ ID: createHash("sha256").update(String(b._owner)).digest("hex") });

const handlers: Handlers<S3> = {
  CreateBucket(input, ctx) {
    const name = String(input.Bucket ?? "");
    if (!isValidBucketName(name)) ctx.fail("InvalidBucketName", "The specified bucket is not valid.");
    const cfg = input.CreateBucketConfiguration ?? {};
    const lc: string | undefined = cfg.LocationConstraint || undefined;
    if (lc === "us-east-1" || (lc !== undefined && lc !== "EU" && !REGIONS.has(lc))) ctx.fail("InvalidLocationConstraint", "The specified location-constraint is not valid", 400);
    const region = lc === "EU" ? "eu-west-1" : (lc ?? "us-east-1");
    if (region !== ctx.region) {
      ctx.fail(
        "IllegalLocationConstraintException",
        lc === undefined ? "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to." : `The ${lc} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        400,
      );
    }
    const table = buckets(ctx);
    const existing = table[name];
    if (existing) {
      if (existing._owner !== ctx.accountId) ctx.fail("BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", 409);
      // Legacy compatibility: in us-east-1 re-creating your own bucket answers 200 OK (the CreateBucket reference).
      if (existing.BucketRegion === "us-east-1" && region === "us-east-1") return { Location: `/${name}` };
      ctx.fail("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", 409);
    }
    const ownership = input.ObjectOwnership ?? "BucketOwnerEnforced";
    if (!["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"].includes(ownership)) ctx.fail("InvalidArgument", "Invalid x-amz-object-ownership header");
    const acl: string | undefined = input.ACL;
    if (ownership === "BucketOwnerEnforced" && ((acl && acl !== "private" && acl !== "bucket-owner-full-control") || input.GrantRead || input.GrantWrite || input.GrantFullControl || input.GrantReadACP || input.GrantWriteACP)) {
      ctx.fail("InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
    }
    const tags = cfg.Tags === undefined ? undefined : validTags(ctx, cfg.Tags);
    table[name] = ctx.born({
      Name: name,
      BucketRegion: region,
      CreationDate: iso(ctx.now()),
      ...(tags?.length ? { _tags: tags } : {}),
      _owner: ctx.accountId,
      _location: lc ?? "",
      // Since April 2023 new buckets have all four Block Public Access settings on and ACLs disabled.
      _pab: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      _ownership: ownership,
      _encryption: defaultEncryption(),
      _objects: {},
      _objectLock: input.ObjectLockEnabledForBucket === true || undefined,
      _versioning: input.ObjectLockEnabledForBucket === true ? "Enabled" : undefined,
    });
    return { Location: region === "us-east-1" ? `/${name}` : `http://${name}.s3.amazonaws.com/`, BucketArn: `arn:aws:s3:::${name}` };
  },

  HeadBucket(input, ctx) {
    const b = own(ctx, input.Bucket, "HeadBucket");
    return { BucketRegion: b.BucketRegion, AccessPointAlias: false, BucketArn: `arn:aws:s3:::${b.Name}` };
  },

  ListBuckets(input, ctx) {
    const mine = Object.values(buckets(ctx))
      .filter((b) => b._owner === ctx.accountId && ctx.visible(b))
      .filter((b) => !input.Prefix || b.Name.startsWith(input.Prefix))
      .filter((b) => !input.BucketRegion || b.BucketRegion === input.BucketRegion)
      .sort((a, b) => (a.Name < b.Name ? -1 : 1));
    const { page, next } = paginate(mine, input.MaxBuckets, input.ContinuationToken, 10_000);
    return {
      Buckets: page.map((b) => ({ Name: b.Name, CreationDate: new Date(b.CreationDate), BucketRegion: b.BucketRegion, BucketArn: `arn:aws:s3:::${b.Name}` })),
      Owner: { ID: owner({ _owner: ctx.accountId }).ID },
      ContinuationToken: next,
      Prefix: input.Prefix,
    };
  },

  GetBucketLocation(input, ctx) {
    const b = own(ctx, input.Bucket, "GetBucketLocation");
    // us-east-1 buckets answer an empty LocationConstraint (null in the XML).
    return { LocationConstraint: b._location || undefined };
  },

  DeleteBucket(input, ctx) {
    const b = own(ctx, input.Bucket);
    if (versionCount(b) > 0) {
      ctx.fail("BucketNotEmpty", everVersioned(b) ? "The bucket you tried to delete is not empty. You must delete all versions in the bucket." : "The bucket you tried to delete is not empty", 409);
    }
    delete buckets(ctx)[b.Name];
    return {};
  },

  PutPublicAccessBlock(input, ctx) {
    const b = own(ctx, input.Bucket);
    const c = input.PublicAccessBlockConfiguration;
    if (!c) return ctx.fail("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
    b._pab = { BlockPublicAcls: !!c.BlockPublicAcls, IgnorePublicAcls: !!c.IgnorePublicAcls, BlockPublicPolicy: !!c.BlockPublicPolicy, RestrictPublicBuckets: !!c.RestrictPublicBuckets };
    return {};
  },
  GetPublicAccessBlock(input, ctx) {
    const b = own(ctx, input.Bucket);
    if (!b._pab) ctx.fail("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404);
    return { PublicAccessBlockConfiguration: { ...b._pab } };
  },
  DeletePublicAccessBlock(input, ctx) {
    const b = own(ctx, input.Bucket);
    delete b._pab;
    return {};
  },

  PutBucketEncryption(input, ctx) {
    const b = own(ctx, input.Bucket);
    const rules: SimRecord[] = input.ServerSideEncryptionConfiguration?.Rules ?? [];
    if (rules.length !== 1) ctx.fail("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
    const d = rules[0].ApplyServerSideEncryptionByDefault;
    if (!d || !["AES256", "aws:kms", "aws:kms:dsse"].includes(d.SSEAlgorithm)) ctx.fail("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
    if (d.KMSMasterKeyID && d.SSEAlgorithm === "AES256") ctx.fail("InvalidArgument", "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse");
    b._encryption = {
      Rules: [
        {
          ApplyServerSideEncryptionByDefault: { SSEAlgorithm: d.SSEAlgorithm, ...(d.KMSMasterKeyID ? { KMSMasterKeyID: d.KMSMasterKeyID } : {}) },
          BucketKeyEnabled: !!rules[0].BucketKeyEnabled,
          ...(rules[0].BlockedEncryptionTypes ? { BlockedEncryptionTypes: rules[0].BlockedEncryptionTypes } : {}),
        },
      ],
    };
    return {};
  },
  GetBucketEncryption(input, ctx) {
    const b = own(ctx, input.Bucket);
    return { ServerSideEncryptionConfiguration: JSON.parse(JSON.stringify(b._encryption)) };
  },
  DeleteBucketEncryption(input, ctx) {
    const b = own(ctx, input.Bucket);
    b._encryption = defaultEncryption();
    return {};
  },

  PutBucketVersioning(input, ctx) {
    const b = own(ctx, input.Bucket);
    const status = input.VersioningConfiguration?.Status;
    if (status !== "Enabled" && status !== "Suspended") ctx.fail("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
    if (status === "Suspended" && b._objectLock) ctx.fail("InvalidBucketState", "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.", 409);
    b._versioning = status;
    const mfa = input.VersioningConfiguration?.MFADelete;
    if (mfa === "Enabled" || mfa === "Disabled") b._mfaDelete = mfa;
    return {};
  },
  GetBucketVersioning(input, ctx) {
    const b = own(ctx, input.Bucket);
    // Never-versioned buckets answer no Status at all; MFADelete "is only returned if the bucket has been
    // configured with MFA delete" (VersioningConfiguration, S3 API reference).
    return b._versioning ? { Status: b._versioning, ...(b._mfaDelete ? { MFADelete: b._mfaDelete } : {}) } : {};
  },

  PutBucketPolicy(input, ctx) {
    const b = own(ctx, input.Bucket);
    const doc = parsePolicy(ctx, b.Name, input.Policy);
    // BlockPublicPolicy: "PUT Bucket policy calls fail if the specified bucket policy allows public access" (403).
    if (b._pab?.BlockPublicPolicy && isPublicPolicy(doc)) ctx.fail("AccessDenied", "Access Denied", 403);
    b._policy = String(input.Policy);
    return {};
  },
  GetBucketPolicy(input, ctx) {
    const b = own(ctx, input.Bucket);
    if (b._policy === undefined) ctx.fail("NoSuchBucketPolicy", "The bucket policy does not exist", 404);
    return { Policy: b._policy };
  },
  DeleteBucketPolicy(input, ctx) {
    const b = own(ctx, input.Bucket);
    delete b._policy;
    return {};
  },
  GetBucketPolicyStatus(input, ctx) {
    const b = own(ctx, input.Bucket);
    if (b._policy === undefined) ctx.fail("NoSuchBucketPolicy", "The bucket policy does not exist", 404);
    return { PolicyStatus: { IsPublic: isPublicPolicy(JSON.parse(b._policy)) } };
  },

  PutBucketTagging(input, ctx) {
    const b = own(ctx, input.Bucket);
    if (!input.Tagging?.TagSet) return ctx.fail("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
    const tags = validTags(ctx, input.Tagging.TagSet);
    if (tags.length) b._tags = tags;
    else delete b._tags;
    return {};
  },
  GetBucketTagging(input, ctx) {
    const b = own(ctx, input.Bucket);
    if (!tagsOf(b).length) ctx.fail("NoSuchTagSet", "The TagSet does not exist", 404);
    return { TagSet: keyValueTags(b) };
  },
  DeleteBucketTagging(input, ctx) {
    const b = own(ctx, input.Bucket);
    delete b._tags;
    return {};
  },

  PutBucketOwnershipControls(input, ctx) {
    const b = own(ctx, input.Bucket);
    const rules: SimRecord[] = input.OwnershipControls?.Rules ?? [];
    const o = rules[0]?.ObjectOwnership;
    if (rules.length !== 1 || !["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"].includes(o)) ctx.fail("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
    b._ownership = o;
    return {};
  },
  GetBucketOwnershipControls(input, ctx) {
    const b = own(ctx, input.Bucket);
    if (!b._ownership) ctx.fail("OwnershipControlsNotFoundError", "The bucket ownership controls were not found", 404);
    return { OwnershipControls: { Rules: [{ ObjectOwnership: b._ownership }] } };
  },
  DeleteBucketOwnershipControls(input, ctx) {
    const b = own(ctx, input.Bucket);
    delete b._ownership;
    return {};
  },

  PutBucketLifecycleConfiguration(input, ctx) {
    const b = own(ctx, input.Bucket);
    const rules: SimRecord[] = input.LifecycleConfiguration?.Rules ?? [];
    if (rules.length === 0 || rules.length > 1000) ctx.fail("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
    const ids = new Set<string>();
    for (const r of rules) {
      if (r.Status !== "Enabled" && r.Status !== "Disabled") ctx.fail("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
      if (r.ID) {
        if (ids.has(r.ID)) ctx.fail("InvalidArgument", "RuleId must be unique. Found same ID for more than one rule");
        ids.add(r.ID);
      }
      const days = r.Expiration?.Days;
      if (days !== undefined && (!Number.isInteger(days) || days <= 0)) ctx.fail("InvalidArgument", "'Days' for Expiration action must be a positive integer");
    }
    b._lifecycle = JSON.parse(JSON.stringify(rules));
    return { TransitionDefaultMinimumObjectSize: "all_storage_classes_128K" };
  },
  GetBucketLifecycleConfiguration(input, ctx) {
    const b = own(ctx, input.Bucket);
    if (!b._lifecycle) ctx.fail("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", 404);
    return { Rules: JSON.parse(JSON.stringify(b._lifecycle)), TransitionDefaultMinimumObjectSize: "all_storage_classes_128K" };
  },
  DeleteBucketLifecycle(input, ctx) {
    const b = own(ctx, input.Bucket);
    delete b._lifecycle;
    return {};
  },

  PutObject(input, ctx) {
    const b = own(ctx, input.Bucket);
    if (!input.Key) ctx.fail("InvalidArgument", "Key must not be empty");
    if (input.ACL && input.ACL !== "bucket-owner-full-control" && input.ACL !== "private" && b._ownership === "BucketOwnerEnforced") {
      ctx.fail("AccessControlListNotSupported", "The bucket does not allow ACLs");
    }
    if (input.ACL && b._pab?.BlockPublicAcls && ["public-read", "public-read-write", "authenticated-read"].includes(input.ACL)) ctx.fail("AccessDenied", "Access Denied", 403);
    if (input.GrantRead?.includes(ALL_USERS) && b._pab?.BlockPublicAcls) ctx.fail("AccessDenied", "Access Denied", 403);
    const bytes = bodyBytes(ctx, input.Body);
    // Content-MD5 is checked against the body (PutObject reference: BadDigest).
    if (input.ContentMD5 !== undefined && input.ContentMD5 !== createHash("md5").update(bytes).digest("base64")) ctx.fail("BadDigest", "The Content-MD5 you specified did not match what we received.");
    const v = addVersion(ctx, b, input.Key!, {
      DeleteMarker: false,
      LastModified: iso(ctx.now()),
      body: bytes.toString("base64"),
      ETag: `"${createHash("md5").update(bytes).digest("hex")}"`,
      Size: bytes.length,
      ContentType: input.ContentType ?? "binary/octet-stream",
      CacheControl: input.CacheControl,
      Metadata: input.Metadata,
      ...sseOf(b, input),
    });
    return { ETag: v.ETag, VersionId: everVersioned(b) ? v.VersionId : undefined, ServerSideEncryption: v.ServerSideEncryption, SSEKMSKeyId: v.SSEKMSKeyId, BucketKeyEnabled: v.BucketKeyEnabled, Size: v.Size };
  },
  GetObject(input, ctx) {
    const b = own(ctx, input.Bucket);
    const v = addressed(ctx, b, input, false);
    const bytes = Buffer.from(v.body ?? "", "base64");
    // The SDK hands callers a stream with transformToString/transformToByteArray: give the same.
    return { ...objectOutput(b, v), Body: sdkStreamMixin(Readable.from([bytes])) };
  },
  HeadObject(input, ctx) {
    const b = own(ctx, input.Bucket);
    return objectOutput(b, addressed(ctx, b, input, true));
  },
  DeleteObject(input, ctx) {
    const b = own(ctx, input.Bucket);
    return deleteOne(ctx, b, input.Key!, input.VersionId);
  },
  DeleteObjects(input, ctx) {
    const b = own(ctx, input.Bucket);
    const objects: SimRecord[] = input.Delete?.Objects ?? [];
    if (objects.length === 0 || objects.length > 1000) ctx.fail("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
    const Deleted: SimRecord[] = [];
    for (const o of objects) {
      const r = deleteOne(ctx, b, o.Key, o.VersionId);
      if (o.VersionId !== undefined) Deleted.push({ Key: o.Key, VersionId: o.VersionId, DeleteMarker: r.DeleteMarker, DeleteMarkerVersionId: r.DeleteMarker ? o.VersionId : undefined });
      else Deleted.push({ Key: o.Key, DeleteMarker: r.DeleteMarker, DeleteMarkerVersionId: r.VersionId });
    }
    // Quiet mode answers only the errors.
    return input.Delete?.Quiet ? { Errors: [] } : { Deleted, Errors: [] };
  },
  ListObjectsV2(input, ctx) {
    const b = own(ctx, input.Bucket);
    const max = input.MaxKeys ?? 1000;
    const prefix = input.Prefix ?? "";
    const after = input.ContinuationToken ? Buffer.from(input.ContinuationToken, "base64url").toString() : (input.StartAfter ?? "");
    const keys = Object.keys(b._objects ?? {})
      .filter((k) => k.startsWith(prefix) && k > after)
      .filter((k) => {
        const v = latest(b._objects[k]);
        return v && !v.DeleteMarker;
      })
      .sort();
    const contents: SimRecord[] = [];
    const prefixes = new Set<string>();
    let last: string | undefined;
    let truncated = false;
    for (const k of keys) {
      if (contents.length + prefixes.size >= max) {
        truncated = true;
        break;
      }
      const i = input.Delimiter ? k.indexOf(input.Delimiter, prefix.length) : -1;
      if (i >= 0) prefixes.add(k.slice(0, i + input.Delimiter!.length));
      else {
        const v = latest(b._objects[k])!;
        contents.push({ Key: k, LastModified: new Date(v.LastModified), ETag: v.ETag, Size: v.Size, StorageClass: "STANDARD" });
      }
      last = k;
    }
    return {
      Name: b.Name,
      Prefix: input.Prefix,
      Delimiter: input.Delimiter,
      MaxKeys: max,
      KeyCount: contents.length + prefixes.size,
      IsTruncated: truncated,
      Contents: contents.length ? contents : undefined,
      CommonPrefixes: prefixes.size ? [...prefixes].map((Prefix) => ({ Prefix })) : undefined,
      ContinuationToken: input.ContinuationToken,
      NextContinuationToken: truncated && last ? Buffer.from(last).toString("base64url") : undefined,
      StartAfter: input.StartAfter,
    };
  },
  ListObjectVersions(input, ctx) {
    const b = own(ctx, input.Bucket);
    const max = input.MaxKeys ?? 1000;
    const prefix = input.Prefix ?? "";
    // Keys ascending, each key's versions newest first (the reference's order).
    const all: { key: string; v: Version; isLatest: boolean }[] = [];
    for (const k of Object.keys(b._objects ?? {}).filter((k) => k.startsWith(prefix)).sort()) {
      const vs: Version[] = b._objects[k];
      for (let i = vs.length - 1; i >= 0; i--) all.push({ key: k, v: vs[i], isLatest: i === vs.length - 1 });
    }
    let start = 0;
    if (input.KeyMarker !== undefined) {
      if (input.VersionIdMarker !== undefined) {
        const i = all.findIndex((e) => e.key === input.KeyMarker && e.v.VersionId === input.VersionIdMarker);
        start = i >= 0 ? i + 1 : all.findIndex((e) => e.key > input.KeyMarker!);
      } else start = all.findIndex((e) => e.key > input.KeyMarker!);
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + max);
    const truncated = start + page.length < all.length;
    const lastEntry = page[page.length - 1];
    const Versions = page.filter((e) => !e.v.DeleteMarker).map((e) => ({ Key: e.key, VersionId: e.v.VersionId, IsLatest: e.isLatest, LastModified: new Date(e.v.LastModified), ETag: e.v.ETag, Size: e.v.Size, StorageClass: "STANDARD", Owner: owner(b) }));
    const DeleteMarkers = page.filter((e) => e.v.DeleteMarker).map((e) => ({ Key: e.key, VersionId: e.v.VersionId, IsLatest: e.isLatest, LastModified: new Date(e.v.LastModified), Owner: owner(b) }));
    return {
      Name: b.Name,
      Prefix: input.Prefix,
      KeyMarker: input.KeyMarker ?? "",
      VersionIdMarker: input.VersionIdMarker,
      MaxKeys: max,
      IsTruncated: truncated,
      NextKeyMarker: truncated ? lastEntry?.key : undefined,
      NextVersionIdMarker: truncated ? lastEntry?.v.VersionId : undefined,
      Versions: Versions.length ? Versions : undefined,
      DeleteMarkers: DeleteMarkers.length ? DeleteMarkers : undefined,
    };
  },
};

/** Simulated S3 (behaviour: s3.md beside this file). */
export const s3Service: SimService = defineService<S3>({
  clientName: "S3Client",
  key: "s3",
  exception: S3ServiceException as any,
  throttlingCode: "SlowDown",
  handlers,
});
