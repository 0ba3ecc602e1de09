/**
 * Resource kind `instance`.
 * Tests: test/resources/instance.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-compute.ts.
 */
import {
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
  paginateDescribeInstances,
} from "@aws-sdk/client-ec2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { createWithToken, type ResourceContext } from "./context.js";
import { envFilter, listOnce, ofNode, orUndefined, retryOn, sameSet } from "./toolkit.js";

/** BAS-01: an EC2 instance in a public subnet, IMDSv2 only, encrypted root volume, public IPv4. */
export interface InstanceSpec {
  imageId: string;
  instanceType: string;
  subnetId: string;
  securityGroupIds: string[];
  keyName: string;
  rootVolumeGiB: number;
  instanceProfileArn?: string;
}

/** An instance and whether its root volume is encrypted. */
export interface InstanceActual {
  instance: Instance;
  rootEncrypted: boolean;
}

const LIVE = ["pending", "running", "stopping", "stopped"];
const stateOf = (i: Instance) => i.State?.Name ?? "unknown";

async function withVolume(ctx: ResourceContext, i: Instance): Promise<InstanceActual> {
  const volumeId = i.BlockDeviceMappings?.find((b) => b.DeviceName === i.RootDeviceName)?.Ebs?.VolumeId ?? i.BlockDeviceMappings?.[0]?.Ebs?.VolumeId;
  if (!volumeId) return { instance: i, rootEncrypted: false };
  const ec2 = await ctx.aws.get("ec2");
  const v = await orUndefined(ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] })));
  return { instance: i, rootEncrypted: Boolean(v?.Volumes?.[0]?.Encrypted) };
}

function envInstances(ctx: ResourceContext): Promise<Instance[]> {
  const live = { Name: "instance-state-name", Values: [...LIVE, "shutting-down"] };
  return listOnce(ctx, "ec2:instances", "ec2", paginateDescribeInstances, { Filters: [...envFilter(ctx), live] }, (p) => p.Reservations?.flatMap((x) => x.Instances ?? []));
}

export const instance: ResourceKind<InstanceSpec, InstanceActual, ResourceContext, { id: string; publicIp: string | undefined }> = {
  kind: "instance",
  // SPEC.md BAS-01 (subnet, key, IMDSv2, encrypted root volume, its group); IAM-03 is the instance profile's role.
  fieldControls: { SubnetId: ["BAS-01"], KeyName: ["BAS-01"], "RootVolume.Encrypted": ["BAS-01"], InstanceType: ["BAS-01"], "MetadataOptions.HttpTokens": ["BAS-01"], SecurityGroups: ["BAS-01"] },
  budget: { create: slowMs("ec2.instance.run"), delete: slowMs("ec2.instance.stop") },
  typicalCreateMs: typicalMs("ec2.instance.run"),
  typicalDeleteMs: typicalMs("ec2.instance.stop"),

  async find(ctx) {
    const i = ofNode(ctx, await envInstances(ctx)).find((x) => LIVE.includes(stateOf(x)));
    return i ? withVolume(ctx, i) : undefined;
  },
  async findAll(ctx) {
    return ofNode(ctx, await envInstances(ctx)).map((instance) => ({ instance, rootEncrypted: true }));
  },
  diff(spec, a) {
    const i = a.instance;
    const c: FieldChange[] = [];
    if (i.SubnetId !== spec.subnetId) c.push({ field: "SubnetId", from: i.SubnetId, to: spec.subnetId, replace: true });
    if (i.KeyName !== spec.keyName) c.push({ field: "KeyName", from: i.KeyName, to: spec.keyName, replace: true });
    if (!a.rootEncrypted) c.push({ field: "RootVolume.Encrypted", from: false, to: true, replace: true });
    // Changing the type needs a stopped instance: reported, not done behind the operator's back.
    if (i.InstanceType !== spec.instanceType) c.push({ field: "InstanceType", from: i.InstanceType, to: spec.instanceType, replace: true });
    if (i.MetadataOptions?.HttpTokens !== "required") c.push({ field: "MetadataOptions.HttpTokens", from: i.MetadataOptions?.HttpTokens, to: "required" });
    const groups = (i.SecurityGroups ?? []).map((g) => g.GroupId!);
    if (!sameSet(groups, spec.securityGroupIds)) c.push({ field: "SecurityGroups", from: groups, to: spec.securityGroupIds });
    return c;
  },
  async create(ctx, spec) {
    const ec2 = await ctx.aws.get("ec2");
    const send = (ClientToken: string) => retryOn(["InvalidSubnetID.NotFound", "InvalidGroup.NotFound", "InvalidKeyPair.NotFound", "InvalidParameterValue"], ctx.node, () =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: spec.imageId,
          InstanceType: spec.instanceType as never,
          MinCount: 1,
          MaxCount: 1,
          KeyName: spec.keyName,
          NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: spec.subnetId, Groups: spec.securityGroupIds, AssociatePublicIpAddress: true, DeleteOnTermination: true }],
          MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled", HttpPutResponseHopLimit: 1 },
          BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { Encrypted: true, VolumeSize: spec.rootVolumeGiB, VolumeType: "gp3", DeleteOnTermination: true } }],
          IamInstanceProfile: spec.instanceProfileArn ? { Arn: spec.instanceProfileArn } : undefined,
          ClientToken,
          TagSpecifications: [
            { ResourceType: "instance", Tags: ctx.tags() },
            { ResourceType: "volume", Tags: ctx.tags() },
            { ResourceType: "network-interface", Tags: ctx.tags() },
          ],
        }),
      ),
    );
    // A terminated bastion's token still answers it (for at least 24 h): the next generation launches a new one.
    const r = await createWithToken(ctx, [spec.subnetId, spec.imageId, spec.keyName], send, (x) => {
      const i = x.Instances?.[0];
      return !i || ["shutting-down", "terminated"].includes(stateOf(i));
    });
    return { instance: r.Instances![0], rootEncrypted: true };
  },
  async update(ctx, spec, a, changes) {
    const ec2 = await ctx.aws.get("ec2");
    const InstanceId = a.instance.InstanceId!;
    for (const c of changes) {
      if (c.field === "MetadataOptions.HttpTokens") await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId, HttpTokens: "required", HttpEndpoint: "enabled" }));
      if (c.field === "SecurityGroups") await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId, Groups: spec.securityGroupIds }));
    }
    return (await this.refresh(ctx, a)) ?? a;
  },
  async delete(ctx, a) {
    const ec2 = await ctx.aws.get("ec2");
    if (["shutting-down", "terminated"].includes(stateOf(a.instance))) return;
    await orUndefined(ec2.send(new TerminateInstancesCommand({ InstanceIds: [a.instance.InstanceId!] })));
  },
  async refresh(ctx, a) {
    const ec2 = await ctx.aws.get("ec2");
    const r = await orUndefined(ec2.send(new DescribeInstancesCommand({ InstanceIds: [a.instance.InstanceId!] })));
    const i = r?.Reservations?.[0]?.Instances?.[0];
    return i ? withVolume(ctx, i) : undefined;
  },
  isReady: (a) => stateOf(a.instance) === "running" || stateOf(a.instance) === "stopped",
  failure: (a) => (["shutting-down", "terminated"].includes(stateOf(a.instance)) ? `it is ${stateOf(a.instance)}` : undefined),
  isGone: (a) => stateOf(a.instance) === "terminated",
  describe: (a) => ({
    id: a.instance.InstanceId!,
    state: stateOf(a.instance),
    healthy: stateOf(a.instance) === "running",
    details: {
      type: a.instance.InstanceType,
      ami: a.instance.ImageId,
      publicIp: a.instance.PublicIpAddress,
      imds: a.instance.MetadataOptions?.HttpTokens === "required" ? "v2 only" : "v1 allowed",
      rootEncrypted: a.rootEncrypted,
    },
  }),
  outputs: (a) => ({ id: a.instance.InstanceId!, publicIp: a.instance.PublicIpAddress }),
};
