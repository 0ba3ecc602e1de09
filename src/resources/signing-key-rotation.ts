/**
 * Resource kind `signing-key-rotation`.
 * Tests: test/resources/signing-key-rotation.test.ts.
 * Sandbox: src/sandbox/services/secretsmanager.ts.
 */
import { createHash } from "node:crypto";
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { OpsError, TryAgainLater } from "../engine/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { orUndefined } from "./toolkit.js";
import { generateSigningKey, parseSigningKey, signingKeyProblem, type Purpose } from "./signing-keys.js";
import { graceViolation } from "../rotation-lambda/grace.js";

const DAY = 86_400_000;

/** SM-04: the rotation policy's period; `status` flags a key older than this. */
export const ROTATION_PERIOD_DAYS = 30;

/** SM-04: rotate one signing key (a new AWSCURRENT version; the old one becomes AWSPREVIOUS). */
export interface SigningKeyRotationSpec {
  /** `<env>/signing/<purpose>` */
  secretName: string;
  purpose: Purpose;
  /** `--if-older-than`: rotate only when the current key is older than this; absent = always. */
  maxAgeMs?: number;
  /** `--force`: rotate even inside the grace window (cuts tokens signed by the AWSPREVIOUS key). */
  force: boolean;
  /** The purpose's token lifetime: how long a rotated-out key must stay verifiable. */
  graceMs: number;
  /** The run's time (ms), so that diff stays pure. */
  now: number;
  /**
   * Set when an interrupted rotate-keys run already rotated this key (see resumedRotations in
   * src/operations/rotate-keys.ts): the rerun counts it as done instead of rotating it again.
   */
  resumedAt?: number;
}

/** One version of a signing key, without its key material. */
export interface KeyVersion {
  versionId: string;
  kid: string;
  /** The key's createdAt (ms); NaN when the value is malformed. */
  createdAt: number;
  /** What is wrong when the value is not a signing key in the SPEC.md format (never the key material). */
  malformed?: string;
}

/** A signing-key secret as read: metadata and the kids of AWSCURRENT / AWSPREVIOUS (never the keys). */
export interface SigningKeyRotationActual {
  arn: string;
  name: string;
  current: KeyVersion;
  previous?: KeyVersion;
  rotationEnabled: boolean;
  /** Secrets Manager's next scheduled rotation (ms), when rotation is configured. */
  nextRotationDate?: number;
  /** When this was read (ms): describe() shows the age as of then. */
  readAt: number;
}

/**
 * The ClientRequestToken of the rotation that replaces version `fromVersionId` of secret `arn`:
 * deterministic, so a retried PutSecretValue writes the same version once, and a UUID-shaped
 * 36-character string (the API asks for 32–64 characters and recommends a UUID).
 */
export function rotationToken(arn: string, fromVersionId: string): string {
  const h = createHash("sha256").update(`opsctl-rotate-keys\u0000${arn}\u0000${fromVersionId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** True when AWSCURRENT was written by `rotate-keys` from the AWSPREVIOUS version (its token derives from it). */
export function rotatedByOpsctl(a: SigningKeyRotationActual): boolean {
  return a.previous !== undefined && a.current.versionId === rotationToken(a.arn, a.previous.versionId);
}

async function version(sm: SecretsManagerClient, arn: string, stage: string): Promise<KeyVersion> {
  const v = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
  // A malformed value is reported on its node (status, audit) and replaced by `up` or `rotate-keys --force`,
  // not thrown: opsctl wrote it and can write a new one.
  const problem = signingKeyProblem(v.SecretString ?? "");
  if (problem) return { versionId: v.VersionId!, kid: "(malformed)", createdAt: NaN, malformed: problem };
  const key = parseSigningKey(JSON.parse(v.SecretString!));
  return { versionId: v.VersionId!, kid: key.kid, createdAt: Date.parse(key.createdAt) };
}

/** Reads a signing-key secret by name or ARN; undefined when it does not exist or is scheduled for deletion. */
export async function readSigningKey(ctx: Pick<ResourceContext, "aws" | "clock">, id: string): Promise<SigningKeyRotationActual | undefined> {
  const sm = await ctx.aws.get("secrets");
  const d = await orUndefined(sm.send(new DescribeSecretCommand({ SecretId: id })));
  if (!d || d.DeletedDate) return undefined;
  const stages = Object.values(d.VersionIdsToStages ?? {});
  if (!stages.some((s) => s.includes("AWSCURRENT"))) return undefined;
  const [current, previous] = await Promise.all([
    version(sm, d.ARN!, "AWSCURRENT"),
    stages.some((s) => s.includes("AWSPREVIOUS")) ? version(sm, d.ARN!, "AWSPREVIOUS") : undefined,
  ]);
  return {
    arn: d.ARN!,
    name: d.Name!,
    current,
    previous,
    rotationEnabled: d.RotationEnabled === true,
    nextRotationDate: d.NextRotationDate?.getTime(),
    readAt: ctx.clock.now(),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

function ageText(ms: number): string {
  if (ms >= DAY) return `${Math.floor(ms / DAY)}d`;
  if (ms >= 3600_000) return `${Math.floor(ms / 3600_000)}h`;
  return `${Math.max(0, Math.floor(ms / 60_000))}m`;
}

/**
 * SM-04 / API-06: one signing key, rotated by writing a new version (PutSecretValue) that becomes
 * AWSCURRENT; Secrets Manager moves AWSPREVIOUS to the old one and the API keeps verifying with it.
 * Refuses (user error, exit 2) a rotation that would drop a key still inside its grace window.
 */
export const signingKeyRotation: ResourceKind<SigningKeyRotationSpec, SigningKeyRotationActual, ResourceContext, { id: string; arn: string; kid: string }> = {
  kind: "signing-key-rotation",
  budget: { create: slowMs("secretsmanager.secret.create"), delete: 0 },
  typicalCreateMs: typicalMs("secretsmanager.secret.create"),

  find: (ctx, spec) => readSigningKey(ctx, spec?.secretName ?? ctx.name),
  diff(spec, a) {
    if (spec.resumedAt !== undefined) return [];
    // A malformed key signs nothing: replacing it cuts no session, whatever its age or grace window.
    if (a.current.malformed) return [{ field: "AWSCURRENT", from: `(${a.current.malformed})`, to: "(new key)" } satisfies FieldChange];
    const age = spec.now - a.current.createdAt;
    const due = spec.maxAgeMs === undefined || age > spec.maxAgeMs;
    if (!due) return [];
    const v = spec.force ? undefined : graceViolation(a.current.createdAt, a.previous !== undefined, spec.graceMs, spec.now);
    if (v) {
      throw new OpsError(
        "rotation_in_grace_window",
        `${spec.purpose}: a rotation inside the grace window would cut valid sessions: the key that became AWSPREVIOUS at ${iso(v.since)} must stay verifiable until ${iso(v.until)} (token lifetime ${ageText(spec.graceMs)}); use --force to rotate anyway`,
        { fault: "user" },
      );
    }
    return [{ field: "AWSCURRENT", from: a.current.kid, to: "(new key)" } satisfies FieldChange];
  },
  async create(ctx, spec) {
    throw new OpsError("no_signing_keys", `environment ${ctx.env} has no signing key ${spec.secretName}: run \`opsctl up\` first`, { fault: "user" });
  },
  async update(ctx, spec, a) {
    const sm = await ctx.aws.get("secrets");
    // No VersionStages: Secrets Manager attaches AWSCURRENT to the new version and AWSPREVIOUS to the
    // old current (PutSecretValue reference). The same token + same value is a no-op, so an SDK retry
    // of a call that landed writes nothing twice.
    await sm.send(
      new PutSecretValueCommand({
        SecretId: a.arn,
        ClientRequestToken: rotationToken(a.arn, a.current.versionId),
        SecretString: JSON.stringify(generateSigningKey(new Date(ctx.clock.now()))),
      }),
    );
    const after = await readSigningKey(ctx, a.arn);
    if (!after) throw new TryAgainLater(`${spec.secretName} not visible after the rotation`, 1_000);
    return after;
  },
  async delete() {
    return { kept: "rotate-keys never deletes a signing key (the environment's secret nodes own them)" };
  },
  refresh: (ctx, a) => readSigningKey(ctx, a.arn),
  describe: (a) => {
    if (a.current.malformed) {
      return {
        id: a.name,
        state: "malformed key",
        healthy: false,
        details: {
          problem: `AWSCURRENT is ${a.current.malformed}`,
          automaticRotation: a.rotationEnabled,
          previousKid: a.previous?.kid,
          warning: `opsctl wrote this key and can re-generate it safely: run \`opsctl up\` or \`opsctl rotate-keys --force\``,
        },
      };
    }
    const age = a.readAt - a.current.createdAt;
    const next = a.nextRotationDate ?? a.current.createdAt + ROTATION_PERIOD_DAYS * DAY;
    return {
      id: a.name,
      state: `key ${ageText(age)} old`,
      healthy: age <= ROTATION_PERIOD_DAYS * DAY,
      details: {
        kid: a.current.kid,
        createdAt: iso(a.current.createdAt),
        // Never negative: a key dated ahead of this clock (another host's skew) reads as new.
        ageDays: Math.max(0, Math.floor(age / DAY)),
        nextRotation: iso(next),
        automaticRotation: a.rotationEnabled,
        previousKid: a.previous?.kid,
        ...(age > ROTATION_PERIOD_DAYS * DAY ? { warning: `older than ${ROTATION_PERIOD_DAYS} days (SM-04): run \`opsctl rotate-keys --if-older-than ${ROTATION_PERIOD_DAYS}d\`` } : {}),
      },
    };
  },
  outputs: (a) => ({ id: a.name, arn: a.arn, kid: a.current.kid }),
};
