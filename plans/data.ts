import type { Config } from "../src/config/schema.js";
import type { Refs } from "../src/engine/plan.js";
import type { Facts } from "../src/resources/context.js";
import type { PolicyDocument } from "../src/resources/policy.js";
import { kmsKeyIn, keyPolicy, viaService } from "../src/resources/kms-key.js";
import { jsonFields, secret, type SecretSpec, type ValueCheck } from "../src/resources/secret.js";
import { SMTP_FIELDS } from "../src/operations/secrets.js";
import { secretFields } from "../src/resources/secret-fields.js";
import { bucket, bucketArn, appBucketPolicy, logsBucketPolicy } from "../src/resources/bucket.js";
import { dbSubnetGroup } from "../src/resources/db-subnet-group.js";
import { dbParameterGroup } from "../src/resources/db-parameter-group.js";
import { dbOptionGroup } from "../src/resources/db-option-group.js";
import { dbInstance } from "../src/resources/db-instance.js";
import { majorVersion, parameterGroupFamily } from "../src/resources/mysql-engine-version.js";
import { cacheSubnetGroup } from "../src/resources/cache-subnet-group.js";
import { replicationGroup, generateAuthToken, redisSecretValue } from "../src/resources/replication-group.js";
import { generateSigningKey, PURPOSES, signingKeyProblem, signingSecretName } from "../src/resources/signing-keys.js";
import { randomBytes } from "node:crypto";
import { bucketName, node, type Node } from "./network.js";
import { rotationRoleArn } from "./rotate-keys.js";

/** The three key families of KMS-01. */
export const KEY_FAMILIES = ["database", "smtp", "signing"] as const;
export type KeyFamily = (typeof KEY_FAMILIES)[number];

/** The services that use a family's keys on a principal's behalf (kms:ViaService). */
export const keyServices = (family: KeyFamily): string[] => (family === "database" ? ["secretsmanager", "rds", "elasticache"] : ["secretsmanager"]);

/** Facts the data layer adds (read before planning; see gatherDataFacts). */
export interface DataFacts {
  /** RDS-01: the newest available MySQL version, or the pin. */
  mysqlVersion: string;
  /** RDS-09: the log types to export, checked against the version. */
  logExports: string[];
  /** `up --apply-immediately`: RDS changes queued for the maintenance window are applied now. */
  applyImmediately?: boolean;
}

/** Role ARNs are deterministic (path /opsctl/), so policies can name them before the roles exist. */
export function roleArn(config: Pick<Config, "env">, facts: Pick<Facts, "accountId">, name: string): string {
  return `arn:aws:iam::${facts.accountId}:role/opsctl/${config.env}-${name}`;
}

/** Who may read each secret (SM-03): the operator, plus the roles that use it at run time. */
export function secretReaders(config: Config, facts: Facts, purpose: "smtp" | "database-app" | "redis" | "signing" | "ssh"): string[] {
  const operator = facts.callerArn ? [facts.callerArn] : [];
  const app = roleArn(config, facts, "app-task");
  const exec = roleArn(config, facts, "task-execution");
  const bootstrap = roleArn(config, facts, "bootstrap-task");
  switch (purpose) {
    case "ssh":
      return operator;
    case "signing":
      // The rotation function (SM-04) reads the current key to check the grace window.
      return [...operator, app, rotationRoleArn(config, facts)];
    case "database-app":
      return [...operator, app, exec, bootstrap];
    default:
      return [...operator, app, exec];
  }
}

/**
 * SM-03: deny reading the secret to every principal but `readers` (and deny any access from
 * outside the account). BlockPublicPolicy is set when the policy is put.
 */
export function secretPolicy(readers: string[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlyNamedReaders",
        Effect: "Deny",
        Principal: "*",
        Action: "secretsmanager:GetSecretValue",
        // In a secret's resource policy, "Resource": "*" means this secret (Secrets Manager user guide).
        Resource: "*",
        Condition: { StringNotEquals: { "aws:PrincipalArn": [...readers].sort() } },
      },
    ],
  };
}

/** The data layer: KMS-01, SM-01..SM-03, RDS-01..RDS-12, RED-01, S3-01, S3-03. */
export function dataNodes(config: Config, facts: Facts & DataFacts): Node[] {
  const env = config.env;
  const nodes: Node[] = [];
  const secondary = config.secondaryRegion;

  for (const family of KEY_FAMILIES) {
    const services = keyServices(family);
    for (const [suffix, region] of [["", facts.region], ["-replica", secondary]] as const) {
      nodes.push(
        node(`kms-key:${family}${suffix}`, [], kmsKeyIn(region), () => ({
          description: `opsctl ${env}: ${family} ${family === "signing" ? "keys" : "credentials"}${suffix ? ` (replicas in ${region})` : ""}`,
          // The roles that use the key come later (their IAM policies name it): the primary key's
          // `key-policy` node (plans/key-policies.ts) adds them once they exist.
          policy: keyPolicy(facts.accountId, family, [], services.map((s) => viaService(s, region))),
          policyOwnedElsewhere: suffix === "",
          rotationPeriodDays: 365,
          alias: `alias/${env}/${family}`,
          region,
        }), ["KMS-01"]),
      );
    }
  }

  const secretNode = (name: string, family: KeyFamily, secretName: string, description: string, generate: (now: Date) => string, readers: string[], controls: string[], valueCheck?: ValueCheck): Node =>
    node(`secret:${name}`, [`kms-key:${family}`, `kms-key:${family}-replica`], secret, (r: Refs): SecretSpec => ({
      name: secretName,
      description,
      kmsKeyId: String(r.out(`kms-key:${family}`).arn),
      generate,
      replicas: [{ region: secondary, kmsKeyId: String(r.out(`kms-key:${family}-replica`).arn) }],
      resourcePolicy: secretPolicy(readers),
      valueCheck,
    }), controls);

  nodes.push(
    secretNode(
      "smtp",
      "smtp",
      `${env}/smtp`,
      `opsctl ${env}: Gmail OAuth2 credentials for the API's mail (set with \`opsctl secrets set smtp\`)`,
      () => JSON.stringify({ user: "CHANGE_ME@example.com", clientId: "CHANGE_ME", clientSecret: "CHANGE_ME", refreshToken: "CHANGE_ME" }),
      secretReaders(config, facts, "smtp"),
      ["SM-01", "SM-02", "SM-03", "API-07"],
      // API-07: the API's mailer reads these four fields (SPEC.md "Secret values"); only the operator has them.
      { problem: jsonFields(SMTP_FIELDS), wanted: `JSON with ${SMTP_FIELDS.join(", ")}`, regenerate: false, fix: `run \`opsctl secrets set smtp\` (API-07)` },
    ),
  );
  nodes.push(
    secretNode(
      "database-app",
      "database",
      `${env}/database/app`,
      `opsctl ${env}: the API's database user (RDS-07); the user is created by the bootstrap task`,
      () => JSON.stringify({ host: "", port: 3306, username: "app", password: randomBytes(24).toString("base64url"), dbname: config.database.databaseName }),
      secretReaders(config, facts, "database-app"),
      ["SM-01", "SM-02", "SM-03", "RDS-07"],
    ),
  );
  nodes.push(
    secretNode(
      "redis",
      "database",
      `${env}/redis`,
      `opsctl ${env}: Redis endpoint and AUTH token (RED-01)`,
      () => redisSecretValue("", 6379, generateAuthToken()),
      secretReaders(config, facts, "redis"),
      ["SM-01", "SM-02", "SM-03", "RED-01"],
    ),
  );
  for (const purpose of PURPOSES) {
    nodes.push(
      secretNode(
        `signing-${purpose.replace(/_/g, "-")}`,
        "signing",
        signingSecretName(env, purpose),
        `opsctl ${env}: PASETO v4.public signing key for ${purpose} (AWSCURRENT signs, AWSPREVIOUS verifies)`,
        (now) => JSON.stringify(generateSigningKey(now)),
        secretReaders(config, facts, "signing"),
        ["SM-01", "SM-02", "SM-03", "SM-04", "API-06"],
        {
          problem: signingKeyProblem,
          wanted: "a signing key in the SPEC.md format",
          // opsctl wrote it and a malformed key signs nothing, so a new one cuts no valid session.
          regenerate: true,
          fix: `opsctl wrote this key and can re-generate it safely: \`opsctl up\` or \`opsctl rotate-keys --force --only ${purpose}\``,
        },
      ),
    );
  }

  const logsName = bucketName(config, "logs", facts);
  nodes.push(
    node("bucket:logs", [], bucket, () => ({
      name: logsName,
      purpose: "logs",
      versioning: true,
      policy: logsBucketPolicy(bucketArn(logsName), facts.accountId, facts.region),
      lifecycleExpireDays: 365,
    }), ["S3-03"]),
  );
  const appName = bucketName(config, "app", facts);
  nodes.push(
    node("bucket:app", ["vpc-endpoint:s3"], bucket, (r) => ({
      name: appName,
      purpose: "app",
      versioning: true,
      policy: appBucketPolicy(bucketArn(appName), r.id("vpc-endpoint:s3")),
    }), ["S3-01", "NET-07"]),
  );

  const isolated = ["subnet:isolated-a", "subnet:isolated-b"];
  nodes.push(
    node("db-subnet-group:main", isolated, dbSubnetGroup, (r) => ({
      name: `${env}-main`,
      description: `opsctl ${env}: isolated subnets, dual-stack (RDS-05, RDS-11)`,
      subnetIds: isolated.map((s) => r.id(s)),
    }), ["RDS-05", "RDS-11"]),
  );
  nodes.push(
    node("db-parameter-group:main", [], dbParameterGroup, () => ({
      name: `${env}-mysql${majorVersion(facts.mysqlVersion).replace(".", "")}`,
      family: parameterGroupFamily(facts.mysqlVersion),
      description: `opsctl ${env}: TLS required, general and slow query logs (RDS-06, RDS-09)`,
      parameters: { require_secure_transport: "1", general_log: "1", slow_query_log: "1", log_output: "FILE" },
    }), ["RDS-06", "RDS-09"]),
  );
  nodes.push(
    node("db-option-group:main", [], dbOptionGroup, () => ({
      name: `${env}-mysql${majorVersion(facts.mysqlVersion).replace(".", "")}`,
      engineName: "mysql",
      majorEngineVersion: majorVersion(facts.mysqlVersion),
      description: `opsctl ${env}: MariaDB audit plugin for the audit log export (RDS-09)`,
      options: ["MARIADB_AUDIT_PLUGIN"],
    }), ["RDS-09"]),
  );
  nodes.push(
    node("db-instance:main", ["db-subnet-group:main", "db-parameter-group:main", "db-option-group:main", "security-group:rds", "kms-key:database"], dbInstance, (r) => ({
      identifier: `${env}-main`,
      engineVersion: facts.mysqlVersion,
      instanceClass: config.database.instanceClass,
      allocatedStorageGiB: config.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: config.database.maxAllocatedStorageGiB,
      multiAz: true,
      subnetGroupName: r.id("db-subnet-group:main"),
      securityGroupIds: [r.id("security-group:rds")],
      parameterGroupName: r.id("db-parameter-group:main"),
      optionGroupName: r.id("db-option-group:main"),
      kmsKeyId: String(r.out("kms-key:database").arn),
      dbName: config.database.databaseName,
      masterUsername: config.database.masterUsername,
      backupRetentionDays: config.database.backupRetentionDays,
      performanceInsightsRetentionDays: config.database.performanceInsightsRetentionDays,
      logExports: facts.logExports,
      applyImmediately: facts.applyImmediately === true,
    }), ["RDS-01", "RDS-02", "RDS-03", "RDS-04", "RDS-05", "RDS-06", "RDS-08", "RDS-09", "RDS-10", "RDS-11", "RDS-12"]),
  );

  nodes.push(
    node("cache-subnet-group:redis", isolated, cacheSubnetGroup, (r) => ({
      name: `${env}-redis`,
      description: `opsctl ${env}: isolated subnets for Redis (RED-01)`,
      subnetIds: isolated.map((s) => r.id(s)),
    }), ["RED-01"]),
  );
  nodes.push(
    node("replication-group:redis", ["cache-subnet-group:redis", "security-group:redis", "kms-key:database", "secret:redis"], replicationGroup, (r) => ({
      id: `${env}-redis`,
      description: `opsctl ${env}: rate-limit store of the API (RED-01)`,
      engine: config.cache.engine,
      engineVersion: config.cache.engineVersion,
      nodeType: config.cache.nodeType,
      subnetGroupName: r.id("cache-subnet-group:redis"),
      securityGroupIds: [r.id("security-group:redis")],
      kmsKeyId: String(r.out("kms-key:database").arn),
      authTokenSecretArn: String(r.out("secret:redis").arn),
      azs: facts.azs,
    }), ["RED-01", "SG-04"]),
  );
  nodes.push(
    node("secret-fields:redis-endpoint", ["secret:redis", "replication-group:redis"], secretFields, (r) => ({
      secretArn: String(r.out("secret:redis").arn),
      fields: { host: String(r.out("replication-group:redis").primaryEndpoint), port: Number(r.out("replication-group:redis").port ?? 6379) },
    }), ["RED-01"]),
  );
  return nodes;
}
