/**
 * Resource kind `secret`.
 * Tests: test/resources/secret.test.ts.
 * Sandbox: src/sandbox/services/secretsmanager.ts.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  paginateListSecrets,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  RestoreSecretCommand,
  UpdateSecretCommand,
  type DescribeSecretResponse,
} from "@aws-sdk/client-secrets-manager";
import { createHash } from "node:crypto";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, ofNode, orUndefined } from "./toolkit.js";
import { canonicalPolicy, type PolicyDocument } from "./policy.js";

/** A replica of a secret in another region, encrypted with a key of that region (SM-02). */
export interface ReplicaSpec {
  region: string;
  kmsKeyId: string;
}

/** SM-01..SM-03: a Secrets Manager secret whose first value opsctl generates (never printed). */
export interface SecretSpec {
  name: string;
  description: string;
  /** KMS key (ARN) of the secret's family; default: the account's aws/secretsmanager key. */
  kmsKeyId?: string;
  /**
   * Makes the initial value (called once, at create). `now` is the run's clock (simulated in the
   * sandbox): any date inside the value (e.g. a signing key's createdAt, SM-04) must come from it.
   */
  generate: (now: Date) => string;
  /** SM-02: regions the secret is replicated to. */
  replicas?: ReplicaSpec[];
  /** SM-03: the resource policy (put with BlockPublicPolicy). */
  resourcePolicy?: PolicyDocument;
  /** The shape the value must keep (e.g. API-07's SMTP JSON, SM-04's signing key): read and checked by find. */
  valueCheck?: ValueCheck;
}

/** How a secret's current value is checked, and what `up` does when it is wrong. */
export interface ValueCheck {
  /** What is wrong with the value (never quoting it), or undefined when it is right. */
  problem: (value: string) => string | undefined;
  /** What a right value is, in words (shown as the wanted value). */
  wanted: string;
  /**
   * True when the value is one opsctl generated and can generate again safely (`up` writes a new
   * version with `generate`); false when only the operator has it (`up` reports it with `fix`).
   */
  regenerate: boolean;
  /** The operator's fix, shown in status and audit. */
  fix: string;
}

/** A value check: JSON with these non-empty string fields (e.g. the SMTP secret, SPEC.md "Secret values"). */
export function jsonFields(fields: readonly string[]): (value: string) => string | undefined {
  return (value) => {
    let v: unknown;
    try {
      v = JSON.parse(value);
    } catch {
      // JSON.parse's message quotes the text: never shown.
      return "not JSON";
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) return "not a JSON object";
    const missing = fields.filter((f) => typeof (v as Record<string, unknown>)[f] !== "string" || (v as Record<string, string>)[f] === "");
    return missing.length ? `missing ${missing.join(", ")}` : undefined;
  };
}

/** A secret as described, with its resource policy (when the plan manages one). */
export interface SecretActual {
  secret: DescribeSecretResponse;
  policy?: string;
  /** With a value check: what is wrong with AWSCURRENT (undefined: it is right), and the check for the next read. */
  value?: { problem?: string; versionId?: string; check: ValueCheck };
}

async function describe(ctx: ResourceContext, id: string, withPolicy: boolean, check?: ValueCheck): Promise<SecretActual | undefined> {
  const sm = await ctx.aws.get("secrets");
  const secret = await orUndefined(sm.send(new DescribeSecretCommand({ SecretId: id })));
  if (!secret) return undefined;
  const [p, v] = await Promise.all([
    withPolicy ? orUndefined(sm.send(new GetResourcePolicyCommand({ SecretId: secret.ARN }))) : undefined,
    check && !secret.DeletedDate ? orUndefined(sm.send(new GetSecretValueCommand({ SecretId: secret.ARN }))) : undefined,
  ]);
  const out: SecretActual = withPolicy ? { secret, policy: p?.ResourcePolicy } : { secret };
  if (check && !secret.DeletedDate) out.value = { check, versionId: v?.VersionId, problem: v?.SecretString === undefined ? "no value" : check.problem(v.SecretString) };
  return out;
}

const replicaRegions = (s: DescribeSecretResponse) => (s.ReplicationStatus ?? []).map((r) => r.Region!).sort();

export const secret: ResourceKind<SecretSpec, SecretActual, ResourceContext, { id: string; arn: string }> = {
  kind: "secret",
  // SPEC.md SM-01 (family key), SM-02 (replicas), SM-03 (resource policy); the value's shape is the
  // control of what the secret holds (API-07 SMTP, SM-04 / API-06 signing keys).
  fieldControls: {
    KmsKeyId: ["SM-01"],
    Description: [],
    replicas: ["SM-02"],
    "replica *": ["SM-02"],
    ResourcePolicy: ["SM-03"],
    SecretString: ["API-07", "SM-04", "API-06", "RDS-07", "BAS-02"],
  },
  budget: { create: slowMs("secretsmanager.secret.create") * 3 + slowMs("secretsmanager.secret.replicate"), delete: slowMs("secretsmanager.secret.replicate") },
  typicalCreateMs: typicalMs("secretsmanager.secret.create"),

  async find(ctx, spec) {
    if (spec) return describe(ctx, spec.name, spec.resourcePolicy !== undefined, spec.valueCheck);
    return (await this.findAll!(ctx))[0];
  },
  async findAll(ctx) {
    const sm = await ctx.aws.get("secrets");
    const list = await collect(paginateListSecrets({ client: sm }, { Filters: [{ Key: "tag-value", Values: [ctx.node] }], IncludePlannedDeletion: true }), (p) => p.SecretList);
    return ofNode(ctx, list).map((s) => ({ secret: s as DescribeSecretResponse }));
  },
  diff(spec, { secret: s, policy, value }) {
    const c: FieldChange[] = [];
    if (s.DeletedDate) c.push({ field: "DeletedDate", from: s.DeletedDate.toISOString(), to: undefined });
    if (spec.kmsKeyId !== undefined && s.KmsKeyId !== spec.kmsKeyId) c.push({ field: "KmsKeyId", from: s.KmsKeyId, to: spec.kmsKeyId });
    if ((s.Description ?? "") !== spec.description) c.push({ field: "Description", from: s.Description, to: spec.description });
    const want = (spec.replicas ?? []).map((r) => r.region).sort();
    const have = replicaRegions(s);
    if (JSON.stringify(want) !== JSON.stringify(have)) c.push({ field: "replicas", from: have, to: want });
    for (const r of spec.replicas ?? []) {
      const rs = s.ReplicationStatus?.find((x) => x.Region === r.region);
      // A replica's key cannot be changed in place: the replica must be removed and added again.
      if (rs && rs.KmsKeyId && rs.KmsKeyId !== r.kmsKeyId) c.push({ field: `replica ${r.region} KmsKeyId`, from: rs.KmsKeyId, to: r.kmsKeyId, replace: true });
      if (rs?.Status === "Failed") c.push({ field: `replica ${r.region}`, from: `Failed: ${rs.StatusMessage ?? ""}`, to: "InSync" });
    }
    if (spec.resourcePolicy && canonicalPolicy(policy) !== canonicalPolicy(spec.resourcePolicy)) c.push({ field: "ResourcePolicy", from: policy ? "(other policy)" : undefined, to: "(plan)" });
    const check = spec.valueCheck;
    const problem = value?.problem;
    if (check && problem) {
      c.push({ field: "SecretString", from: `(${problem})`, to: `(${check.wanted})`, ...(check.regenerate ? {} : { replace: true, hint: check.fix }) });
    }
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
          SecretString: spec.generate(new Date(ctx.clock.now())),
          Tags: ctx.tags(),
          // Replicas are created with the secret when possible; the post-create diff adds any that failed.
          AddReplicaRegions: spec.replicas?.map((r) => ({ Region: r.region, KmsKeyId: r.kmsKeyId })),
          ClientRequestToken: ctx.token(spec.name).replace(/^opsctl-/, "").padEnd(32, "0"),
        }),
      );
    } catch (e) {
      // Exists already (a run that crashed), or is scheduled for deletion by an earlier `down`:
      // the post-create diff restores it.
      if (!isCode(e, "ResourceExistsException", "InvalidRequestException")) throw e;
    }
    const s = await describe(ctx, spec.name, spec.resourcePolicy !== undefined, spec.valueCheck);
    if (!s) throw new TryAgainLater(`secret ${spec.name} not visible yet`, 1_000);
    return s;
  },
  async update(ctx, spec, a, changes) {
    const sm = await ctx.aws.get("secrets");
    const SecretId = a.secret.ARN!;
    const fields = new Set(changes.map((c) => c.field));
    if (fields.has("DeletedDate")) await sm.send(new RestoreSecretCommand({ SecretId }));
    if (fields.has("KmsKeyId") || fields.has("Description")) {
      await sm.send(new UpdateSecretCommand({ SecretId, KmsKeyId: fields.has("KmsKeyId") ? spec.kmsKeyId : undefined, Description: fields.has("Description") ? spec.description : undefined }));
    }
    const have = replicaRegions(a.secret);
    const failed = (a.secret.ReplicationStatus ?? []).filter((r) => r.Status === "Failed").map((r) => r.Region!);
    const remove = [...have.filter((r) => !(spec.replicas ?? []).some((x) => x.region === r)), ...failed];
    if (remove.length) await sm.send(new RemoveRegionsFromReplicationCommand({ SecretId, RemoveReplicaRegions: remove }));
    const add = (spec.replicas ?? []).filter((r) => !have.includes(r.region) || failed.includes(r.region));
    if (add.length) {
      await sm.send(new ReplicateSecretToRegionsCommand({ SecretId, AddReplicaRegions: add.map((r) => ({ Region: r.region, KmsKeyId: r.kmsKeyId })), ForceOverwriteReplicaSecret: false }));
    }
    if (fields.has("ResourcePolicy") && spec.resourcePolicy) {
      // BlockPublicPolicy: Secrets Manager refuses the policy if it would admit principals outside the account.
      await sm.send(new PutResourcePolicyCommand({ SecretId, ResourcePolicy: JSON.stringify(spec.resourcePolicy), BlockPublicPolicy: true }));
    }
    if (fields.has("SecretString") && spec.valueCheck?.regenerate) {
      // A value opsctl made and can make again (e.g. a signing key): a new AWSCURRENT version. The token
      // derives from the version it replaces, so a retry after a crash writes that version once.
      const from = a.value?.versionId ?? "none";
      const h = createHash("sha256").update(`opsctl-regenerate\u0000${SecretId}\u0000${from}`).digest("hex");
      const token = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
      await sm.send(new PutSecretValueCommand({ SecretId, SecretString: spec.generate(new Date(ctx.clock.now())), ClientRequestToken: token }));
    }
    return (await describe(ctx, SecretId, spec.resourcePolicy !== undefined, spec.valueCheck)) ?? a;
  },
  async delete(ctx, { secret: s }) {
    const sm = await ctx.aws.get("secrets");
    // A primary secret with replicas cannot be deleted: remove the replicas first. ListSecrets (used by
    // `down` to find the secret) does not return ReplicationStatus, so describe it.
    const current = (await orUndefined(sm.send(new DescribeSecretCommand({ SecretId: s.ARN })))) ?? s;
    const replicas = replicaRegions(current);
    if (replicas.length) await orUndefined(sm.send(new RemoveRegionsFromReplicationCommand({ SecretId: s.ARN, RemoveReplicaRegions: replicas })));
    // Kept for a recovery window unless the operator asked to delete data (`down --delete-data`).
    const input = ctx.flags.deleteData ? { SecretId: s.ARN, ForceDeleteWithoutRecovery: true } : { SecretId: s.ARN, RecoveryWindowInDays: ctx.flags.secretRecoveryDays ?? 30 };
    await orUndefined(sm.send(new DeleteSecretCommand(input)));
  },
  refresh: (ctx, a) => describe(ctx, a.secret.ARN!, a.policy !== undefined, a.value?.check),
  isReady: ({ secret: s }) => (s.ReplicationStatus ?? []).every((r) => r.Status !== "InProgress"),
  failure: ({ secret: s }) => {
    const f = (s.ReplicationStatus ?? []).find((r) => r.Status === "Failed");
    return f ? `replica in ${f.Region} failed: ${f.StatusMessage ?? "no message"}` : undefined;
  },
  isGone: ({ secret: s }) => s.DeletedDate !== undefined,
  keptAfterDelete: ({ secret: s }) => (s.DeletedDate ? `scheduled for deletion on ${s.DeletedDate.toISOString().slice(0, 10)}; \`opsctl up\` before then restores it` : undefined),
  describe: ({ secret: s, policy, value }) => ({
    id: s.Name!,
    state: s.DeletedDate ? `deletion scheduled (${s.DeletedDate.toISOString().slice(0, 10)})` : value?.problem ? `value is wrong: ${value.problem}` : "active",
    healthy: !s.DeletedDate && !value?.problem && (s.ReplicationStatus ?? []).every((r) => r.Status === "InSync"),
    details: {
      arn: s.ARN,
      kmsKeyId: s.KmsKeyId ?? "aws/secretsmanager",
      replicas: (s.ReplicationStatus ?? []).map((r) => `${r.Region}:${r.Status}`),
      resourcePolicy: policy === undefined ? undefined : "set",
      ...(value?.problem ? { value: `${value.problem} (wanted: ${value.check.wanted}); ${value.check.fix}` } : {}),
    },
  }),
  outputs: ({ secret: s }) => ({ id: s.Name!, arn: s.ARN! }),
};
