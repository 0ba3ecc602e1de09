import type { Config } from "../src/config/schema.js";
import { hostNames } from "../src/config/load.js";
import type { Refs } from "../src/engine/plan.js";
import type { PolicyDocument } from "../src/resources/policy.js";
import { iamRole } from "../src/resources/iam-role.js";
import { iamUser } from "../src/resources/iam-user.js";
import { logGroup, logGroupName } from "../src/resources/log-group.js";
import { ecrRepository } from "../src/resources/ecr-repository.js";
import { ecsCluster } from "../src/resources/ecs-cluster.js";
import { taskDefinition, type ContainerSpec } from "../src/resources/task-definition.js";
import { ecsService } from "../src/resources/ecs-service.js";
import { serviceDiscoveryNamespace, serviceDiscoveryService } from "../src/resources/service-discovery.js";
import { metricAlarm } from "../src/resources/metric-alarm.js";
import { ecsOneOffTask } from "../src/resources/ecs-one-off-task.js";
import { targetHealth } from "../src/resources/target-health.js";
import { bucketArn } from "../src/resources/bucket.js";
import { viaService } from "../src/resources/kms-key.js";
import { PURPOSES } from "../src/resources/signing-keys.js";
import { APP_PORT, bucketName, node, type Node } from "./network.js";
import type { EnvironmentFacts } from "./environment.js";

/** Facts the compute layer adds: the API image, pinned by digest (absent: no image yet). */
export interface ComputeFacts {
  image?: string;
}

const ECS_TRUST = (facts: EnvironmentFacts): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
      // Confused-deputy protection (ECS developer guide, "Task IAM role").
      Condition: { StringEquals: { "aws:SourceAccount": facts.accountId }, ArnLike: { "aws:SourceArn": `arn:aws:ecs:${facts.region}:${facts.accountId}:*` } },
    },
  ],
});

const signingNodes = PURPOSES.map((p) => `secret:signing-${p.replace(/_/g, "-")}`);

/**
 * IAM-01: what the API may do — its bucket's objects, GetSecretValue on its own secrets, kms:Decrypt
 * with its keys through Secrets Manager, rds-db:connect as its IAM database user. Real ARNs only.
 * The local-development user (IAM-04) gets the same document.
 */
export function appPolicy(r: Refs, config: Config, facts: EnvironmentFacts): PolicyDocument {
  const bucket = bucketArn(bucketName(config, "app", facts));
  const secrets = ["secret:database-app", "secret:redis", "secret:smtp", ...signingNodes].map((n) => String(r.out(n).arn)).sort();
  const keys = ["kms-key:database", "kms-key:smtp", "kms-key:signing"].map((n) => String(r.out(n).arn)).sort();
  const dbi = String(r.out("db-instance:main").dbiResourceId);
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "AppBucketObjects", Effect: "Allow", Action: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"], Resource: `${bucket}/*` },
      { Sid: "AppBucketList", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
      { Sid: "OwnSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secrets },
      { Sid: "DecryptOwnSecrets", Effect: "Allow", Action: "kms:Decrypt", Resource: keys, Condition: { StringEquals: { "kms:ViaService": viaService("secretsmanager", facts.region) } } },
      // The API's IAM database user is `<username>_iam` (api/README.md, DATABASE_IAM_USER).
      { Sid: "DatabaseIamAuth", Effect: "Allow", Action: "rds-db:connect", Resource: `arn:aws:rds-db:${facts.region}:${facts.accountId}:dbuser:${dbi}/app_iam` },
    ],
  };
}

const APP_POLICY_DEPS = ["secret:database-app", "secret:redis", "secret:smtp", ...signingNodes, "kms-key:database", "kms-key:smtp", "kms-key:signing", "db-instance:main"];

/** The container of the API (ECS-02): configuration by environment, per SPEC.md's contract. */
function apiContainer(r: Refs, config: Config, facts: EnvironmentFacts & ComputeFacts, group: string): ContainerSpec {
  const hosts = hostNames(config);
  const env: Record<string, string> = {
    NODE_ENV: "production",
    PORT: String(APP_PORT),
    // Secrets are passed by ARN and read by the API with the SDK at run time (cached for minutes),
    // so a rotation needs no redeploy; nothing is injected at start (no `secrets` in the definition).
    DATABASE_SECRET_ARN: String(r.out("secret:database-app").arn),
    DATABASE_IAM_AUTH: "true",
    REDIS_SECRET_ARN: String(r.out("secret:redis").arn),
    SMTP_SECRET_ARN: String(r.out("secret:smtp").arn),
    MAIL_FROM: `no-reply@${config.dns.domain}`,
    APP_ORIGINS: `https://${hosts.site}`,
    PUBLIC_URL: `https://${hosts.site}`,
    TRUST_PROXY: [String(r.out("subnet:public-a").cidr), String(r.out("subnet:public-b").cidr)].join(","),
    AUTH_RATE_LIMIT: config.compute.authRateLimit,
    S3_BUCKET: bucketName(config, "app", facts),
    AWS_REGION: facts.region,
  };
  for (const p of PURPOSES) env[`SIGNING_KEY_${p.toUpperCase()}_SECRET_ARN`] = String(r.out(`secret:signing-${p.replace(/_/g, "-")}`).arn);
  return {
    name: "api",
    image: facts.image!,
    essential: true,
    portMappings: [{ containerPort: APP_PORT }],
    environment: env,
    logConfiguration: { logGroup: group, region: facts.region, streamPrefix: "api" },
    healthCheck: { command: ["CMD", "node", "-e", `fetch('http://127.0.0.1:${APP_PORT}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`], interval: 15, timeout: 5, retries: 3, startPeriod: 20 },
    readonlyRootFilesystem: true,
    user: "node",
  };
}

/** The compute layer: IAM-01, IAM-02, IAM-04, ECS-01..ECS-05, RDS-07, MON-01 (ECS alarm). */
export function computeNodes(config: Config, facts: EnvironmentFacts & ComputeFacts): Node[] {
  const env = config.env;
  const group = logGroupName(env, "api");
  const nodes: Node[] = [];
  const trust = ECS_TRUST(facts);

  nodes.push(node("log-group:api", [], logGroup, () => ({ name: group, retentionDays: config.compute.logRetentionDays }), ["MON-01", "ECS-02"]));
  nodes.push(node("ecr-repository:api", [], ecrRepository, () => ({ name: `${env}-api`, keepLastImages: config.compute.keepLastImages }), ["ECS-05"]));
  nodes.push(
    node("iam-role:app-task", APP_POLICY_DEPS, iamRole, (r) => ({
      name: `${env}-app-task`,
      description: `opsctl ${env}: the API's task role (IAM-01)`,
      assumeRolePolicy: trust,
      inlinePolicies: { app: appPolicy(r, config, facts) },
    }), ["IAM-01"]),
  );
  nodes.push(
    node("iam-user:dev", APP_POLICY_DEPS, iamUser, (r) => ({ name: `${env}-dev`, inlinePolicies: { app: appPolicy(r, config, facts) } }), ["IAM-04"]),
  );
  nodes.push(
    node("iam-role:task-execution", ["log-group:api", "ecr-repository:api"], iamRole, (r) => ({
      name: `${env}-task-execution`,
      description: `opsctl ${env}: ECS task execution role: image pull and logs (IAM-02)`,
      assumeRolePolicy: trust,
      inlinePolicies: {
        execution: {
          Version: "2012-10-17",
          Statement: [
            // GetAuthorizationToken has no resource-level permissions: AWS requires "*" (ECR user guide).
            { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            { Sid: "PullApiImage", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: String(r.out("ecr-repository:api").arn) },
            { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${String(r.out("log-group:api").arn)}:*` },
          ],
        },
      },
    }), ["IAM-02"]),
  );
  nodes.push(
    node("iam-role:bootstrap-task", ["db-instance:main", "secret:database-app", "kms-key:database"], iamRole, (r) => ({
      name: `${env}-bootstrap-task`,
      description: `opsctl ${env}: the one-off task that creates the app database user (RDS-07)`,
      assumeRolePolicy: trust,
      inlinePolicies: {
        bootstrap: {
          Version: "2012-10-17",
          Statement: [
            { Sid: "MasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: String(r.out("db-instance:main").masterSecretArn) },
            { Sid: "AppUserSecret", Effect: "Allow", Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], Resource: String(r.out("secret:database-app").arn) },
            { Sid: "DatabaseKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: String(r.out("kms-key:database").arn), Condition: { StringEquals: { "kms:ViaService": viaService("secretsmanager", facts.region) } } },
          ],
        },
      },
    }), ["RDS-07", "IAM-01"]),
  );
  nodes.push(node("ecs-cluster:main", [], ecsCluster, () => ({ name: `${env}-main` }), ["ECS-01", "MON-01"]));
  nodes.push(node("service-discovery-namespace:main", ["vpc:main"], serviceDiscoveryNamespace, (r) => ({ name: `${env}.internal`, vpcId: r.id("vpc:main") }), ["ECS-04"]));
  nodes.push(node("service-discovery-service:api", ["service-discovery-namespace:main"], serviceDiscoveryService, (r) => ({ name: "api", namespaceId: r.id("service-discovery-namespace:main") }), ["ECS-04"]));
  nodes.push(
    node("metric-alarm:ecs-running", ["ecs-cluster:main"], metricAlarm, (r) => ({
      name: `${env}-ecs-running`,
      description: "ECS running task count below desired (MON-01)",
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensions: { ClusterName: String(r.out("ecs-cluster:main").name), ServiceName: "api" },
      statistic: "Minimum",
      period: 60,
      evaluationPeriods: 3,
      threshold: config.compute.desiredCount,
      comparison: "LessThanThreshold",
      treatMissingData: "breaching",
    }), ["MON-01"]),
  );

  // Without an image, everything else still converges; the service waits for `opsctl image push` or --image.
  if (!facts.image) return nodes;

  const taskDeps = ["iam-role:task-execution", "iam-role:app-task", "log-group:api", "subnet:public-a", "subnet:public-b", ...APP_POLICY_DEPS];
  nodes.push(
    node("task-definition:api", [...new Set(taskDeps)], taskDefinition, (r) => ({
      family: `${env}-api`,
      cpu: config.compute.cpu,
      memory: config.compute.memory,
      executionRoleArn: String(r.out("iam-role:task-execution").arn),
      taskRoleArn: String(r.out("iam-role:app-task").arn),
      containers: [apiContainer(r, config, facts, group)],
    }), ["ECS-02"]),
  );
  nodes.push(
    node("task-definition:bootstrap", ["iam-role:task-execution", "iam-role:bootstrap-task", "log-group:api", "db-instance:main", "secret:database-app"], taskDefinition, (r) => ({
      family: `${env}-bootstrap`,
      cpu: 256,
      memory: 512,
      executionRoleArn: String(r.out("iam-role:task-execution").arn),
      taskRoleArn: String(r.out("iam-role:bootstrap-task").arn),
      containers: [
        {
          name: "bootstrap",
          image: facts.image!,
          essential: true,
          command: ["bootstrap-db"],
          environment: {
            DATABASE_ADMIN_SECRET_ARN: String(r.out("db-instance:main").masterSecretArn),
            DATABASE_HOST: String(r.out("db-instance:main").endpoint),
            DATABASE_PORT: String(r.out("db-instance:main").port ?? 3306),
            DATABASE_NAME: config.database.databaseName,
            DATABASE_APP_USER: "app",
            DATABASE_SECRET_ARN: String(r.out("secret:database-app").arn),
            AWS_REGION: facts.region,
          },
          logConfiguration: { logGroup: group, region: facts.region, streamPrefix: "bootstrap" },
          readonlyRootFilesystem: true,
          user: "node",
        },
      ],
    }), ["RDS-07"]),
  );
  const privateSubnets = ["subnet:private-a", "subnet:private-b"];
  nodes.push(
    node("ecs-one-off-task:db-bootstrap", ["ecs-cluster:main", "task-definition:bootstrap", ...privateSubnets, "security-group:ecs", "security-group-rule:rds", "route-table:private-a", "route-table:private-b"], ecsOneOffTask, (r) => ({
      cluster: String(r.out("ecs-cluster:main").name),
      taskDefinitionArn: String(r.out("task-definition:bootstrap").arn),
      containerName: "bootstrap",
      command: ["bootstrap-db"],
      subnetIds: privateSubnets.map((s) => r.id(s)),
      securityGroupIds: [r.id("security-group:ecs")],
      logGroupName: group,
      logStreamPrefix: "bootstrap",
    }), ["RDS-07"]),
  );
  nodes.push(
    node(
      "ecs-service:api",
      ["ecs-cluster:main", "task-definition:api", ...privateSubnets, "security-group:ecs", "security-group-rule:ecs", "security-group-rule:redis", "service-discovery-service:api", "target-group:api", "listener:https", "ecs-one-off-task:db-bootstrap", "replication-group:redis", "secret-fields:redis-endpoint"],
      ecsService,
      (r) => ({
        cluster: String(r.out("ecs-cluster:main").name),
        name: "api",
        taskDefinitionArn: String(r.out("task-definition:api").arn),
        desiredCount: config.compute.desiredCount,
        subnetIds: privateSubnets.map((s) => r.id(s)),
        securityGroupIds: [r.id("security-group:ecs")],
        targetGroupArn: String(r.out("target-group:api").arn),
        containerName: "api",
        containerPort: APP_PORT,
        registryArn: String(r.out("service-discovery-service:api").arn),
        healthCheckGracePeriodSeconds: 60,
      }),
      ["ECS-03", "ECS-04", "ALB-02"],
    ),
  );
  // Done means the tasks pass the load balancer's health check, not only that ECS runs them.
  nodes.push(
    node("target-health:api", ["ecs-service:api", "target-group:api"], targetHealth, (r) => ({ targetGroupArn: String(r.out("target-group:api").arn), minHealthy: config.compute.desiredCount }), ["ALB-02", "ECS-03"]),
  );
  return nodes;
}
