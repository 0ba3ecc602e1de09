import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { AuthorizeSecurityGroupIngressCommand, DeleteRouteCommand, ModifyVpcAttributeCommand } from "@aws-sdk/client-ec2";
import { runDown, runPlan, runStatus, runUp } from "../../src/operations/environment.js";
import { sandboxSession } from "../helpers/env.js";

/** IAM action prefixes of the services opsctl calls. */
const PREFIX: Record<string, string> = { EC2: "ec2", CloudWatchLogs: "logs", IAM: "iam", SecretsManager: "secretsmanager", SSM: "ssm", STS: "sts", KMS: "kms", RDS: "rds", ElastiCache: "elasticache", S3: "s3" };

/** S3's IAM actions are not named after its API operations (Service Authorization Reference). */
const S3_ACTIONS: Record<string, string> = {
  HeadBucket: "s3:ListBucket",
  ListObjectVersions: "s3:ListBucketVersions",
  ListObjectsV2: "s3:ListBucket",
  PutBucketEncryption: "s3:PutEncryptionConfiguration",
  GetBucketEncryption: "s3:GetEncryptionConfiguration",
  PutPublicAccessBlock: "s3:PutBucketPublicAccessBlock",
  GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
  DeleteObjects: "s3:DeleteObject",
  GetBucketVersioning: "s3:GetBucketVersioning",
  PutBucketLifecycleConfiguration: "s3:PutLifecycleConfiguration",
  GetBucketLifecycleConfiguration: "s3:GetLifecycleConfiguration",
  ListBuckets: "s3:ListAllMyBuckets",
};

function iamAction(service: string, operation: string): string {
  if (service === "S3" && S3_ACTIONS[operation]) return S3_ACTIONS[operation];
  return `${PREFIX[service]}:${operation}`;
}

describe("README", () => {
  it("lists every AWS permission that plan, up, status, a drift repair and down use", async () => {
    const s = sandboxSession();
    await runPlan(s, { emit: () => {} });
    const up = await runUp(s, { emit: () => {} });
    const id = (n: string) => up.report.outcomes.find((o) => o.node === n)!.id!;
    const ec2 = await s.aws.get("ec2");
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id("security-group:rds"), IpPermissions: [{ IpProtocol: "tcp", FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: "10.9.9.9/32" }] }] }));
    await ec2.send(new DeleteRouteCommand({ RouteTableId: id("route-table:public"), DestinationCidrBlock: "0.0.0.0/0" }));
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: id("vpc:main"), EnableDnsHostnames: { Value: false } }));
    const driftCalls = s.sandbox.journal.length;
    await runUp(s, { emit: () => {} });
    await runStatus(s, { emit: () => {} });
    await runDown(s, { emit: () => {} });
    const readme = readFileSync("README.md", "utf8");
    const used = new Set(s.sandbox.journal.filter((_, i) => i < driftCalls - 3 || i >= driftCalls).map((j) => iamAction(j.service, j.operation)));
    const missing = [...used].filter((a) => !readme.includes(`"${a}"`));
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(40);
  });
});
