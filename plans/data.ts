import type { Config } from "../src/config/schema.js";
import { node, ref, type PlanRefs } from "../src/engine/plan.js";
import type { Facts } from "../src/resources/context.js";
import type { PolicyDocument } from "../src/resources/policy.js";
import { kmsKey, kmsKeyIn, keyPolicy, viaService } from "../src/resources/kms-key.js";
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
import { vpcEndpoint } from "../src/resources/vpc-endpoint.js";
import { subnet } from "../src/resources/subnet.js";
import { securityGroup } from "../src/resources/security-group.js";
import { bucketName, roleArn, rotationRoleArn, type Node } from "./names.js";
import type { DataFacts } from "./facts.js";

export { roleArn } from "./names.js";
export type { DataFacts } from "./facts.js";

/** The three key families of KMS-01. */
export const KEY_FAMILIES = ["database", "smtp", "signing"] as const;
export type KeyFamily = (typeof KEY_FAMILIES)[number];

/** The services that use a family's keys on a principal's behalf (kms:ViaService). */
export const keyServices = (family: KeyFamily): string[] => (family === "database" ? ["secretsmanager", "rds", "elasticache"] : ["secretsmanager"]);


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
        node(kmsKeyIn(region), `kms-key:${family}${suffix}`, () => ({
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
    node(secret, `secret:${name}`, (r: PlanRefs): SecretSpec => ({
      name: secretName,
      description,
      kmsKeyId: String(r.out(ref(kmsKey, `kms-key:${family}`)).arn),
      generate,
      replicas: [{ region: secondary, kmsKeyId: String(r.out(ref(kmsKey, `kms-key:${family}-replica`)).arn) }],
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
    node(bucket, "bucket:logs", () => ({
      name: logsName,
      purpose: "logs",
      versioning: true,
      policy: logsBucketPolicy(bucketArn(logsName), facts.accountId, facts.region),
      lifecycleExpireDays: 365,
    }), ["S3-03"]),
  );
  const appName = bucketName(config, "app", facts);
  nodes.push(
    node(bucket, "bucket:app", (r) => ({
      name: appName,
      purpose: "app",
      versioning: true,
      policy: appBucketPolicy(bucketArn(appName), r.id(ref(vpcEndpoint, "vpc-endpoint:s3"))),
    }), ["S3-01", "NET-07"]),
  );

  const isolated = ["subnet:isolated-a", "subnet:isolated-b"].map((id) => ref(subnet, id));
  const dbSubnets = node(dbSubnetGroup, "db-subnet-group:main", (r) => ({
      name: `${env}-main`,
      description: `opsctl ${env}: isolated subnets, dual-stack (RDS-05, RDS-11)`,
      subnetIds: isolated.map((s) => r.id(s)),
    }), ["RDS-05", "RDS-11"]);
  nodes.push(dbSubnets);
  const dbParameters = node(dbParameterGroup, "db-parameter-group:main", () => ({
      name: `${env}-mysql${majorVersion(facts.mysqlVersion).replace(".", "")}`,
      family: parameterGroupFamily(facts.mysqlVersion),
      description: `opsctl ${env}: TLS required, general and slow query logs (RDS-06, RDS-09)`,
      parameters: { require_secure_transport: "1", general_log: "1", slow_query_log: "1", log_output: "FILE" },
    }), ["RDS-06", "RDS-09"]);
  nodes.push(dbParameters);
  const dbOptions = node(dbOptionGroup, "db-option-group:main", () => ({
      name: `${env}-mysql${majorVersion(facts.mysqlVersion).replace(".", "")}`,
      engineName: "mysql",
      majorEngineVersion: majorVersion(facts.mysqlVersion),
      description: `opsctl ${env}: MariaDB audit plugin for the audit log export (RDS-09)`,
      options: ["MARIADB_AUDIT_PLUGIN"],
    }), ["RDS-09"]);
  nodes.push(dbOptions);
  const databaseKey = ref(kmsKey, "kms-key:database");
  nodes.push(
    node(dbInstance, "db-instance:main", (r) => ({
      identifier: `${env}-main`,
      engineVersion: facts.mysqlVersion,
      instanceClass: config.database.instanceClass,
      allocatedStorageGiB: config.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: config.database.maxAllocatedStorageGiB,
      multiAz: true,
      subnetGroupName: r.id(dbSubnets),
      securityGroupIds: [r.id(ref(securityGroup, "security-group:rds"))],
      parameterGroupName: r.id(dbParameters),
      optionGroupName: r.id(dbOptions),
      kmsKeyId: String(r.out(databaseKey).arn),
      dbName: config.database.databaseName,
      masterUsername: config.database.masterUsername,
      backupRetentionDays: config.database.backupRetentionDays,
      performanceInsightsRetentionDays: config.database.performanceInsightsRetentionDays,
      logExports: facts.logExports,
      applyImmediately: facts.applyImmediately === true,
    }), ["RDS-01", "RDS-02", "RDS-03", "RDS-04", "RDS-05", "RDS-06", "RDS-08", "RDS-09", "RDS-10", "RDS-11", "RDS-12"]),
  );

  const cacheSubnets = node(cacheSubnetGroup, "cache-subnet-group:redis", (r) => ({
      name: `${env}-redis`,
      description: `opsctl ${env}: isolated subnets for Redis (RED-01)`,
      subnetIds: isolated.map((s) => r.id(s)),
    }), ["RED-01"]);
  nodes.push(cacheSubnets);
  const redisSecret = ref(secret, "secret:redis");
  const redis = node(replicationGroup, "replication-group:redis", (r) => ({
      id: `${env}-redis`,
      description: `opsctl ${env}: rate-limit store of the API (RED-01)`,
      engine: config.cache.engine,
      engineVersion: config.cache.engineVersion,
      nodeType: config.cache.nodeType,
      subnetGroupName: r.id(cacheSubnets),
      securityGroupIds: [r.id(ref(securityGroup, "security-group:redis"))],
      kmsKeyId: String(r.out(databaseKey).arn),
      authTokenSecretArn: String(r.out(redisSecret).arn),
      azs: facts.azs,
    }), ["RED-01", "SG-04"]);
  nodes.push(redis);
  nodes.push(
    node(secretFields, "secret-fields:redis-endpoint", (r) => ({
      secretArn: String(r.out(redisSecret).arn),
      fields: { host: String(r.out(redis).primaryEndpoint), port: Number(r.out(redis).port ?? 6379) },
    }), ["RED-01"]),
  );
  return nodes;
}
