import { CloudTrailServiceException, type CloudTrail } from "@aws-sdk/client-cloudtrail";
import { publicView } from "../filters.js";
import { keyValueTags, mergeTags, removeTags } from "../tags.js";
import { defineService, type HandlerContext, type SimRecord, type SimService, type Handlers } from "../types.js";

/*
 * Simulated CloudTrail (behaviour: cloudtrail.md beside this file).
 *
 * Trails live in the home region's "trails" table keyed by Name, in Trail's shape. Private
 * fields: _tags ([{Key, Value}], read by the test inventory), _logging (boolean),
 * _startedAt / _stoppedAt (ms). The S3 bucket is read from the simulated S3
 * (ctx.tableOf("s3", "buckets", "global"): _policy is the bucket policy JSON) and the KMS key
 * from the simulated KMS (ctx.tableOf("kms", "keys" | "aliases", region)).
 */

const NAME = /^[A-Za-z0-9](?!.*[._-]{2})[A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/;
const TRAIL_ARN = /^arn:aws:cloudtrail:([a-z0-9-]+):(\d{12}):trail\/(.+)$/;
const SERVICE = "cloudtrail.amazonaws.com";

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const iso = (ms: number) => new Date(ms).toISOString();
const trails = (ctx: HandlerContext) => ctx.table("trails");
const trailArn = (ctx: HandlerContext, name: string) => `arn:aws:cloudtrail:${ctx.region}:${ctx.accountId}:trail/${name}`;

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp("^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
  return re.test(value);
}

/** True when some Allow statement grants `action` on `resource` to the CloudTrail service principal. */
function grantsService(policyJson: string | undefined, action: string, resource: string | undefined): boolean {
  if (!policyJson) return false;
  let doc: SimRecord;
  try {
    doc = JSON.parse(policyJson);
  } catch {
    return false;
  }
  return asList<SimRecord>(doc.Statement).some((s) => {
    if (s.Effect !== "Allow") return false;
    const p = s.Principal;
    const principals = p === "*" ? ["*"] : asList<string>(p?.Service);
    if (!principals.includes(SERVICE) && !principals.includes("*")) return false;
    if (!asList<string>(s.Action).some((a) => wildcard(a, action))) return false;
    return resource === undefined || asList<string>(s.Resource).some((r) => wildcard(r, resource));
  });
}

/**
 * The bucket must exist (S3BucketDoesNotExistException) and its policy must let CloudTrail
 * write `<prefix>/AWSLogs/<account>/…` (InsufficientS3BucketPolicyException), as the CreateTrail
 * reference and "Amazon S3 bucket policy for CloudTrail" describe.
 */
function checkBucket(ctx: HandlerContext, bucket: string, prefix: string | undefined): void {
  const b = ctx.tableOf("s3", "buckets", "global")[bucket];
  if (!b) ctx.fail("S3BucketDoesNotExistException", `S3 bucket ${bucket} does not exist.`);
  const key = `${prefix ? `${prefix}/` : ""}AWSLogs/${ctx.accountId}/CloudTrail/${ctx.region}/digest.json.gz`;
  if (!grantsService(b._policy, "s3:PutObject", `arn:aws:s3:::${bucket}/${key}`)) {
    ctx.fail("InsufficientS3BucketPolicyException", `Incorrect S3 bucket policy is detected for bucket: ${bucket}`);
  }
}

/** Resolves KmsKeyId (key id, key ARN, alias name or alias ARN) to the key's ARN, checking state and key policy. */
function checkKey(ctx: HandlerContext, keyId: string): string {
  const arn = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/.exec(keyId);
  const region = arn?.[1] ?? ctx.region;
  let id = arn ? (arn[3] === "key" ? arn[4] : undefined) : keyId.startsWith("alias/") ? undefined : keyId;
  if (id === undefined) {
    const alias = arn ? `alias/${arn[4]}` : keyId;
    id = ctx.tableOf("kms", "aliases", region)[alias]?.TargetKeyId;
  }
  const key = id ? ctx.tableOf("kms", "keys", region)[id] : undefined;
  if (!key) ctx.fail("KmsKeyNotFoundException", `KMS key not found: ${keyId}`);
  if (key.KeyState === "Disabled") ctx.fail("KmsKeyDisabledException", `KMS key ${keyId} is disabled.`);
  if (key.KeyState === "PendingDeletion") ctx.fail("KmsException", `KMS key ${keyId} is pending deletion.`);
  // The key policy must let CloudTrail generate data keys ("Configure AWS KMS key policies for CloudTrail").
  if (!grantsService(key._policy, "kms:GenerateDataKey*", undefined)) {
    ctx.fail("InsufficientEncryptionPolicyException", `Insufficient permissions to access S3 bucket or KMS key ${keyId}.`);
  }
  return key.Arn;
}

function checkTags(ctx: HandlerContext, tags: SimRecord[]): { Key: string; Value: string }[] {
  if (tags.length > 50) ctx.fail("TagsLimitExceededException", "The number of tags per trail has exceeded the permitted amount. Currently, the limit is 50.");
  for (const t of tags) {
    if (!t.Key || String(t.Key).length > 128 || String(t.Value ?? "").length > 256 || String(t.Key).startsWith("aws:")) ctx.fail("InvalidTagParameterException", "The tag key or value is not valid.");
  }
  return tags.map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? "") }));
}

/** The trail named by name or ARN; writes must be called in its home region. */
function trailOf(ctx: HandlerContext, nameOrArn: unknown, write: boolean): SimRecord {
  const raw = String(nameOrArn ?? "");
  if (!raw) ctx.fail("TrailNotProvidedException", "Trail name or ARN is required.");
  const m = TRAIL_ARN.exec(raw);
  const name = m ? m[3] : raw;
  const region = m ? m[1] : ctx.region;
  const rec = ctx.tableOf("cloudtrail", "trails", region)[name];
  const unknown = `Unknown trail: ${m ? raw : trailArn(ctx, name)} for the user: ${ctx.accountId}`;
  if (!rec || !ctx.visible(rec)) ctx.fail("TrailNotFoundException", unknown);
  if (region !== ctx.region) {
    // A multi-region trail can be read from any region; a single-region one only from its own.
    if (!rec.IsMultiRegionTrail) ctx.fail("TrailNotFoundException", unknown);
    if (write) ctx.fail("InvalidHomeRegionException", "This operation must be called from the trail's home region.");
  }
  return rec;
}

function trailOut(rec: SimRecord): SimRecord {
  const out = publicView(rec);
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** The fields of CreateTrail/UpdateTrail that change a trail, validated. */
function settings(ctx: HandlerContext, input: SimRecord, current: SimRecord | undefined): SimRecord {
  const s: SimRecord = {};
  const bucket = input.S3BucketName ?? current?.S3BucketName;
  const prefix = input.S3KeyPrefix !== undefined ? input.S3KeyPrefix || undefined : current?.S3KeyPrefix;
  if (!bucket) ctx.fail("InvalidS3BucketNameException", "S3 bucket name is required.");
  if (prefix !== undefined && String(prefix).length > 200) ctx.fail("InvalidS3PrefixException", "The S3 key prefix is not valid.");
  if (input.S3BucketName !== undefined || input.S3KeyPrefix !== undefined || !current) checkBucket(ctx, bucket, prefix);
  s.S3BucketName = bucket;
  s.S3KeyPrefix = prefix;
  if (input.IncludeGlobalServiceEvents !== undefined) s.IncludeGlobalServiceEvents = input.IncludeGlobalServiceEvents;
  if (input.IsMultiRegionTrail !== undefined) s.IsMultiRegionTrail = input.IsMultiRegionTrail;
  if (input.EnableLogFileValidation !== undefined) s.LogFileValidationEnabled = input.EnableLogFileValidation;
  const global = s.IncludeGlobalServiceEvents ?? current?.IncludeGlobalServiceEvents ?? true;
  const multi = s.IsMultiRegionTrail ?? current?.IsMultiRegionTrail ?? false;
  // A multi-region trail must include global service events (CreateTrail reference, IsMultiRegionTrail).
  if (multi && !global) ctx.fail("InvalidParameterCombinationException", "Multi-Region trail must include global service events.");
  if (input.KmsKeyId !== undefined) s.KmsKeyId = input.KmsKeyId === "" ? undefined : checkKey(ctx, String(input.KmsKeyId));
  if (input.IsOrganizationTrail) ctx.fail("OrganizationsNotInUseException", "This account is not a member of an organization.");
  if (input.SnsTopicName || input.CloudWatchLogsLogGroupArn || input.CloudWatchLogsRoleArn) {
    ctx.fail("InvalidParameterException", "SNS topics and CloudWatch Logs delivery are not simulated by the opsctl sandbox.");
  }
  return s;
}

const handlers: Handlers<CloudTrail> = {
  CreateTrail(input, ctx) {
    const name = String(input.Name ?? "");
    if (!NAME.test(name) || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
      ctx.fail("InvalidTrailNameException", "Trail name must starts with a letter or number, end with a letter or number, be between 3 and 128 characters, and contain only letters, numbers, periods, underscores and dashes.");
    }
    if (trails(ctx)[name]) ctx.fail("TrailAlreadyExistsException", `Trail ${name} already exists for customer: ${ctx.accountId}`);
    const tags = checkTags(ctx, input.TagsList ?? []);
    const s = settings(ctx, input, undefined);
    const rec = ctx.born({
      Name: name,
      S3BucketName: s.S3BucketName,
      S3KeyPrefix: s.S3KeyPrefix,
      IncludeGlobalServiceEvents: s.IncludeGlobalServiceEvents ?? true,
      IsMultiRegionTrail: s.IsMultiRegionTrail ?? false,
      HomeRegion: ctx.region,
      TrailARN: trailArn(ctx, name),
      LogFileValidationEnabled: s.LogFileValidationEnabled ?? false,
      KmsKeyId: s.KmsKeyId,
      HasCustomEventSelectors: false,
      HasInsightSelectors: false,
      IsOrganizationTrail: false,
      // A new trail does not log until StartLogging (the console starts it for you; the API does not).
      _logging: false,
      _tags: tags,
    });
    trails(ctx)[name] = rec;
    const out = trailOut(rec);
    delete out.HomeRegion;
    delete out.HasCustomEventSelectors;
    delete out.HasInsightSelectors;
    return out;
  },
  UpdateTrail(input, ctx) {
    const rec = trailOf(ctx, input.Name, true);
    Object.assign(rec, settings(ctx, input, rec));
    const out = trailOut(rec);
    delete out.HomeRegion;
    delete out.HasCustomEventSelectors;
    delete out.HasInsightSelectors;
    return out;
  },
  GetTrail(input, ctx) {
    return { Trail: trailOut(trailOf(ctx, input.Name, false)) };
  },
  DescribeTrails(input, ctx) {
    const names: string[] | undefined = input.trailNameList?.length ? input.trailNameList : undefined;
    const list = names
      ? // Names that match no trail are left out of the answer, not reported as errors.
        names.flatMap((n) => {
          const m = TRAIL_ARN.exec(n);
          const rec = ctx.tableOf("cloudtrail", "trails", m ? m[1] : ctx.region)[m ? m[3] : n];
          return rec && ctx.visible(rec) && (rec.HomeRegion === ctx.region || rec.IsMultiRegionTrail) ? [rec] : [];
        })
      : Object.values(trails(ctx)).filter((t) => ctx.visible(t));
    return { trailList: list.map(trailOut) };
  },
  ListTrails(_input, ctx) {
    return { Trails: Object.values(trails(ctx)).filter((t) => ctx.visible(t)).map((t) => ({ TrailARN: t.TrailARN, Name: t.Name, HomeRegion: t.HomeRegion })) };
  },
  DeleteTrail(input, ctx) {
    const rec = trailOf(ctx, input.Name, true);
    delete trails(ctx)[rec.Name];
    return {};
  },
  StartLogging(input, ctx) {
    const rec = trailOf(ctx, input.Name, true);
    if (!rec._logging) {
      rec._logging = true;
      rec._startedAt = ctx.now();
    }
    return {};
  },
  StopLogging(input, ctx) {
    const rec = trailOf(ctx, input.Name, true);
    if (rec._logging) {
      rec._logging = false;
      rec._stoppedAt = ctx.now();
    }
    return {};
  },
  GetTrailStatus(input, ctx) {
    const rec = trailOf(ctx, input.Name, false);
    const out: SimRecord = { IsLogging: rec._logging };
    if (rec._startedAt !== undefined) {
      out.StartLoggingTime = new Date(rec._startedAt);
      out.TimeLoggingStarted = iso(rec._startedAt);
    }
    if (rec._stoppedAt !== undefined) {
      out.StopLoggingTime = new Date(rec._stoppedAt);
      out.TimeLoggingStopped = iso(rec._stoppedAt);
    }
    return out;
  },
  ListTags(input, ctx) {
    const ids: string[] = input.ResourceIdList ?? [];
    if (ids.length === 0 || ids.length > 20) ctx.fail("InvalidParameterException", "ResourceIdList must contain 1 to 20 ARNs.");
    return {
      ResourceTagList: ids.map((arn) => {
        const m = TRAIL_ARN.exec(arn);
        if (!m) return ctx.fail("CloudTrailARNInvalidException", `Invalid trail ARN: ${arn}`);
        const rec = ctx.tableOf("cloudtrail", "trails", m[1])[m[3]];
        if (!rec || m[2] !== ctx.accountId) ctx.fail("ResourceNotFoundException", `Resource not found: ${arn}`);
        return { ResourceId: arn, TagsList: rec._tags.map((t: SimRecord) => ({ ...t })) };
      }),
    };
  },
  AddTags(input, ctx) {
    if (!TRAIL_ARN.test(String(input.ResourceId ?? ""))) ctx.fail("CloudTrailARNInvalidException", `Invalid trail ARN: ${String(input.ResourceId)}`);
    const rec = trailOf(ctx, input.ResourceId, true);
    const add = checkTags(ctx, input.TagsList ?? []);
    rec._tags = checkTags(ctx, mergeTags({ _tags: keyValueTags(rec) }, add));
    return {};
  },
  RemoveTags(input, ctx) {
    if (!TRAIL_ARN.test(String(input.ResourceId ?? ""))) ctx.fail("CloudTrailARNInvalidException", `Invalid trail ARN: ${String(input.ResourceId)}`);
    const rec = trailOf(ctx, input.ResourceId, true);
    const keys = (input.TagsList ?? []).map((t: SimRecord) => t.Key);
    removeTags(rec, keys);
    return {};
  },
};

/** Simulated CloudTrail (behaviour: cloudtrail.md beside this file). */
export const cloudtrailService: SimService = defineService<CloudTrail>({
  clientName: "CloudTrailClient",
  key: "cloudtrail",
  exception: CloudTrailServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers,
});
