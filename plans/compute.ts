import type { Config } from "../src/config/schema.js";
import { hostNames } from "../src/config/load.js";
import { node, ref, type PlanRefs } from "../src/engine/plan.js";
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
import { secret } from "../src/resources/secret.js";
import { kmsKey } from "../src/resources/kms-key.js";
import { dbInstance } from "../src/resources/db-instance.js";
import { subnet } from "../src/resources/subnet.js";
import { securityGroup, securityGroupRules } from "../src/resources/security-group.js";
import { routeTable } from "../src/resources/route-table.js";
import { vpc } from "../src/resources/vpc.js";
import { targetGroup } from "../src/resources/target-group.js";
import { listener } from "../src/resources/listener.js";
import { replicationGroup } from "../src/resources/replication-group.js";
import { secretFields } from "../src/resources/secret-fields.js";
import { typicalMs } from "../src/aws/durations.js";
import { APP_PORT, bucketName, type Node } from "./names.js";
import type { ComputeFacts, EnvironmentFacts } from "./facts.js";

export type { ComputeFacts } from "./facts.js";

/**
 * The api service's health check grace period. `up` creates the service while the bootstrap task
 * runs (about as long to launch as the service's tasks, then its command): the tasks' health checks
 * fail until it has exited. "The Amazon ECS service scheduler ignores unhealthy Elastic Load Balancing
 * … health checks" for this long "after a task has first started" (CreateService,
 * healthCheckGracePeriodSeconds); it covers the bootstrap task's whole typical run from launch to exit
 * twice over (src/aws/aws-durations.json, ecs.service.steady: the one-off task's typical run is half of it).
 */
export const SERVICE_GRACE_S = typicalMs("ecs.service.steady") / 1000;

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

const signingNodes = PURPOSES.map((p) => ref(secret, `secret:signing-${p.replace(/_/g, "-")}`));
// Nodes of the data and network layers this layer reads.
const appSecret = ref(secret, "secret:database-app");
const redisSecret = ref(secret, "secret:redis");
const smtpSecret = ref(secret, "secret:smtp");
const databaseKey = ref(kmsKey, "kms-key:database");
const database = ref(dbInstance, "db-instance:main");

/**
 * IAM-01: what the API may do — its bucket's objects, GetSecretValue on its own secrets, kms:Decrypt
 * with its keys through Secrets Manager, rds-db:connect as its IAM database user. Real ARNs only.
 * The local-development user (IAM-04) gets the same document.
 */
export function appPolicy(r: PlanRefs, config: Config, facts: EnvironmentFacts): PolicyDocument {
  const bucket = bucketArn(bucketName(config, "app", facts));
  const secrets = [appSecret, redisSecret, smtpSecret, ...signingNodes].map((n) => String(r.out(n).arn)).sort();
  const keys = [databaseKey, ref(kmsKey, "kms-key:smtp"), ref(kmsKey, "kms-key:signing")].map((n) => String(r.out(n).arn)).sort();
  const dbi = String(r.out(database).dbiResourceId);
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

/** The container of the API (ECS-02): configuration by environment, per SPEC.md's contract. */
function apiContainer(r: PlanRefs, config: Config, facts: EnvironmentFacts & ComputeFacts, group: string): ContainerSpec {
  const hosts = hostNames(config);
  const env: Record<string, string> = {
    NODE_ENV: "production",
    PORT: String(APP_PORT),
    // Secrets are passed by ARN and read by the API with the SDK at run time (cached for minutes),
    // so a rotation needs no redeploy; nothing is injected at start (no `secrets` in the definition).
    DATABASE_SECRET_ARN: String(r.out(appSecret).arn),
    DATABASE_IAM_AUTH: "true",
    REDIS_SECRET_ARN: String(r.out(redisSecret).arn),
    SMTP_SECRET_ARN: String(r.out(smtpSecret).arn),
    MAIL_FROM: `no-reply@${config.dns.domain}`,
    APP_ORIGINS: `https://${hosts.site}`,
    PUBLIC_URL: `https://${hosts.site}`,
    TRUST_PROXY: [String(r.out(ref(subnet, "subnet:public-a")).cidr), String(r.out(ref(subnet, "subnet:public-b")).cidr)].join(","),
    AUTH_RATE_LIMIT: config.compute.authRateLimit,
    S3_BUCKET: bucketName(config, "app", facts),
    AWS_REGION: facts.region,
  };
  for (const p of PURPOSES) env[`SIGNING_KEY_${p.toUpperCase()}_SECRET_ARN`] = String(r.out(ref(secret, `secret:signing-${p.replace(/_/g, "-")}`)).arn);
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

  const apiLogs = node(logGroup, "log-group:api", () => ({ name: group, retentionDays: config.compute.logRetentionDays }), ["MON-01", "ECS-02"]);
  nodes.push(apiLogs);
  const repository = node(ecrRepository, "ecr-repository:api", () => ({ name: `${env}-api`, keepLastImages: config.compute.keepLastImages }), ["ECS-05"]);
  nodes.push(repository);
  const appRole = node(iamRole, "iam-role:app-task", (r) => ({
      name: `${env}-app-task`,
      description: `opsctl ${env}: the API's task role (IAM-01)`,
      assumeRolePolicy: trust,
      inlinePolicies: { app: appPolicy(r, config, facts) },
    }), ["IAM-01"]);
  nodes.push(appRole);
  nodes.push(
    node(iamUser, "iam-user:dev", (r) => ({ name: `${env}-dev`, inlinePolicies: { app: appPolicy(r, config, facts) } }), ["IAM-04"]),
  );
  const executionRole = node(iamRole, "iam-role:task-execution", (r) => ({
      name: `${env}-task-execution`,
      description: `opsctl ${env}: ECS task execution role: image pull and logs (IAM-02)`,
      assumeRolePolicy: trust,
      inlinePolicies: {
        execution: {
          Version: "2012-10-17",
          Statement: [
            // GetAuthorizationToken has no resource-level permissions: AWS requires "*" (ECR user guide).
            { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            { Sid: "PullApiImage", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: String(r.out(repository).arn) },
            { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${String(r.out(apiLogs).arn)}:*` },
          ],
        },
      },
    }), ["IAM-02"]);
  nodes.push(executionRole);
  const bootstrapRole = node(iamRole, "iam-role:bootstrap-task", (r) => ({
      name: `${env}-bootstrap-task`,
      description: `opsctl ${env}: the one-off task that creates the app database user (RDS-07)`,
      assumeRolePolicy: trust,
      inlinePolicies: {
        bootstrap: {
          Version: "2012-10-17",
          Statement: [
            { Sid: "MasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: String(r.out(database).masterSecretArn) },
            { Sid: "AppUserSecret", Effect: "Allow", Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], Resource: String(r.out(appSecret).arn) },
            { Sid: "DatabaseKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: String(r.out(databaseKey).arn), Condition: { StringEquals: { "kms:ViaService": viaService("secretsmanager", facts.region) } } },
          ],
        },
      },
    }), ["RDS-07", "IAM-01"]);
  nodes.push(bootstrapRole);
  const cluster = node(ecsCluster, "ecs-cluster:main", () => ({ name: `${env}-main` }), ["ECS-01", "MON-01"]);
  nodes.push(cluster);
  const namespace = node(serviceDiscoveryNamespace, "service-discovery-namespace:main", (r) => ({ name: `${env}.internal`, vpcId: r.id(ref(vpc, "vpc:main")) }), ["ECS-04"]);
  nodes.push(namespace);
  const discovery = node(serviceDiscoveryService, "service-discovery-service:api", (r) => ({ name: "api", namespaceId: r.id(namespace) }), ["ECS-04"]);
  nodes.push(discovery);
  nodes.push(
    node(metricAlarm, "metric-alarm:ecs-running", (r) => ({
      name: `${env}-ecs-running`,
      description: "ECS running task count below desired (MON-01)",
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensions: { ClusterName: String(r.out(cluster).name), ServiceName: "api" },
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

  // The API's task also waits for everything its role's policy (IAM-01) names: the keys and the database.
  const appPolicyReads = appRole.reads ?? [];
  const apiTask = node(taskDefinition, "task-definition:api", (r) => ({
      family: `${env}-api`,
      cpu: config.compute.cpu,
      memory: config.compute.memory,
      executionRoleArn: String(r.out(executionRole).arn),
      taskRoleArn: String(r.out(appRole).arn),
      containers: [apiContainer(r, config, facts, group)],
    }), ["ECS-02"], [apiLogs, ...appPolicyReads]);
  nodes.push(apiTask);
  const bootstrapTask = node(taskDefinition, "task-definition:bootstrap", (r) => ({
      family: `${env}-bootstrap`,
      cpu: 256,
      memory: 512,
      executionRoleArn: String(r.out(executionRole).arn),
      taskRoleArn: String(r.out(bootstrapRole).arn),
      containers: [
        {
          name: "bootstrap",
          image: facts.image!,
          essential: true,
          command: ["bootstrap-db"],
          environment: {
            DATABASE_ADMIN_SECRET_ARN: String(r.out(database).masterSecretArn),
            DATABASE_HOST: String(r.out(database).endpoint),
            DATABASE_PORT: String(r.out(database).port ?? 3306),
            DATABASE_NAME: config.database.databaseName,
            DATABASE_APP_USER: "app",
            DATABASE_SECRET_ARN: String(r.out(appSecret).arn),
            AWS_REGION: facts.region,
          },
          logConfiguration: { logGroup: group, region: facts.region, streamPrefix: "bootstrap" },
          readonlyRootFilesystem: true,
          user: "node",
        },
      ],
    }), ["RDS-07"], [apiLogs]);
  nodes.push(bootstrapTask);
  const privateSubnets = ["subnet:private-a", "subnet:private-b"].map((id) => ref(subnet, id));
  const ecsGroup = ref(securityGroup, "security-group:ecs");
  const sgRules = (name: string) => ref(securityGroupRules, `security-group-rule:${name}`);
  const privateRoutes = [ref(routeTable, "route-table:private-a"), ref(routeTable, "route-table:private-b")];
  const dbBootstrap = node(ecsOneOffTask, "ecs-one-off-task:db-bootstrap", (r) => ({
      cluster: String(r.out(cluster).name),
      taskDefinitionArn: String(r.out(bootstrapTask).arn),
      containerName: "bootstrap",
      command: ["bootstrap-db"],
      subnetIds: privateSubnets.map((s) => r.id(s)),
      securityGroupIds: [r.id(ecsGroup)],
      logGroupName: group,
      logStreamPrefix: "bootstrap",
    }), ["RDS-07"], [sgRules("rds"), ...privateRoutes]);
  nodes.push(dbBootstrap);
  const apiTargets = ref(targetGroup, "target-group:api");
  // The service is created while the bootstrap task runs (issue 13, item 6): its tasks need the
  // database to exist (their task definition already waits for it), not the app user the bootstrap
  // creates: it waits for the database to be available (creating it before would leave the tasks
  // failing for the whole RDS create, far past any grace period: the circuit breaker would trip).
  // Until the bootstrap has exited, their /readyz (the target group's health check) fails;
  // the grace period (SERVICE_GRACE_S) covers the bootstrap's run, so ECS neither stops them for it
  // nor counts them towards the deployment circuit breaker. Done still means healthy targets, which
  // waits for the bootstrap (target-health:api below).
  const service = node(
      ecsService,
      "ecs-service:api",
      (r) => ({
        cluster: String(r.out(cluster).name),
        name: "api",
        taskDefinitionArn: String(r.out(apiTask).arn),
        desiredCount: config.compute.desiredCount,
        subnetIds: privateSubnets.map((s) => r.id(s)),
        securityGroupIds: [r.id(ecsGroup)],
        targetGroupArn: String(r.out(apiTargets).arn),
        containerName: "api",
        containerPort: APP_PORT,
        registryArn: String(r.out(discovery).arn),
        healthCheckGracePeriodSeconds: SERVICE_GRACE_S,
      }),
      ["ECS-03", "ECS-04", "ALB-02"],
      [database, sgRules("ecs"), sgRules("rds"), sgRules("redis"), ...privateRoutes, ref(listener, "listener:https"), ref(replicationGroup, "replication-group:redis"), ref(secretFields, "secret-fields:redis-endpoint")],
    );
  nodes.push(service);
  // Done means the tasks pass the load balancer's health check, not only that ECS runs them.
  nodes.push(
    node(targetHealth, "target-health:api", (r) => ({ targetGroupArn: String(r.out(apiTargets).arn), minHealthy: config.compute.desiredCount }), ["ALB-02", "ECS-03"], [service, dbBootstrap]),
  );
  return nodes;
}
