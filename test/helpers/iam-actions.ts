import { AuthorizeSecurityGroupIngressCommand, DeleteRouteCommand, ModifyVpcAttributeCommand } from "@aws-sdk/client-ec2";
import { runDown, runPlan, runStatus, runUp } from "../../src/operations/environment.js";
import { runPause, runRestore } from "../../src/operations/runbooks.js";
import { sandboxSession } from "./env.js";
import { Lease } from "../../src/operations/lock.js";

/** IAM action prefixes of the services opsctl calls (Service Authorization Reference). */
export const IAM_PREFIX: Record<string, string> = {
  EC2: "ec2",
  CloudWatchLogs: "logs",
  IAM: "iam",
  SecretsManager: "secretsmanager",
  SSM: "ssm",
  STS: "sts",
  KMS: "kms",
  RDS: "rds",
  ElastiCache: "elasticache",
  S3: "s3",
  ECS: "ecs",
  ECR: "ecr",
  ElasticLoadBalancingV2: "elasticloadbalancing",
  ACM: "acm",
  Route53: "route53",
  CloudFront: "cloudfront",
  WAFV2: "wafv2",
  CloudTrail: "cloudtrail",
  CloudWatch: "cloudwatch",
  ServiceDiscovery: "servicediscovery",
  Lambda: "lambda",
};

/** API operations whose IAM action has another name. */
const RENAMED: Record<string, string> = {
  "S3:HeadBucket": "s3:ListBucket",
  "S3:ListObjectVersions": "s3:ListBucketVersions",
  "S3:ListObjectsV2": "s3:ListBucket",
  "S3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
  "S3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
  "S3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
  "S3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
  "S3:DeleteObjects": "s3:DeleteObject",
  "S3:PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
  "S3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
  "S3:ListBuckets": "s3:ListAllMyBuckets",
  "S3:HeadObject": "s3:GetObject",
  "S3:DeleteBucketPolicy": "s3:DeleteBucketPolicy",
  "CloudFront:CreateDistributionWithTags": "cloudfront:CreateDistribution",
  "Lambda:GetFunctionConfiguration": "lambda:GetFunction",
  "Lambda:GetPolicy": "lambda:GetPolicy",
  "ECR:DescribeImages": "ecr:DescribeImages",
};

/** The IAM action that allows an API operation. */
export function iamAction(service: string, operation: string): string {
  return RENAMED[`${service}:${operation}`] ?? `${IAM_PREFIX[service] ?? service.toLowerCase()}:${operation}`;
}

/** Every IAM action that plan, up, status, a drift repair, pause, restore and down use in the sandbox. */
export async function usedActions(): Promise<Set<string>> {
  const s = sandboxSession();
  await runPlan(s, { emit: () => {} });
  const up = await runUp(s, { emit: () => {} });
  const id = (n: string) => up.report.outcomes.find((o) => o.node === n)!.id!;
  const ec2 = await s.aws.get("ec2");
  const before = s.sandbox.journal.length;
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id("security-group:rds"), IpPermissions: [{ IpProtocol: "tcp", FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: "10.9.9.9/32" }] }] }));
  await ec2.send(new DeleteRouteCommand({ RouteTableId: id("route-table:public"), DestinationCidrBlock: "0.0.0.0/0" }));
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: id("vpc:main"), EnableDnsHostnames: { Value: false } }));
  const mine = new Set([before, before + 1, before + 2]);
  await runUp(s, { emit: () => {} });
  await runStatus(s, { emit: () => {} });
  await runPause(s, { emit: () => {} });
  await runRestore(s, { emit: () => {} });
  await runDown(s, { emit: () => {} });
  // The lease the CLI takes around every writing command (src/operations/lock.ts).
  const lease = new Lease(s, { command: "up", warn: () => {} });
  await lease.check();
  await lease.ensure();
  await lease.release();
  return new Set(s.sandbox.journal.filter((_, i) => !mine.has(i)).map((j) => iamAction(j.service, j.operation)));
}

