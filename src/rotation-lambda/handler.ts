/**
 * SM-04: the Secrets Manager rotation function of the three signing keys, written after AWS's generic
 * rotation template (SecretsManagerRotationTemplate): Secrets Manager calls it four times per rotation,
 * with Step = createSecret, setSecret, testSecret, finishSecret and the new version's ClientRequestToken.
 * The key is made by the same generateSigningKey as `opsctl rotate-keys` (the API package's module).
 *
 * Bundled into the Lambda zip (see package.ts): imports only the SDK client the nodejs22.x runtime
 * provides, the signing-key module and the grace rule. Logs never contain key material.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { generateSigningKey, parseSigningKey } from "@opsctl/api/signing-key";
import { GRACE_MS, graceViolation, purposeOfSecret } from "./grace.js";

/** The event Secrets Manager sends (rotate-secrets_lambda in the Secrets Manager user guide). */
export interface RotationEvent {
  Step: "createSecret" | "setSecret" | "testSecret" | "finishSecret" | string;
  SecretId: string;
  ClientRequestToken: string;
  RotationToken?: string;
}

/** What a step needs besides the event (injected by tests; the runtime uses the defaults). */
export interface RotationDeps {
  client: SecretsManagerClient;
  now?: () => number;
  log?: (line: string) => void;
}

const notFound = (e: unknown) => (e as { name?: string })?.name === "ResourceNotFoundException";

/** Runs one rotation step. Throws to make Secrets Manager mark the rotation as failed (it retries later). */
export async function rotateStep(event: RotationEvent, deps: RotationDeps): Promise<void> {
  const { client } = deps;
  const log = deps.log ?? ((l: string) => console.log(l));
  const arn = event.SecretId;
  const token = event.ClientRequestToken;
  if (!arn || !token || !event.Step) throw new Error("event must have SecretId, ClientRequestToken and Step");

  // Make sure the version is staged correctly (as the template does).
  const metadata = await client.send(new DescribeSecretCommand({ SecretId: arn }));
  if (!metadata.RotationEnabled) throw new Error(`Secret ${arn} is not enabled for rotation`);
  const versions = metadata.VersionIdsToStages ?? {};
  const stages = versions[token];
  if (stages?.includes("AWSCURRENT")) {
    log(`Secret version ${token} already set as AWSCURRENT for secret ${arn}.`);
    return;
  }
  // AWS stages the token as AWSPENDING before it calls createSecret; the template refuses a token without
  // it. createSecret also accepts an unknown token, so a caller that did not stage it (the opsctl sandbox,
  // which never invokes rotation functions) can drive the steps; the later steps keep the template's check.
  if (stages ? !stages.includes("AWSPENDING") : event.Step !== "createSecret") {
    throw new Error(`Secret version ${token} not set as AWSPENDING for rotation of secret ${arn}.`);
  }

  switch (event.Step) {
    case "createSecret":
      return createSecret(client, arn, token, deps.now ?? Date.now, log);
    case "setSecret":
      // Nothing to set: the API reads the keys from the secret at run time (SPEC.md contract).
      log(`setSecret: nothing to set for ${arn}; the API reads AWSCURRENT and AWSPREVIOUS itself.`);
      return;
    case "testSecret":
      return testSecret(client, arn, token, log);
    case "finishSecret":
      return finishSecret(client, arn, token, log);
    default:
      throw new Error("Invalid step parameter");
  }
}

async function createSecret(client: SecretsManagerClient, arn: string, token: string, now: () => number, log: (l: string) => void): Promise<void> {
  // Make sure the current secret exists and is a signing key.
  const current = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: "AWSCURRENT" }));
  const currentKey = parseSigningKey(JSON.parse(current.SecretString ?? ""));
  try {
    await client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: "AWSPENDING" }));
    log(`createSecret: Successfully retrieved secret for ${arn}.`);
    return;
  } catch (e) {
    if (!notFound(e)) throw e;
  }
  // The same grace rule as `opsctl rotate-keys`: never drop a previous key that may still verify live tokens.
  const purpose = purposeOfSecret(current.Name ?? arn);
  if (!purpose) throw new Error(`Secret ${arn} is not a signing-key secret (<env>/signing/<purpose>)`);
  const d = await client.send(new DescribeSecretCommand({ SecretId: arn }));
  const hasPrevious = Object.values(d.VersionIdsToStages ?? {}).some((s) => s.includes("AWSPREVIOUS"));
  const v = graceViolation(Date.parse(currentKey.createdAt), hasPrevious, GRACE_MS[purpose], now());
  if (v) throw new Error(`createSecret: refusing to rotate ${arn}: the AWSPREVIOUS key must stay verifiable until ${new Date(v.until).toISOString()}`);
  await client.send(
    new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: JSON.stringify(generateSigningKey(new Date(now()))), VersionStages: ["AWSPENDING"] }),
  );
  log(`createSecret: Successfully put secret for ARN ${arn} and version ${token}.`);
}

async function testSecret(client: SecretsManagerClient, arn: string, token: string, log: (l: string) => void): Promise<void> {
  const pending = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: "AWSPENDING" }));
  // Throws (failing the rotation) unless the value is a well-formed key whose parts agree.
  parseSigningKey(JSON.parse(pending.SecretString ?? ""));
  log(`testSecret: version ${token} of ${arn} is a valid signing key.`);
}

async function finishSecret(client: SecretsManagerClient, arn: string, token: string, log: (l: string) => void): Promise<void> {
  const metadata = await client.send(new DescribeSecretCommand({ SecretId: arn }));
  let currentVersion: string | undefined;
  for (const [version, stages] of Object.entries(metadata.VersionIdsToStages ?? {})) {
    if (stages.includes("AWSCURRENT")) {
      if (version === token) {
        log(`finishSecret: Version ${version} already marked as AWSCURRENT for ${arn}`);
        return;
      }
      currentVersion = version;
      break;
    }
  }
  // Moving AWSCURRENT gives the old current version AWSPREVIOUS (Secrets Manager does it).
  await client.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: "AWSCURRENT", MoveToVersionId: token, RemoveFromVersionId: currentVersion }));
  await client.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: "AWSPENDING", RemoveFromVersionId: token }));
  log(`finishSecret: Successfully set AWSCURRENT stage to version ${token} for secret ${arn}.`);
}

let defaultClient: SecretsManagerClient | undefined;

/** The Lambda entry point (`Handler: src/rotation-lambda/handler.handler`). */
export async function handler(event: RotationEvent): Promise<void> {
  defaultClient ??= new SecretsManagerClient({});
  await rotateStep(event, { client: defaultClient });
}
