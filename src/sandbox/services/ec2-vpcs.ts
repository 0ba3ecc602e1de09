/** Simulated EC2: availability zones, account attributes, VPCs, subnets and network interfaces (behaviour: ec2.md). */
import type { EC2 } from "@aws-sdk/client-ec2";
import { handler, type Handlers, type SimRecord } from "../types.js";
import { type Ctx, aclEntry, describe, describeStatic, get, list, newIpv6Block56, newNetworkAcl, newRouteTable, newSecurityGroup, addSgRule, required, vpcHasIpv6, vpcIpv4Blocks, vpcIpv6Blocks } from "./ec2-core.js";
import { azIdPrefix, contains4, contains6, eniOut, isNetwork4, out, overlaps4, overlaps6, parse4, parse6, tagsFor } from "./ec2-util.js";

// ---------------------------------------------------------------- regions and zones

export function zones(ctx: Ctx): SimRecord[] {
  return ["a", "b", "c"].map((l, i) => ({
    State: "available",
    OptInStatus: "opt-in-not-required",
    Messages: [],
    RegionName: ctx.region,
    ZoneName: `${ctx.region}${l}`,
    ZoneId: `${azIdPrefix(ctx.region)}-az${i + 1}`,
    GroupName: ctx.region,
    NetworkBorderGroup: ctx.region,
    ZoneType: "availability-zone",
  }));
}

const DescribeAvailabilityZones = handler<EC2, "DescribeAvailabilityZones">((input, ctx) => {
  let azs = zones(ctx);
  for (const n of input.ZoneNames ?? []) {
    if (!azs.some((z) => z.ZoneName === n)) return ctx.fail("InvalidParameterValue", `The zone '${n}' does not exist.`);
  }
  for (const n of input.ZoneIds ?? []) {
    if (!azs.some((z) => z.ZoneId === n)) return ctx.fail("InvalidParameterValue", `The zone ID '${n}' does not exist.`);
  }
  const names = input.ZoneNames ?? [];
  const ids = input.ZoneIds ?? [];
  if (names.length) azs = azs.filter((z) => names.includes(z.ZoneName));
  if (ids.length) azs = azs.filter((z) => ids.includes(z.ZoneId));
  const { items } = describeStatic(azs, input, {
    state: (z) => z.State, "zone-name": (z) => z.ZoneName, "zone-id": (z) => z.ZoneId, "region-name": (z) => z.RegionName,
    "zone-type": (z) => z.ZoneType, "opt-in-status": (z) => z.OptInStatus, "group-name": (z) => z.GroupName,
  });
  return { AvailabilityZones: items };
});

const DescribeAccountAttributes = handler<EC2, "DescribeAccountAttributes">((input) => {
  const all: Record<string, string[]> = {
    "supported-platforms": ["VPC"],
    "default-vpc": ["none"],
    "max-instances": ["20"],
    "vpc-max-security-groups-per-interface": ["5"],
    "max-elastic-ips": ["5"],
    "vpc-max-elastic-ips": ["5"],
  };
  const names: string[] = input.AttributeNames?.length ? input.AttributeNames : Object.keys(all);
  return { AccountAttributes: names.filter((n) => all[n]).map((n) => ({ AttributeName: n, AttributeValues: all[n].map((v) => ({ AttributeValue: v })) })) };
});

// ---------------------------------------------------------------- VPCs

function vpcView(v: SimRecord): SimRecord {
  const o = out(v);
  if (!o.Ipv6CidrBlockAssociationSet?.length) delete o.Ipv6CidrBlockAssociationSet;
  return o;
}

function newIpv6Assoc(ctx: Ctx): SimRecord {
  return {
    AssociationId: ctx.newId("vpc-cidr-assoc"),
    Ipv6CidrBlock: newIpv6Block56(ctx),
    Ipv6CidrBlockState: { State: "associating" },
    NetworkBorderGroup: ctx.region,
    Ipv6Pool: "Amazon",
    _at: ctx.now() + ctx.duration("ec2.vpc.ipv6-cidr.associate"),
  };
}

function dhcpOptionsId(ctx: Ctx): string {
  const meta = ctx.table("meta");
  return ((meta.dhcp ??= { id: ctx.newId("dopt") }) as SimRecord).id;
}

const CreateVpc = handler<EC2, "CreateVpc">((input, ctx) => {
  const cidr = required(ctx, input, "CidrBlock");
  const c = parse4(cidr);
  if (!c || !isNetwork4(cidr) || c.prefix < 16 || c.prefix > 28) return ctx.fail("InvalidVpc.Range", `The CIDR '${cidr}' is invalid.`);
  const id = ctx.newId("vpc");
  const vpc: SimRecord = ctx.born({
    CidrBlock: cidr,
    DhcpOptionsId: dhcpOptionsId(ctx),
    State: "pending",
    VpcId: id,
    OwnerId: ctx.accountId,
    InstanceTenancy: input.InstanceTenancy ?? "default",
    Ipv6CidrBlockAssociationSet: input.AmazonProvidedIpv6CidrBlock ? [newIpv6Assoc(ctx)] : [],
    CidrBlockAssociationSet: [{ AssociationId: ctx.newId("vpc-cidr-assoc"), CidrBlock: cidr, CidrBlockState: { State: "associated" } }],
    IsDefault: false,
    BlockPublicAccessStates: { InternetGatewayBlockMode: "off" },
    _tags: tagsFor(input.TagSpecifications, "vpc"),
    _availableAt: ctx.now() + ctx.duration("ec2.vpc.create"),
    _dnsSupport: true,
    _dnsHostnames: false,
    _nau: false,
  });
  ctx.table("vpcs")[id] = vpc;
  // The defaults come with the VPC: default security group (ingress from itself), main route table, default NACL.
  const sg = newSecurityGroup(ctx, vpc, "default", "default VPC security group", []);
  addSgRule(ctx, sg, { IsEgress: false, IpProtocol: "-1", FromPort: -1, ToPort: -1, ReferencedGroupInfo: { GroupId: sg.GroupId, UserId: ctx.accountId } });
  sg._default = true;
  const rt = newRouteTable(ctx, vpc, true, []);
  const acl = newNetworkAcl(ctx, vpc, true, []);
  for (const r of [sg, rt, acl]) r._visibleAt = vpc._visibleAt;
  vpc._defaultSg = sg.GroupId;
  vpc._mainRtb = rt.RouteTableId;
  vpc._defaultAcl = acl.NetworkAclId;
  return { Vpc: vpcView(vpc) };
});

const DescribeVpcs = handler<EC2, "DescribeVpcs">((input, ctx) => {
  const { items, next } = describe(ctx, "vpcs", input, input.VpcIds, {
    "vpc-id": (v) => v.VpcId,
    cidr: (v) => v.CidrBlock,
    "cidr-block": (v) => v.CidrBlock,
    "cidr-block-association.cidr-block": (v) => v.CidrBlockAssociationSet.map((a: SimRecord) => a.CidrBlock),
    "cidr-block-association.association-id": (v) => v.CidrBlockAssociationSet.map((a: SimRecord) => a.AssociationId),
    "cidr-block-association.state": (v) => v.CidrBlockAssociationSet.map((a: SimRecord) => a.CidrBlockState.State),
    "dhcp-options-id": (v) => v.DhcpOptionsId,
    "ipv6-cidr-block-association.ipv6-cidr-block": (v) => v.Ipv6CidrBlockAssociationSet.map((a: SimRecord) => a.Ipv6CidrBlock),
    "ipv6-cidr-block-association.association-id": (v) => v.Ipv6CidrBlockAssociationSet.map((a: SimRecord) => a.AssociationId),
    "ipv6-cidr-block-association.state": (v) => v.Ipv6CidrBlockAssociationSet.map((a: SimRecord) => a.Ipv6CidrBlockState.State),
    "ipv6-cidr-block-association.ipv6-pool": (v) => v.Ipv6CidrBlockAssociationSet.map((a: SimRecord) => a.Ipv6Pool),
    "is-default": (v) => String(v.IsDefault),
    "owner-id": (v) => v.OwnerId,
    state: (v) => v.State,
  });
  return { Vpcs: items.map(vpcView), NextToken: next };
});

const DescribeVpcAttribute = handler<EC2, "DescribeVpcAttribute">((input, ctx) => {
  const attr = required(ctx, input, "Attribute");
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const map: Record<string, [string, string]> = {
    enableDnsSupport: ["EnableDnsSupport", "_dnsSupport"],
    enableDnsHostnames: ["EnableDnsHostnames", "_dnsHostnames"],
    enableNetworkAddressUsageMetrics: ["EnableNetworkAddressUsageMetrics", "_nau"],
  };
  const m = map[attr];
  if (!m) return ctx.fail("InvalidParameterValue", `Value (${attr}) for parameter attribute is invalid. Unknown attribute.`);
  return { VpcId: vpc.VpcId, [m[0]]: { Value: !!vpc[m[1]] } };
});

const ModifyVpcAttribute = handler<EC2, "ModifyVpcAttribute">((input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const given = [
    ["EnableDnsSupport", "_dnsSupport"],
    ["EnableDnsHostnames", "_dnsHostnames"],
    ["EnableNetworkAddressUsageMetrics", "_nau"],
  ].filter(([k]) => (input as SimRecord)[k] !== undefined);
  if (given.length !== 1) {
    return ctx.fail("InvalidParameterCombination", "Fields for multiple attribute types specified: " + given.map(([k]) => k).join(", ") || "No attribute specified");
  }
  const [k, f] = given[0];
  const value = !!(input as SimRecord)[k]?.Value;
  if (k === "EnableDnsHostnames" && value && !vpc._dnsSupport) {
    return ctx.fail("InvalidParameterValue", "Cannot enable DNS hostnames for a VPC that does not have DNS support enabled.");
  }
  vpc[f] = value;
  return {};
});

const AssociateVpcCidrBlock = handler<EC2, "AssociateVpcCidrBlock">((input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  if (input.AmazonProvidedIpv6CidrBlock) {
    if (vpcHasIpv6(vpc)) return ctx.fail("CidrLimitExceeded", `This network '${vpc.VpcId}' has met its maximum number of allowed CIDRs: 1`);
    const a = newIpv6Assoc(ctx);
    vpc.Ipv6CidrBlockAssociationSet.push(a);
    // AWS adds the IPv6 local route to the VPC's route tables and the IPv6 entries to its default ACL.
    for (const rt of Object.values(ctx.table("routeTables")).filter((r) => r.VpcId === vpc.VpcId)) {
      rt.Routes.push({ DestinationIpv6CidrBlock: a.Ipv6CidrBlock, GatewayId: "local", Origin: "CreateRouteTable", State: "active" });
    }
    for (const acl of Object.values(ctx.table("networkAcls")).filter((r) => r.VpcId === vpc.VpcId)) {
      if (acl.Entries.some((e: SimRecord) => e.Ipv6CidrBlock)) continue;
      for (const egress of [true, false]) {
        if (acl.IsDefault) acl.Entries.push(aclEntry(101, egress, "allow", true));
        acl.Entries.push(aclEntry(32768, egress, "deny", true));
      }
    }
    return { VpcId: vpc.VpcId, Ipv6CidrBlockAssociation: out(a) };
  }
  if (input.CidrBlock) {
    const c = parse4(input.CidrBlock);
    if (!c || !isNetwork4(input.CidrBlock) || c.prefix < 16 || c.prefix > 28) return ctx.fail("InvalidVpc.Range", `The CIDR '${input.CidrBlock}' is invalid.`);
    for (const b of vpcIpv4Blocks(vpc)) {
      if (overlaps4(parse4(b)!, c)) return ctx.fail("InvalidVpc.Range", `The CIDR '${input.CidrBlock}' conflicts with another CIDR in the VPC.`);
    }
    const a = { AssociationId: ctx.newId("vpc-cidr-assoc"), CidrBlock: input.CidrBlock, CidrBlockState: { State: "associated" } };
    vpc.CidrBlockAssociationSet.push(a);
    for (const rt of Object.values(ctx.table("routeTables")).filter((r) => r.VpcId === vpc.VpcId)) {
      rt.Routes.push({ DestinationCidrBlock: input.CidrBlock, GatewayId: "local", Origin: "CreateRouteTable", State: "active" });
    }
    return { VpcId: vpc.VpcId, CidrBlockAssociation: { ...a, CidrBlockState: { State: "associating" } } };
  }
  return ctx.fail("MissingParameter", "Either 'cidrBlock' or 'amazonProvidedIpv6CidrBlock' must be specified.");
});

const DisassociateVpcCidrBlock = handler<EC2, "DisassociateVpcCidrBlock">((input, ctx) => {
  const id = required(ctx, input, "AssociationId");
  for (const vpc of list(ctx, "vpcs")) {
    const i6 = vpc.Ipv6CidrBlockAssociationSet.findIndex((a: SimRecord) => a.AssociationId === id);
    if (i6 >= 0) {
      const a = vpc.Ipv6CidrBlockAssociationSet[i6];
      const block = parse6(a.Ipv6CidrBlock)!;
      const used = list(ctx, "subnets").some(
        (s) => s.VpcId === vpc.VpcId && s.Ipv6CidrBlockAssociationSet.some((x: SimRecord) => contains6(block, parse6(x.Ipv6CidrBlock)!)),
      );
      if (used) return ctx.fail("DependencyViolation", `The vpc '${vpc.VpcId}' has dependencies and cannot be deleted.`);
      vpc.Ipv6CidrBlockAssociationSet.splice(i6, 1);
      for (const rt of Object.values(ctx.table("routeTables")).filter((r) => r.VpcId === vpc.VpcId)) {
        rt.Routes = rt.Routes.filter((r: SimRecord) => !(r.GatewayId === "local" && r.DestinationIpv6CidrBlock === a.Ipv6CidrBlock));
      }
      return { VpcId: vpc.VpcId, Ipv6CidrBlockAssociation: { ...out(a), Ipv6CidrBlockState: { State: "disassociating" } } };
    }
    const i4 = vpc.CidrBlockAssociationSet.findIndex((a: SimRecord) => a.AssociationId === id);
    if (i4 >= 0) {
      const a = vpc.CidrBlockAssociationSet[i4];
      if (a.CidrBlock === vpc.CidrBlock) return ctx.fail("InvalidParameterValue", `The vpc CIDR block with association ID ${id} may not be disassociated. It is the primary IPv4 CIDR block of the VPC`);
      vpc.CidrBlockAssociationSet.splice(i4, 1);
      for (const rt of Object.values(ctx.table("routeTables")).filter((r) => r.VpcId === vpc.VpcId)) {
        rt.Routes = rt.Routes.filter((r: SimRecord) => !(r.GatewayId === "local" && r.DestinationCidrBlock === a.CidrBlock));
      }
      return { VpcId: vpc.VpcId, CidrBlockAssociation: { ...a, CidrBlockState: { State: "disassociating" } } };
    }
  }
  return ctx.fail("InvalidVpcCidrBlockAssociationID.NotFound", `The vpc CIDR block association ID '${id}' does not exist`);
});

const DeleteVpc = handler<EC2, "DeleteVpc">((input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const id = vpc.VpcId;
  const inVpc = (t: string) => Object.values(ctx.table(t)).filter((r) => r.VpcId === id);
  const blockers =
    inVpc("subnets").length > 0 ||
    Object.values(ctx.table("internetGateways")).some((g) => g.Attachments.some((a: SimRecord) => a.VpcId === id)) ||
    Object.values(ctx.table("egressOnlyInternetGateways")).some((g) => g.Attachments.some((a: SimRecord) => a.VpcId === id)) ||
    inVpc("securityGroups").some((g) => !g._default) ||
    inVpc("routeTables").some((r) => r.RouteTableId !== vpc._mainRtb) ||
    inVpc("networkAcls").some((a) => !a.IsDefault) ||
    inVpc("vpcEndpoints").length > 0 ||
    inVpc("natGateways").some((n) => n.State !== "deleted" && n.State !== "failed") ||
    inVpc("networkInterfaces").length > 0;
  if (blockers) return ctx.fail("DependencyViolation", `The vpc '${id}' has dependencies and cannot be deleted.`);
  const rules = ctx.table("securityGroupRules");
  for (const r of Object.values(rules)) if (r.GroupId === vpc._defaultSg) delete rules[r.SecurityGroupRuleId];
  delete ctx.table("securityGroups")[vpc._defaultSg];
  delete ctx.table("routeTables")[vpc._mainRtb];
  delete ctx.table("networkAcls")[vpc._defaultAcl];
  const fls = ctx.table("flowLogs");
  for (const f of Object.values(fls)) if (f.ResourceId === id) delete fls[f.FlowLogId];
  delete ctx.table("vpcs")[id];
  return {};
});

// ---------------------------------------------------------------- subnets

function subnetView(ctx: Ctx, s: SimRecord): SimRecord {
  const used = Object.values(ctx.table("networkInterfaces")).filter((e) => e.SubnetId === s.SubnetId).length;
  return out({ ...s, AvailableIpAddressCount: parse4(s.CidrBlock)!.size - 5 - used });
}

function checkSubnetIpv6(ctx: Ctx, vpc: SimRecord, cidr: string, selfId?: string): void {
  const c = parse6(cidr);
  if (!c || c.prefix !== 64 || !vpcIpv6Blocks(vpc).some((b) => contains6(parse6(b)!, c))) {
    return ctx.fail("InvalidSubnet.Range", `The IPv6 CIDR '${cidr}' is invalid.`);
  }
  for (const s of Object.values(ctx.table("subnets"))) {
    if (s.VpcId !== vpc.VpcId || s.SubnetId === selfId) continue;
    for (const a of s.Ipv6CidrBlockAssociationSet) {
      if (overlaps6(parse6(a.Ipv6CidrBlock)!, c)) return ctx.fail("InvalidSubnet.Conflict", `The CIDR '${cidr}' conflicts with another subnet`);
    }
  }
}

const CreateSubnet = handler<EC2, "CreateSubnet">((input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const cidr = required(ctx, input, "CidrBlock");
  const c = parse4(cidr);
  if (!c || !isNetwork4(cidr) || c.prefix < 16 || c.prefix > 28 || !vpcIpv4Blocks(vpc).some((b) => contains4(parse4(b)!, c))) {
    return ctx.fail("InvalidSubnet.Range", `The CIDR '${cidr}' is invalid.`);
  }
  for (const s of Object.values(ctx.table("subnets"))) {
    if (s.VpcId === vpc.VpcId && overlaps4(parse4(s.CidrBlock)!, c)) return ctx.fail("InvalidSubnet.Conflict", `The CIDR '${cidr}' conflicts with another subnet`);
  }
  if (input.Ipv6CidrBlock) checkSubnetIpv6(ctx, vpc, input.Ipv6CidrBlock);
  const azs = zones(ctx);
  const az = input.AvailabilityZone
    ? azs.find((z) => z.ZoneName === input.AvailabilityZone)
    : input.AvailabilityZoneId
      ? azs.find((z) => z.ZoneId === input.AvailabilityZoneId)
      : azs[0];
  if (!az) {
    return ctx.fail(
      "InvalidParameterValue",
      `Value (${input.AvailabilityZone ?? input.AvailabilityZoneId}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${azs.map((z) => z.ZoneName).join(", ")}.`,
    );
  }
  const id = ctx.newId("subnet");
  const subnet: SimRecord = ctx.born({
    AvailabilityZone: az.ZoneName,
    AvailabilityZoneId: az.ZoneId,
    AvailableIpAddressCount: c.size - 5,
    CidrBlock: cidr,
    DefaultForAz: false,
    MapPublicIpOnLaunch: false,
    MapCustomerOwnedIpOnLaunch: false,
    State: "pending",
    SubnetId: id,
    VpcId: vpc.VpcId,
    OwnerId: ctx.accountId,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: input.Ipv6CidrBlock
      ? [{ AssociationId: ctx.newId("subnet-cidr-assoc"), Ipv6CidrBlock: input.Ipv6CidrBlock, Ipv6CidrBlockState: { State: "associated" } }]
      : [],
    _tags: tagsFor(input.TagSpecifications, "subnet"),
    SubnetArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:subnet/${id}`,
    EnableDns64: false,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: "ip-name", EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    _availableAt: ctx.now() + ctx.duration("ec2.subnet.create"),
  });
  ctx.table("subnets")[id] = subnet;
  const acl = ctx.table("networkAcls")[vpc._defaultAcl];
  acl?.Associations.push({ NetworkAclAssociationId: ctx.newId("aclassoc"), NetworkAclId: acl.NetworkAclId, SubnetId: id });
  return { Subnet: subnetView(ctx, subnet) };
});

const DescribeSubnets = handler<EC2, "DescribeSubnets">((input, ctx) => {
  const { items, next } = describe(ctx, "subnets", input, input.SubnetIds, {
    "subnet-id": (s) => s.SubnetId,
    "vpc-id": (s) => s.VpcId,
    "availability-zone": (s) => s.AvailabilityZone,
    "availability-zone-id": (s) => s.AvailabilityZoneId,
    "cidr-block": (s) => s.CidrBlock,
    cidr: (s) => s.CidrBlock,
    cidrBlock: (s) => s.CidrBlock,
    "default-for-az": (s) => String(s.DefaultForAz),
    "ipv6-cidr-block-association.ipv6-cidr-block": (s) => s.Ipv6CidrBlockAssociationSet.map((a: SimRecord) => a.Ipv6CidrBlock),
    "ipv6-cidr-block-association.association-id": (s) => s.Ipv6CidrBlockAssociationSet.map((a: SimRecord) => a.AssociationId),
    "ipv6-cidr-block-association.state": (s) => s.Ipv6CidrBlockAssociationSet.map((a: SimRecord) => a.Ipv6CidrBlockState.State),
    "map-public-ip-on-launch": (s) => String(s.MapPublicIpOnLaunch),
    "owner-id": (s) => s.OwnerId,
    state: (s) => s.State,
    "subnet-arn": (s) => s.SubnetArn,
  });
  return { Subnets: items.map((s) => subnetView(ctx, s)), NextToken: next };
});

const ModifySubnetAttribute = handler<EC2, "ModifySubnetAttribute">((input, ctx) => {
  const s = get(ctx, "subnets", required(ctx, input, "SubnetId"));
  if (input.MapPublicIpOnLaunch) s.MapPublicIpOnLaunch = !!input.MapPublicIpOnLaunch.Value;
  if (input.AssignIpv6AddressOnCreation) {
    const v = !!input.AssignIpv6AddressOnCreation.Value;
    if (v && !s.Ipv6CidrBlockAssociationSet.length) return ctx.fail("InvalidParameterValue", `Invalid value 'true' for assignIpv6AddressOnCreation. Cannot set assignIpv6AddressOnCreation to true unless the subnet (${s.SubnetId}) has an IPv6 CIDR block associated with it.`);
    s.AssignIpv6AddressOnCreation = v;
  }
  if (input.EnableDns64) s.EnableDns64 = !!input.EnableDns64.Value;
  if (input.PrivateDnsHostnameTypeOnLaunch) s.PrivateDnsNameOptionsOnLaunch.HostnameType = input.PrivateDnsHostnameTypeOnLaunch;
  if (input.EnableResourceNameDnsARecordOnLaunch) s.PrivateDnsNameOptionsOnLaunch.EnableResourceNameDnsARecord = !!input.EnableResourceNameDnsARecordOnLaunch.Value;
  if (input.EnableResourceNameDnsAAAARecordOnLaunch) s.PrivateDnsNameOptionsOnLaunch.EnableResourceNameDnsAAAARecord = !!input.EnableResourceNameDnsAAAARecordOnLaunch.Value;
  return {};
});

const AssociateSubnetCidrBlock = handler<EC2, "AssociateSubnetCidrBlock">((input, ctx) => {
  const s = get(ctx, "subnets", required(ctx, input, "SubnetId"));
  const cidr = required(ctx, input, "Ipv6CidrBlock");
  if (s.Ipv6CidrBlockAssociationSet.length) return ctx.fail("InvalidParameterValue", `The subnet '${s.SubnetId}' already has an IPv6 CIDR block associated with it.`);
  checkSubnetIpv6(ctx, ctx.table("vpcs")[s.VpcId], cidr, s.SubnetId);
  const a = { AssociationId: ctx.newId("subnet-cidr-assoc"), Ipv6CidrBlock: cidr, Ipv6CidrBlockState: { State: "associated" } };
  s.Ipv6CidrBlockAssociationSet.push(a);
  return { SubnetId: s.SubnetId, Ipv6CidrBlockAssociation: { ...a, Ipv6CidrBlockState: { State: "associating" } } };
});

const DisassociateSubnetCidrBlock = handler<EC2, "DisassociateSubnetCidrBlock">((input, ctx) => {
  const id = required(ctx, input, "AssociationId");
  for (const s of list(ctx, "subnets")) {
    const i = s.Ipv6CidrBlockAssociationSet.findIndex((a: SimRecord) => a.AssociationId === id);
    if (i < 0) continue;
    const [a] = s.Ipv6CidrBlockAssociationSet.splice(i, 1);
    s.AssignIpv6AddressOnCreation = false;
    return { SubnetId: s.SubnetId, Ipv6CidrBlockAssociation: { ...a, Ipv6CidrBlockState: { State: "disassociating" } } };
  }
  return ctx.fail("InvalidSubnetCidrBlockAssociationID.NotFound", `The subnet CIDR block with association ID '${id}' does not exist`);
});

const DeleteSubnet = handler<EC2, "DeleteSubnet">((input, ctx) => {
  const s = get(ctx, "subnets", required(ctx, input, "SubnetId"));
  const busy =
    Object.values(ctx.table("networkInterfaces")).some((e) => e.SubnetId === s.SubnetId) ||
    Object.values(ctx.table("natGateways")).some((n) => n.SubnetId === s.SubnetId && n.State !== "deleted" && n.State !== "failed");
  if (busy) return ctx.fail("DependencyViolation", `The subnet '${s.SubnetId}' has dependencies and cannot be deleted.`);
  for (const acl of Object.values(ctx.table("networkAcls"))) acl.Associations = acl.Associations.filter((a: SimRecord) => a.SubnetId !== s.SubnetId);
  for (const rt of Object.values(ctx.table("routeTables"))) rt.Associations = rt.Associations.filter((a: SimRecord) => a.SubnetId !== s.SubnetId);
  delete ctx.table("subnets")[s.SubnetId];
  return {};
});

// ---------------------------------------------------------------- network interfaces

const DescribeNetworkInterfaces = handler<EC2, "DescribeNetworkInterfaces">((input, ctx) => {
  const { items, next } = describe(ctx, "networkInterfaces", input, input.NetworkInterfaceIds, {
    "network-interface-id": (e) => e.NetworkInterfaceId,
    "subnet-id": (e) => e.SubnetId,
    "vpc-id": (e) => e.VpcId,
    "group-id": (e) => e.Groups.map((g: SimRecord) => g.GroupId),
    "group-name": (e) => e.Groups.map((g: SimRecord) => g.GroupName),
    "attachment.instance-id": (e) => e.Attachment?.InstanceId,
    "attachment.attachment-id": (e) => e.Attachment?.AttachmentId,
    "attachment.status": (e) => e.Attachment?.Status,
    "availability-zone": (e) => e.AvailabilityZone,
    description: (e) => e.Description,
    "interface-type": (e) => e.InterfaceType,
    "private-ip-address": (e) => e.PrivateIpAddress,
    "addresses.private-ip-address": (e) => e.PrivateIpAddresses.map((p: SimRecord) => p.PrivateIpAddress),
    "association.public-ip": (e) => e.Association?.PublicIp,
    "association.allocation-id": (e) => e.Association?.AllocationId,
    "requester-managed": (e) => String(e.RequesterManaged),
    status: (e) => e.Status,
    "owner-id": (e) => e.OwnerId,
  });
  return { NetworkInterfaces: items.map(eniOut), NextToken: next };
});

/** The vpcs handlers of the simulated EC2. */
export const vpcHandlers: Handlers<EC2> = {
  DescribeAvailabilityZones, DescribeAccountAttributes, CreateVpc, DescribeVpcs, DescribeVpcAttribute, ModifyVpcAttribute, AssociateVpcCidrBlock, DisassociateVpcCidrBlock, DeleteVpc, CreateSubnet, DescribeSubnets, ModifySubnetAttribute, AssociateSubnetCidrBlock, DisassociateSubnetCidrBlock, DeleteSubnet, DescribeNetworkInterfaces,
};
