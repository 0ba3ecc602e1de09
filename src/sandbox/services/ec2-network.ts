/** Simulated EC2 network operations: AZs, VPCs, subnets, gateways, Elastic IPs, NAT, routes, endpoints, NACLs (behaviour: ec2.md). */
import type { Handler, SimRecord } from "../types.js";
import {
  type Ctx, aclEntry, describe, disassociateEip, find, get, idempotent, list, newEni, newIpv6Block56,
  newNetworkAcl, newPublicIp, newRouteTable, newSecurityGroup, addSgRule, required, rtView, setEniAssociation, vpcHasIpv6,
  vpcIpv4Blocks, vpcIpv6Blocks, PREFIX_TABLE,
} from "./ec2-core.js";
import { azIdPrefix, contains4, contains6, isNetwork4, iso, out, overlaps4, overlaps6, parse4, parse6, requestHash, tagsFor } from "./ec2-util.js";

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

const DescribeAvailabilityZones: Handler = (input, ctx) => {
  let azs = zones(ctx);
  for (const n of input.ZoneNames ?? []) {
    if (!azs.some((z) => z.ZoneName === n)) return ctx.fail("InvalidParameterValue", `The zone '${n}' does not exist.`);
  }
  for (const n of input.ZoneIds ?? []) {
    if (!azs.some((z) => z.ZoneId === n)) return ctx.fail("InvalidParameterValue", `The zone ID '${n}' does not exist.`);
  }
  if (input.ZoneNames?.length) azs = azs.filter((z) => input.ZoneNames.includes(z.ZoneName));
  if (input.ZoneIds?.length) azs = azs.filter((z) => input.ZoneIds.includes(z.ZoneId));
  const { items } = describeStatic(azs, input, {
    state: (z) => z.State, "zone-name": (z) => z.ZoneName, "zone-id": (z) => z.ZoneId, "region-name": (z) => z.RegionName,
    "zone-type": (z) => z.ZoneType, "opt-in-status": (z) => z.OptInStatus, "group-name": (z) => z.GroupName,
  });
  return { AvailabilityZones: items };
};

function describeStatic(recs: SimRecord[], input: any, fields: Record<string, (r: SimRecord) => unknown>): { items: SimRecord[] } {
  // Same filter semantics as describe(), for records that are not stored.
  const fake = { table: () => Object.fromEntries(recs.map((r, i) => [String(i), r])), visible: () => true } as unknown as Ctx;
  return describe(fake, "static", input, undefined, fields, { page: false });
}

const DescribeAccountAttributes: Handler = (input) => {
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
};

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

const CreateVpc: Handler = (input, ctx) => {
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
    Tags: tagsFor(input.TagSpecifications, "vpc"),
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
};

const DescribeVpcs: Handler = (input, ctx) => {
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
};

const DescribeVpcAttribute: Handler = (input, ctx) => {
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
};

const ModifyVpcAttribute: Handler = (input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const given = [
    ["EnableDnsSupport", "_dnsSupport"],
    ["EnableDnsHostnames", "_dnsHostnames"],
    ["EnableNetworkAddressUsageMetrics", "_nau"],
  ].filter(([k]) => input[k] !== undefined);
  if (given.length !== 1) {
    return ctx.fail("InvalidParameterCombination", "Fields for multiple attribute types specified: " + given.map(([k]) => k).join(", ") || "No attribute specified");
  }
  const [k, f] = given[0];
  const value = !!input[k]?.Value;
  if (k === "EnableDnsHostnames" && value && !vpc._dnsSupport) {
    return ctx.fail("InvalidParameterValue", "Cannot enable DNS hostnames for a VPC that does not have DNS support enabled.");
  }
  vpc[f] = value;
  return {};
};

const AssociateVpcCidrBlock: Handler = (input, ctx) => {
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
};

const DisassociateVpcCidrBlock: Handler = (input, ctx) => {
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
};

const DeleteVpc: Handler = (input, ctx) => {
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
};

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

const CreateSubnet: Handler = (input, ctx) => {
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
    Tags: tagsFor(input.TagSpecifications, "subnet"),
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
};

const DescribeSubnets: Handler = (input, ctx) => {
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
};

const ModifySubnetAttribute: Handler = (input, ctx) => {
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
};

const AssociateSubnetCidrBlock: Handler = (input, ctx) => {
  const s = get(ctx, "subnets", required(ctx, input, "SubnetId"));
  const cidr = required(ctx, input, "Ipv6CidrBlock");
  if (s.Ipv6CidrBlockAssociationSet.length) return ctx.fail("InvalidParameterValue", `The subnet '${s.SubnetId}' already has an IPv6 CIDR block associated with it.`);
  checkSubnetIpv6(ctx, ctx.table("vpcs")[s.VpcId], cidr, s.SubnetId);
  const a = { AssociationId: ctx.newId("subnet-cidr-assoc"), Ipv6CidrBlock: cidr, Ipv6CidrBlockState: { State: "associated" } };
  s.Ipv6CidrBlockAssociationSet.push(a);
  return { SubnetId: s.SubnetId, Ipv6CidrBlockAssociation: { ...a, Ipv6CidrBlockState: { State: "associating" } } };
};

const DisassociateSubnetCidrBlock: Handler = (input, ctx) => {
  const id = required(ctx, input, "AssociationId");
  for (const s of list(ctx, "subnets")) {
    const i = s.Ipv6CidrBlockAssociationSet.findIndex((a: SimRecord) => a.AssociationId === id);
    if (i < 0) continue;
    const [a] = s.Ipv6CidrBlockAssociationSet.splice(i, 1);
    s.AssignIpv6AddressOnCreation = false;
    return { SubnetId: s.SubnetId, Ipv6CidrBlockAssociation: { ...a, Ipv6CidrBlockState: { State: "disassociating" } } };
  }
  return ctx.fail("InvalidSubnetCidrBlockAssociationID.NotFound", `The subnet CIDR block with association ID '${id}' does not exist`);
};

const DeleteSubnet: Handler = (input, ctx) => {
  const s = get(ctx, "subnets", required(ctx, input, "SubnetId"));
  const busy =
    Object.values(ctx.table("networkInterfaces")).some((e) => e.SubnetId === s.SubnetId) ||
    Object.values(ctx.table("natGateways")).some((n) => n.SubnetId === s.SubnetId && n.State !== "deleted" && n.State !== "failed");
  if (busy) return ctx.fail("DependencyViolation", `The subnet '${s.SubnetId}' has dependencies and cannot be deleted.`);
  for (const acl of Object.values(ctx.table("networkAcls"))) acl.Associations = acl.Associations.filter((a: SimRecord) => a.SubnetId !== s.SubnetId);
  for (const rt of Object.values(ctx.table("routeTables"))) rt.Associations = rt.Associations.filter((a: SimRecord) => a.SubnetId !== s.SubnetId);
  delete ctx.table("subnets")[s.SubnetId];
  return {};
};

// ---------------------------------------------------------------- network interfaces

const DescribeNetworkInterfaces: Handler = (input, ctx) => {
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
  return { NetworkInterfaces: items.map(out), NextToken: next };
};

// ---------------------------------------------------------------- internet gateways

const CreateInternetGateway: Handler = (input, ctx) => {
  const id = ctx.newId("igw");
  const igw = ctx.born({ Attachments: [], InternetGatewayId: id, OwnerId: ctx.accountId, Tags: tagsFor(input.TagSpecifications, "internet-gateway") });
  ctx.table("internetGateways")[id] = igw;
  return { InternetGateway: out(igw) };
};

const AttachInternetGateway: Handler = (input, ctx) => {
  const igw = get(ctx, "internetGateways", required(ctx, input, "InternetGatewayId"));
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  if (igw.Attachments.length) return ctx.fail("Resource.AlreadyAssociated", `resource ${igw.InternetGatewayId} is already attached to network ${igw.Attachments[0].VpcId}`);
  const other = Object.values(ctx.table("internetGateways")).find((g) => g.Attachments.some((a: SimRecord) => a.VpcId === vpc.VpcId));
  if (other) return ctx.fail("InvalidParameterValue", `Network ${vpc.VpcId} already has an internet gateway attached`);
  igw.Attachments = [{ State: "available", VpcId: vpc.VpcId }];
  return {};
};

/** Public addresses mapped in a VPC: Elastic IPs associated with its interfaces, public IPs of its instances. */
function hasMappedPublicAddresses(ctx: Ctx, vpcId: string): boolean {
  return Object.values(ctx.table("networkInterfaces")).some((e) => e.VpcId === vpcId && e.Association?.PublicIp);
}

const DetachInternetGateway: Handler = (input, ctx) => {
  const igw = get(ctx, "internetGateways", required(ctx, input, "InternetGatewayId"));
  const vpcId = required(ctx, input, "VpcId");
  if (!igw.Attachments.some((a: SimRecord) => a.VpcId === vpcId)) return ctx.fail("Gateway.NotAttached", `resource ${igw.InternetGatewayId} is not attached to network ${vpcId}`);
  if (hasMappedPublicAddresses(ctx, vpcId)) {
    return ctx.fail("DependencyViolation", `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`);
  }
  igw.Attachments = [];
  return {};
};

const DeleteInternetGateway: Handler = (input, ctx) => {
  const igw = get(ctx, "internetGateways", required(ctx, input, "InternetGatewayId"));
  if (igw.Attachments.length) return ctx.fail("DependencyViolation", `The internetGateway '${igw.InternetGatewayId}' has dependencies and cannot be deleted.`);
  delete ctx.table("internetGateways")[igw.InternetGatewayId];
  return {};
};

const DescribeInternetGateways: Handler = (input, ctx) => {
  const { items, next } = describe(ctx, "internetGateways", input, input.InternetGatewayIds, {
    "internet-gateway-id": (g) => g.InternetGatewayId,
    "attachment.vpc-id": (g) => g.Attachments.map((a: SimRecord) => a.VpcId),
    "attachment.state": (g) => g.Attachments.map((a: SimRecord) => a.State),
    "owner-id": (g) => g.OwnerId,
  });
  return { InternetGateways: items.map(out), NextToken: next };
};

const CreateEgressOnlyInternetGateway: Handler = (input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const idem = idempotent(ctx, "CreateEgressOnlyInternetGateway", input.ClientToken, requestHash(input), "egressOnlyInternetGateways");
  if (idem.replay && ctx.table("egressOnlyInternetGateways")[idem.replay]) {
    return { ClientToken: input.ClientToken, EgressOnlyInternetGateway: out(ctx.table("egressOnlyInternetGateways")[idem.replay]) };
  }
  const id = ctx.newId("eigw");
  const g = ctx.born({ Attachments: [{ State: "attached", VpcId: vpc.VpcId }], EgressOnlyInternetGatewayId: id, Tags: tagsFor(input.TagSpecifications, "egress-only-internet-gateway") });
  ctx.table("egressOnlyInternetGateways")[id] = g;
  idem.remember(id);
  return { ClientToken: input.ClientToken, EgressOnlyInternetGateway: out(g) };
};

const DescribeEgressOnlyInternetGateways: Handler = (input, ctx) => {
  const { items, next } = describe(ctx, "egressOnlyInternetGateways", input, input.EgressOnlyInternetGatewayIds, {});
  return { EgressOnlyInternetGateways: items.map(out), NextToken: next };
};

const DeleteEgressOnlyInternetGateway: Handler = (input, ctx) => {
  const g = get(ctx, "egressOnlyInternetGateways", required(ctx, input, "EgressOnlyInternetGatewayId"));
  delete ctx.table("egressOnlyInternetGateways")[g.EgressOnlyInternetGatewayId];
  return { ReturnCode: true };
};

// ---------------------------------------------------------------- Elastic IPs

const AllocateAddress: Handler = (input, ctx) => {
  const id = ctx.newId("eipalloc");
  const a = ctx.born({
    AllocationId: id,
    PublicIp: newPublicIp(ctx),
    Domain: "vpc",
    PublicIpv4Pool: "amazon",
    NetworkBorderGroup: input.NetworkBorderGroup ?? ctx.region,
    Tags: tagsFor(input.TagSpecifications, "elastic-ip"),
  });
  ctx.table("addresses")[id] = a;
  return { AllocationId: id, PublicIp: a.PublicIp, PublicIpv4Pool: "amazon", NetworkBorderGroup: a.NetworkBorderGroup, Domain: "vpc" };
};

const DescribeAddresses: Handler = (input, ctx) => {
  for (const ip of input.PublicIps ?? []) {
    if (!list(ctx, "addresses").some((a) => a.PublicIp === ip)) return ctx.fail("InvalidAddress.NotFound", `Address '${ip}' not found.`);
  }
  const { items } = describe(
    ctx,
    "addresses",
    input,
    input.AllocationIds,
    {
      "allocation-id": (a) => a.AllocationId,
      "association-id": (a) => a.AssociationId,
      domain: (a) => a.Domain,
      "public-ip": (a) => a.PublicIp,
      "instance-id": (a) => a.InstanceId,
      "network-interface-id": (a) => a.NetworkInterfaceId,
      "network-interface-owner-id": (a) => a.NetworkInterfaceOwnerId,
      "private-ip-address": (a) => a.PrivateIpAddress,
      "network-border-group": (a) => a.NetworkBorderGroup,
    },
    { page: false, keep: (a) => !input.PublicIps?.length || input.PublicIps.includes(a.PublicIp) },
  );
  return { Addresses: items.map(out) };
};

function addressByInput(ctx: Ctx, input: any): SimRecord {
  if (input.AllocationId) return get(ctx, "addresses", input.AllocationId);
  if (input.PublicIp) {
    const a = list(ctx, "addresses").find((x) => x.PublicIp === input.PublicIp);
    if (!a) return ctx.fail("InvalidAddress.NotFound", `Address '${input.PublicIp}' not found.`);
    return a;
  }
  return ctx.fail("MissingParameter", "The request must contain the parameter AllocationId");
}

const ReleaseAddress: Handler = (input, ctx) => {
  const a = addressByInput(ctx, input);
  if (a.AssociationId) return ctx.fail("InvalidIPAddress.InUse", `Address ${a.PublicIp} is in use.`);
  delete ctx.table("addresses")[a.AllocationId];
  return {};
};

const AssociateAddress: Handler = (input, ctx) => {
  const a = addressByInput(ctx, input);
  let eni: SimRecord | undefined;
  let inst: SimRecord | undefined;
  if (input.InstanceId) {
    inst = get(ctx, "instances", input.InstanceId);
    if (!["running", "pending", "stopped", "stopping"].includes(inst.State.Name)) {
      return ctx.fail("IncorrectInstanceState", `The instance '${inst.InstanceId}' is not in a valid state for this operation.`);
    }
    eni = ctx.table("networkInterfaces")[inst._eniId];
  } else if (input.NetworkInterfaceId) {
    eni = get(ctx, "networkInterfaces", input.NetworkInterfaceId);
    if (eni.Attachment?.InstanceId) inst = ctx.table("instances")[eni.Attachment.InstanceId];
  } else return ctx.fail("MissingParameter", "Either instance ID or network interface ID must be specified.");
  if (!eni) return ctx.fail("InvalidInstanceID", `The instance '${input.InstanceId}' has no network interface.`);
  if (eni.RequesterManaged) return ctx.fail("AuthFailure", "You do not have permission to access the specified resource.");
  if (a.AssociationId) {
    if (input.AllowReassociation === false || (input.AllowReassociation === undefined && a.NetworkInterfaceId !== eni.NetworkInterfaceId)) {
      return ctx.fail("Resource.AlreadyAssociated", `resource ${a.AllocationId} is already associated with associate-id ${a.AssociationId}`);
    }
    disassociateEip(ctx, a);
  }
  const igw = Object.values(ctx.table("internetGateways")).some((g) => g.Attachments.some((x: SimRecord) => x.VpcId === eni!.VpcId));
  if (!igw) return ctx.fail("Gateway.NotAttached", `Network ${eni.VpcId} is not attached to any internet gateway`);
  a.AssociationId = ctx.newId("eipassoc");
  a.NetworkInterfaceId = eni.NetworkInterfaceId;
  a.NetworkInterfaceOwnerId = ctx.accountId;
  a.PrivateIpAddress = eni.PrivateIpAddress;
  if (inst) a.InstanceId = inst.InstanceId;
  setEniAssociation(eni, { AllocationId: a.AllocationId, AssociationId: a.AssociationId, IpOwnerId: ctx.accountId, PublicIp: a.PublicIp, PublicDnsName: "" });
  if (inst) inst.PublicIpAddress = a.PublicIp;
  return { AssociationId: a.AssociationId };
};

const DisassociateAddress: Handler = (input, ctx) => {
  const a = input.AssociationId
    ? list(ctx, "addresses").find((x) => x.AssociationId === input.AssociationId)
    : list(ctx, "addresses").find((x) => x.PublicIp === input.PublicIp && x.AssociationId);
  if (!a) return ctx.fail("InvalidAssociationID.NotFound", `The association ID '${input.AssociationId ?? input.PublicIp}' does not exist`);
  const eni = ctx.table("networkInterfaces")[a.NetworkInterfaceId];
  if (eni?.RequesterManaged) return ctx.fail("AuthFailure", "You do not have permission to access the specified resource.");
  disassociateEip(ctx, a);
  return {};
};

// ---------------------------------------------------------------- NAT gateways

const CreateNatGateway: Handler = (input, ctx) => {
  const subnet = get(ctx, "subnets", required(ctx, input, "SubnetId"));
  const idem = idempotent(ctx, "CreateNatGateway", input.ClientToken, requestHash(input), "natGateways");
  if (idem.replay && ctx.table("natGateways")[idem.replay]) {
    return { ClientToken: input.ClientToken, NatGateway: out(ctx.table("natGateways")[idem.replay]) };
  }
  const type = input.ConnectivityType ?? "public";
  let addr: SimRecord | undefined;
  if (type === "public") {
    if (!input.AllocationId) return ctx.fail("MissingParameter", "Public NAT gateways require an Elastic IP address allocation ID (AllocationId).");
    addr = get(ctx, "addresses", input.AllocationId);
    if (addr.AssociationId) return ctx.fail("Resource.AlreadyAssociated", `Elastic IP address [${addr.AllocationId}] is already associated`);
  }
  const id = ctx.newId("nat");
  const eni = newEni(ctx, subnet, { description: `Interface for NAT Gateway ${id}`, type: "nat_gateway", requesterManaged: true });
  eni._visibleAt = eni._createdAt;
  const natAddr: SimRecord = { NetworkInterfaceId: eni.NetworkInterfaceId, PrivateIp: eni.PrivateIpAddress, IsPrimary: true, Status: "associating" };
  if (addr) {
    addr.AssociationId = ctx.newId("eipassoc");
    addr.NetworkInterfaceId = eni.NetworkInterfaceId;
    addr.NetworkInterfaceOwnerId = ctx.accountId;
    addr.PrivateIpAddress = eni.PrivateIpAddress;
    Object.assign(natAddr, { AllocationId: addr.AllocationId, PublicIp: addr.PublicIp, AssociationId: addr.AssociationId });
    setEniAssociation(eni, { AllocationId: addr.AllocationId, AssociationId: addr.AssociationId, IpOwnerId: ctx.accountId, PublicIp: addr.PublicIp, PublicDnsName: "" });
  }
  const nat: SimRecord = ctx.born({
    CreateTime: iso(ctx),
    NatGatewayAddresses: [natAddr],
    NatGatewayId: id,
    State: "pending",
    SubnetId: subnet.SubnetId,
    VpcId: subnet.VpcId,
    ConnectivityType: type,
    Tags: tagsFor(input.TagSpecifications, "natgateway"),
    _availableAt: ctx.now() + ctx.duration("ec2.nat-gateway.create"),
  });
  // A public NAT gateway in a VPC without an internet gateway is accepted, then fails (FailureCode Gateway.NotAttached).
  const igw = Object.values(ctx.table("internetGateways")).some((g) => g.Attachments.some((x: SimRecord) => x.VpcId === subnet.VpcId));
  if (type === "public" && !igw) {
    nat._failCode = "Gateway.NotAttached";
    nat._failMessage = `Network ${subnet.VpcId} has no Internet gateway attached`;
  }
  ctx.table("natGateways")[id] = nat;
  idem.remember(id);
  return { ClientToken: input.ClientToken, NatGateway: out(nat) };
};

const DescribeNatGateways: Handler = (input, ctx) => {
  const { items, next } = describe(ctx, "natGateways", input, input.NatGatewayIds, {
    "nat-gateway-id": (n) => n.NatGatewayId,
    state: (n) => n.State,
    "subnet-id": (n) => n.SubnetId,
    "vpc-id": (n) => n.VpcId,
  });
  return { NatGateways: items.map(out), NextToken: next };
};

const DeleteNatGateway: Handler = (input, ctx) => {
  const nat = get(ctx, "natGateways", required(ctx, input, "NatGatewayId"));
  if (nat.State === "pending" || nat.State === "available") {
    nat.State = "deleting";
    nat._deletedAt = ctx.now() + ctx.duration("ec2.nat-gateway.delete");
    for (const a of nat.NatGatewayAddresses) if (a.AllocationId) a.Status = "disassociating";
  }
  return { NatGatewayId: nat.NatGatewayId };
};

// ---------------------------------------------------------------- route tables

const CreateRouteTable: Handler = (input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const idem = idempotent(ctx, "CreateRouteTable", input.ClientToken, requestHash(input), "routeTables");
  if (idem.replay && ctx.table("routeTables")[idem.replay]) return { ClientToken: input.ClientToken, RouteTable: rtView(ctx, ctx.table("routeTables")[idem.replay]) };
  const rt = newRouteTable(ctx, vpc, false, tagsFor(input.TagSpecifications, "route-table"));
  idem.remember(rt.RouteTableId);
  return { ClientToken: input.ClientToken, RouteTable: rtView(ctx, rt) };
};

const DescribeRouteTables: Handler = (input, ctx) => {
  const assoc = (f: (a: SimRecord) => unknown) => (r: SimRecord) => r.Associations.map(f);
  const route = (f: (x: SimRecord) => unknown) => (r: SimRecord) => r.Routes.map(f);
  const { items, next } = describe(ctx, "routeTables", input, input.RouteTableIds, {
    "route-table-id": (r) => r.RouteTableId,
    "vpc-id": (r) => r.VpcId,
    "owner-id": (r) => r.OwnerId,
    "association.subnet-id": assoc((a) => a.SubnetId),
    "association.gateway-id": assoc((a) => a.GatewayId),
    "association.main": assoc((a) => String(a.Main)),
    "association.route-table-association-id": assoc((a) => a.RouteTableAssociationId),
    "association.route-table-id": assoc((a) => a.RouteTableId),
    "route.nat-gateway-id": route((x) => x.NatGatewayId),
    "route.gateway-id": route((x) => x.GatewayId),
    "route.egress-only-internet-gateway-id": route((x) => x.EgressOnlyInternetGatewayId),
    "route.instance-id": route((x) => x.InstanceId),
    "route.destination-cidr-block": route((x) => x.DestinationCidrBlock),
    "route.destination-ipv6-cidr-block": route((x) => x.DestinationIpv6CidrBlock),
    "route.destination-prefix-list-id": route((x) => x.DestinationPrefixListId),
    "route.origin": route((x) => x.Origin),
    "route.state": (r) => r.Routes.map((x: SimRecord) => ctxRouteState(ctx, r, x)),
  });
  return { RouteTables: items.map((r) => rtView(ctx, r)), NextToken: next };
};

function ctxRouteState(ctx: Ctx, rt: SimRecord, r: SimRecord): string {
  return rtView(ctx, { ...rt, Routes: [r] }).Routes[0].State;
}

function routeDestination(ctx: Ctx, input: any): [string, string] {
  const keys = ["DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"].filter((k) => input[k]);
  if (keys.length !== 1) return ctx.fail("InvalidParameterCombination", "The request must contain exactly one of: destinationCidrBlock, destinationIpv6CidrBlock, destinationPrefixListId");
  const k = keys[0];
  if (k === "DestinationCidrBlock" && !parse4(input[k])) return ctx.fail("InvalidParameterValue", `Value (${input[k]}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`);
  if (k === "DestinationIpv6CidrBlock" && !parse6(input[k])) return ctx.fail("InvalidParameterValue", `Value (${input[k]}) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`);
  return [k, input[k]];
}

const TARGETS = ["GatewayId", "NatGatewayId", "EgressOnlyInternetGatewayId", "InstanceId", "NetworkInterfaceId", "VpcPeeringConnectionId", "TransitGatewayId", "LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn", "VpcEndpointId"];

/** Validates a route target against the route table's VPC and returns it as route fields. */
function routeTarget(ctx: Ctx, rt: SimRecord, input: any): SimRecord {
  const given = TARGETS.filter((k) => input[k]);
  if (given.length !== 1) return ctx.fail("InvalidParameterCombination", "The request must contain exactly one of: gatewayId, natGatewayId, egressOnlyInternetGatewayId, instanceId, networkInterfaceId, vpcPeeringConnectionId, transitGatewayId");
  const k = given[0];
  const id = input[k];
  if (k === "GatewayId") {
    if (id.startsWith("igw-")) {
      const igw = find(ctx, "internetGateways", id);
      if (!igw) return ctx.fail("InvalidGatewayID.NotFound", `The gateway ID '${id}' does not exist`);
      if (!igw.Attachments.some((a: SimRecord) => a.VpcId === rt.VpcId)) {
        return ctx.fail("InvalidParameterValue", `route table ${rt.RouteTableId} and network gateway ${id} belong to different networks`);
      }
    } else if (id.startsWith("vpce-")) {
      return ctx.fail("InvalidParameterValue", `The route to a gateway endpoint ${id} is managed by the endpoint (ModifyVpcEndpoint AddRouteTableIds).`);
    } else if (id === "local") {
      const dest = input.DestinationCidrBlock ?? input.DestinationIpv6CidrBlock;
      const vpc = ctx.table("vpcs")[rt.VpcId];
      if (!vpc || ![...vpcIpv4Blocks(vpc), ...vpcIpv6Blocks(vpc)].includes(dest)) {
        return ctx.fail("InvalidParameterValue", `The destination CIDR block ${dest} is not a CIDR of VPC ${rt.VpcId}: the target 'local' is not valid for it.`);
      }
    } else return ctx.fail("InvalidGatewayID.NotFound", `The gateway ID '${id}' does not exist`);
    return { GatewayId: id };
  }
  if (k === "NatGatewayId") {
    const nat = find(ctx, "natGateways", id);
    if (!nat || nat.State === "deleted" || nat.State === "failed") return ctx.fail("InvalidNatGatewayID.NotFound", `The natGateway ID '${id}' does not exist`);
    if (nat.VpcId !== rt.VpcId) return ctx.fail("InvalidParameterValue", `route table ${rt.RouteTableId} and NAT gateway ${id} belong to different networks`);
    return { NatGatewayId: id };
  }
  if (k === "EgressOnlyInternetGatewayId") {
    const g = find(ctx, "egressOnlyInternetGateways", id);
    if (!g) return ctx.fail("InvalidGatewayID.NotFound", `The gateway ID '${id}' does not exist`);
    if (!g.Attachments.some((a: SimRecord) => a.VpcId === rt.VpcId)) return ctx.fail("InvalidParameterValue", `route table ${rt.RouteTableId} and network gateway ${id} belong to different networks`);
    if (!input.DestinationIpv6CidrBlock) return ctx.fail("InvalidParameterValue", "Egress-only internet gateways can only be used with IPv6 destinations.");
    return { EgressOnlyInternetGatewayId: id };
  }
  if (k === "InstanceId") {
    const i = get(ctx, "instances", id);
    return { InstanceId: id, InstanceOwnerId: ctx.accountId, NetworkInterfaceId: i._eniId };
  }
  if (k === "NetworkInterfaceId") {
    get(ctx, "networkInterfaces", id);
    return { NetworkInterfaceId: id };
  }
  return { [k]: id };
}

function sameDestination(r: SimRecord, k: string, v: string): boolean {
  return r[k] === v;
}

const CreateRoute: Handler = (input, ctx) => {
  const rt = get(ctx, "routeTables", required(ctx, input, "RouteTableId"));
  const [k, v] = routeDestination(ctx, input);
  const target = routeTarget(ctx, rt, input);
  const existing = rt.Routes.find((r: SimRecord) => sameDestination(r, k, v));
  if (existing) {
    // AWS accepts an identical CreateRoute as a no-op; any other route to the destination is a conflict.
    const same = Object.entries(target).every(([tk, tv]) => existing[tk] === tv);
    if (!same || existing.GatewayId === "local") return ctx.fail("RouteAlreadyExists", `The route identified by ${v} already exists.`);
    return { Return: true };
  }
  rt.Routes.push({ [k]: v, ...target, Origin: "CreateRoute", State: "active" });
  return { Return: true };
};

const ReplaceRoute: Handler = (input, ctx) => {
  const rt = get(ctx, "routeTables", required(ctx, input, "RouteTableId"));
  const [k, v] = routeDestination(ctx, input);
  const i = rt.Routes.findIndex((r: SimRecord) => sameDestination(r, k, v));
  if (i < 0) return ctx.fail("InvalidParameterValue", `There is no route defined for '${v}' in the route table. Use CreateRoute instead.`);
  if (rt.Routes[i].GatewayId === "local" && !input.NetworkInterfaceId) return ctx.fail("InvalidParameterValue", `cannot replace local route ${v} in route table ${rt.RouteTableId}`);
  const target = routeTarget(ctx, rt, input);
  rt.Routes[i] = { [k]: v, ...target, Origin: "CreateRoute", State: "active" };
  return {};
};

const DeleteRoute: Handler = (input, ctx) => {
  const rt = get(ctx, "routeTables", required(ctx, input, "RouteTableId"));
  const [k, v] = routeDestination(ctx, input);
  const i = rt.Routes.findIndex((r: SimRecord) => sameDestination(r, k, v));
  const label = k === "DestinationCidrBlock" ? "destination-cidr-block" : k === "DestinationIpv6CidrBlock" ? "destination-ipv6-cidr-block" : "destination-prefix-list-id";
  if (i < 0) return ctx.fail("InvalidRoute.NotFound", `no route with ${label} ${v} in route table ${rt.RouteTableId}`);
  if (rt.Routes[i].GatewayId === "local") return ctx.fail("InvalidParameterValue", `cannot remove local route ${v} in route table ${rt.RouteTableId}`);
  if (rt.Routes[i].GatewayId?.startsWith("vpce-")) return ctx.fail("InvalidParameterValue", `Route ${v} in route table ${rt.RouteTableId} is managed by VPC endpoint ${rt.Routes[i].GatewayId}`);
  rt.Routes.splice(i, 1);
  return {};
};

function findRtAssociation(ctx: Ctx, id: string): [SimRecord, SimRecord] {
  for (const rt of list(ctx, "routeTables")) {
    const a = rt.Associations.find((x: SimRecord) => x.RouteTableAssociationId === id);
    if (a) return [rt, a];
  }
  return ctx.fail("InvalidAssociationID.NotFound", `The association ID '${id}' does not exist`);
}

const AssociateRouteTable: Handler = (input, ctx) => {
  const rt = get(ctx, "routeTables", required(ctx, input, "RouteTableId"));
  const assoc: SimRecord = { Main: false, RouteTableAssociationId: ctx.newId("rtbassoc"), RouteTableId: rt.RouteTableId, AssociationState: { State: "associated" } };
  if (input.SubnetId) {
    const s = get(ctx, "subnets", input.SubnetId);
    if (s.VpcId !== rt.VpcId) return ctx.fail("InvalidParameterValue", `Route table ${rt.RouteTableId} and subnet ${s.SubnetId} belong to different networks`);
    for (const other of Object.values(ctx.table("routeTables"))) {
      if (other.Associations.some((a: SimRecord) => a.SubnetId === s.SubnetId)) {
        return ctx.fail("Resource.AlreadyAssociated", `the specified association for route table ${rt.RouteTableId} conflicts with an existing association`);
      }
    }
    assoc.SubnetId = s.SubnetId;
  } else if (input.GatewayId) {
    const g = get(ctx, "internetGateways", input.GatewayId);
    if (!g.Attachments.some((a: SimRecord) => a.VpcId === rt.VpcId)) return ctx.fail("InvalidParameterValue", `Route table ${rt.RouteTableId} and gateway ${g.InternetGatewayId} belong to different networks`);
    for (const other of Object.values(ctx.table("routeTables"))) {
      if (other.Associations.some((a: SimRecord) => a.GatewayId === g.InternetGatewayId)) {
        return ctx.fail("Resource.AlreadyAssociated", `the specified association for route table ${rt.RouteTableId} conflicts with an existing association`);
      }
    }
    assoc.GatewayId = g.InternetGatewayId;
  } else return ctx.fail("MissingParameter", "Either subnetId or gatewayId must be specified");
  rt.Associations.push(assoc);
  return { AssociationId: assoc.RouteTableAssociationId, AssociationState: { State: "associated" } };
};

const DisassociateRouteTable: Handler = (input, ctx) => {
  const [rt, a] = findRtAssociation(ctx, required(ctx, input, "AssociationId"));
  if (a.Main) return ctx.fail("InvalidParameterValue", `cannot disassociate the main route table association ${a.RouteTableAssociationId}`);
  rt.Associations = rt.Associations.filter((x: SimRecord) => x !== a);
  return {};
};

const ReplaceRouteTableAssociation: Handler = (input, ctx) => {
  const [rt, a] = findRtAssociation(ctx, required(ctx, input, "AssociationId"));
  const target = get(ctx, "routeTables", required(ctx, input, "RouteTableId"));
  if (target.VpcId !== rt.VpcId) return ctx.fail("InvalidParameterValue", `Route table ${target.RouteTableId} belongs to a different network`);
  rt.Associations = rt.Associations.filter((x: SimRecord) => x !== a);
  const n: SimRecord = { ...a, RouteTableAssociationId: ctx.newId("rtbassoc"), RouteTableId: target.RouteTableId };
  target.Associations.push(n);
  if (a.Main) {
    const vpc = ctx.table("vpcs")[rt.VpcId];
    if (vpc) vpc._mainRtb = target.RouteTableId;
  }
  return { NewAssociationId: n.RouteTableAssociationId, AssociationState: { State: "associated" } };
};

const DeleteRouteTable: Handler = (input, ctx) => {
  const rt = get(ctx, "routeTables", required(ctx, input, "RouteTableId"));
  if (rt.Associations.length) return ctx.fail("DependencyViolation", `The routeTable '${rt.RouteTableId}' has dependencies and cannot be deleted.`);
  for (const ep of Object.values(ctx.table("vpcEndpoints"))) ep.RouteTableIds = (ep.RouteTableIds ?? []).filter((x: string) => x !== rt.RouteTableId);
  delete ctx.table("routeTables")[rt.RouteTableId];
  return {};
};

// ---------------------------------------------------------------- VPC endpoints and prefix lists

export function prefixLists(ctx: Ctx): SimRecord[] {
  const h = [...ctx.region].reduce((x, ch) => (x * 31 + ch.charCodeAt(0)) >>> 0, 7);
  return [
    { PrefixListId: `pl-${(0x6da54004 ^ h).toString(16).padStart(8, "0").slice(-8)}`, PrefixListName: `com.amazonaws.${ctx.region}.s3`, Cidrs: ["52.218.0.0/17", "3.5.64.0/21", "52.92.16.0/20"] },
    { PrefixListId: `pl-${(0x6fa54006 ^ h).toString(16).padStart(8, "0").slice(-8)}`, PrefixListName: `com.amazonaws.${ctx.region}.dynamodb`, Cidrs: ["52.94.24.0/23", "52.119.240.0/21"] },
  ];
}

const DescribePrefixLists: Handler = (input, ctx) => {
  let pls = prefixLists(ctx);
  if (input.PrefixListIds?.length) {
    for (const id of input.PrefixListIds) if (!pls.some((p) => p.PrefixListId === id)) ctx.fail("InvalidPrefixListId.NotFound", `The prefix list ID '${id}' does not exist`);
    pls = pls.filter((p) => input.PrefixListIds.includes(p.PrefixListId));
  }
  const { items } = describeStatic(pls, input, { "prefix-list-id": (p) => p.PrefixListId, "prefix-list-name": (p) => p.PrefixListName });
  return { PrefixLists: items };
};

export const DEFAULT_ENDPOINT_POLICY = '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}';

function endpointRoute(ep: SimRecord, pl: string): SimRecord {
  return { DestinationPrefixListId: pl, GatewayId: ep.VpcEndpointId, Origin: "CreateRoute", State: "active" };
}

function addEndpointRoutes(ctx: Ctx, ep: SimRecord, rtIds: string[]): void {
  const pl = prefixLists(ctx).find((p) => p.PrefixListName === ep.ServiceName)!.PrefixListId;
  const rts = rtIds.map((id) => {
    const rt = find(ctx, "routeTables", id);
    if (!rt) return ctx.fail("InvalidRouteTableId.NotFound", `The routeTable ID '${id}' does not exist`);
    if (rt.VpcId !== ep.VpcId) return ctx.fail("InvalidParameterValue", `route table ${id} is not in VPC ${ep.VpcId}`);
    if (rt.Routes.some((r: SimRecord) => r.DestinationPrefixListId === pl && r.GatewayId !== ep.VpcEndpointId)) {
      return ctx.fail("RouteAlreadyExists", `route table ${id} already has a route with destination-prefix-list-id ${pl}`);
    }
    return rt;
  });
  for (const rt of rts) {
    if (!rt.Routes.some((r: SimRecord) => r.GatewayId === ep.VpcEndpointId)) rt.Routes.push(endpointRoute(ep, pl));
    if (!ep.RouteTableIds.includes(rt.RouteTableId)) ep.RouteTableIds.push(rt.RouteTableId);
  }
}

function removeEndpointRoutes(ctx: Ctx, ep: SimRecord, rtIds: string[]): void {
  for (const id of rtIds) {
    const rt = ctx.table("routeTables")[id];
    if (rt) rt.Routes = rt.Routes.filter((r: SimRecord) => r.GatewayId !== ep.VpcEndpointId);
    ep.RouteTableIds = ep.RouteTableIds.filter((x: string) => x !== id);
  }
}

const CreateVpcEndpoint: Handler = (input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const service = required(ctx, input, "ServiceName");
  const type = input.VpcEndpointType ?? "Gateway";
  const idem = idempotent(ctx, "CreateVpcEndpoint", input.ClientToken, requestHash(input), "vpcEndpoints");
  if (idem.replay && ctx.table("vpcEndpoints")[idem.replay]) return { ClientToken: input.ClientToken, VpcEndpoint: out(ctx.table("vpcEndpoints")[idem.replay]) };
  const gatewayServices = prefixLists(ctx).map((p) => p.PrefixListName);
  if (!service.startsWith(`com.amazonaws.${ctx.region}.`) || (type === "Gateway" && !gatewayServices.includes(service))) {
    return ctx.fail("InvalidServiceName", `The Vpc Endpoint Service '${service}' does not exist`);
  }
  if (input.PolicyDocument !== undefined) {
    try {
      JSON.parse(input.PolicyDocument);
    } catch {
      return ctx.fail("InvalidPolicyDocument", "The policy document is not valid JSON.");
    }
  }
  const id = ctx.newId("vpce");
  const ep: SimRecord = ctx.born({
    VpcEndpointId: id,
    VpcEndpointType: type,
    VpcId: vpc.VpcId,
    ServiceName: service,
    State: "pending",
    PolicyDocument: input.PolicyDocument ?? DEFAULT_ENDPOINT_POLICY,
    RouteTableIds: [],
    SubnetIds: [],
    Groups: [],
    PrivateDnsEnabled: type === "Interface" ? (input.PrivateDnsEnabled ?? true) : false,
    RequesterManaged: false,
    NetworkInterfaceIds: [],
    DnsEntries: [],
    CreationTimestamp: iso(ctx),
    Tags: tagsFor(input.TagSpecifications, "vpc-endpoint"),
    OwnerId: ctx.accountId,
    _availableAt: ctx.now() + ctx.duration("ec2.vpc-endpoint.gateway.create"),
  });
  if (type === "Gateway") addEndpointRoutes(ctx, ep, input.RouteTableIds ?? []);
  else {
    const groups = (input.SecurityGroupIds?.length ? input.SecurityGroupIds : [vpc._defaultSg]).map((g: string) => get(ctx, "securityGroups", g));
    for (const sid of input.SubnetIds ?? []) {
      const s = get(ctx, "subnets", sid);
      const eni = newEni(ctx, s, { description: `VPC Endpoint Interface ${id}`, type: "vpc_endpoint", requesterManaged: true, groups });
      eni._visibleAt = eni._createdAt;
      ep.SubnetIds.push(sid);
      ep.NetworkInterfaceIds.push(eni.NetworkInterfaceId);
    }
    ep.Groups = groups.map((g: SimRecord) => ({ GroupId: g.GroupId, GroupName: g.GroupName }));
    const svc = service.split(".").slice(3).join(".");
    ep.DnsEntries = [{ DnsName: `${id}.${svc}.${ctx.region}.vpce.amazonaws.com`, HostedZoneId: "Z7HUB22UULQXV" }];
  }
  ctx.table("vpcEndpoints")[id] = ep;
  idem.remember(id);
  return { ClientToken: input.ClientToken, VpcEndpoint: out(ep) };
};

const DescribeVpcEndpoints: Handler = (input, ctx) => {
  const { items, next } = describe(ctx, "vpcEndpoints", input, input.VpcEndpointIds, {
    "vpc-endpoint-id": (e) => e.VpcEndpointId,
    "vpc-id": (e) => e.VpcId,
    "service-name": (e) => e.ServiceName,
    "vpc-endpoint-state": (e) => e.State,
    "vpc-endpoint-type": (e) => e.VpcEndpointType,
    "ip-address-type": (e) => e.IpAddressType,
  });
  return { VpcEndpoints: items.map(out), NextToken: next };
};

const ModifyVpcEndpoint: Handler = (input, ctx) => {
  const ep = get(ctx, "vpcEndpoints", required(ctx, input, "VpcEndpointId"));
  if (ep.State === "deleting") return ctx.fail("IncorrectState", `VPC endpoint ${ep.VpcEndpointId} is in the deleting state`);
  if (input.PolicyDocument !== undefined && input.ResetPolicy) return ctx.fail("InvalidParameterCombination", "PolicyDocument and ResetPolicy cannot be used together");
  if (input.PolicyDocument !== undefined) {
    try {
      JSON.parse(input.PolicyDocument);
    } catch {
      return ctx.fail("InvalidPolicyDocument", "The policy document is not valid JSON.");
    }
    ep.PolicyDocument = input.PolicyDocument;
  }
  if (input.ResetPolicy) ep.PolicyDocument = DEFAULT_ENDPOINT_POLICY;
  if (ep.VpcEndpointType === "Gateway") {
    if (input.AddRouteTableIds?.length) addEndpointRoutes(ctx, ep, input.AddRouteTableIds);
    if (input.RemoveRouteTableIds?.length) removeEndpointRoutes(ctx, ep, input.RemoveRouteTableIds);
  }
  return { Return: true };
};

const DeleteVpcEndpoints: Handler = (input, ctx) => {
  const Unsuccessful: SimRecord[] = [];
  for (const id of required(ctx, input, "VpcEndpointIds") as string[]) {
    const ep = find(ctx, "vpcEndpoints", id);
    if (!ep || ep.State === "deleting") {
      if (!ep) Unsuccessful.push({ Error: { Code: "InvalidVpcEndpoint.NotFound", Message: `The Vpc Endpoint Id '${id}' does not exist` }, ResourceId: id });
      continue;
    }
    removeEndpointRoutes(ctx, ep, [...ep.RouteTableIds]);
    for (const eni of ep.NetworkInterfaceIds ?? []) delete ctx.table("networkInterfaces")[eni];
    ep.State = "deleting";
    ep._deletedAt = ctx.now() + ctx.duration("ec2.vpc-endpoint.gateway.create");
  }
  return { Unsuccessful };
};

// ---------------------------------------------------------------- network ACLs

const CreateNetworkAcl: Handler = (input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const idem = idempotent(ctx, "CreateNetworkAcl", input.ClientToken, requestHash(input), "networkAcls");
  if (idem.replay && ctx.table("networkAcls")[idem.replay]) return { ClientToken: input.ClientToken, NetworkAcl: out(ctx.table("networkAcls")[idem.replay]) };
  const acl = newNetworkAcl(ctx, vpc, false, tagsFor(input.TagSpecifications, "network-acl"));
  idem.remember(acl.NetworkAclId);
  return { ClientToken: input.ClientToken, NetworkAcl: out(acl) };
};

const DescribeNetworkAcls: Handler = (input, ctx) => {
  const { items, next } = describe(ctx, "networkAcls", input, input.NetworkAclIds, {
    "network-acl-id": (a) => a.NetworkAclId,
    "vpc-id": (a) => a.VpcId,
    default: (a) => String(a.IsDefault),
    "owner-id": (a) => a.OwnerId,
    "association.subnet-id": (a) => a.Associations.map((x: SimRecord) => x.SubnetId),
    "association.association-id": (a) => a.Associations.map((x: SimRecord) => x.NetworkAclAssociationId),
    "association.network-acl-id": (a) => a.Associations.map((x: SimRecord) => x.NetworkAclId),
    "entry.rule-number": (a) => a.Entries.map((e: SimRecord) => String(e.RuleNumber)),
    "entry.cidr": (a) => a.Entries.map((e: SimRecord) => e.CidrBlock),
    "entry.ipv6-cidr": (a) => a.Entries.map((e: SimRecord) => e.Ipv6CidrBlock),
    "entry.egress": (a) => a.Entries.map((e: SimRecord) => String(e.Egress)),
    "entry.protocol": (a) => a.Entries.map((e: SimRecord) => e.Protocol),
    "entry.rule-action": (a) => a.Entries.map((e: SimRecord) => e.RuleAction),
  });
  return { NetworkAcls: items.map(out), NextToken: next };
};

const ACL_PROTOCOLS: Record<string, string> = { all: "-1", tcp: "6", udp: "17", icmp: "1", icmpv6: "58" };

function aclEntryFromInput(ctx: Ctx, input: any): SimRecord {
  const n = Number(required(ctx, input, "RuleNumber"));
  if (!Number.isInteger(n) || n < 1 || n > 32766) return ctx.fail("InvalidParameterValue", `Value (${input.RuleNumber}) for parameter ruleNumber is invalid. Rule number must be between 1 and 32766.`);
  const proto = String(required(ctx, input, "Protocol")).toLowerCase();
  const p = ACL_PROTOCOLS[proto] ?? proto;
  const action = required(ctx, input, "RuleAction");
  if (!["allow", "deny"].includes(action)) return ctx.fail("InvalidParameterValue", `Value (${action}) for parameter ruleAction is invalid.`);
  if (!input.CidrBlock === !input.Ipv6CidrBlock) return ctx.fail("InvalidParameterCombination", "Exactly one of cidrBlock and ipv6CidrBlock must be specified");
  if (input.CidrBlock && !parse4(input.CidrBlock)) return ctx.fail("InvalidParameterValue", `Value (${input.CidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
  if (input.Ipv6CidrBlock && !parse6(input.Ipv6CidrBlock)) return ctx.fail("InvalidParameterValue", `Value (${input.Ipv6CidrBlock}) for parameter ipv6CidrBlock is invalid.`);
  const e: SimRecord = {
    ...(input.CidrBlock ? { CidrBlock: input.CidrBlock } : { Ipv6CidrBlock: input.Ipv6CidrBlock }),
    Egress: !!input.Egress,
    Protocol: p,
    RuleAction: action,
    RuleNumber: n,
  };
  if (p === "6" || p === "17") {
    if (input.PortRange?.From === undefined || input.PortRange?.To === undefined) return ctx.fail("InvalidParameterValue", "TCP and UDP network ACL entries must specify a port range.");
    e.PortRange = { From: input.PortRange.From, To: input.PortRange.To };
  }
  if (p === "1" || p === "58") e.IcmpTypeCode = { Code: input.IcmpTypeCode?.Code ?? -1, Type: input.IcmpTypeCode?.Type ?? -1 };
  return e;
}

const CreateNetworkAclEntry: Handler = (input, ctx) => {
  const acl = get(ctx, "networkAcls", required(ctx, input, "NetworkAclId"));
  const e = aclEntryFromInput(ctx, input);
  if (acl.Entries.some((x: SimRecord) => x.RuleNumber === e.RuleNumber && x.Egress === e.Egress)) {
    return ctx.fail("NetworkAclEntryAlreadyExists", `The network acl entry identified by ${e.RuleNumber} already exists.`);
  }
  acl.Entries.push(e);
  acl.Entries.sort((a: SimRecord, b: SimRecord) => Number(b.Egress) - Number(a.Egress) || a.RuleNumber - b.RuleNumber);
  return {};
};

function aclEntryIndex(ctx: Ctx, acl: SimRecord, n: number, egress: boolean): number {
  const i = acl.Entries.findIndex((x: SimRecord) => x.RuleNumber === n && x.Egress === egress);
  if (i < 0 || n > 32766) {
    return ctx.fail("InvalidNetworkAclEntry.NotFound", `The network acl entry identified by ${n} (${egress ? "egress" : "ingress"}) does not exist in network acl ${acl.NetworkAclId}`);
  }
  return i;
}

const ReplaceNetworkAclEntry: Handler = (input, ctx) => {
  const acl = get(ctx, "networkAcls", required(ctx, input, "NetworkAclId"));
  const e = aclEntryFromInput(ctx, input);
  acl.Entries[aclEntryIndex(ctx, acl, e.RuleNumber, e.Egress)] = e;
  return {};
};

const DeleteNetworkAclEntry: Handler = (input, ctx) => {
  const acl = get(ctx, "networkAcls", required(ctx, input, "NetworkAclId"));
  acl.Entries.splice(aclEntryIndex(ctx, acl, Number(required(ctx, input, "RuleNumber")), !!input.Egress), 1);
  return {};
};

const ReplaceNetworkAclAssociation: Handler = (input, ctx) => {
  const id = required(ctx, input, "AssociationId");
  const target = get(ctx, "networkAcls", required(ctx, input, "NetworkAclId"));
  for (const acl of list(ctx, "networkAcls")) {
    const a = acl.Associations.find((x: SimRecord) => x.NetworkAclAssociationId === id);
    if (!a) continue;
    if (acl.VpcId !== target.VpcId) return ctx.fail("InvalidParameterValue", `Network ACL ${target.NetworkAclId} and subnet ${a.SubnetId} belong to different networks`);
    acl.Associations = acl.Associations.filter((x: SimRecord) => x !== a);
    const n = { NetworkAclAssociationId: ctx.newId("aclassoc"), NetworkAclId: target.NetworkAclId, SubnetId: a.SubnetId };
    target.Associations.push(n);
    return { NewAssociationId: n.NetworkAclAssociationId };
  }
  return ctx.fail("InvalidAssociationID.NotFound", `The association ID '${id}' does not exist`);
};

const DeleteNetworkAcl: Handler = (input, ctx) => {
  const acl = get(ctx, "networkAcls", required(ctx, input, "NetworkAclId"));
  if (acl.IsDefault) return ctx.fail("InvalidParameterValue", `cannot delete default network ACL ${acl.NetworkAclId}`);
  if (acl.Associations.length) return ctx.fail("DependencyViolation", `The networkAcl '${acl.NetworkAclId}' has dependencies and cannot be deleted.`);
  delete ctx.table("networkAcls")[acl.NetworkAclId];
  return {};
};

// ---------------------------------------------------------------- tags

function tagTarget(ctx: Ctx, id: string): [SimRecord, string] {
  const prefix = id.replace(/-[0-9a-f]+$/, "");
  const t = PREFIX_TABLE[prefix];
  if (!t) return ctx.fail("InvalidID", `The ID '${id}' is not valid`);
  const rec = get(ctx, t[0], id);
  return [rec, t[1]];
}

function tagsKey(rec: SimRecord): "Tags" | "TagSet" {
  return rec.TagSet ? "TagSet" : "Tags";
}

const CreateTags: Handler = (input, ctx) => {
  const targets = (required(ctx, input, "Resources") as string[]).map((id) => tagTarget(ctx, id)[0]);
  for (const rec of targets) {
    const k = tagsKey(rec);
    rec[k] ??= [];
    for (const t of input.Tags ?? []) {
      const i = rec[k].findIndex((x: SimRecord) => x.Key === t.Key);
      const tag = { Key: t.Key, Value: t.Value ?? "" };
      if (i >= 0) rec[k][i] = tag;
      else rec[k].push(tag);
    }
  }
  return {};
};

const DeleteTags: Handler = (input, ctx) => {
  const targets = (required(ctx, input, "Resources") as string[]).map((id) => tagTarget(ctx, id)[0]);
  for (const rec of targets) {
    const k = tagsKey(rec);
    rec[k] = (rec[k] ?? []).filter(
      (x: SimRecord) => !(input.Tags ?? [{ Key: x.Key }]).some((t: SimRecord) => t.Key === x.Key && (t.Value === undefined || t.Value === x.Value)),
    );
    if (!input.Tags) rec[k] = [];
  }
  return {};
};

const DescribeTags: Handler = (input, ctx) => {
  const rows: SimRecord[] = [];
  for (const [prefix, [table, type]] of Object.entries(PREFIX_TABLE)) {
    void prefix;
    for (const rec of list(ctx, table)) {
      const id = rec[Object.keys(rec).find((k) => typeof rec[k] === "string" && String(rec[k]).startsWith(`${prefix}-`) && k.endsWith("Id"))!];
      for (const t of rec.Tags ?? rec.TagSet ?? []) rows.push({ Key: t.Key, ResourceId: id, ResourceType: type, Value: t.Value });
    }
  }
  const { items } = describeStatic(rows, input, {
    key: (r) => r.Key,
    value: (r) => r.Value,
    "resource-id": (r) => r.ResourceId,
    "resource-type": (r) => r.ResourceType,
  });
  return { Tags: items };
};

export const networkHandlers: Record<string, Handler> = {
  DescribeAvailabilityZones, DescribeAccountAttributes,
  CreateVpc, DescribeVpcs, DescribeVpcAttribute, ModifyVpcAttribute, AssociateVpcCidrBlock, DisassociateVpcCidrBlock, DeleteVpc,
  CreateSubnet, DescribeSubnets, ModifySubnetAttribute, AssociateSubnetCidrBlock, DisassociateSubnetCidrBlock, DeleteSubnet,
  DescribeNetworkInterfaces,
  CreateInternetGateway, AttachInternetGateway, DetachInternetGateway, DeleteInternetGateway, DescribeInternetGateways,
  CreateEgressOnlyInternetGateway, DescribeEgressOnlyInternetGateways, DeleteEgressOnlyInternetGateway,
  AllocateAddress, DescribeAddresses, ReleaseAddress, AssociateAddress, DisassociateAddress,
  CreateNatGateway, DescribeNatGateways, DeleteNatGateway,
  CreateRouteTable, DescribeRouteTables, CreateRoute, ReplaceRoute, DeleteRoute, AssociateRouteTable, DisassociateRouteTable,
  ReplaceRouteTableAssociation, DeleteRouteTable,
  CreateVpcEndpoint, DescribeVpcEndpoints, ModifyVpcEndpoint, DeleteVpcEndpoints, DescribePrefixLists,
  CreateNetworkAcl, DescribeNetworkAcls, CreateNetworkAclEntry, ReplaceNetworkAclEntry, DeleteNetworkAclEntry,
  ReplaceNetworkAclAssociation, DeleteNetworkAcl,
  CreateTags, DeleteTags, DescribeTags,
};

