/**
 * Resource kind `vpc`.
 * Tests: test/resources/vpc.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-vpcs.ts.
 */
import {
  CreateVpcCommand,
  DeleteVpcCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  ModifyVpcAttributeCommand,
  AssociateVpcCidrBlockCommand,
  paginateDescribeVpcs,
  type Vpc,
} from "@aws-sdk/client-ec2";
import type { ResourceKind, FieldChange } from "../engine/resource.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, envFilter, listOnce, ofNode, orUndefined, retryOn, tagSpec } from "./toolkit.js";

/** NET-01, NET-03: the VPC with an Amazon-provided IPv6 block and DNS support + hostnames. */
export interface VpcSpec {
  cidr: string;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
}

/** The VPC as read from AWS, with its DNS attributes. */
export interface VpcActual {
  vpc: Vpc;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
}

const ipv6Of = (v: Vpc) => v.Ipv6CidrBlockAssociationSet?.find((a) => a.Ipv6CidrBlockState?.State !== "disassociated" && a.Ipv6CidrBlockState?.State !== "failed");

async function withAttributes(ctx: ResourceContext, vpc: Vpc): Promise<VpcActual> {
  const ec2 = await ctx.aws.get("ec2");
  const [s, h] = await Promise.all([
    ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId, Attribute: "enableDnsSupport" })),
    ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId, Attribute: "enableDnsHostnames" })),
  ]);
  return { vpc, enableDnsSupport: s.EnableDnsSupport?.Value ?? false, enableDnsHostnames: h.EnableDnsHostnames?.Value ?? false };
}

/** All VPCs of the env (one paginated call per run). */
export function envVpcs(ctx: ResourceContext): Promise<Vpc[]> {
  return listOnce(ctx, "ec2:vpcs", "ec2", paginateDescribeVpcs, { Filters: envFilter(ctx) }, (p) => p.Vpcs);
}

export const vpc: ResourceKind<VpcSpec, VpcActual, ResourceContext, { id: string; cidr: string | undefined; ipv6Cidr: string | undefined }> = {
  kind: "vpc",
  budget: { create: slowMs("ec2.vpc.create") + slowMs("ec2.vpc.ipv6-cidr.associate"), delete: 20 * 60_000 },
  // The IPv6 block is requested in CreateVpc itself, so both run at once.
  typicalCreateMs: Math.max(typicalMs("ec2.vpc.create"), typicalMs("ec2.vpc.ipv6-cidr.associate")),
  // NET-01 is the CIDR and the IPv6 block, NET-03 the DNS attributes, NET-10 the CIDR's safety.
  fieldControls: { CidrBlock: ["NET-01", "NET-10"], Ipv6CidrBlock: ["NET-01"], EnableDnsSupport: ["NET-03"], EnableDnsHostnames: ["NET-03"] },

  async find(ctx) {
    const mine = ofNode(ctx, await envVpcs(ctx));
    return mine[0] ? withAttributes(ctx, mine[0]) : undefined;
  },
  async findAll(ctx) {
    return ofNode(ctx, await envVpcs(ctx)).map((v) => ({ vpc: v, enableDnsSupport: true, enableDnsHostnames: true }));
  },
  diff(spec, a) {
    const changes: FieldChange[] = [];
    if (a.vpc.CidrBlock !== spec.cidr) changes.push({ field: "CidrBlock", from: a.vpc.CidrBlock, to: spec.cidr, replace: true });
    if (!ipv6Of(a.vpc)) changes.push({ field: "Ipv6CidrBlock", from: undefined, to: "Amazon-provided /56" });
    if (a.enableDnsSupport !== spec.enableDnsSupport) changes.push({ field: "EnableDnsSupport", from: a.enableDnsSupport, to: spec.enableDnsSupport });
    if (a.enableDnsHostnames !== spec.enableDnsHostnames) changes.push({ field: "EnableDnsHostnames", from: a.enableDnsHostnames, to: spec.enableDnsHostnames });
    return changes;
  },
  async create(ctx, spec) {
    const ec2 = await ctx.aws.get("ec2");
    // CreateVpc takes no ClientToken: a crash right after it is covered by the tag lookup of the next run.
    const r = await ec2.send(new CreateVpcCommand({ CidrBlock: spec.cidr, AmazonProvidedIpv6CidrBlock: true, TagSpecifications: tagSpec(ctx, "vpc") }));
    // DNS attributes cannot be set in CreateVpc; the post-create diff applies them (ModifyVpcAttribute).
    return { vpc: r.Vpc!, enableDnsSupport: true, enableDnsHostnames: false };
  },
  async update(ctx, spec, a, changes) {
    const ec2 = await ctx.aws.get("ec2");
    const VpcId = a.vpc.VpcId!;
    const what = `vpc ${VpcId}`;
    for (const c of changes) {
      // ModifyVpcAttribute accepts one attribute per call (EC2 API reference).
      if (c.field === "EnableDnsSupport") await retryOn(["InvalidVpcID.NotFound"], what, () => ec2.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsSupport: { Value: spec.enableDnsSupport } })));
      if (c.field === "EnableDnsHostnames") await retryOn(["InvalidVpcID.NotFound"], what, () => ec2.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsHostnames: { Value: spec.enableDnsHostnames } })));
      if (c.field === "Ipv6CidrBlock") await retryOn(["InvalidVpcID.NotFound"], what, () => ec2.send(new AssociateVpcCidrBlockCommand({ VpcId, AmazonProvidedIpv6CidrBlock: true })));
    }
    return (await this.refresh(ctx, a)) ?? a;
  },
  async delete(ctx, a) {
    const ec2 = await ctx.aws.get("ec2");
    await retryOn(["DependencyViolation"], `vpc ${a.vpc.VpcId}`, () => deleted(ec2.send(new DeleteVpcCommand({ VpcId: a.vpc.VpcId }))), 10_000);
  },
  async blockers(ctx, a) {
    const ec2 = await ctx.aws.get("ec2");
    const r = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "vpc-id", Values: [a.vpc.VpcId!] }] }));
    return (r.NetworkInterfaces ?? []).map((n) => `${n.NetworkInterfaceId} (${n.Description || n.InterfaceType || "network interface"})`);
  },
  async refresh(ctx, a) {
    const ec2 = await ctx.aws.get("ec2");
    const r = await orUndefined(ec2.send(new DescribeVpcsCommand({ VpcIds: [a.vpc.VpcId!] })));
    const v = r?.Vpcs?.[0];
    return v ? withAttributes(ctx, v) : undefined;
  },
  isReady: (a) => a.vpc.State === "available" && ipv6Of(a.vpc)?.Ipv6CidrBlockState?.State === "associated",
  describe: (a) => ({
    id: a.vpc.VpcId!,
    state: a.vpc.State ?? "unknown",
    healthy: a.vpc.State === "available" && a.enableDnsHostnames && a.enableDnsSupport,
    details: { cidr: a.vpc.CidrBlock, ipv6: ipv6Of(a.vpc)?.Ipv6CidrBlock, dnsSupport: a.enableDnsSupport, dnsHostnames: a.enableDnsHostnames },
  }),
  outputs: (a) => ({ id: a.vpc.VpcId!, cidr: a.vpc.CidrBlock, ipv6Cidr: ipv6Of(a.vpc)?.Ipv6CidrBlock }),
};
