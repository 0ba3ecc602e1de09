import { InputError, OpsError } from "../engine/errors.js";
import type { Session } from "./session.js";

/** The bastion's ED25519 key pair (BAS-02) as opsctl stores it in Secrets Manager. */
export interface BastionKeyPair {
  privateKey: string;
  publicKey: string;
}

/**
 * Reads the bastion's key pair from its secret (`sshKeySecretName`), for `opsctl ssh-key` and
 * `opsctl tunnel`.
 * @throws InputError when the secret does not exist (run `opsctl up` first)
 */
export async function bastionKeyPair(session: Session): Promise<BastionKeyPair> {
  const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  const { sshKeySecretName } = await import("../../plans/environment.js");
  const { isNotFound } = await import("../aws/errors.js");
  const name = sshKeySecretName(session.config.env);
  const sm = await session.aws.get("secrets");
  let value: string | undefined;
  try {
    value = (await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
  } catch (e) {
    if (isNotFound(e)) throw new InputError("env", `no bastion key for environment ${session.config.env} (secret ${name} not found)`, "run `opsctl up` first");
    throw e;
  }
  const key = JSON.parse(value ?? "{}") as Partial<BastionKeyPair>;
  if (!key.privateKey || !key.publicKey) throw new OpsError("bastion_key_unreadable", `secret ${name} holds no privateKey/publicKey`, { hint: "run `opsctl up` to repair it", fault: "aws" });
  return { privateKey: key.privateKey, publicKey: key.publicKey };
}
