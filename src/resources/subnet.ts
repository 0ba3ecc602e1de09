/**
 * Resource kind `subnet`.
 * Tests: test/resources/subnet.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-vpcs.ts.
 */
import {
  AssociateSubnetCidrBlockCommand,
  CreateSubnetCommand,
  DeleteSubnetCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  ModifySubnetAttributeCommand,
  paginateDescribeSubnets,
  type Subnet,
} from "@aws-sdk/client-ec2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { OpsError, TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, envFilter, foundByTags, listOnce, orUndefined, ownedBy, retryOn, tagSpec } from "./toolkit.js";

/** NET-02: one subnet, with its IPv6 /64 (NET-02, RDS-11) and public-IP mapping (NET-04). */
export interface SubnetSpec {
  vpcId: string;
  cidr: string;
  ipv6Cidr: string;
  availabilityZone: string;
  mapPublicIpOnLaunch: boolean;
}

const ipv6Of = (s: Subnet) => s.Ipv6CidrBlockAssociationSet?.find((a) => a.Ipv6CidrBlockState?.State === "associated" || a.Ipv6CidrBlockState?.State === "associating")?.Ipv6CidrBlock;

function envSubnets(ctx: ResourceContext): Promise<Subnet[]> {
  return listOnce(ctx, "ec2:subnets", "ec2", paginateDescribeSubnets, { Filters: envFilter(ctx) }, (p) => p.Subnets);
}

export const subnet: ResourceKind<SubnetSpec, Subnet, ResourceContext, { id: string; cidr: string | undefined; ipv6Cidr: string | undefined; az: string | undefined }> = {
  kind: "subnet",
  budget: { create: slowMs("ec2.subnet.create"), delete: 20 * 60_000 },
  typicalCreateMs: typicalMs("ec2.subnet.create"),

  ...foundByTags(envSubnets),
  diff(spec, s) {
    const c: FieldChange[] = [];
    if (s.VpcId !== spec.vpcId) c.push({ field: "VpcId", from: s.VpcId, to: spec.vpcId, replace: true });
    if (s.CidrBlock !== spec.cidr) c.push({ field: "CidrBlock", from: s.CidrBlock, to: spec.cidr, replace: true });
    if (s.AvailabilityZone !== spec.availabilityZone) c.push({ field: "AvailabilityZone", from: s.AvailabilityZone, to: spec.availabilityZone, replace: true });
    const v6 = ipv6Of(s);
    if (v6 !== spec.ipv6Cidr) c.push({ field: "Ipv6CidrBlock", from: v6, to: spec.ipv6Cidr, replace: v6 !== undefined });
    if (Boolean(s.MapPublicIpOnLaunch) !== spec.mapPublicIpOnLaunch) c.push({ field: "MapPublicIpOnLaunch", from: Boolean(s.MapPublicIpOnLaunch), to: spec.mapPublicIpOnLaunch });
    return c;
  },
  async create(ctx, spec) {
    const ec2 = await ctx.aws.get("ec2");
    try {
      const r = await ec2.send(
        new CreateSubnetCommand({
          VpcId: spec.vpcId,
          CidrBlock: spec.cidr,
          Ipv6CidrBlock: spec.ipv6Cidr,
          AvailabilityZone: spec.availabilityZone,
          TagSpecifications: tagSpec(ctx, "subnet"),
        }),
      );
      return r.Subnet!;
    } catch (e) {
      if (isCode(e, "InvalidVpcID.NotFound")) throw new TryAgainLater(`vpc ${spec.vpcId} not visible yet`, 2_000);
      if (isCode(e, "InvalidSubnet.Conflict")) {
        // CreateSubnet has no ClientToken: the conflicting block may be our own subnet from a run that crashed.
        const r = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [spec.vpcId] }, { Name: "cidr-block", Values: [spec.cidr] }] }));
        const s = r.Subnets?.[0];
        if (s && ownedBy(ctx, s.Tags)) return s;
        if (!s) throw new TryAgainLater(`a subnet with ${spec.cidr} exists but is not visible yet`, 2_000);
        throw new OpsError("cidr_conflict", `${ctx.node}: ${spec.cidr} is taken by ${s.SubnetId} (not managed by opsctl)`, { fault: "user", hint: "change network.vpcCidr, or delete that subnet" });
      }
      throw e;
    }
  },
  async update(ctx, spec, s, changes) {
    const ec2 = await ctx.aws.get("ec2");
    const what = `subnet ${s.SubnetId}`;
    for (const c of changes) {
      if (c.field === "MapPublicIpOnLaunch") await retryOn(["InvalidSubnetID.NotFound"], what, () => ec2.send(new ModifySubnetAttributeCommand({ SubnetId: s.SubnetId, MapPublicIpOnLaunch: { Value: spec.mapPublicIpOnLaunch } })));
      if (c.field === "Ipv6CidrBlock") await retryOn(["InvalidSubnetID.NotFound"], what, () => ec2.send(new AssociateSubnetCidrBlockCommand({ SubnetId: s.SubnetId, Ipv6CidrBlock: spec.ipv6Cidr })));
    }
    return (await this.refresh(ctx, s)) ?? s;
  },
  async delete(ctx, s) {
    const ec2 = await ctx.aws.get("ec2");
    await retryOn(["DependencyViolation"], `subnet ${s.SubnetId}`, () => deleted(ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId }))), 10_000);
  },
  async blockers(ctx, s) {
    const ec2 = await ctx.aws.get("ec2");
    const r = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [s.SubnetId!] }] }));
    return (r.NetworkInterfaces ?? []).map((n) => `${n.NetworkInterfaceId} (${n.Description || n.InterfaceType || "network interface"})`);
  },
  async refresh(ctx, s) {
    const ec2 = await ctx.aws.get("ec2");
    return (await orUndefined(ec2.send(new DescribeSubnetsCommand({ SubnetIds: [s.SubnetId!] }))))?.Subnets?.[0];
  },
  isReady: (s) => s.State === "available",
  describe: (s) => ({
    id: s.SubnetId!,
    state: s.State ?? "unknown",
    healthy: s.State === "available" && ipv6Of(s) !== undefined,
    details: { cidr: s.CidrBlock, ipv6: ipv6Of(s), az: s.AvailabilityZone, mapPublicIp: s.MapPublicIpOnLaunch },
  }),
  outputs: (s) => ({ id: s.SubnetId!, cidr: s.CidrBlock, ipv6Cidr: ipv6Of(s), az: s.AvailabilityZone }),
};
