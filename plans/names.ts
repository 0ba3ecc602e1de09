import type { Config } from "../src/config/schema.js";
import type { PlanNode } from "../src/engine/plan.js";
import type { Facts, ResourceContext } from "../src/resources/context.js";

/** A node of the environment plan (and of the runbooks built from it). */
export type Node = PlanNode<ResourceContext>;

/** Port the bundled API listens on (its PORT default); the target of SG-02. */
export const APP_PORT = 3000;

/** Globally unique, stable S3 bucket name of a purpose (S3-01..03): derived from prefix, env, account and region. */
export function bucketName(config: Pick<Config, "env" | "storage">, purpose: string, facts: Pick<Facts, "accountId" | "region">): string {
  // Same layout as bucketNameFor (src/resources/bucket.ts), which also validates it; "*" makes the endpoint policy's pattern.
  return `${config.storage.bucketPrefix}-${config.env}-${purpose}-${facts.accountId}-${facts.region}`;
}

/** The secret holding the bastion's private key (BAS-02). */
export function sshKeySecretName(env: string): string {
  return `${env}/bastion/ssh-key`;
}

/** Role ARNs are deterministic (path /opsctl/), so policies can name them before the roles exist. */
export function roleArn(config: Pick<Config, "env">, facts: Pick<Facts, "accountId">, name: string): string {
  return `arn:aws:iam::${facts.accountId}:role/opsctl/${config.env}-${name}`;
}

/** Name of the rotation function (and of its role): `<env>-secret-rotation`. */
export function rotationFunctionName(config: Pick<Config, "env">): string {
  return `${config.env}-secret-rotation`;
}

/**
 * ARN of the rotation function's role (deterministic, path /opsctl/): the signing secrets' resource
 * policy (SM-03, secretReaders "signing" in plans/data.ts) must list it, or the function cannot read them.
 */
export function rotationRoleArn(config: Pick<Config, "env">, facts: Pick<Facts, "accountId">): string {
  return roleArn(config, facts, "secret-rotation");
}
