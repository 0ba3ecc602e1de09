import type { Config } from "../src/config/schema.js";
import { node, ref, type Plan, type PlanRefs } from "../src/engine/plan.js";
import type { Facts, ResourceContext } from "../src/resources/context.js";
import { PURPOSES, signingSecretName, type Purpose } from "../src/resources/signing-keys.js";
import { ROTATION_PERIOD_DAYS, signingKeyRotation, type SigningKeyRotationSpec } from "../src/resources/signing-key-rotation.js";
import { iamRole, type IamRoleSpec } from "../src/resources/iam-role.js";
import { logGroup, logGroupName } from "../src/resources/log-group.js";
import { lambdaFunction, lambdaPermission, type LambdaFunctionSpec, type LambdaPermissionSpec } from "../src/resources/lambda-function.js";
import { secretRotation, type SecretRotationSpec } from "../src/resources/secret-rotation.js";
import { GRACE_MS } from "../src/rotation-lambda/grace.js";
import { ROTATION_HANDLER, rotationLambdaZip } from "../src/rotation-lambda/package.js";
import { secret } from "../src/resources/secret.js";
import { kmsKey } from "../src/resources/kms-key.js";
import { rotationFunctionName, type Node } from "./names.js";

export { rotationFunctionName, rotationRoleArn } from "./names.js";

/** What one `rotate-keys` run does (validated flags plus the run's time). */
export interface RotateKeysOptions {
  /** The purposes to rotate (`--only` narrows it to one). */
  purposes: readonly Purpose[];
  /** `--if-older-than` in ms; absent = rotate whatever the age. */
  maxAgeMs?: number;
  /** `--force`: rotate even inside the grace window. */
  force: boolean;
  /** The run's time (ms). */
  now: number;
  /** Keys an interrupted run already rotated (purpose → when), counted as done. */
  resumed?: Partial<Record<Purpose, number>>;
}

/** The plan node id of a purpose's rotation: `signing-key-rotation:active-session`, … */
export function rotationNodeId(purpose: Purpose): string {
  return `signing-key-rotation:${purpose.replace(/_/g, "-")}`;
}

/**
 * The `rotate-keys` runbook (notes §7, SM-04): one independent node per signing key, run by the same
 * executor as `up`. A pure function of the config and the options.
 */
export function rotateKeysPlan(config: Pick<Config, "env">, opts: RotateKeysOptions): Plan<ResourceContext> {
  const nodes: Node[] = opts.purposes.map((purpose) =>
    node(signingKeyRotation, rotationNodeId(purpose), (): SigningKeyRotationSpec => ({
      secretName: signingSecretName(config.env, purpose),
      purpose,
      maxAgeMs: opts.maxAgeMs,
      force: opts.force,
      graceMs: GRACE_MS[purpose],
      now: opts.now,
      resumedAt: opts.resumed?.[purpose],
    }), ["SM-04", "API-06"]),
  );
  return { name: "rotate-keys", nodes };
}

/** The environment plan's node of a purpose's signing-key secret (plans/data.ts). */
const signingSecretNode = (purpose: Purpose) => ref(secret, `secret:signing-${purpose.replace(/_/g, "-")}`);

/**
 * SM-04 (Security Hub SecretsManager.1 and .4): automatic rotation of the three signing keys every
 * 30 days by a rotation function that shares its key generation with `rotate-keys`. Nodes for the
 * environment plan; they depend on `kms-key:signing` and `secret:signing-*` of plans/data.ts:
 * the function's log group, its role (logs; Get/Put/UpdateVersionStage/Describe on the three signing
 * secrets only; kms:Decrypt/GenerateDataKey on the signing key through Secrets Manager), the function,
 * Secrets Manager's permission to invoke it, and one rotation schedule per secret.
 */
export function rotationNodes(config: Config, facts: Facts): Node[] {
  const env = config.env;
  const fn = rotationFunctionName(config);
  // The project's log group naming (so `down` finds it), given to the function as LoggingConfig.LogGroup.
  const logs = logGroupName(env, "secret-rotation");
  const secretNodes = PURPOSES.map(signingSecretNode);
  const nodes: Node[] = [];

  const logGroupNode = node(logGroup, "log-group:secret-rotation", () => ({ name: logs, retentionDays: config.compute.logRetentionDays }), ["SM-04", "MON-01"]);
  nodes.push(logGroupNode);
  const signingKey = ref(kmsKey, "kms-key:signing");
  const role = node(iamRole, "iam-role:secret-rotation", (r: PlanRefs): IamRoleSpec => {
      const logArn = String(r.out(logGroupNode).arn);
      return {
        name: fn,
        description: `opsctl ${env}: rotation function of the signing keys (SM-04)`,
        assumeRolePolicy: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        },
        inlinePolicies: {
          logs: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logArn.endsWith(":*") ? logArn : `${logArn}:*`] }],
          },
          "rotate-signing-keys": {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
                Resource: secretNodes.map((n) => String(r.out(n).arn)).sort(),
              },
              {
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: String(r.out(signingKey).arn),
                Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${facts.region}.amazonaws.com` } },
              },
            ],
          },
        },
      };
    }, ["SM-04", "IAM-03"]);
  nodes.push(role);
  const fnNode = node(lambdaFunction, "lambda-function:secret-rotation", (r: PlanRefs): LambdaFunctionSpec => ({
      name: fn,
      roleArn: String(r.out(role).arn),
      handler: ROTATION_HANDLER,
      runtime: "nodejs22.x",
      code: rotationLambdaZip,
      timeoutSeconds: 30,
      logGroup: logs,
      description: `opsctl ${env}: rotates the PASETO signing keys (createSecret/setSecret/testSecret/finishSecret)`,
    }), ["SM-04"], [logGroupNode]);
  nodes.push(fnNode);
  const permission = node(lambdaPermission, "lambda-permission:secret-rotation", (): LambdaPermissionSpec => ({
      functionName: fn,
      statementId: "secretsmanager-rotation",
      principal: "secretsmanager.amazonaws.com",
      action: "lambda:InvokeFunction",
      sourceAccount: facts.accountId,
    }), ["SM-04"], [fnNode]);
  nodes.push(permission);
  for (const purpose of PURPOSES) {
    const secretNode = signingSecretNode(purpose);
    nodes.push(
      node(secretRotation, `secret-rotation:${secretNode.id.slice("secret:".length)}`, (r: PlanRefs): SecretRotationSpec => ({
        secretArn: String(r.out(secretNode).arn),
        lambdaArn: String(r.out(fnNode).arn),
        afterDays: ROTATION_PERIOD_DAYS,
      }), ["SM-04"], [permission]),
    );
  }
  return nodes;
}
