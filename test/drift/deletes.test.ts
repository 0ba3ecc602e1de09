/**
 * Issue 9, must-hold: every resource kind of the environment plan, deleted behind opsctl's back
 * through the SDK, shows on its node in `status`, is repaired by ONE `up`, and a second `up` makes
 * 0 writes. The kinds come from the plan: a kind with neither a case nor a listed reason fails.
 */
import { describe, expect, it } from "vitest";
import * as EC2 from "@aws-sdk/client-ec2";
import * as IAM from "@aws-sdk/client-iam";
import { DeleteLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DeleteSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, RemoveRegionsFromReplicationCommand, CancelRotateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { ScheduleKeyDeletionCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, DeleteDBParameterGroupCommand, DeleteDBSubnetGroupCommand, DeleteOptionGroupCommand, ModifyDBInstanceCommand, type RDSClient } from "@aws-sdk/client-rds";
import { DeleteCacheSubnetGroupCommand, DeleteReplicationGroupCommand } from "@aws-sdk/client-elasticache";
import * as SD from "@aws-sdk/client-servicediscovery";
import { DeleteCertificateCommand } from "@aws-sdk/client-acm";
import { DeleteWebACLCommand, ListWebACLsCommand } from "@aws-sdk/client-wafv2";
import { DeleteRepositoryCommand } from "@aws-sdk/client-ecr";
import { DeleteClusterCommand, DeleteServiceCommand as DeleteEcsServiceCommand, DeregisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { DeleteAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteListenerCommand, DeleteLoadBalancerCommand, DeleteTargetGroupCommand, ModifyLoadBalancerAttributesCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { DeleteDistributionCommand, DeleteOriginAccessControlCommand, GetDistributionConfigCommand, GetOriginAccessControlCommand, UpdateDistributionCommand, GetDistributionCommand, type DistributionConfig } from "@aws-sdk/client-cloudfront";
import { DeleteTrailCommand } from "@aws-sdk/client-cloudtrail";
import { DeleteFunctionCommand, RemovePermissionCommand } from "@aws-sdk/client-lambda";
import { runStatus, runUp } from "../../src/operations/environment.js";
import { baseline, fromBaseline, record, repair, unhealthy, emit, MINUTE, type Baseline, type S } from "./harness.js";

const ec2 = (s: S) => s.aws.get("ec2");

/** How one node of a kind is deleted out of band: the node, and the SDK calls an operator would make. */
interface DeleteCase {
  node: string;
  remove(s: S, id: string, b: Baseline): Promise<unknown>;
  /** What was done, for the campaign table (default: "deleted"). */
  how?: string;
  /** Simulated time that passes between the delete and the next opsctl run. */
  wait?: number;
}

async function deleteRole(s: S, name: string): Promise<void> {
  const iam = await s.aws.get("iam");
  for (const p of (await iam.send(new IAM.ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? []) await iam.send(new IAM.DeleteRolePolicyCommand({ RoleName: name, PolicyName: p }));
  for (const p of (await iam.send(new IAM.ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? []) await iam.send(new IAM.DetachRolePolicyCommand({ RoleName: name, PolicyArn: p.PolicyArn }));
  await iam.send(new IAM.DeleteRoleCommand({ RoleName: name }));
}

async function deleteRecord(s: S, id: string): Promise<void> {
  const [zone, name, type] = id.split("/");
  const r53 = await s.aws.get("route53");
  const sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone, StartRecordName: name, StartRecordType: type as "A" }))).ResourceRecordSets ?? [];
  const set = sets.find((x) => x.Name === name && x.Type === type)!;
  await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zone, ChangeBatch: { Changes: [{ Action: "DELETE", ResourceRecordSet: set }] } }));
}

/** One case per kind (the representative node), deleted with the real AWS delete call(s) for it. */
const CASES: Record<string, DeleteCase> = {
  subnet: { node: "subnet:isolated-b", remove: async (s, id) => (await ec2(s)).send(new EC2.DeleteSubnetCommand({ SubnetId: id })) },
  // The "deleted NAT gateway AND its EIP": the address can only be released once the gateway is gone.
  "elastic-ip": {
    node: "elastic-ip:nat-a", how: "NAT gateway deleted, then its EIP released",
    remove: async (s, id, b) => {
      const c = await ec2(s);
      await c.send(new EC2.DeleteNatGatewayCommand({ NatGatewayId: b.id("nat-gateway:a") }));
      s.sandbox.clock.advance(5 * MINUTE);
      await c.send(new EC2.ReleaseAddressCommand({ AllocationId: id }));
    },
  },
  "nat-gateway": { node: "nat-gateway:a", remove: async (s, id) => (await ec2(s)).send(new EC2.DeleteNatGatewayCommand({ NatGatewayId: id })) },
  "route-table": {
    node: "route-table:private-a", how: "disassociated, deleted",
    remove: async (s, id) => {
      const c = await ec2(s);
      const rt = (await c.send(new EC2.DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables![0];
      for (const a of rt.Associations ?? []) await c.send(new EC2.DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId }));
      await c.send(new EC2.DeleteRouteTableCommand({ RouteTableId: id }));
    },
  },
  "vpc-endpoint": { node: "vpc-endpoint:s3", remove: async (s, id) => (await ec2(s)).send(new EC2.DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] })) },
  "network-acl": {
    node: "network-acl:private", how: "subnets moved to the default ACL, deleted",
    remove: async (s, id) => {
      const c = await ec2(s);
      const acls = (await c.send(new EC2.DescribeNetworkAclsCommand({}))).NetworkAcls ?? [];
      const mine = acls.find((a) => a.NetworkAclId === id)!;
      const fallback = acls.find((a) => a.IsDefault && a.VpcId === mine.VpcId)!;
      for (const a of mine.Associations ?? []) await c.send(new EC2.ReplaceNetworkAclAssociationCommand({ AssociationId: a.NetworkAclAssociationId, NetworkAclId: fallback.NetworkAclId }));
      await c.send(new EC2.DeleteNetworkAclCommand({ NetworkAclId: id }));
    },
  },
  "log-group": { node: "log-group:api", remove: async (s, id) => (await s.aws.get("logs")).send(new DeleteLogGroupCommand({ logGroupName: id })) },
  "iam-role": { node: "iam-role:app-task", remove: (s, id) => deleteRole(s, id) },
  "flow-log": { node: "flow-log:vpc", remove: async (s, id) => (await ec2(s)).send(new EC2.DeleteFlowLogsCommand({ FlowLogIds: [id] })) },
  "security-group-rule": {
    node: "security-group-rule:ecs",
    remove: async (s, id) => {
      const c = await ec2(s);
      const rule = (await c.send(new EC2.DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [id] }))).SecurityGroupRules![0];
      await c.send(new EC2.RevokeSecurityGroupIngressCommand({ GroupId: rule.GroupId, SecurityGroupRuleIds: [id] }));
    },
  },
  // The console's delete: a recovery window (30 days by default), replicas removed first (AWS refuses a primary with replicas).
  secret: {
    node: "secret:redis", how: "replicas removed, deleted with a recovery window",
    remove: async (s, id) => {
      const sm = await s.aws.get("secrets");
      const regions = ((await sm.send(new DescribeSecretCommand({ SecretId: id }))).ReplicationStatus ?? []).map((r) => r.Region!);
      if (regions.length) await sm.send(new RemoveRegionsFromReplicationCommand({ SecretId: id, RemoveReplicaRegions: regions }));
      await sm.send(new DeleteSecretCommand({ SecretId: id }));
    },
  },
  "key-pair": { node: "key-pair:bastion", remove: async (s, id) => (await ec2(s)).send(new EC2.DeleteKeyPairCommand({ KeyPairId: id })) },
  "instance-profile": {
    node: "instance-profile:bastion",
    remove: async (s, id) => {
      const iam = await s.aws.get("iam");
      const p = (await iam.send(new IAM.GetInstanceProfileCommand({ InstanceProfileName: id }))).InstanceProfile!;
      for (const r of p.Roles ?? []) await iam.send(new IAM.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: id, RoleName: r.RoleName }));
      await iam.send(new IAM.DeleteInstanceProfileCommand({ InstanceProfileName: id }));
    },
  },
  // The "terminated bastion".
  instance: { node: "instance:bastion", how: "terminated", remove: async (s, id) => (await ec2(s)).send(new EC2.TerminateInstancesCommand({ InstanceIds: [id] })) },
  "kms-key": { node: "kms-key:trail", how: "scheduled for deletion (7 days)", remove: async (s, id) => (await s.aws.get("kms")).send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 7 })) },
  bucket: {
    node: "bucket:app",
    remove: async (s, id) => {
      const s3 = await s.aws.get("s3");
      const v = await s3.send(new ListObjectVersionsCommand({ Bucket: id }));
      const objects = [...(v.Versions ?? []), ...(v.DeleteMarkers ?? [])].map((o) => ({ Key: o.Key!, VersionId: o.VersionId }));
      if (objects.length) await s3.send(new DeleteObjectsCommand({ Bucket: id, Delete: { Objects: objects } }));
      await s3.send(new DeleteBucketCommand({ Bucket: id }));
    },
  },
  "db-instance": {
    node: "db-instance:main",
    wait: 15 * MINUTE,
    remove: async (s, id) => {
      const rds = await s.aws.get("rds");
      // RDS-12: deletion protection has to be turned off first, as an operator would.
      await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true }));
      await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true }));
    },
  },
  "replication-group": { node: "replication-group:redis", wait: 15 * MINUTE, remove: async (s, id) => (await s.aws.get("elasticache")).send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id })) },
  // The endpoint fields opsctl writes into the Redis secret, overwritten without them.
  "secret-fields": {
    node: "secret-fields:redis-endpoint", how: "host/port overwritten away (PutSecretValue)",
    remove: async (s) => {
      const sm = await s.aws.get("secrets");
      const value = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: "demo/redis" }))).SecretString!) as Record<string, unknown>;
      delete value.host;
      delete value.port;
      await sm.send(new PutSecretValueCommand({ SecretId: "demo/redis", SecretString: JSON.stringify(value) }));
    },
  },
  "ecr-repository": { node: "ecr-repository:api", remove: async (s, id) => (await s.aws.get("ecr")).send(new DeleteRepositoryCommand({ repositoryName: id, force: true })) },
  "iam-user": {
    node: "iam-user:dev",
    remove: async (s, id) => {
      const iam = await s.aws.get("iam");
      for (const k of (await iam.send(new IAM.ListAccessKeysCommand({ UserName: id }))).AccessKeyMetadata ?? []) await iam.send(new IAM.DeleteAccessKeyCommand({ UserName: id, AccessKeyId: k.AccessKeyId }));
      for (const p of (await iam.send(new IAM.ListUserPoliciesCommand({ UserName: id }))).PolicyNames ?? []) await iam.send(new IAM.DeleteUserPolicyCommand({ UserName: id, PolicyName: p }));
      // No ListAttachedUserPolicies: the sandbox does not simulate it, and opsctl gives the user inline policies only.
      await iam.send(new IAM.DeleteUserCommand({ UserName: id }));
    },
  },
  "metric-alarm": { node: "metric-alarm:ecs-running", remove: async (s, id) => (await s.aws.get("cloudwatch")).send(new DeleteAlarmsCommand({ AlarmNames: [id] })) },
  "task-definition": { node: "task-definition:api", how: "deregistered", remove: async (s, id) => (await s.aws.get("ecs")).send(new DeregisterTaskDefinitionCommand({ taskDefinition: id })) },
  "ecs-service": { node: "ecs-service:api", wait: 5 * MINUTE, remove: async (s, id) => (await s.aws.get("ecs")).send(new DeleteEcsServiceCommand({ cluster: "demo-main", service: id, force: true })) },
  // ELBv2 keeps a deleted ALB listed (state unchanged) for ~30 s; here opsctl runs a minute later (see MORE for at once).
  "load-balancer": {
    node: "load-balancer:api",
    wait: MINUTE,
    remove: async (s, id) => {
      const elb = await s.aws.get("elbv2");
      await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: id, Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }] }));
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: id }));
    },
  },
  "dns-record": { node: "dns-record:api-a", remove: (s, id) => deleteRecord(s, id) },
  listener: { node: "listener:http", remove: async (s, id) => (await s.aws.get("elbv2")).send(new DeleteListenerCommand({ ListenerArn: id })) },
  // CloudFront deletes only a disabled, deployed distribution (DistributionNotDisabled otherwise).
  distribution: {
    node: "distribution:site",
    remove: async (s, id) => {
      const cf = await s.aws.get("cloudfront");
      const got = await cf.send(new GetDistributionConfigCommand({ Id: id }));
      await cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: got.ETag, DistributionConfig: { ...got.DistributionConfig!, Enabled: false } }));
      s.sandbox.clock.advance(30 * MINUTE);
      const now = await cf.send(new GetDistributionCommand({ Id: id }));
      await cf.send(new DeleteDistributionCommand({ Id: id, IfMatch: now.ETag }));
    },
  },
  trail: { node: "trail:audit", remove: async (s, id) => (await s.aws.get("cloudtrail")).send(new DeleteTrailCommand({ Name: id })) },
  "lambda-function": { node: "lambda-function:secret-rotation", remove: async (s, id) => (await s.aws.get("lambda")).send(new DeleteFunctionCommand({ FunctionName: id })) },
  "lambda-permission": {
    node: "lambda-permission:secret-rotation",
    remove: async (s, id) => {
      const [fn, sid] = id.split("/");
      await (await s.aws.get("lambda")).send(new RemovePermissionCommand({ FunctionName: fn, StatementId: sid }));
    },
  },
  // The "rotation cancelled".
  "secret-rotation": { node: "secret-rotation:signing-active-session", how: "rotation cancelled (CancelRotateSecret)", remove: async (s, id) => (await s.aws.get("secrets")).send(new CancelRotateSecretCommand({ SecretId: id })) },
  // A key policy cannot be deleted; the out-of-band change that removes it is PutKeyPolicy with the default policy.
  "key-policy": {
    node: "key-policy:smtp", how: "replaced by the default key policy (PutKeyPolicy)",
    remove: async (s, id) => {
      const policy = { Version: "2012-10-17", Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" }] };
      await (await s.aws.get("kms")).send(new PutKeyPolicyCommand({ KeyId: id, PolicyName: "default", Policy: JSON.stringify(policy) }));
    },
  },
  // What is in use is deleted the way an operator would: first what uses it, then it.
  "internet-gateway": {
    node: "internet-gateway:main", wait: 5 * MINUTE, how: "public addresses released (NAT gateway + EIP, bastion, ALB), detached, deleted",
    remove: async (s, id, b) => {
      const c = await ec2(s);
      const vpc = b.id("vpc:main");
      await c.send(new EC2.DeleteNatGatewayCommand({ NatGatewayId: b.id("nat-gateway:a") }));
      await c.send(new EC2.TerminateInstancesCommand({ InstanceIds: [b.id("instance:bastion")] }));
      await deleteAlb(s, b.id("load-balancer:api"));
      s.sandbox.clock.advance(5 * MINUTE);
      await c.send(new EC2.ReleaseAddressCommand({ AllocationId: b.id("elastic-ip:nat-a") }));
      await c.send(new EC2.DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: vpc }));
      await c.send(new EC2.DeleteInternetGatewayCommand({ InternetGatewayId: id }));
    },
  },
  "security-group": {
    node: "security-group:bastion", how: "bastion moved to the default group, the RDS rule naming it revoked, deleted",
    remove: async (s, id, b) => {
      const c = await ec2(s);
      await c.send(new EC2.ModifyInstanceAttributeCommand({ InstanceId: b.id("instance:bastion"), Groups: [b.id("default-security-group:main")] }));
      const all = ((await c.send(new EC2.DescribeSecurityGroupRulesCommand({}))).SecurityGroupRules ?? []).filter((r) => r.ReferencedGroupInfo?.GroupId === id);
      // Other groups name it in ingress rules only (SG-03: MySQL from the bastion).
      for (const r of all.filter((x) => !x.IsEgress)) await c.send(new EC2.RevokeSecurityGroupIngressCommand({ GroupId: r.GroupId, SecurityGroupRuleIds: [r.SecurityGroupRuleId!] }));
      await c.send(new EC2.DeleteSecurityGroupCommand({ GroupId: id }));
    },
  },
  "db-subnet-group": { node: "db-subnet-group:main", wait: 15 * MINUTE, how: "DB instance deleted, then the group", remove: async (s, id) => afterDatabase(s, (rds) => rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: id }))) },
  "db-parameter-group": { node: "db-parameter-group:main", wait: 15 * MINUTE, how: "DB instance deleted, then the group", remove: async (s, id) => afterDatabase(s, (rds) => rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: id }))) },
  "db-option-group": { node: "db-option-group:main", wait: 15 * MINUTE, how: "DB instance deleted, then the group", remove: async (s, id) => afterDatabase(s, (rds) => rds.send(new DeleteOptionGroupCommand({ OptionGroupName: id }))) },
  "cache-subnet-group": {
    node: "cache-subnet-group:redis", wait: 15 * MINUTE, how: "replication group deleted, then the group",
    remove: async (s, id, b) => {
      const ec = await s.aws.get("elasticache");
      await ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: b.id("replication-group:redis") }));
      s.sandbox.clock.advance(20 * MINUTE);
      await ec.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: id }));
    },
  },
  "ecs-cluster": {
    node: "ecs-cluster:main", wait: MINUTE, how: "service deleted, then the cluster",
    remove: async (s, id, b) => {
      const ecs = await s.aws.get("ecs");
      await ecs.send(new DeleteEcsServiceCommand({ cluster: id, service: b.id("ecs-service:api"), force: true }));
      s.sandbox.clock.advance(10 * MINUTE);
      await ecs.send(new DeleteClusterCommand({ cluster: id }));
    },
  },
  "service-discovery-service": {
    node: "service-discovery-service:api", wait: MINUTE, how: "ECS service deleted, then the Cloud Map service",
    remove: async (s, id, b) => {
      await (await s.aws.get("ecs")).send(new DeleteEcsServiceCommand({ cluster: "demo-main", service: b.id("ecs-service:api"), force: true }));
      s.sandbox.clock.advance(10 * MINUTE);
      await (await s.aws.get("servicediscovery")).send(new SD.DeleteServiceCommand({ Id: id }));
    },
  },
  "service-discovery-namespace": {
    node: "service-discovery-namespace:main", wait: 10 * MINUTE, how: "ECS service, then the Cloud Map service, then the namespace deleted",
    remove: async (s, id, b) => {
      await (await s.aws.get("ecs")).send(new DeleteEcsServiceCommand({ cluster: "demo-main", service: b.id("ecs-service:api"), force: true }));
      s.sandbox.clock.advance(10 * MINUTE);
      const sd = await s.aws.get("servicediscovery");
      await sd.send(new SD.DeleteServiceCommand({ Id: b.id("service-discovery-service:api") }));
      await sd.send(new SD.DeleteNamespaceCommand({ Id: id }));
    },
  },
  "target-group": {
    node: "target-group:api", how: "HTTPS listener (the one forwarding to it) deleted, then the group",
    remove: async (s, id, b) => {
      const elb = await s.aws.get("elbv2");
      await elb.send(new DeleteListenerCommand({ ListenerArn: b.id("listener:https") }));
      await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: id }));
    },
  },
  certificate: {
    node: "certificate:api", how: "HTTPS listener deleted, then the certificate",
    remove: async (s, id, b) => {
      await (await s.aws.get("elbv2")).send(new DeleteListenerCommand({ ListenerArn: b.id("listener:https") }));
      await (await s.aws.get("acm")).send(new DeleteCertificateCommand({ CertificateArn: id }));
    },
  },
  "web-acl": {
    node: "web-acl:site", how: "disassociated from the distribution, deleted",
    remove: async (s, id, b) => {
      await editDistribution(s, b.id("distribution:site"), (c) => ({ ...c, WebACLId: "" }));
      s.sandbox.clock.advance(30 * MINUTE);
      const waf = await s.aws.get("wafv2", "us-east-1");
      // The node's id is the ACL's name: its Id and LockToken come from the list.
      const acl = (await waf.send(new ListWebACLsCommand({ Scope: "CLOUDFRONT" }))).WebACLs!.find((a) => a.Name === id)!;
      await waf.send(new DeleteWebACLCommand({ Name: id, Scope: "CLOUDFRONT", Id: acl.Id, LockToken: acl.LockToken }));
    },
  },
  "origin-access-control": {
    node: "origin-access-control:site", how: "removed from the distribution's origin, deleted",
    remove: async (s, id, b) => {
      await editDistribution(s, b.id("distribution:site"), (c) => ({ ...c, Origins: { ...c.Origins!, Items: c.Origins!.Items!.map((o) => ({ ...o, OriginAccessControlId: "" })) } }));
      s.sandbox.clock.advance(30 * MINUTE);
      const cf = await s.aws.get("cloudfront");
      const got = await cf.send(new GetOriginAccessControlCommand({ Id: id }));
      await cf.send(new DeleteOriginAccessControlCommand({ Id: id, IfMatch: got.ETag }));
    },
  },
};

/** Deletes the DB instance as an operator would (deletion protection off first), waits until it is gone, then runs `then`. */
async function afterDatabase(s: S, then: (rds: RDSClient) => Promise<unknown>): Promise<unknown> {
  const rds = await s.aws.get("rds");
  await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-main", DeletionProtection: false, ApplyImmediately: true }));
  await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "demo-main", SkipFinalSnapshot: true }));
  // As the console (or the DBInstanceDeleted waiter) would: look again until it is gone.
  for (let i = 0; i < 12; i++) {
    s.sandbox.clock.advance(5 * MINUTE);
    try {
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-main" }));
    } catch {
      break;
    }
  }
  return then(rds);
}

async function deleteAlb(s: S, arn: string): Promise<void> {
  const elb = await s.aws.get("elbv2");
  await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }] }));
  await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
}

/** The console's edit of a distribution: read its config with the ETag, change it, update. */
async function editDistribution(s: S, id: string, edit: (c: DistributionConfig) => DistributionConfig): Promise<void> {
  const cf = await s.aws.get("cloudfront");
  const got = await cf.send(new GetDistributionConfigCommand({ Id: id }));
  await cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: got.ETag, DistributionConfig: edit(got.DistributionConfig!) }));
}

/** Kinds with no out-of-band delete case, and why (AWS refuses the delete, or there is no resource). */
const NOT_DELETED: Record<string, string> = {
  vpc: "AWS refuses DeleteVpc while it holds subnets, gateways and ENIs (DependencyViolation): deleting it is `down`",
  "default-security-group": "AWS never deletes a VPC's default group (CannotDelete); its drift is SG-06",
  "ecs-one-off-task": "the bootstrap task ran to completion once; a stopped task cannot be deleted",
  "target-health": "a wait for healthy targets, no resource",
  "certificate-validation": "a wait for the certificate to be ISSUED, no resource",
}

/** Cases that do not hold today, each with the defect (reported to the lead): none since the ALB's delete window is handled. */
const KNOWN_FAILING: { kind: string; label: string; why: string; wait: number }[] = [];

/** More cases of one kind (the same delete at another time). */
const MORE: { kind: string; label: string; wait: number }[] = [
  // ELBv2 still lists the deleted ALB as active, without listeners, for ~30 s: up waits until it is gone, then re-creates it.
  { kind: "load-balancer", label: "deleted 1 s before status/up (still listed as active by DescribeLoadBalancers)", wait: 1_000 },
];

let base: Baseline;
const baseReady = baseline().then((b) => (base = b));

describe("issue 9: every resource kind deleted out of band → status shows it → one up repairs it → 0 writes", () => {
  it("every kind of the environment plan has a delete case or a listed reason", async () => {
    await baseReady;
    const kinds = [...new Set(base.up.plan.nodes.map((n) => n.resource.kind))].sort();
    const covered = [...Object.keys(CASES), ...Object.keys(NOT_DELETED)].sort();
    expect(covered).toEqual(kinds);
    for (const [kind, c] of Object.entries(CASES)) expect(base.up.plan.nodes.find((n) => n.id === c.node)?.resource.kind).toBe(kind);
  }, 300_000);

  it.each(Object.keys(CASES).sort())("%s", async (kind) => {
    await runCase(kind, CASES[kind]);
  });

  for (const m of MORE) {
    it(`${m.kind} ${m.label}`, async () => {
      await runCase(m.kind, { ...CASES[m.kind], wait: m.wait }, m.label);
    });
  }

  // Defects found by the campaign: each stays visible as a failing case until it is fixed.
  for (const k of KNOWN_FAILING) {
    it.fails(`${k.kind} ${k.label} — ${k.why}`, async () => {
      await runCase(k.kind, { ...CASES[k.kind], wait: k.wait }, k.label);
    });
  }
});

async function runCase(kind: string, c: DeleteCase, label?: string): Promise<void> {
  await baseReady;
  const s = fromBaseline(base);
  await c.remove(s, base.id(c.node), base);
  s.sandbox.clock.advance(c.wait ?? 1_000);

  const status = await runStatus(s, { emit });
  const seen = unhealthy(status);
  const repaired = await repair(s);
  const before = s.sandbox.journal.filter((j) => j.write && !j.error).length;
  const again = await runUp(s, { emit });
  const writes = s.sandbox.journal.filter((j) => j.write && !j.error).length - before;
  record({ part: "delete", seed: `${c.node} ${label ?? c.how ?? "deleted"}`, node: c.node, detectedBy: seen.includes(c.node) ? "status (node)" : seen.length ? `status (${seen[0]})` : "not detected", repairedInRuns: Number.isFinite(repaired.runs) ? repaired.runs : "not repaired", secondUpWrites: writes });
  s.close();

  expect(seen).toContain(c.node);
  expect({ runs: repaired.runs, errors: repaired.errors }).toEqual({ runs: 1, errors: [] });
  expect(again.report.outcomes.filter((o) => o.action !== "noop").map((o) => `${o.node}:${o.action}`)).toEqual([]);
  expect(writes).toBe(0);
}
