import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  RestoreSecretCommand,
  UpdateSecretCommand,
  type DescribeSecretResponse,
} from "@aws-sdk/client-secrets-manager";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { TAG_ENV, TAG_NODE, tagValue, type ResourceContext } from "./context.js";
import { orUndefined } from "./ec2-common.js";

/** A Secrets Manager secret whose first value opsctl generates (never printed). */
export interface SecretSpec {
  name: string;
  description: string;
  /** KMS key (id, ARN or alias); default: the account's aws/secretsmanager key. */
  kmsKeyId?: string;
  /** Makes the initial value (called once, at create). */
  generate: () => string;
  /** Days a deleted secret can be restored (7–30). */
  recoveryWindowDays: number;
}

const describeSecret = async (ctx: ResourceContext, id: string) => {
  const sm = await ctx.aws.get("secrets");
  return orUndefined(sm.send(new DescribeSecretCommand({ SecretId: id })));
};

export const secret: ResourceKind<SecretSpec, DescribeSecretResponse, ResourceContext> = {
  kind: "secret",
  budget: { create: slowMs("secretsmanager.secret.create") * 3, delete: slowMs("secretsmanager.secret.create") * 3 },
  typicalCreateMs: typicalMs("secretsmanager.secret.create"),

  async find(ctx, spec) {
    if (spec) return describeSecret(ctx, spec.name);
    return (await this.findAll!(ctx))[0];
  },
  async findAll(ctx) {
    const sm = await ctx.aws.get("secrets");
    const r = await sm.send(new ListSecretsCommand({ Filters: [{ Key: "tag-value", Values: [ctx.node] }], IncludePlannedDeletion: true }));
    return (r.SecretList ?? []).filter((s) => tagValue(s.Tags, TAG_ENV) === ctx.env && tagValue(s.Tags, TAG_NODE) === ctx.node) as DescribeSecretResponse[];
  },
  diff(spec, s) {
    const c: FieldChange[] = [];
    if (s.DeletedDate) c.push({ field: "DeletedDate", from: s.DeletedDate.toISOString(), to: undefined });
    if (spec.kmsKeyId !== undefined && s.KmsKeyId !== spec.kmsKeyId) c.push({ field: "KmsKeyId", from: s.KmsKeyId, to: spec.kmsKeyId });
    if ((s.Description ?? "") !== spec.description) c.push({ field: "Description", from: s.Description, to: spec.description });
    return c;
  },
  async create(ctx, spec) {
    const sm = await ctx.aws.get("secrets");
    try {
      await sm.send(
        new CreateSecretCommand({
          Name: spec.name,
          Description: spec.description,
          KmsKeyId: spec.kmsKeyId,
          SecretString: spec.generate(),
          Tags: ctx.tags(),
          ClientRequestToken: ctx.token(spec.name).replace(/^opsctl-/, "").padEnd(32, "0"),
        }),
      );
    } catch (e) {
      // Scheduled for deletion (from an earlier `down`): the post-create diff restores it.
      if (!isCode(e, "ResourceExistsException", "InvalidRequestException")) throw e;
    }
    const s = await describeSecret(ctx, spec.name);
    if (!s) throw new TryAgainLater(`secret ${spec.name} not visible yet`, 1_000);
    return s;
  },
  async update(ctx, spec, s, changes) {
    const sm = await ctx.aws.get("secrets");
    const fields = new Set(changes.map((c) => c.field));
    if (fields.has("DeletedDate")) await sm.send(new RestoreSecretCommand({ SecretId: s.ARN }));
    if (fields.has("KmsKeyId") || fields.has("Description")) {
      await sm.send(new UpdateSecretCommand({ SecretId: s.ARN, KmsKeyId: fields.has("KmsKeyId") ? spec.kmsKeyId : undefined, Description: fields.has("Description") ? spec.description : undefined }));
    }
    return (await describeSecret(ctx, s.ARN!)) ?? s;
  },
  async delete(ctx, s) {
    const sm = await ctx.aws.get("secrets");
    // Kept for a recovery window unless the operator asked to delete data (`down --delete-data`).
    const input = ctx.flags.deleteData ? { SecretId: s.ARN, ForceDeleteWithoutRecovery: true } : { SecretId: s.ARN, RecoveryWindowInDays: 7 };
    await orUndefined(sm.send(new DeleteSecretCommand(input)));
  },
  refresh: (ctx, s) => describeSecret(ctx, s.ARN!),
  isGone: (s) => s.DeletedDate !== undefined,
  keptAfterDelete: (s) => (s.DeletedDate ? `scheduled for deletion on ${s.DeletedDate.toISOString().slice(0, 10)}; \`opsctl up\` before then restores it` : undefined),
  describe: (s) => ({
    id: s.Name!,
    state: s.DeletedDate ? `deletion scheduled (${s.DeletedDate.toISOString().slice(0, 10)})` : "active",
    healthy: !s.DeletedDate,
    details: { arn: s.ARN, kmsKeyId: s.KmsKeyId ?? "aws/secretsmanager" },
  }),
  outputs: (s) => ({ id: s.Name!, arn: s.ARN! }),
};
