import { createHash } from "node:crypto";
import { InputError } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { TAG_ENV, TAG_NODE } from "../resources/context.js";
import { principalArn } from "../resources/facts.js";
import { secretPolicy } from "../../plans/data.js";
import type { Session } from "./session.js";

/*
 * IAM-04: the local-development user `<env>-dev` (node iam-user:dev, made by `up` without keys) gets an
 * access key only on request. The key is kept in Secrets Manager (`<env>/dev/access-key`) so it can be
 * printed again; the secret key is never printed unless asked (`--print`).
 *
 * Lifecycle: `opsctl down` deletes the user and its access keys (iam-user's delete), but not this
 * secret, which is no plan node; `opsctl dev-credentials --revoke` deletes the keys and the secret
 * (also after `down`, when only the secret is left).
 */

/** The tag `opsctl:node` of the secret (not a plan node: the secret belongs to this command). */
export const DEV_CREDENTIALS_NODE = "dev-credentials";

/** The IAM user of IAM-04 (plans/compute.ts, node iam-user:dev). */
export const devUserName = (env: string): string => `${env}-dev`;
/** Where the access key is kept. */
export const devSecretName = (env: string): string => `${env}/dev/access-key`;

/** The secret's JSON value. */
export interface StoredAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** ISO time the key was created. */
  createdAt: string;
}

/** What the operator asked for. */
export type DevCredentialsMode = "ensure" | "rotate" | "revoke";

/** What `dev-credentials` did. */
export interface DevCredentialsResult {
  user: string;
  secret: string;
  /** reused: the stored key is the user's (0 writes); created; rotated; revoked. */
  action: "reused" | "created" | "rotated" | "revoked";
  /** The key now in force (absent after revoke). */
  key?: StoredAccessKey;
  /** Access key ids deleted by this run. */
  deletedKeys: string[];
  /** Keys of the user that are not the stored one and were left alone (made outside this command). */
  otherKeys: string[];
  /** True when this run deleted the secret (revoke). */
  secretDeleted: boolean;
}

async function readStored(session: Session, name: string): Promise<{ key?: StoredAccessKey; exists: boolean; pendingDeletion: boolean }> {
  const { DescribeSecretCommand, GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  const sm = await session.aws.get("secrets");
  try {
    const d = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    if (d.DeletedDate) return { exists: true, pendingDeletion: true };
    const v = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    const key = JSON.parse(v.SecretString ?? "{}") as Partial<StoredAccessKey>;
    return { exists: true, pendingDeletion: false, key: key.accessKeyId && key.secretAccessKey ? (key as StoredAccessKey) : undefined };
  } catch (e) {
    if (isCode(e, "ResourceNotFoundException")) return { exists: false, pendingDeletion: false };
    throw e;
  }
}

/**
 * Runs `opsctl dev-credentials` in one of its modes:
 * - ensure: reuse the stored key when the user still has it (0 writes), else create one and store it;
 * - rotate: create a new key, store it, then delete the old ones (IAM allows 2 keys per user, so a
 *   key that is not the stored one is deleted first when the user already has 2);
 * - revoke: delete every access key of the user and the secret (for good: a revoked key is worthless);
 *   works without the user too (after `down`).
 * @throws InputError (exit 2) when the user does not exist (`opsctl up` first; not for revoke) or has 2 keys opsctl does not know
 */
export async function devCredentials(session: Session, mode: DevCredentialsMode): Promise<DevCredentialsResult> {
  const { CreateAccessKeyCommand, DeleteAccessKeyCommand, GetUserCommand, ListAccessKeysCommand } = await import("@aws-sdk/client-iam");
  const { CreateSecretCommand, DeleteSecretCommand, PutSecretValueCommand, RestoreSecretCommand } = await import("@aws-sdk/client-secrets-manager");
  const env = session.config.env;
  const user = devUserName(env);
  const secret = devSecretName(env);
  const iam = await session.aws.get("iam");
  const sm = await session.aws.get("secrets");
  let userExists = true;
  try {
    await iam.send(new GetUserCommand({ UserName: user }));
  } catch (e) {
    if (!isCode(e, "NoSuchEntity")) throw e;
    // After `down` the user (and its keys) are gone, but the secret is not: --revoke still removes it.
    if (mode !== "revoke") throw new InputError("env", `the development user ${user} of environment ${env} does not exist`, "run `opsctl up` first (it creates iam-user:dev)");
    userExists = false;
  }
  const keys = !userExists
    ? []
    : ((await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? [])
        .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))
        .map((k) => k.AccessKeyId!);
  const stored = await readStored(session, secret);
  const current = stored.key && keys.includes(stored.key.accessKeyId) ? stored.key : undefined;
  const others = keys.filter((k) => k !== current?.accessKeyId);
  const deleteKey = async (id: string) => {
    try {
      await iam.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: id }));
    } catch (e) {
      if (!isCode(e, "NoSuchEntity")) throw e;
    }
  };

  if (mode === "revoke") {
    for (const k of keys) await deleteKey(k);
    // Without a recovery window: the keys it held are deleted, and the name must be free for the next key.
    const live = stored.exists && !stored.pendingDeletion;
    if (live) await sm.send(new DeleteSecretCommand({ SecretId: secret, ForceDeleteWithoutRecovery: true }));
    return { user, secret, action: "revoked", deletedKeys: keys, otherKeys: [], secretDeleted: live };
  }
  if (mode === "ensure" && current) return { user, secret, action: "reused", key: current, deletedKeys: [], otherKeys: others, secretDeleted: false };

  const deletedKeys: string[] = [];
  if (keys.length >= 2) {
    if (mode === "ensure") {
      throw new InputError("env", `${user} already has 2 access keys (the IAM limit) and neither is stored in ${secret}: ${keys.join(", ")}`, "`opsctl dev-credentials --rotate` replaces them with one new key (or --revoke deletes them)");
    }
    // Room for the new key: drop a key nobody can use through opsctl (not the stored one).
    const drop = others[0];
    await deleteKey(drop);
    deletedKeys.push(drop);
  }
  const made = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
  const key: StoredAccessKey = { accessKeyId: made.AccessKeyId!, secretAccessKey: made.SecretAccessKey!, createdAt: (made.CreateDate ?? new Date(session.clock.now())).toISOString() };
  const value = JSON.stringify(key);
  const token = createHash("sha256").update(`${env}\0${secret}\0${key.accessKeyId}`).digest("hex").slice(0, 64);
  if (stored.pendingDeletion) await sm.send(new RestoreSecretCommand({ SecretId: secret }));
  if (stored.exists) {
    await sm.send(new PutSecretValueCommand({ SecretId: secret, SecretString: value, ClientRequestToken: token }));
  } else {
    const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
    const { PutResourcePolicyCommand } = await import("@aws-sdk/client-secrets-manager");
    const who = await (await session.aws.get("sts")).send(new GetCallerIdentityCommand({}));
    const created = await sm.send(
      new CreateSecretCommand({
        Name: secret,
        Description: `opsctl ${env}: access key of the development user ${user} (IAM-04); \`opsctl dev-credentials --revoke\` deletes it`,
        SecretString: value,
        ClientRequestToken: token,
        Tags: [
          { Key: TAG_ENV, Value: env },
          { Key: TAG_NODE, Value: DEV_CREDENTIALS_NODE },
          { Key: "Name", Value: `${env}-${DEV_CREDENTIALS_NODE}` },
        ],
      }),
    );
    // SM-03: only the operator who made it may read it (BlockPublicPolicy refuses a policy open to other accounts).
    await sm.send(new PutResourcePolicyCommand({ SecretId: created.ARN, ResourcePolicy: JSON.stringify(secretPolicy([principalArn(who.Arn!)])), BlockPublicPolicy: true }));
  }
  // The new key is stored: the old ones can go (a key lost by a crash before it was stored goes too).
  if (mode === "rotate") {
    for (const k of keys) {
      if (!deletedKeys.includes(k)) {
        await deleteKey(k);
        deletedKeys.push(k);
      }
    }
  }
  return { user, secret, action: mode === "rotate" ? "rotated" : "created", key, deletedKeys, otherKeys: mode === "rotate" ? [] : others, secretDeleted: false };
}

/** `export …` lines for a shell (the only output that shows the secret key, on `--print`). */
export function exportLines(key: StoredAccessKey): string {
  return `export AWS_ACCESS_KEY_ID=${key.accessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n`;
}
