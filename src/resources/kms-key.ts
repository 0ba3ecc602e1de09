/**
 * Resource kind `kms-key`.
 * Tests: test/resources/kms-key.test.ts.
 * Sandbox: src/sandbox/services/kms.ts.
 */
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  paginateListAliases,
  paginateListKeys,
  paginateListResourceTags,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  type AliasListEntry,
  type KeyMetadata,
  type KMSClient,
  type Tag,
} from "@aws-sdk/client-kms";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, deleted, ofEnv, orUndefined, ownedBy, retryOn } from "./toolkit.js";
import { canonicalPolicy, type PolicyDocument } from "./policy.js";

/** KMS-01: a symmetric customer managed key with an alias, yearly rotation and a generated key policy. */
export interface KmsKeySpec {
  description: string;
  /** The key policy (see {@link keyPolicy}). */
  policy: PolicyDocument;
  /** Days between automatic rotations of the key material (90–2560; KMS-01: 365). */
  rotationPeriodDays: number;
  /** `alias/<env>/<purpose>`. */
  alias: string;
  /** Region of the key (default: the context's region; the secret replicas need a key in the secondary region). */
  region?: string;
  /**
   * The key's `key-policy` node owns the policy once the roles that use the key exist (it names
   * them); this node then creates the key with `policy` and leaves the policy alone afterwards.
   */
  policyOwnedElsewhere?: boolean;
}

/** A key as read from KMS, with what the diff needs. */
export interface KmsKeyActual {
  region: string;
  key: KeyMetadata;
  /** The key policy named `default` (the only one KMS has). */
  policy?: string;
  rotation: { enabled: boolean; periodDays?: number; nextRotationDate?: Date };
  /** Every alias that points at this key. */
  aliases: string[];
  /** The alias this node manages (from the spec; carried through refreshes). */
  alias?: string;
}

/** The operations a role that uses the key may call (KMS-01: least privilege, no key management). */
const USER_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"];
/** What Secrets Manager and RDS call on the key on a principal's behalf (the actions of AWS's own service-key policies). */
const SERVICE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];
/** RDS keeps using the key for storage through grants it creates for itself. */
const GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/** The `kms:ViaService` value of `service` (e.g. "secretsmanager", "rds") in `region`. */
export function viaService(service: string, region: string): string {
  return `${service}.${region}.amazonaws.com`;
}

/**
 * KMS-01's key policy for the key of `purpose`.
 *
 * - The account root gets `kms:*`. This is the statement of AWS's default key policy ("Enable IAM
 *   policies"): it does not grant the root user alone, it lets IAM policies of the account grant
 *   access to the key. Without it a key can become unmanageable (only AWS Support can recover it),
 *   and CreateKey / PutKeyPolicy refuse such a policy unless the lockout safety check is bypassed.
 *   Key administrators are therefore the account's principals whose IAM policies allow key
 *   management — no person or role is named here.
 * - `usersOfKey` (role ARNs) may only Decrypt / DescribeKey / GenerateDataKey (and Encrypt when
 *   `opts.encrypt`). Seam: the application roles come with the compute issue; until then the list is
 *   empty and the statement is left out (KMS refuses a statement without principals).
 * - `services` (kms:ViaService values, see {@link viaService}): any principal of this account may use
 *   the key only through those services (Secrets Manager decrypting a secret for a reader that its
 *   resource policy admits; RDS encrypting storage), `kms:CallerAccount` = the account. This is the
 *   shape of AWS's own `aws/secretsmanager` and `aws/rds` key policies.
 */
export function keyPolicy(accountId: string, purpose: string, usersOfKey: string[], services: string[] = [], opts: { encrypt?: boolean } = {}): PolicyDocument {
  const statements: Record<string, unknown>[] = [
    {
      Sid: "EnableIAMPolicies",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ];
  if (usersOfKey.length) {
    statements.push({
      Sid: `UseOfTheKey${pascal(purpose)}`,
      Effect: "Allow",
      Principal: { AWS: [...usersOfKey].sort() },
      Action: opts.encrypt ? [...USER_ACTIONS, "kms:Encrypt"].sort() : USER_ACTIONS,
      Resource: "*",
    });
  }
  if (services.length) {
    const via = { "kms:ViaService": [...services].sort(), "kms:CallerAccount": accountId };
    statements.push({ Sid: "UseThroughAwsServices", Effect: "Allow", Principal: { AWS: "*" }, Action: SERVICE_ACTIONS, Resource: "*", Condition: { StringEquals: via } });
    statements.push({
      Sid: "GrantsForAwsServices",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: GRANT_ACTIONS,
      Resource: "*",
      Condition: { StringEquals: via, Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}

const client = (ctx: ResourceContext, region: string): Promise<KMSClient> => ctx.aws.get("kms", region);
const GONE_STATES = ["PendingDeletion", "PendingReplicaDeletion"];
const TAG_READS_AT_ONCE = 10;

/** Every alias of the region (one paged read per run, shared by every key node). */
function regionAliases(ctx: ResourceContext, region: string): Promise<AliasListEntry[]> {
  return ctx.once(`kms:aliases@${region}`, async () => {
    const kms = await client(ctx, region);
    return collect(paginateListAliases({ client: kms }, { Limit: 100 }), (p) => p.Aliases);
  });
}

async function tagsOf(kms: KMSClient, keyId: string): Promise<Tag[] | undefined> {
  // Deleted since the listing, or a key of another service whose tags this caller may not read.
  return orUndefined(collect(paginateListResourceTags({ client: kms }, { KeyId: keyId }), (p) => p.Tags), "AccessDeniedException");
}

/**
 * The keys of the region tagged with this env, with their tags. KMS cannot list by tag, so this
 * is ListKeys plus one ListResourceTags per key — read once per run and shared by every key node.
 * It only runs when the alias does not lead to this node's key (first create, a crash before the
 * alias was made, a key pending deletion whose alias `down` removed) and for `down`.
 */
function envKeys(ctx: ResourceContext, region: string): Promise<{ id: string; tags: Tag[] }[]> {
  return ctx.once(`kms:env-keys@${region}`, async () => {
    const kms = await client(ctx, region);
    const ids = (await collect(paginateListKeys({ client: kms }, { Limit: 1000 }), (p) => p.Keys)).map((k) => k.KeyId!);
    const found: { id: string; tags: Tag[] }[] = [];
    // A few at a time: KMS's request quota is shared by the account, and an account may hold many keys.
    for (let i = 0; i < ids.length; i += TAG_READS_AT_ONCE) {
      await Promise.all(
        ids.slice(i, i + TAG_READS_AT_ONCE).map(async (id) => {
          const tags = await tagsOf(kms, id);
          if (tags && ofEnv(ctx, tags)) found.push({ id, tags });
        }),
      );
    }
    return found;
  });
}

/** Reads one key by id: metadata, policy, rotation and its aliases (undefined once it is gone). */
async function read(ctx: ResourceContext, region: string, keyId: string, alias?: string): Promise<KmsKeyActual | undefined> {
  const kms = await client(ctx, region);
  const d = await orUndefined(kms.send(new DescribeKeyCommand({ KeyId: keyId })));
  if (!d?.KeyMetadata) return undefined;
  const id = d.KeyMetadata.KeyId!;
  const [policy, rotation, aliases] = await Promise.all([
    orUndefined(kms.send(new GetKeyPolicyCommand({ KeyId: id, PolicyName: "default" }))),
    orUndefined(kms.send(new GetKeyRotationStatusCommand({ KeyId: id }))),
    orUndefined(kms.send(new ListAliasesCommand({ KeyId: id, Limit: 100 }))),
  ]);
  return {
      region,
      key: d.KeyMetadata,
      policy: policy?.Policy,
      rotation: { enabled: rotation?.KeyRotationEnabled ?? false, periodDays: rotation?.RotationPeriodInDays, nextRotationDate: rotation?.NextRotationDate },
      aliases: (aliases?.Aliases ?? []).map((a) => a.AliasName!).sort(),
      alias,
  };
}

/** This node's keys in `region`, newest first (duplicates only if something outside opsctl made them). */
async function nodeKeys(ctx: ResourceContext, region: string, alias?: string): Promise<KmsKeyActual[]> {
  const ids = (await envKeys(ctx, region)).filter((k) => ownedBy(ctx, k.tags)).map((k) => k.id);
  const keys = (await Promise.all(ids.map((id) => read(ctx, region, id, alias)))).filter((k): k is KmsKeyActual => k !== undefined);
  return keys.sort((a, b) => (b.key.CreationDate?.getTime() ?? 0) - (a.key.CreationDate?.getTime() ?? 0));
}

const pending = (a: KmsKeyActual) => GONE_STATES.includes(a.key.KeyState ?? "");

/** The day part of a date (what `status` and the kept notice show). */
const day = (d: Date | undefined) => d?.toISOString().slice(0, 10);

/**
 * The `kms-key` kind whose keys live in `region` (default: the context's region). `down` and
 * `status` of a node know no spec, so a node whose key is in another region (the secondary
 * region's key for the secret replicas) must use the kind bound to that region to be found there.
 */
export function kmsKeyIn(region?: string): ResourceKind<KmsKeySpec, KmsKeyActual, ResourceContext, { id: string; arn: string; alias: string | undefined }> {
  const regionOf = (ctx: ResourceContext, spec?: { region?: string }) => spec?.region ?? region ?? ctx.region;
  return {
    kind: "kms-key",
    budget: { create: slowMs("kms.key.create") * 3, delete: slowMs("kms.key.create") * 3 },
    typicalCreateMs: typicalMs("kms.key.create"),

    /**
     * With the spec: the alias first (one shared ListAliases) — when it leads to a key tagged with
     * this node, that is the key. Otherwise the tag scan, preferring a live key over one pending
     * deletion (which `up` then restores instead of creating a second key).
     */
    async find(ctx, spec) {
      if (!spec) {
        const all = await nodeKeys(ctx, regionOf(ctx));
        return all.find((a) => !pending(a)) ?? all[0];
      }
      const region = regionOf(ctx, spec);
      const target = (await regionAliases(ctx, region)).find((a) => a.AliasName === spec.alias)?.TargetKeyId;
      if (target) {
        const kms = await client(ctx, region);
        if (ownedBy(ctx, await tagsOf(kms, target))) {
          const a = await read(ctx, region, target, spec.alias);
          if (a) return a;
        }
      }
      const keys = await nodeKeys(ctx, region, spec.alias);
      return keys.find((a) => !pending(a)) ?? keys[0];
    },
    /** Every key of this node in the kind's region (duplicates included). */
    findAll: (ctx) => nodeKeys(ctx, regionOf(ctx)),

    diff(spec, a) {
      const c: FieldChange[] = [];
      if (a.key.KeyState !== "Enabled") c.push({ field: "KeyState", from: a.key.KeyState, to: "Enabled" });
      if ((a.key.Description ?? "") !== spec.description) c.push({ field: "Description", from: a.key.Description, to: spec.description });
      if (!spec.policyOwnedElsewhere && canonicalPolicy(a.policy) !== canonicalPolicy(spec.policy)) c.push({ field: "Policy", from: a.policy ? "(other policy)" : undefined, to: "(plan)" });
      if (!a.rotation.enabled) c.push({ field: "KeyRotationEnabled", from: false, to: true });
      else if (a.rotation.periodDays !== spec.rotationPeriodDays) c.push({ field: "RotationPeriodInDays", from: a.rotation.periodDays, to: spec.rotationPeriodDays });
      if (!a.aliases.includes(spec.alias)) c.push({ field: "Alias", from: a.aliases.length ? a.aliases : undefined, to: spec.alias });
      if (a.key.KeyUsage !== "ENCRYPT_DECRYPT" || a.key.KeySpec !== "SYMMETRIC_DEFAULT") {
        c.push({ field: "KeySpec", from: `${a.key.KeyUsage}/${a.key.KeySpec}`, to: "ENCRYPT_DECRYPT/SYMMETRIC_DEFAULT", replace: true });
      }
      return c;
    },

    async create(ctx, spec) {
      const region = regionOf(ctx, spec);
      const kms = await client(ctx, region);
      // CreateKey has no idempotency token: a crash after it leaves a tagged key without an alias,
      // which the next run finds by its tags (find) and completes through the post-create diff.
      const r = await kms.send(
        new CreateKeyCommand({
          Description: spec.description,
          KeyUsage: "ENCRYPT_DECRYPT",
          KeySpec: "SYMMETRIC_DEFAULT",
          MultiRegion: false,
          Policy: JSON.stringify(spec.policy),
          Tags: ctx.tags().map((t) => ({ TagKey: t.Key, TagValue: t.Value })),
        }),
      );
      ctx.forget(`kms:env-keys@${region}`);
      // The alias and rotation are applied by the diff that follows every create.
      return { region, key: r.KeyMetadata!, policy: JSON.stringify(spec.policy), rotation: { enabled: false }, aliases: [], alias: spec.alias };
    },

    async update(ctx, spec, a, changes) {
      const kms = await client(ctx, a.region);
      const KeyId = a.key.KeyId!;
      const fields = new Set(changes.map((c) => c.field));
      const notYet = ["NotFoundException"];
      if (fields.has("KeyState")) {
        // Restore: a canceled deletion leaves the key Disabled (the reference: CancelKeyDeletion), so enable it too.
        if (pending(a)) await kms.send(new CancelKeyDeletionCommand({ KeyId }));
        await retryOn(notYet, `key ${KeyId}`, () => kms.send(new EnableKeyCommand({ KeyId })));
      }
      await Promise.all([
        fields.has("Description") && retryOn(notYet, `key ${KeyId}`, () => kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: spec.description }))),
        fields.has("Policy") && retryOn(notYet, `key ${KeyId}`, () => kms.send(new PutKeyPolicyCommand({ KeyId, PolicyName: "default", Policy: JSON.stringify(spec.policy) }))),
        (fields.has("KeyRotationEnabled") || fields.has("RotationPeriodInDays")) &&
          retryOn(notYet, `key ${KeyId}`, () => kms.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays: spec.rotationPeriodDays }))),
        fields.has("Alias") &&
          retryOn(notYet, `key ${KeyId}`, async () => {
            try {
              await kms.send(new CreateAliasCommand({ AliasName: spec.alias, TargetKeyId: KeyId }));
            } catch (e) {
              // The name is this env's (alias/<env>/<purpose>): when it points elsewhere, point it here.
              if (!isCode(e, "AlreadyExistsException")) throw e;
              await kms.send(new UpdateAliasCommand({ AliasName: spec.alias, TargetKeyId: KeyId }));
            }
          }),
      ]);
      ctx.forget(`kms:aliases@${a.region}`);
      return (await read(ctx, a.region, KeyId, spec.alias)) ?? a;
    },

    /** Deletes the aliases, then schedules the deletion (30 days; KMS never deletes a key at once). */
    async delete(ctx, a) {
      const kms = await client(ctx, a.region);
      // Aliases first: once the key is pending deletion, `down` counts it as gone and would not come back for them.
      for (const AliasName of a.aliases) await deleted(kms.send(new DeleteAliasCommand({ AliasName })));
      if (pending(a)) return;
      try {
        await kms.send(new ScheduleKeyDeletionCommand({ KeyId: a.key.KeyId, PendingWindowInDays: KEY_PENDING_WINDOW_DAYS }));
      } catch (e) {
        // Already pending deletion (a repeated call after a crash) is what we want.
        if (!isCode(e, "NotFoundException", "KMSInvalidStateException")) throw e;
      }
    },
    refresh: (ctx, a) => read(ctx, a.region, a.key.KeyId!, a.alias),
    isGone: (a) => pending(a),
    keptAfterDelete: (a) => (a.key.DeletionDate ? `scheduled for deletion on ${day(a.key.DeletionDate)}; \`opsctl up\` before then cancels it` : undefined),
    describe: (a) => ({
      id: a.key.KeyId!,
      state: a.key.KeyState === "PendingDeletion" ? `PendingDeletion (deletion on ${day(a.key.DeletionDate)})` : (a.key.KeyState ?? "unknown"),
      healthy: a.key.KeyState === "Enabled" && a.rotation.enabled,
      details: {
        alias: a.alias && a.aliases.includes(a.alias) ? a.alias : a.aliases.join(", ") || undefined,
        arn: a.key.Arn,
        region: a.region,
        rotation: a.rotation.enabled ? `every ${a.rotation.periodDays} days` : "off",
        nextRotation: day(a.rotation.nextRotationDate),
        state: a.key.KeyState,
      },
    }),
    outputs: (a) => ({ id: a.key.KeyId!, arn: a.key.Arn!, alias: a.alias && a.aliases.includes(a.alias) ? a.alias : a.aliases[0] }),
  };
}

/** KMS-01 keys in the context's (primary) region; `spec.region` moves a node's key elsewhere for `up`. */
/** Days a key `down` schedules for deletion waits before KMS deletes it (ScheduleKeyDeletion: 7–30). */
export const KEY_PENDING_WINDOW_DAYS = 30;

export const kmsKey = kmsKeyIn();
