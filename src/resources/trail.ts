/**
 * Resource kind `trail`.
 * Tests: test/resources/trail.test.ts.
 * Sandbox: src/sandbox/services/cloudtrail.ts.
 */
import {
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
  UpdateTrailCommand,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, orUndefined, retryOn } from "./toolkit.js";

/** MON-02: the account's CloudTrail trail (multi-region, log file validation, KMS-encrypted) into the logs bucket. */
export interface TrailSpec {
  /** Use the node's deterministic name (`ctx.name`). */
  name: string;
  /** The logs bucket; its policy must let cloudtrail.amazonaws.com PutObject under AWSLogs/<account>/. */
  bucketName: string;
  /** KMS key whose policy lets cloudtrail.amazonaws.com GenerateDataKey*. */
  kmsKeyArn: string;
}

/** A trail and whether it is logging (GetTrailStatus). */
export interface TrailActual {
  trail: Trail;
  logging: boolean;
}

/** The bucket or key policy just written may not be seen by CloudTrail yet; it also answers these when wrong. */
const NOT_YET = ["InsufficientS3BucketPolicyException", "S3BucketDoesNotExistException", "InsufficientEncryptionPolicyException", "KmsKeyNotFoundException"];

function trails(ctx: ResourceContext): Promise<Trail[]> {
  return ctx.once("cloudtrail:trails", async () => {
    const ct = await ctx.aws.get("cloudtrail");
    // Shadow trails (multi-region trails of other home regions) are not ours to manage.
    return (await ct.send(new DescribeTrailsCommand({ includeShadowTrails: false }))).trailList ?? [];
  });
}

async function status(ctx: ResourceContext, trail: Trail): Promise<TrailActual | undefined> {
  const ct = await ctx.aws.get("cloudtrail");
  const s = await orUndefined(ct.send(new GetTrailStatusCommand({ Name: trail.TrailARN ?? trail.Name })));
  return s && { trail, logging: s.IsLogging === true };
}

async function read(ctx: ResourceContext, name: string): Promise<TrailActual | undefined> {
  const ct = await ctx.aws.get("cloudtrail");
  const r = await orUndefined(ct.send(new GetTrailCommand({ Name: name })));
  return r?.Trail ? status(ctx, r.Trail) : undefined;
}

const settings = (spec: TrailSpec) => ({
  S3BucketName: spec.bucketName,
  IsMultiRegionTrail: true,
  EnableLogFileValidation: true,
  IncludeGlobalServiceEvents: true,
  KmsKeyId: spec.kmsKeyArn,
});

export const trail: ResourceKind<TrailSpec, TrailActual, ResourceContext, { id: string; arn: string }> = {
  kind: "trail",
  budget: { create: slowMs("cloudtrail.trail.create"), delete: slowMs("cloudtrail.trail.create") },
  typicalCreateMs: typicalMs("cloudtrail.trail.create"),

  // DescribeTrails lists the region's trails in one call; the trail is found by its deterministic name.
  async find(ctx, spec) {
    const name = spec?.name ?? ctx.name;
    const t = (await trails(ctx)).find((x) => x.Name === name);
    return t ? status(ctx, t) : undefined;
  },
  diff(spec, { trail: t, logging }) {
    const c: FieldChange[] = [];
    const add = (field: string, from: unknown, to: unknown) => {
      if (from !== to) c.push({ field, from, to });
    };
    add("S3BucketName", t.S3BucketName, spec.bucketName);
    add("IsMultiRegionTrail", t.IsMultiRegionTrail, true);
    add("LogFileValidationEnabled", t.LogFileValidationEnabled, true);
    add("IncludeGlobalServiceEvents", t.IncludeGlobalServiceEvents, true);
    add("KmsKeyId", t.KmsKeyId, spec.kmsKeyArn);
    // CreateTrail does not start logging: the post-create diff calls StartLogging.
    add("IsLogging", logging, true);
    return c;
  },
  async create(ctx, spec) {
    const ct = await ctx.aws.get("cloudtrail");
    try {
      const r = await retryOn(NOT_YET, `trail ${spec.name}`, () => ct.send(new CreateTrailCommand({ Name: spec.name, ...settings(spec), TagsList: ctx.tags() })), 5_000);
      return { trail: { ...r, HomeRegion: ctx.region }, logging: false };
    } catch (e) {
      // Created by a run that crashed before it heard the answer.
      if (!isCode(e, "TrailAlreadyExistsException")) throw e;
      const found = await read(ctx, spec.name);
      if (!found) throw new TryAgainLater(`trail ${spec.name} exists but is not readable yet`, 2_000);
      return found;
    }
  },
  async update(ctx, spec, a, changes) {
    const ct = await ctx.aws.get("cloudtrail");
    const Name = a.trail.TrailARN ?? a.trail.Name!;
    const fields = new Set(changes.map((c) => c.field));
    if ([...fields].some((f) => f !== "IsLogging")) {
      const s = settings(spec);
      await retryOn(NOT_YET, `trail ${Name}`, () =>
        ct.send(
          new UpdateTrailCommand({
            Name,
            S3BucketName: fields.has("S3BucketName") ? s.S3BucketName : undefined,
            IsMultiRegionTrail: fields.has("IsMultiRegionTrail") ? true : undefined,
            EnableLogFileValidation: fields.has("LogFileValidationEnabled") ? true : undefined,
            IncludeGlobalServiceEvents: fields.has("IncludeGlobalServiceEvents") || fields.has("IsMultiRegionTrail") ? true : undefined,
            KmsKeyId: fields.has("KmsKeyId") ? s.KmsKeyId : undefined,
          }),
        ),
      );
    }
    if (fields.has("IsLogging")) await ct.send(new StartLoggingCommand({ Name }));
    return (await read(ctx, Name)) ?? a;
  },
  async delete(ctx, a) {
    const ct = await ctx.aws.get("cloudtrail");
    await deleted(ct.send(new DeleteTrailCommand({ Name: a.trail.TrailARN ?? a.trail.Name })));
  },
  refresh: (ctx, a) => read(ctx, a.trail.TrailARN ?? a.trail.Name!),
  describe: ({ trail: t, logging }) => ({
    id: t.Name!,
    state: logging ? "logging" : "not logging",
    healthy: logging && t.IsMultiRegionTrail === true && t.LogFileValidationEnabled === true && !!t.KmsKeyId,
    details: { arn: t.TrailARN, logging, multiRegion: t.IsMultiRegionTrail, logFileValidation: t.LogFileValidationEnabled, kmsKeyId: t.KmsKeyId, bucket: t.S3BucketName },
  }),
  outputs: ({ trail: t }) => ({ id: t.Name!, arn: t.TrailARN! }),
};
