import { describe, it, expect } from "vitest";
import * as E from "@aws-sdk/client-ec2";
import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { CreateInstanceProfileCommand } from "@aws-sdk/client-iam";
import { createHash, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { newSandbox } from "../helpers/sandbox.js";

type Env = Awaited<ReturnType<typeof setup>>;

async function setup(opts: { faults?: { notFoundLagMs?: number } } = {}) {
  const { sandbox, aws } = newSandbox(opts);
  const ec2 = await aws.get("ec2");
  const send = <T>(cmd: any): Promise<T> => ec2.send(cmd) as Promise<T>;
  return { sandbox, aws, ec2, send };
}

/** Expects an EC2 error with this code; returns it. */
async function fails(p: Promise<unknown>, name: string, message?: RegExp): Promise<EC2ServiceException> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${name}`).toBeInstanceOf(EC2ServiceException);
  const e = err as EC2ServiceException;
  expect(e.name).toBe(name);
  if (message) expect(e.message).toMatch(message);
  return e;
}

const sec = (s: number) => s * 1000;

async function vpcWithSubnet(env: Env, ipv6 = false) {
  const { Vpc } = await env.ec2.send(new E.CreateVpcCommand({ CidrBlock: "10.0.0.0/16", AmazonProvidedIpv6CidrBlock: ipv6 }));
  const { Subnet } = await env.ec2.send(new E.CreateSubnetCommand({ VpcId: Vpc!.VpcId, CidrBlock: "10.0.1.0/24", AvailabilityZone: "eu-west-1a" }));
  return { vpcId: Vpc!.VpcId!, subnetId: Subnet!.SubnetId!, vpc: Vpc! };
}

async function publicNetwork(env: Env) {
  const n = await vpcWithSubnet(env);
  const { InternetGateway } = await env.ec2.send(new E.CreateInternetGatewayCommand({}));
  await env.ec2.send(new E.AttachInternetGatewayCommand({ InternetGatewayId: InternetGateway!.InternetGatewayId, VpcId: n.vpcId }));
  return { ...n, igwId: InternetGateway!.InternetGatewayId! };
}

describe("EC2 availability zones", () => {
  it("lists the region's zones with ids and honours filters", async () => {
    const env = await setup();
    const all = await env.ec2.send(new E.DescribeAvailabilityZonesCommand({}));
    expect(all.AvailabilityZones!.map((z) => z.ZoneName)).toEqual(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    expect(all.AvailabilityZones![0]).toMatchObject({ ZoneId: "euw1-az1", State: "available", RegionName: "eu-west-1" });
    const one = await env.ec2.send(new E.DescribeAvailabilityZonesCommand({ Filters: [{ Name: "zone-name", Values: ["eu-west-1b"] }] }));
    expect(one.AvailabilityZones!.map((z) => z.ZoneName)).toEqual(["eu-west-1b"]);
    await fails(env.ec2.send(new E.DescribeAvailabilityZonesCommand({ Filters: [{ Name: "bogus", Values: ["x"] }] })), "InvalidParameterValue");
  });
});

describe("EC2 VPCs", () => {
  it("moves pending -> available and associating -> associated with simulated time", async () => {
    const env = await setup();
    const { Vpc } = await env.ec2.send(new E.CreateVpcCommand({ CidrBlock: "10.0.0.0/16", AmazonProvidedIpv6CidrBlock: true }));
    expect(Vpc!.VpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(Vpc!.State).toBe("pending");
    expect(Vpc!.Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlockState!.State).toBe("associating");
    expect(Vpc!.Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlock).toMatch(/::\/56$/);
    env.sandbox.clock.advance(sec(2));
    let v = (await env.ec2.send(new E.DescribeVpcsCommand({ VpcIds: [Vpc!.VpcId!] }))).Vpcs![0];
    expect(v.State).toBe("available");
    expect(v.Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlockState!.State).toBe("associating");
    env.sandbox.clock.advance(sec(3));
    v = (await env.ec2.send(new E.DescribeVpcsCommand({ VpcIds: [Vpc!.VpcId!] }))).Vpcs![0];
    expect(v.Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlockState!.State).toBe("associated");
  });

  it("creates the default security group, main route table and default network ACL", async () => {
    const env = await setup();
    const { Vpc } = await env.ec2.send(new E.CreateVpcCommand({ CidrBlock: "10.1.0.0/16", AmazonProvidedIpv6CidrBlock: true }));
    const vpcId = Vpc!.VpcId!;
    const v6 = Vpc!.Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlock!;
    const f = [{ Name: "vpc-id", Values: [vpcId] }];
    const sgs = (await env.ec2.send(new E.DescribeSecurityGroupsCommand({ Filters: f }))).SecurityGroups!;
    expect(sgs).toHaveLength(1);
    expect(sgs[0].GroupName).toBe("default");
    expect(sgs[0].IpPermissions).toEqual([
      { IpProtocol: "-1", IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: sgs[0].GroupId, UserId: "123456789012" }] },
    ]);
    expect(sgs[0].IpPermissionsEgress![0].IpRanges).toEqual([{ CidrIp: "0.0.0.0/0" }]);
    expect(sgs[0].IpPermissionsEgress![0].Ipv6Ranges).toEqual([{ CidrIpv6: "::/0" }]);
    const rts = (await env.ec2.send(new E.DescribeRouteTablesCommand({ Filters: [...f, { Name: "association.main", Values: ["true"] }] }))).RouteTables!;
    expect(rts).toHaveLength(1);
    expect(rts[0].Associations![0]).toMatchObject({ Main: true, AssociationState: { State: "associated" } });
    expect(rts[0].Routes).toEqual([
      { DestinationCidrBlock: "10.1.0.0/16", GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
      { DestinationIpv6CidrBlock: v6, GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
    ]);
    const acls = (await env.ec2.send(new E.DescribeNetworkAclsCommand({ Filters: [...f, { Name: "default", Values: ["true"] }] }))).NetworkAcls!;
    expect(acls).toHaveLength(1);
    const ingress = acls[0].Entries!.filter((e) => !e.Egress).map((e) => [e.RuleNumber, e.RuleAction, e.CidrBlock ?? e.Ipv6CidrBlock]);
    expect(ingress).toEqual([
      [100, "allow", "0.0.0.0/0"],
      [101, "allow", "::/0"],
      [32767, "deny", "0.0.0.0/0"],
      [32768, "deny", "::/0"],
    ]);
  });

  it("validates the CIDR and answers InvalidVpcID.NotFound for unknown ids", async () => {
    const env = await setup();
    await fails(env.ec2.send(new E.CreateVpcCommand({ CidrBlock: "10.0.0.0/8" })), "InvalidVpc.Range", /The CIDR '10.0.0.0\/8' is invalid/);
    await fails(env.ec2.send(new E.DescribeVpcsCommand({ VpcIds: ["vpc-0123456789abcdef0"] })), "InvalidVpcID.NotFound", /The vpc ID 'vpc-0123456789abcdef0' does not exist/);
  });

  it("filters by tag and cidr and pages", async () => {
    const env = await setup();
    for (let i = 0; i < 5; i++) {
      await env.ec2.send(new E.CreateVpcCommand({
        CidrBlock: `10.${i}.0.0/16`,
        TagSpecifications: [
          { ResourceType: "vpc", Tags: [{ Key: "Name", Value: `v${i}` }, { Key: "env", Value: i % 2 ? "odd" : "even" }] },
          { ResourceType: "subnet", Tags: [{ Key: "ignored", Value: "yes" }] },
        ],
      }));
    }
    const even = await env.ec2.send(new E.DescribeVpcsCommand({ Filters: [{ Name: "tag:env", Values: ["even"] }] }));
    expect(even.Vpcs!.map((v) => v.CidrBlock)).toEqual(["10.0.0.0/16", "10.2.0.0/16", "10.4.0.0/16"]);
    expect(even.Vpcs![0].Tags).toEqual([{ Key: "Name", Value: "v0" }, { Key: "env", Value: "even" }]);
    const wild = await env.ec2.send(new E.DescribeVpcsCommand({ Filters: [{ Name: "cidr-block-association.cidr-block", Values: ["10.3.*"] }] }));
    expect(wild.Vpcs!.map((v) => v.CidrBlock)).toEqual(["10.3.0.0/16"]);
    const keyed = await env.ec2.send(new E.DescribeVpcsCommand({ Filters: [{ Name: "tag-key", Values: ["ignored"] }] }));
    expect(keyed.Vpcs).toEqual([]);
    const p1 = await env.ec2.send(new E.DescribeVpcsCommand({ MaxResults: 2 }));
    expect(p1.Vpcs).toHaveLength(2);
    expect(p1.NextToken).toBeTruthy();
    const p2 = await env.ec2.send(new E.DescribeVpcsCommand({ MaxResults: 2, NextToken: p1.NextToken }));
    const p3 = await env.ec2.send(new E.DescribeVpcsCommand({ MaxResults: 2, NextToken: p2.NextToken }));
    expect(p3.NextToken).toBeUndefined();
    expect([...p1.Vpcs!, ...p2.Vpcs!, ...p3.Vpcs!].map((v) => v.CidrBlock)).toEqual(["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"]);
    const paged: string[] = [];
    for await (const page of E.paginateDescribeVpcs({ client: env.ec2, pageSize: 2 }, {})) paged.push(...page.Vpcs!.map((v) => v.VpcId!));
    expect(paged).toHaveLength(5);
  });

  it("models DNS attributes one at a time", async () => {
    const env = await setup();
    const { Vpc } = await env.ec2.send(new E.CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
    const VpcId = Vpc!.VpcId!;
    const sup = await env.ec2.send(new E.DescribeVpcAttributeCommand({ VpcId, Attribute: "enableDnsSupport" }));
    expect(sup.EnableDnsSupport).toEqual({ Value: true });
    const host = await env.ec2.send(new E.DescribeVpcAttributeCommand({ VpcId, Attribute: "enableDnsHostnames" }));
    expect(host.EnableDnsHostnames).toEqual({ Value: false });
    await fails(env.ec2.send(new E.ModifyVpcAttributeCommand({ VpcId, EnableDnsHostnames: { Value: true }, EnableDnsSupport: { Value: true } })), "InvalidParameterCombination");
    await env.ec2.send(new E.ModifyVpcAttributeCommand({ VpcId, EnableDnsHostnames: { Value: true } }));
    expect((await env.ec2.send(new E.DescribeVpcAttributeCommand({ VpcId, Attribute: "enableDnsHostnames" }))).EnableDnsHostnames).toEqual({ Value: true });
  });

  it("associates an Amazon IPv6 block later, adding local routes; refuses a second one", async () => {
    const env = await setup();
    const { Vpc } = await env.ec2.send(new E.CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
    const VpcId = Vpc!.VpcId!;
    expect(Vpc!.Ipv6CidrBlockAssociationSet).toBeUndefined();
    const r = await env.ec2.send(new E.AssociateVpcCidrBlockCommand({ VpcId, AmazonProvidedIpv6CidrBlock: true }));
    expect(r.Ipv6CidrBlockAssociation!.Ipv6CidrBlockState!.State).toBe("associating");
    await fails(env.ec2.send(new E.AssociateVpcCidrBlockCommand({ VpcId, AmazonProvidedIpv6CidrBlock: true })), "CidrLimitExceeded");
    const rt = (await env.ec2.send(new E.DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [VpcId] }] }))).RouteTables![0];
    expect(rt.Routes!.some((x) => x.DestinationIpv6CidrBlock === r.Ipv6CidrBlockAssociation!.Ipv6CidrBlock)).toBe(true);
    const d = await env.ec2.send(new E.DisassociateVpcCidrBlockCommand({ AssociationId: r.Ipv6CidrBlockAssociation!.AssociationId }));
    expect(d.Ipv6CidrBlockAssociation!.Ipv6CidrBlockState!.State).toBe("disassociating");
    expect((await env.ec2.send(new E.DescribeVpcsCommand({ VpcIds: [VpcId] }))).Vpcs![0].Ipv6CidrBlockAssociationSet).toBeUndefined();
  });

  it("refuses DeleteVpc while dependencies remain, then deletes it with its defaults", async () => {
    const env = await setup();
    const { vpcId, subnetId } = await vpcWithSubnet(env);
    const msg = new RegExp(`The vpc '${vpcId}' has dependencies and cannot be deleted.`);
    await fails(env.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId })), "DependencyViolation", msg);
    await env.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }));
    const { GroupId } = await env.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "app", Description: "app" }));
    await fails(env.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId })), "DependencyViolation", msg);
    await env.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId }));
    const { RouteTable } = await env.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId }));
    await fails(env.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId })), "DependencyViolation", msg);
    await env.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId: RouteTable!.RouteTableId }));
    const { NetworkAcl } = await env.ec2.send(new E.CreateNetworkAclCommand({ VpcId: vpcId }));
    await fails(env.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId })), "DependencyViolation", msg);
    await env.ec2.send(new E.DeleteNetworkAclCommand({ NetworkAclId: NetworkAcl!.NetworkAclId }));
    const { InternetGateway } = await env.ec2.send(new E.CreateInternetGatewayCommand({}));
    await env.ec2.send(new E.AttachInternetGatewayCommand({ InternetGatewayId: InternetGateway!.InternetGatewayId, VpcId: vpcId }));
    await fails(env.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId })), "DependencyViolation", msg);
    await env.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: InternetGateway!.InternetGatewayId, VpcId: vpcId }));
    await env.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId }));
    const f = [{ Name: "vpc-id", Values: [vpcId] }];
    expect((await env.ec2.send(new E.DescribeSecurityGroupsCommand({ Filters: f }))).SecurityGroups).toEqual([]);
    expect((await env.ec2.send(new E.DescribeRouteTablesCommand({ Filters: f }))).RouteTables).toEqual([]);
    expect((await env.ec2.send(new E.DescribeNetworkAclsCommand({ Filters: f }))).NetworkAcls).toEqual([]);
    await fails(env.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId })), "InvalidVpcID.NotFound");
  });
});

describe("EC2 subnets", () => {
  it("checks ranges and conflicts, associates the default ACL, and becomes available", async () => {
    const env = await setup();
    const { Vpc } = await env.ec2.send(new E.CreateVpcCommand({ CidrBlock: "10.0.0.0/16", AmazonProvidedIpv6CidrBlock: true }));
    const VpcId = Vpc!.VpcId!;
    const v6 = Vpc!.Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlock!;
    const sub64 = v6.replace(/00::\/56$/, "01::/64");
    await fails(env.ec2.send(new E.CreateSubnetCommand({ VpcId, CidrBlock: "10.1.0.0/24" })), "InvalidSubnet.Range", /The CIDR '10.1.0.0\/24' is invalid./);
    const { Subnet } = await env.ec2.send(new E.CreateSubnetCommand({
      VpcId, CidrBlock: "10.0.0.0/24", Ipv6CidrBlock: sub64, AvailabilityZone: "eu-west-1b",
      TagSpecifications: [{ ResourceType: "subnet", Tags: [{ Key: "tier", Value: "public" }] }],
    }));
    expect(Subnet).toMatchObject({ State: "pending", AvailabilityZone: "eu-west-1b", AvailabilityZoneId: "euw1-az2", AvailableIpAddressCount: 251, MapPublicIpOnLaunch: false });
    expect(Subnet!.Ipv6CidrBlockAssociationSet![0]).toMatchObject({ Ipv6CidrBlock: sub64, Ipv6CidrBlockState: { State: "associated" } });
    await fails(env.ec2.send(new E.CreateSubnetCommand({ VpcId, CidrBlock: "10.0.0.128/25" })), "InvalidSubnet.Conflict", /conflicts with another subnet/);
    await fails(env.ec2.send(new E.CreateSubnetCommand({ VpcId, CidrBlock: "10.0.1.0/24", Ipv6CidrBlock: sub64 })), "InvalidSubnet.Conflict");
    await fails(env.ec2.send(new E.CreateSubnetCommand({ VpcId, CidrBlock: "10.0.1.0/24", Ipv6CidrBlock: "2600:1f18::/64" })), "InvalidSubnet.Range");
    await fails(env.ec2.send(new E.CreateSubnetCommand({ VpcId, CidrBlock: "10.0.1.0/24", AvailabilityZone: "eu-west-1z" })), "InvalidParameterValue", /following availability zones: eu-west-1a, eu-west-1b, eu-west-1c/);
    env.sandbox.clock.advance(sec(2));
    const s = (await env.ec2.send(new E.DescribeSubnetsCommand({ Filters: [{ Name: "tag:tier", Values: ["public"] }, { Name: "availability-zone", Values: ["eu-west-1b"] }] }))).Subnets!;
    expect(s.map((x) => [x.SubnetId, x.State])).toEqual([[Subnet!.SubnetId, "available"]]);
    const acl = (await env.ec2.send(new E.DescribeNetworkAclsCommand({ Filters: [{ Name: "association.subnet-id", Values: [Subnet!.SubnetId!] }] }))).NetworkAcls!;
    expect(acl).toHaveLength(1);
    expect(acl[0].IsDefault).toBe(true);
    expect(acl[0].Associations![0].NetworkAclAssociationId).toMatch(/^aclassoc-/);
    // implicitly on the main table: no explicit association
    expect((await env.ec2.send(new E.DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [Subnet!.SubnetId!] }] }))).RouteTables).toEqual([]);
    await env.ec2.send(new E.ModifySubnetAttributeCommand({ SubnetId: Subnet!.SubnetId, MapPublicIpOnLaunch: { Value: true } }));
    await env.ec2.send(new E.ModifySubnetAttributeCommand({ SubnetId: Subnet!.SubnetId, AssignIpv6AddressOnCreation: { Value: true } }));
    const after = (await env.ec2.send(new E.DescribeSubnetsCommand({ SubnetIds: [Subnet!.SubnetId!] }))).Subnets![0];
    expect([after.MapPublicIpOnLaunch, after.AssignIpv6AddressOnCreation]).toEqual([true, true]);
    await fails(env.ec2.send(new E.DescribeSubnetsCommand({ SubnetIds: ["subnet-0000000000000000a"] })), "InvalidSubnetID.NotFound");
  });

  it("associates and disassociates a subnet IPv6 block", async () => {
    const env = await setup();
    const { subnetId, vpc } = await vpcWithSubnet(env, true);
    const block = vpc.Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlock!.replace(/00::\/56$/, "0a::/64");
    const r = await env.ec2.send(new E.AssociateSubnetCidrBlockCommand({ SubnetId: subnetId, Ipv6CidrBlock: block }));
    expect(r.Ipv6CidrBlockAssociation!.Ipv6CidrBlock).toBe(block);
    expect((await env.ec2.send(new E.DescribeSubnetsCommand({ Filters: [{ Name: "ipv6-cidr-block-association.ipv6-cidr-block", Values: [block] }] }))).Subnets).toHaveLength(1);
    await env.ec2.send(new E.DisassociateSubnetCidrBlockCommand({ AssociationId: r.Ipv6CidrBlockAssociation!.AssociationId }));
    expect((await env.ec2.send(new E.DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets![0].Ipv6CidrBlockAssociationSet).toEqual([]);
  });
});

describe("EC2 internet gateways", () => {
  it("attaches once, detaches, and refuses deletion while attached", async () => {
    const env = await setup();
    const { vpcId } = await vpcWithSubnet(env);
    const { Vpc: other } = await env.ec2.send(new E.CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }));
    const { InternetGateway } = await env.ec2.send(new E.CreateInternetGatewayCommand({ TagSpecifications: [{ ResourceType: "internet-gateway", Tags: [{ Key: "Name", Value: "gw" }] }] }));
    const InternetGatewayId = InternetGateway!.InternetGatewayId!;
    expect(InternetGateway!.Attachments).toEqual([]);
    await fails(env.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId, VpcId: vpcId })), "Gateway.NotAttached", new RegExp(`resource ${InternetGatewayId} is not attached to network ${vpcId}`));
    await env.ec2.send(new E.AttachInternetGatewayCommand({ InternetGatewayId, VpcId: vpcId }));
    await fails(env.ec2.send(new E.AttachInternetGatewayCommand({ InternetGatewayId, VpcId: other!.VpcId })), "Resource.AlreadyAssociated");
    const d = await env.ec2.send(new E.DescribeInternetGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [vpcId] }, { Name: "tag:Name", Values: ["gw"] }] }));
    expect(d.InternetGateways![0].Attachments).toEqual([{ State: "available", VpcId: vpcId }]);
    await fails(env.ec2.send(new E.DeleteInternetGatewayCommand({ InternetGatewayId })), "DependencyViolation", /The internetGateway '.*' has dependencies and cannot be deleted./);
    await env.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId, VpcId: vpcId }));
    await env.ec2.send(new E.DeleteInternetGatewayCommand({ InternetGatewayId }));
    await fails(env.ec2.send(new E.DescribeInternetGatewaysCommand({ InternetGatewayIds: [InternetGatewayId] })), "InvalidInternetGatewayID.NotFound");
  });
});

describe("EC2 NAT gateways and Elastic IPs", () => {
  it("runs the NAT -> EIP release sequence over simulated time", async () => {
    const env = await setup();
    const { vpcId, subnetId } = await publicNetwork(env);
    const eip = await env.ec2.send(new E.AllocateAddressCommand({ Domain: "vpc", TagSpecifications: [{ ResourceType: "elastic-ip", Tags: [{ Key: "Name", Value: "nat" }] }] }));
    expect(eip.AllocationId).toMatch(/^eipalloc-/);
    expect(eip.PublicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const req = { SubnetId: subnetId, AllocationId: eip.AllocationId, ClientToken: "nat-a", TagSpecifications: [{ ResourceType: "natgateway" as const, Tags: [{ Key: "Name", Value: "nat-a" }] }] };
    const created = await env.ec2.send(new E.CreateNatGatewayCommand(req));
    const createdAt = env.sandbox.clock.now();
    const natId = created.NatGateway!.NatGatewayId!;
    expect(created.NatGateway).toMatchObject({ State: "pending", VpcId: vpcId, SubnetId: subnetId, ConnectivityType: "public", Tags: [{ Key: "Name", Value: "nat-a" }] });
    expect(created.NatGateway!.CreateTime).toBeInstanceOf(Date);
    // the same token and parameters: the same NAT gateway, no second one
    const again = await env.ec2.send(new E.CreateNatGatewayCommand(req));
    expect(again.NatGateway!.NatGatewayId).toBe(natId);
    await fails(env.ec2.send(new E.CreateNatGatewayCommand({ ...req, SubnetId: subnetId, AllocationId: "eipalloc-0000000000000000b" })), "IdempotentParameterMismatch");
    expect((await env.ec2.send(new E.DescribeNatGatewaysCommand({}))).NatGateways).toHaveLength(1);
    // its ENI and the association of the EIP
    const enis = (await env.ec2.send(new E.DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [subnetId] }] }))).NetworkInterfaces!;
    expect(enis).toHaveLength(1);
    expect(enis[0]).toMatchObject({ Description: `Interface for NAT Gateway ${natId}`, InterfaceType: "nat_gateway", RequesterManaged: true, Status: "in-use" });
    const addr = (await env.ec2.send(new E.DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses![0];
    expect(addr.NetworkInterfaceId).toBe(enis[0].NetworkInterfaceId);
    expect(addr.AssociationId).toMatch(/^eipassoc-/);
    await fails(env.ec2.send(new E.ReleaseAddressCommand({ AllocationId: eip.AllocationId })), "InvalidIPAddress.InUse");
    await fails(env.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId })), "DependencyViolation", new RegExp(`The subnet '${subnetId}' has dependencies and cannot be deleted.`));
    // a route through it
    const { RouteTable } = await env.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId }));
    const rtId = RouteTable!.RouteTableId!;
    await env.ec2.send(new E.CreateRouteCommand({ RouteTableId: rtId, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: natId }));
    // Some calls take simulated time themselves (CreateRouteTable: the durations table): count from the create.
    env.sandbox.clock.advance(sec(104) - (env.sandbox.clock.now() - createdAt));
    expect((await env.ec2.send(new E.DescribeNatGatewaysCommand({ NatGatewayIds: [natId] }))).NatGateways![0].State).toBe("pending");
    env.sandbox.clock.advance(sec(1));
    const avail = (await env.ec2.send(new E.DescribeNatGatewaysCommand({ Filter: [{ Name: "state", Values: ["available"] }] }))).NatGateways!;
    expect(avail.map((n) => n.NatGatewayId)).toEqual([natId]);
    expect(avail[0].NatGatewayAddresses![0]).toMatchObject({ AllocationId: eip.AllocationId, PublicIp: eip.PublicIp, Status: "succeeded", IsPrimary: true });
    // delete: deleting for 60 s, the EIP stays in use
    const del = await env.ec2.send(new E.DeleteNatGatewayCommand({ NatGatewayId: natId }));
    expect(del.NatGatewayId).toBe(natId);
    expect((await env.ec2.send(new E.DescribeNatGatewaysCommand({ NatGatewayIds: [natId] }))).NatGateways![0].State).toBe("deleting");
    await fails(env.ec2.send(new E.ReleaseAddressCommand({ AllocationId: eip.AllocationId })), "InvalidIPAddress.InUse");
    env.sandbox.clock.advance(sec(60));
    const gone = (await env.ec2.send(new E.DescribeNatGatewaysCommand({ NatGatewayIds: [natId] }))).NatGateways![0];
    expect(gone.State).toBe("deleted");
    expect(gone.DeleteTime).toBeInstanceOf(Date);
    const rt = (await env.ec2.send(new E.DescribeRouteTablesCommand({ RouteTableIds: [rtId] }))).RouteTables![0];
    expect(rt.Routes!.find((r) => r.NatGatewayId === natId)!.State).toBe("blackhole");
    expect((await env.ec2.send(new E.DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [subnetId] }] }))).NetworkInterfaces).toEqual([]);
    const freed = (await env.ec2.send(new E.DescribeAddressesCommand({ Filters: [{ Name: "tag:Name", Values: ["nat"] }] }))).Addresses![0];
    expect(freed.AssociationId).toBeUndefined();
    await env.ec2.send(new E.ReleaseAddressCommand({ AllocationId: eip.AllocationId }));
    await fails(env.ec2.send(new E.DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] })), "InvalidAllocationID.NotFound");
    await fails(env.ec2.send(new E.ReleaseAddressCommand({ AllocationId: eip.AllocationId })), "InvalidAllocationID.NotFound");
    await env.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }));
    // deleted NAT gateways stay visible for about an hour
    env.sandbox.clock.advance(sec(3600));
    expect((await env.ec2.send(new E.DescribeNatGatewaysCommand({}))).NatGateways).toEqual([]);
  });

  it("fails a public NAT gateway in a VPC without an internet gateway, and refuses unknown ids", async () => {
    const env = await setup();
    const { subnetId } = await vpcWithSubnet(env);
    const eip = await env.ec2.send(new E.AllocateAddressCommand({ Domain: "vpc" }));
    const { NatGateway } = await env.ec2.send(new E.CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId: eip.AllocationId }));
    env.sandbox.clock.advance(sec(105));
    const n = (await env.ec2.send(new E.DescribeNatGatewaysCommand({ NatGatewayIds: [NatGateway!.NatGatewayId!] }))).NatGateways![0];
    expect(n).toMatchObject({ State: "failed", FailureCode: "Gateway.NotAttached" });
    await env.ec2.send(new E.ReleaseAddressCommand({ AllocationId: eip.AllocationId }));
    await fails(env.ec2.send(new E.DescribeNatGatewaysCommand({ NatGatewayIds: ["nat-0000000000000000c"] })), "NatGatewayNotFound");
    await fails(env.ec2.send(new E.CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId: "eipalloc-0000000000000000d" })), "InvalidAllocationID.NotFound");
  });

  it("refuses to detach the internet gateway while public addresses are mapped", async () => {
    const env = await setup();
    const { vpcId, subnetId, igwId } = await publicNetwork(env);
    const eip = await env.ec2.send(new E.AllocateAddressCommand({ Domain: "vpc" }));
    const { NatGateway } = await env.ec2.send(new E.CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId: eip.AllocationId }));
    await fails(
      env.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId })),
      "DependencyViolation",
      new RegExp(`Network ${vpcId} has some mapped public address\\(es\\). Please unmap those public address\\(es\\) before detaching the gateway.`),
    );
    await env.ec2.send(new E.DeleteNatGatewayCommand({ NatGatewayId: NatGateway!.NatGatewayId }));
    env.sandbox.clock.advance(sec(60));
    await env.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
  });
});

describe("EC2 route tables", () => {
  it("creates, replaces and deletes routes with AWS's errors", async () => {
    const env = await setup();
    const { vpcId, subnetId } = await vpcWithSubnet(env);
    const { RouteTable } = await env.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: [{ ResourceType: "route-table", Tags: [{ Key: "Name", Value: "public" }] }] }));
    const RouteTableId = RouteTable!.RouteTableId!;
    expect(RouteTable!.Routes).toEqual([{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", Origin: "CreateRouteTable", State: "active" }]);
    expect(RouteTable!.Associations).toEqual([]);
    const { InternetGateway } = await env.ec2.send(new E.CreateInternetGatewayCommand({}));
    const igw = InternetGateway!.InternetGatewayId!;
    await fails(env.ec2.send(new E.CreateRouteCommand({ RouteTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw })), "InvalidParameterValue", /belong to different networks/);
    await fails(env.ec2.send(new E.CreateRouteCommand({ RouteTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-0000000000000000e" })), "InvalidGatewayID.NotFound");
    await fails(env.ec2.send(new E.CreateRouteCommand({ RouteTableId, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-0000000000000000f" })), "InvalidNatGatewayID.NotFound");
    await env.ec2.send(new E.AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    await env.ec2.send(new E.CreateRouteCommand({ RouteTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw }));
    // identical again: accepted; a different target for the same destination: RouteAlreadyExists
    await env.ec2.send(new E.CreateRouteCommand({ RouteTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw }));
    const { Vpc: v2 } = await env.ec2.send(new E.CreateVpcCommand({ CidrBlock: "10.5.0.0/16" }));
    void v2;
    await fails(env.ec2.send(new E.CreateRouteCommand({ RouteTableId, DestinationCidrBlock: "10.0.0.0/16", GatewayId: igw })), "RouteAlreadyExists", /The route identified by 10.0.0.0\/16 already exists./);
    await fails(env.ec2.send(new E.ReplaceRouteCommand({ RouteTableId, DestinationCidrBlock: "192.168.0.0/16", GatewayId: igw })), "InvalidParameterValue", /There is no route defined/);
    await fails(env.ec2.send(new E.DeleteRouteCommand({ RouteTableId, DestinationCidrBlock: "192.168.0.0/16" })), "InvalidRoute.NotFound", /no route with destination-cidr-block 192.168.0.0\/16/);
    // associations
    const a = await env.ec2.send(new E.AssociateRouteTableCommand({ RouteTableId, SubnetId: subnetId }));
    expect(a.AssociationId).toMatch(/^rtbassoc-/);
    const { RouteTable: rt2 } = await env.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId }));
    await fails(env.ec2.send(new E.AssociateRouteTableCommand({ RouteTableId: rt2!.RouteTableId, SubnetId: subnetId })), "Resource.AlreadyAssociated");
    const bySubnet = await env.ec2.send(new E.DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnetId] }] }));
    expect(bySubnet.RouteTables!.map((r) => r.RouteTableId)).toEqual([RouteTableId]);
    expect(bySubnet.RouteTables![0].Routes!.find((r) => r.GatewayId === igw)!.State).toBe("active");
    await fails(env.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId })), "DependencyViolation", /The routeTable '.*' has dependencies and cannot be deleted./);
    const moved = await env.ec2.send(new E.ReplaceRouteTableAssociationCommand({ AssociationId: a.AssociationId, RouteTableId: rt2!.RouteTableId }));
    expect(moved.NewAssociationId).toMatch(/^rtbassoc-/);
    await env.ec2.send(new E.DisassociateRouteTableCommand({ AssociationId: moved.NewAssociationId }));
    await fails(env.ec2.send(new E.DisassociateRouteTableCommand({ AssociationId: moved.NewAssociationId })), "InvalidAssociationID.NotFound");
    // a detached gateway makes its routes blackholes
    await env.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const bh = await env.ec2.send(new E.DescribeRouteTablesCommand({ Filters: [{ Name: "route.state", Values: ["blackhole"] }] }));
    expect(bh.RouteTables!.map((r) => r.RouteTableId)).toEqual([RouteTableId]);
    await fails(env.ec2.send(new E.ReplaceRouteCommand({ RouteTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: "local" })), "InvalidParameterValue");
    await fails(env.ec2.send(new E.DeleteRouteCommand({ RouteTableId, DestinationCidrBlock: "10.0.0.0/16" })), "InvalidParameterValue", /cannot remove local route/);
    await env.ec2.send(new E.DeleteRouteCommand({ RouteTableId, DestinationCidrBlock: "0.0.0.0/0" }));
    await env.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId }));
    // the main table
    const main = (await env.ec2.send(new E.DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "association.main", Values: ["true"] }] }))).RouteTables![0];
    await fails(env.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId: main.RouteTableId })), "DependencyViolation");
    await fails(env.ec2.send(new E.DisassociateRouteTableCommand({ AssociationId: main.Associations![0].RouteTableAssociationId })), "InvalidParameterValue");
  });

  it("remembers a CreateRouteTable ClientToken", async () => {
    const env = await setup();
    const { vpcId } = await vpcWithSubnet(env);
    const a = await env.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId, ClientToken: "t1" }));
    const b = await env.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId, ClientToken: "t1" }));
    expect(b.RouteTable!.RouteTableId).toBe(a.RouteTable!.RouteTableId);
    expect((await env.ec2.send(new E.DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).RouteTables).toHaveLength(2);
  });
});

describe("EC2 VPC endpoints", () => {
  it("creates an S3 gateway endpoint with routes to the prefix list, modifies and deletes it", async () => {
    const env = await setup();
    const { vpcId } = await vpcWithSubnet(env);
    const rt1 = (await env.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    const rt2 = (await env.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    const pl = (await env.ec2.send(new E.DescribePrefixListsCommand({ Filters: [{ Name: "prefix-list-name", Values: ["com.amazonaws.eu-west-1.s3"] }] }))).PrefixLists![0];
    expect(pl.PrefixListId).toMatch(/^pl-[0-9a-f]{8}$/);
    const req = {
      VpcEndpointType: "Gateway" as const, VpcId: vpcId, ServiceName: "com.amazonaws.eu-west-1.s3", RouteTableIds: [rt1], ClientToken: "ep1",
      TagSpecifications: [{ ResourceType: "vpc-endpoint" as const, Tags: [{ Key: "Name", Value: "s3" }] }],
    };
    const { VpcEndpoint } = await env.ec2.send(new E.CreateVpcEndpointCommand(req));
    const id = VpcEndpoint!.VpcEndpointId!;
    expect(VpcEndpoint).toMatchObject({ State: "pending", VpcEndpointType: "Gateway", RouteTableIds: [rt1], Tags: [{ Key: "Name", Value: "s3" }] });
    expect(JSON.parse(VpcEndpoint!.PolicyDocument!)).toEqual({ Version: "2008-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] });
    expect((await env.ec2.send(new E.CreateVpcEndpointCommand(req))).VpcEndpoint!.VpcEndpointId).toBe(id);
    let r1 = (await env.ec2.send(new E.DescribeRouteTablesCommand({ RouteTableIds: [rt1] }))).RouteTables![0];
    expect(r1.Routes).toContainEqual({ DestinationPrefixListId: pl.PrefixListId, GatewayId: id, Origin: "CreateRoute", State: "active" });
    env.sandbox.clock.advance(sec(5));
    const d = await env.ec2.send(new E.DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-endpoint-state", Values: ["available"] }, { Name: "service-name", Values: ["com.amazonaws.eu-west-1.s3"] }] }));
    expect(d.VpcEndpoints!.map((e) => e.VpcEndpointId)).toEqual([id]);
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] });
    await env.ec2.send(new E.ModifyVpcEndpointCommand({ VpcEndpointId: id, AddRouteTableIds: [rt2], RemoveRouteTableIds: [rt1], PolicyDocument: policy }));
    const ep = (await env.ec2.send(new E.DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }))).VpcEndpoints![0];
    expect(ep.RouteTableIds).toEqual([rt2]);
    expect(ep.PolicyDocument).toBe(policy);
    r1 = (await env.ec2.send(new E.DescribeRouteTablesCommand({ RouteTableIds: [rt1] }))).RouteTables![0];
    expect(r1.Routes!.some((r) => r.GatewayId === id)).toBe(false);
    await fails(env.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId })), "DependencyViolation");
    const del = await env.ec2.send(new E.DeleteVpcEndpointsCommand({ VpcEndpointIds: [id, "vpce-0000000000000000a"] }));
    expect(del.Unsuccessful).toEqual([{ Error: { Code: "InvalidVpcEndpoint.NotFound", Message: "The Vpc Endpoint Id 'vpce-0000000000000000a' does not exist" }, ResourceId: "vpce-0000000000000000a" }]);
    const r2 = (await env.ec2.send(new E.DescribeRouteTablesCommand({ RouteTableIds: [rt2] }))).RouteTables![0];
    expect(r2.Routes!.some((r) => r.GatewayId === id)).toBe(false);
    env.sandbox.clock.advance(sec(5));
    await fails(env.ec2.send(new E.DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] })), "InvalidVpcEndpointId.NotFound");
    await fails(env.ec2.send(new E.CreateVpcEndpointCommand({ VpcId: vpcId, ServiceName: "com.amazonaws.eu-west-1.nope" })), "InvalidServiceName");
  });
});

describe("EC2 network ACLs", () => {
  it("manages entries and associations with AWS's errors", async () => {
    const env = await setup();
    const { vpcId, subnetId } = await vpcWithSubnet(env, true);
    const { NetworkAcl } = await env.ec2.send(new E.CreateNetworkAclCommand({ VpcId: vpcId, TagSpecifications: [{ ResourceType: "network-acl", Tags: [{ Key: "Name", Value: "private" }] }] }));
    const NetworkAclId = NetworkAcl!.NetworkAclId!;
    expect(NetworkAcl!.IsDefault).toBe(false);
    expect(NetworkAcl!.Entries!.map((e) => [e.RuleNumber, e.Egress, e.RuleAction])).toEqual([
      [32767, true, "deny"], [32768, true, "deny"], [32767, false, "deny"], [32768, false, "deny"],
    ]);
    await env.ec2.send(new E.CreateNetworkAclEntryCommand({ NetworkAclId, RuleNumber: 100, Protocol: "6", RuleAction: "allow", Egress: false, CidrBlock: "10.0.0.0/16", PortRange: { From: 443, To: 443 } }));
    await fails(env.ec2.send(new E.CreateNetworkAclEntryCommand({ NetworkAclId, RuleNumber: 100, Protocol: "-1", RuleAction: "allow", Egress: false, CidrBlock: "0.0.0.0/0" })), "NetworkAclEntryAlreadyExists");
    // same number, other direction: fine
    await env.ec2.send(new E.CreateNetworkAclEntryCommand({ NetworkAclId, RuleNumber: 100, Protocol: "-1", RuleAction: "allow", Egress: true, Ipv6CidrBlock: "::/0" }));
    await env.ec2.send(new E.ReplaceNetworkAclEntryCommand({ NetworkAclId, RuleNumber: 100, Protocol: "17", RuleAction: "deny", Egress: false, CidrBlock: "10.0.0.0/16", PortRange: { From: 53, To: 53 } }));
    let acl = (await env.ec2.send(new E.DescribeNetworkAclsCommand({ Filters: [{ Name: "tag:Name", Values: ["private"] }] }))).NetworkAcls![0];
    expect(acl.Entries!.find((e) => e.RuleNumber === 100 && !e.Egress)).toEqual({ CidrBlock: "10.0.0.0/16", Egress: false, Protocol: "17", RuleAction: "deny", RuleNumber: 100, PortRange: { From: 53, To: 53 } });
    await fails(env.ec2.send(new E.ReplaceNetworkAclEntryCommand({ NetworkAclId, RuleNumber: 200, Protocol: "-1", RuleAction: "deny", Egress: false, CidrBlock: "0.0.0.0/0" })), "InvalidNetworkAclEntry.NotFound");
    await fails(env.ec2.send(new E.DeleteNetworkAclEntryCommand({ NetworkAclId, RuleNumber: 200, Egress: false })), "InvalidNetworkAclEntry.NotFound");
    await env.ec2.send(new E.DeleteNetworkAclEntryCommand({ NetworkAclId, RuleNumber: 100, Egress: true }));
    // move the subnet from the default ACL
    const def = (await env.ec2.send(new E.DescribeNetworkAclsCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnetId] }] }))).NetworkAcls![0];
    const assoc = def.Associations!.find((a) => a.SubnetId === subnetId)!;
    const r = await env.ec2.send(new E.ReplaceNetworkAclAssociationCommand({ AssociationId: assoc.NetworkAclAssociationId, NetworkAclId }));
    expect(r.NewAssociationId).toMatch(/^aclassoc-/);
    acl = (await env.ec2.send(new E.DescribeNetworkAclsCommand({ Filters: [{ Name: "association.association-id", Values: [r.NewAssociationId!] }] }))).NetworkAcls![0];
    expect(acl.NetworkAclId).toBe(NetworkAclId);
    await fails(env.ec2.send(new E.DeleteNetworkAclCommand({ NetworkAclId })), "DependencyViolation", /The networkAcl '.*' has dependencies and cannot be deleted./);
    await fails(env.ec2.send(new E.DeleteNetworkAclCommand({ NetworkAclId: def.NetworkAclId })), "InvalidParameterValue", /cannot delete default network ACL/);
    await env.ec2.send(new E.ReplaceNetworkAclAssociationCommand({ AssociationId: r.NewAssociationId, NetworkAclId: def.NetworkAclId }));
    await env.ec2.send(new E.DeleteNetworkAclCommand({ NetworkAclId }));
    await fails(env.ec2.send(new E.DescribeNetworkAclsCommand({ NetworkAclIds: [NetworkAclId] })), "InvalidNetworkAclID.NotFound");
  });
});

describe("EC2 flow logs", () => {
  it("creates one per resource+destination+traffic type and reports duplicates as Unsuccessful", async () => {
    const env = await setup();
    const { vpcId } = await vpcWithSubnet(env);
    const req = {
      ResourceIds: [vpcId], ResourceType: "VPC" as const, TrafficType: "ALL" as const, LogDestinationType: "cloud-watch-logs" as const,
      LogGroupName: "/opsctl/flow", DeliverLogsPermissionArn: "arn:aws:iam::123456789012:role/flow", MaxAggregationInterval: 60,
      TagSpecifications: [{ ResourceType: "vpc-flow-log" as const, Tags: [{ Key: "Name", Value: "flow" }] }],
    };
    const a = await env.ec2.send(new E.CreateFlowLogsCommand({ ...req, ClientToken: "fl-1" }));
    expect(a.FlowLogIds).toHaveLength(1);
    expect(a.Unsuccessful).toEqual([]);
    const replay = await env.ec2.send(new E.CreateFlowLogsCommand({ ...req, ClientToken: "fl-1" }));
    expect(replay.FlowLogIds).toEqual(a.FlowLogIds);
    const dup = await env.ec2.send(new E.CreateFlowLogsCommand(req));
    expect(dup.FlowLogIds).toEqual([]);
    expect(dup.Unsuccessful![0]).toMatchObject({ ResourceId: vpcId, Error: { Code: "FlowLogAlreadyExists" } });
    const missing = await env.ec2.send(new E.CreateFlowLogsCommand({ ...req, ResourceIds: ["vpc-0000000000000000a"] }));
    expect(missing.Unsuccessful![0].Error!.Code).toBe("InvalidVpcID.NotFound");
    const d = await env.ec2.send(new E.DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: [vpcId] }, { Name: "tag:Name", Values: ["flow"] }] }));
    expect(d.FlowLogs![0]).toMatchObject({ FlowLogId: a.FlowLogIds![0], LogGroupName: "/opsctl/flow", TrafficType: "ALL", MaxAggregationInterval: 60, FlowLogStatus: "ACTIVE" });
    expect(d.FlowLogs![0].CreationTime).toBeInstanceOf(Date);
    const del = await env.ec2.send(new E.DeleteFlowLogsCommand({ FlowLogIds: [a.FlowLogIds![0], "fl-0000000000000000a"] }));
    expect(del.Unsuccessful!.map((u) => [u.ResourceId, u.Error!.Code])).toEqual([["fl-0000000000000000a", "InvalidFlowLogId.NotFound"]]);
    expect((await env.ec2.send(new E.DescribeFlowLogsCommand({}))).FlowLogs).toEqual([]);
  });
});

describe("EC2 security groups", () => {
  it("creates groups with the default egress rule and authorizes/revokes rules", async () => {
    const env = await setup();
    const { vpcId } = await vpcWithSubnet(env);
    const web = await env.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "web", Description: "web", TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "Name", Value: "web" }] }] }));
    const app = await env.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "app", Description: "app" }));
    await fails(env.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "web", Description: "again" })), "InvalidGroup.Duplicate", new RegExp(`The security group 'web' already exists for VPC '${vpcId}'`));
    const eg = (await env.ec2.send(new E.DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [web.GroupId!] }] }))).SecurityGroupRules!;
    expect(eg).toHaveLength(1);
    expect(eg[0]).toMatchObject({ IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0" });
    const auth = await env.ec2.send(new E.AuthorizeSecurityGroupIngressCommand({
      GroupId: app.GroupId,
      IpPermissions: [
        { IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: web.GroupId, Description: "from web" }] },
        { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.0.0.0/16" }, { CidrIp: "10.1.0.0/16" }], Ipv6Ranges: [{ CidrIpv6: "::/0" }] },
      ],
      TagSpecifications: [{ ResourceType: "security-group-rule", Tags: [{ Key: "k", Value: "v" }] }],
    }));
    expect(auth.Return).toBe(true);
    expect(auth.SecurityGroupRules).toHaveLength(4);
    expect(auth.SecurityGroupRules![0]).toMatchObject({ GroupId: app.GroupId, IsEgress: false, IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, ReferencedGroupInfo: { GroupId: web.GroupId }, Description: "from web" });
    expect(auth.SecurityGroupRules![0].SecurityGroupRuleId).toMatch(/^sgr-/);
    await fails(
      env.ec2.send(new E.AuthorizeSecurityGroupIngressCommand({ GroupId: app.GroupId, IpPermissions: [{ IpProtocol: "6", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.1.0.0/16" }] }] })),
      "InvalidPermission.Duplicate",
      /the specified rule "peer: 10.1.0.0\/16, TCP, from port: 22, to port: 22, ALLOW" already exists/,
    );
    const sg = (await env.ec2.send(new E.DescribeSecurityGroupsCommand({ GroupIds: [app.GroupId!] }))).SecurityGroups![0];
    const ssh = sg.IpPermissions!.find((p) => p.FromPort === 22)!;
    expect(ssh.IpRanges).toEqual([{ CidrIp: "10.0.0.0/16" }, { CidrIp: "10.1.0.0/16" }]);
    expect(ssh.Ipv6Ranges).toEqual([{ CidrIpv6: "::/0" }]);
    const tagged = await env.ec2.send(new E.DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "tag:k", Values: ["v"] }] }));
    expect(tagged.SecurityGroupRules).toHaveLength(4);
    // web is referenced by app's rule
    await fails(env.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: web.GroupId })), "DependencyViolation", new RegExp(`resource ${web.GroupId} has a dependent object`));
    await env.ec2.send(new E.RevokeSecurityGroupIngressCommand({ GroupId: app.GroupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: web.GroupId }] }] }));
    await fails(
      env.ec2.send(new E.RevokeSecurityGroupIngressCommand({ GroupId: app.GroupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: web.GroupId }] }] })),
      "InvalidPermission.NotFound",
    );
    await env.ec2.send(new E.RevokeSecurityGroupIngressCommand({ GroupId: app.GroupId, SecurityGroupRuleIds: [auth.SecurityGroupRules![1].SecurityGroupRuleId!] }));
    await fails(env.ec2.send(new E.RevokeSecurityGroupEgressCommand({ GroupId: app.GroupId, SecurityGroupRuleIds: ["sgr-0000000000000000a"] })), "InvalidSecurityGroupRuleId.NotFound");
    await env.ec2.send(new E.RevokeSecurityGroupEgressCommand({ GroupId: app.GroupId, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));
    await env.ec2.send(new E.AuthorizeSecurityGroupEgressCommand({ GroupId: app.GroupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "https" }] }] }));
    const after = (await env.ec2.send(new E.DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["app"] }] }))).SecurityGroups![0];
    expect(after.IpPermissionsEgress).toEqual([{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "https" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }]);
    await env.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: web.GroupId }));
    await fails(env.ec2.send(new E.DescribeSecurityGroupsCommand({ GroupIds: [web.GroupId!] })), "InvalidGroup.NotFound");
    const def = (await env.ec2.send(new E.DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "group-name", Values: ["default"] }] }))).SecurityGroups![0];
    await fails(env.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: def.GroupId })), "CannotDelete");
  });
});

describe("EC2 security group and rule descriptions (EC2 API reference: IpRange, CreateSecurityGroup)", () => {
  it("accepts a-zA-Z0-9. _-:/()#,@[]+=&;{}!$* up to 255 characters and refuses anything else with InvalidParameterValue", async () => {
    const env = await setup();
    const { vpcId } = await vpcWithSubnet(env);
    const allowed = "a-Z 0.9 _-:/()#,@[]+=&;{}!$*";
    const sg = await env.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "ok", Description: allowed }));
    await fails(env.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "bad", Description: "the tasks' group" })), "InvalidParameterValue", /GroupDescription is invalid/);
    await fails(env.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "long", Description: "x".repeat(256) })), "InvalidParameterValue");
    const rule = (d: string, peer: "ip" | "ipv6" | "group" | "prefix" = "ip") => ({
      IpProtocol: "tcp",
      FromPort: 3000,
      ToPort: 3000,
      ...(peer === "ip" ? { IpRanges: [{ CidrIp: "10.0.0.0/16", Description: d }] } : {}),
      ...(peer === "ipv6" ? { Ipv6Ranges: [{ CidrIpv6: "::/0", Description: d }] } : {}),
      ...(peer === "group" ? { UserIdGroupPairs: [{ GroupId: sg.GroupId, Description: d }] } : {}),
      ...(peer === "prefix" ? { PrefixListIds: [{ PrefixListId: "pl-6da54004", Description: d }] } : {}),
    });
    for (const peer of ["ip", "ipv6", "group", "prefix"] as const) {
      await fails(env.ec2.send(new E.AuthorizeSecurityGroupEgressCommand({ GroupId: sg.GroupId, IpPermissions: [rule("to the tasks' app port", peer)] })), "InvalidParameterValue", /Invalid rule description/);
      await fails(env.ec2.send(new E.AuthorizeSecurityGroupIngressCommand({ GroupId: sg.GroupId, IpPermissions: [rule("café", peer)] })), "InvalidParameterValue", /Invalid rule description/);
    }
    await fails(env.ec2.send(new E.AuthorizeSecurityGroupIngressCommand({ GroupId: sg.GroupId, IpPermissions: [rule("x".repeat(256))] })), "InvalidParameterValue");
    // Nothing was written by the refused calls; an allowed description goes through, 255 characters too.
    const ok = await env.ec2.send(new E.AuthorizeSecurityGroupIngressCommand({ GroupId: sg.GroupId, IpPermissions: [rule(allowed), { ...rule("y".repeat(255)), FromPort: 22, ToPort: 22 }] }));
    expect(ok.SecurityGroupRules!.map((r) => r.Description)).toEqual([allowed, "y".repeat(255)]);
    await fails(
      env.ec2.send(new E.ModifySecurityGroupRulesCommand({ GroupId: sg.GroupId, SecurityGroupRules: [{ SecurityGroupRuleId: ok.SecurityGroupRules![0].SecurityGroupRuleId, SecurityGroupRule: { IpProtocol: "tcp", FromPort: 3000, ToPort: 3000, CidrIpv4: "10.0.0.0/16", Description: "it's" } }] })),
      "InvalidParameterValue",
      /Invalid rule description/,
    );
  });
});

describe("EC2 key pairs", () => {
  it("creates a usable ed25519 key in OpenSSH format with AWS's fingerprint", async () => {
    const env = await setup();
    const k = await env.ec2.send(new E.CreateKeyPairCommand({ KeyName: "ops", KeyType: "ed25519", KeyFormat: "pem", TagSpecifications: [{ ResourceType: "key-pair", Tags: [{ Key: "Name", Value: "ops" }] }] }));
    expect(k.KeyPairId).toMatch(/^key-/);
    expect(k.KeyMaterial).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    // parse the openssh-key-v1 container and check the key signs and verifies
    const body = Buffer.from(k.KeyMaterial!.split("\n").slice(1, -2).join(""), "base64");
    expect(body.subarray(0, 15).toString()).toBe("openssh-key-v1\0");
    let off = 15;
    const str = () => {
      const n = body.readUInt32BE(off);
      const v = body.subarray(off + 4, off + 4 + n);
      off += 4 + n;
      return v;
    };
    str(); str(); str(); off += 4; // cipher, kdf, kdf options, key count
    const pubBlob = str();
    const priv = str();
    expect(createHash("sha256").update(pubBlob).digest("base64")).toBe(k.KeyFingerprint);
    const seed = priv.subarray(8 + 4 + 11 + 4 + 32 + 4, 8 + 4 + 11 + 4 + 32 + 4 + 32);
    const pub = pubBlob.subarray(pubBlob.length - 32);
    const key = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: seed.toString("base64url"), x: pub.toString("base64url") }, format: "jwk" });
    const sig = sign(null, Buffer.from("hello"), key);
    expect(verify(null, Buffer.from("hello"), createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: pub.toString("base64url") }, format: "jwk" }), sig)).toBe(true);
    const d = await env.ec2.send(new E.DescribeKeyPairsCommand({ KeyNames: ["ops"], IncludePublicKey: true }));
    expect(d.KeyPairs![0]).toMatchObject({ KeyName: "ops", KeyType: "ed25519", KeyFingerprint: k.KeyFingerprint, Tags: [{ Key: "Name", Value: "ops" }] });
    expect(d.KeyPairs![0].PublicKey).toContain(`ssh-ed25519 ${pubBlob.toString("base64")}`);
    expect(d.KeyPairs![0].CreateTime).toBeInstanceOf(Date);
    await fails(env.ec2.send(new E.CreateKeyPairCommand({ KeyName: "ops", KeyType: "ed25519" })), "InvalidKeyPair.Duplicate", /The keypair 'ops' already exists./);
    await env.ec2.send(new E.DeleteKeyPairCommand({ KeyName: "ops" }));
    await env.ec2.send(new E.DeleteKeyPairCommand({ KeyName: "ops" })); // absent: still succeeds
    await fails(env.ec2.send(new E.DescribeKeyPairsCommand({ KeyNames: ["ops"] })), "InvalidKeyPair.NotFound", /The key pair 'ops' does not exist/);
  });

  it("creates rsa keys as PKCS#1 PEM and imports public keys", async () => {
    const env = await setup();
    const k = await env.ec2.send(new E.CreateKeyPairCommand({ KeyName: "r" }));
    expect(k.KeyMaterial).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(k.KeyFingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    expect(createPrivateKey(k.KeyMaterial!).asymmetricKeyType).toBe("rsa");
    const pub = (await env.ec2.send(new E.DescribeKeyPairsCommand({ KeyPairIds: [k.KeyPairId!], IncludePublicKey: true }))).KeyPairs![0].PublicKey!;
    const imp = await env.ec2.send(new E.ImportKeyPairCommand({ KeyName: "imported", PublicKeyMaterial: Buffer.from(pub) }));
    expect(imp.KeyPairId).toMatch(/^key-/);
    expect((await env.ec2.send(new E.DescribeKeyPairsCommand({ Filters: [{ Name: "key-name", Values: ["imp*"] }] }))).KeyPairs!.map((x) => x.KeyName)).toEqual(["imported"]);
  });
});

describe("EC2 instances", () => {
  async function profile(env: Env, name: string) {
    const iam = await env.aws.get("iam");
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }));
  }

  it("runs, stops, starts and terminates an instance over simulated time", async () => {
    const env = await setup();
    const { vpcId, subnetId, igwId } = await publicNetwork(env);
    await env.ec2.send(new E.ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: true } }));
    const { GroupId } = await env.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "bastion", Description: "bastion" }));
    await env.ec2.send(new E.CreateKeyPairCommand({ KeyName: "ops", KeyType: "ed25519" }));
    const run = {
      ImageId: "ami-0123456789abcdef0", InstanceType: "t3.micro" as const, MinCount: 1, MaxCount: 1, KeyName: "ops", SubnetId: subnetId, SecurityGroupIds: [GroupId!],
      MetadataOptions: { HttpTokens: "required" as const, HttpEndpoint: "enabled" as const, HttpPutResponseHopLimit: 2 },
      BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { Encrypted: true, VolumeSize: 20, VolumeType: "gp3" as const, DeleteOnTermination: true } }],
      IamInstanceProfile: { Name: "bastion" },
      TagSpecifications: [{ ResourceType: "instance" as const, Tags: [{ Key: "Name", Value: "bastion" }] }, { ResourceType: "volume" as const, Tags: [{ Key: "Name", Value: "bastion-root" }] }],
      ClientToken: "run-1",
    };
    await fails(env.ec2.send(new E.RunInstancesCommand(run)), "InvalidParameterValue", /Value \(bastion\) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name/);
    await profile(env, "bastion");
    await fails(env.ec2.send(new E.RunInstancesCommand(run)), "InvalidParameterValue", /iamInstanceProfile.name/); // not propagated yet
    env.sandbox.clock.advance(sec(10));
    const r = await env.ec2.send(new E.RunInstancesCommand(run));
    expect(r.ReservationId).toMatch(/^r-/);
    const inst = r.Instances![0];
    const id = inst.InstanceId!;
    expect(inst).toMatchObject({ State: { Code: 0, Name: "pending" }, SubnetId: subnetId, VpcId: vpcId, KeyName: "ops", RootDeviceName: "/dev/xvda", SecurityGroups: [{ GroupId, GroupName: "bastion" }] });
    expect(inst.MetadataOptions).toMatchObject({ HttpTokens: "required", HttpPutResponseHopLimit: 2, HttpEndpoint: "enabled" });
    expect(inst.IamInstanceProfile!.Arn).toBe("arn:aws:iam::123456789012:instance-profile/bastion");
    expect(inst.PublicIpAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(inst.PrivateIpAddress).toMatch(/^10\.0\.1\.\d+$/);
    expect(inst.LaunchTime).toBeInstanceOf(Date);
    // the same token: the same reservation, no second instance
    expect((await env.ec2.send(new E.RunInstancesCommand(run))).Instances![0].InstanceId).toBe(id);
    expect((await env.ec2.send(new E.DescribeInstancesCommand({ Filters: [{ Name: "client-token", Values: ["run-1"] }] }))).Reservations!.flatMap((x) => x.Instances)).toHaveLength(1);
    const volId = inst.BlockDeviceMappings![0].Ebs!.VolumeId!;
    const vol = (await env.ec2.send(new E.DescribeVolumesCommand({ VolumeIds: [volId] }))).Volumes![0];
    expect(vol).toMatchObject({ Encrypted: true, Size: 20, VolumeType: "gp3", State: "in-use", Tags: [{ Key: "Name", Value: "bastion-root" }] });
    expect(vol.KmsKeyId).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
    expect(vol.Attachments![0]).toMatchObject({ InstanceId: id, Device: "/dev/xvda", State: "attached" });
    env.sandbox.clock.advance(sec(30));
    let d = (await env.ec2.send(new E.DescribeInstancesCommand({ Filters: [{ Name: "tag:Name", Values: ["bastion"] }, { Name: "instance-state-name", Values: ["running"] }] }))).Reservations!;
    expect(d[0].Instances![0].State).toEqual({ Code: 16, Name: "running" });
    expect(d[0].Instances![0].NetworkInterfaces![0].Association!.PublicIp).toBe(inst.PublicIpAddress);
    // a public IP is a mapped address: the gateway cannot be detached; the group is in use
    await fails(env.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId })), "DependencyViolation");
    await fails(env.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId })), "DependencyViolation");
    await fails(env.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId })), "DependencyViolation");
    const eni = (await env.ec2.send(new E.DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [id] }] }))).NetworkInterfaces!;
    expect(eni).toHaveLength(1);
    expect(eni[0].Groups).toEqual([{ GroupId, GroupName: "bastion" }]);
    // stop
    const stop = await env.ec2.send(new E.StopInstancesCommand({ InstanceIds: [id] }));
    expect(stop.StoppingInstances![0]).toEqual({ InstanceId: id, CurrentState: { Code: 64, Name: "stopping" }, PreviousState: { Code: 16, Name: "running" } });
    await fails(env.ec2.send(new E.StartInstancesCommand({ InstanceIds: [id] })), "IncorrectInstanceState", /is not in a state from which it can be started/);
    env.sandbox.clock.advance(sec(45));
    d = (await env.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations!;
    expect(d[0].Instances![0].State!.Name).toBe("stopped");
    expect(d[0].Instances![0].PublicIpAddress).toBeUndefined();
    await env.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    await env.ec2.send(new E.AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    // start
    const start = await env.ec2.send(new E.StartInstancesCommand({ InstanceIds: [id] }));
    expect(start.StartingInstances![0].CurrentState!.Name).toBe("pending");
    env.sandbox.clock.advance(sec(40));
    d = (await env.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations!;
    expect(d[0].Instances![0].State!.Name).toBe("running");
    expect(d[0].Instances![0].PublicIpAddress).toBeTruthy();
    await env.ec2.send(new E.ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: "optional" }));
    // swap the instance's security groups: the ENI follows
    const { GroupId: g2 } = await env.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "bastion2", Description: "b2" }));
    await fails(env.ec2.send(new E.ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: "t3.small" } })), "IncorrectInstanceState");
    await env.ec2.send(new E.ModifyInstanceAttributeCommand({ InstanceId: id, Groups: [g2!] }));
    expect((await env.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0].SecurityGroups).toEqual([{ GroupId: g2, GroupName: "bastion2" }]);
    expect((await env.ec2.send(new E.DescribeNetworkInterfacesCommand({ Filters: [{ Name: "group-id", Values: [g2!] }] }))).NetworkInterfaces).toHaveLength(1);
    await env.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId }));
    await fails(env.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: g2 })), "DependencyViolation");
    // terminate
    const term = await env.ec2.send(new E.TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(term.TerminatingInstances![0].CurrentState).toEqual({ Code: 32, Name: "shutting-down" });
    env.sandbox.clock.advance(sec(45));
    d = (await env.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations!;
    expect(d[0].Instances![0].State).toEqual({ Code: 48, Name: "terminated" });
    expect(d[0].Instances![0].MetadataOptions!.HttpTokens).toBe("optional");
    expect((await env.ec2.send(new E.DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [subnetId] }] }))).NetworkInterfaces).toEqual([]);
    await fails(env.ec2.send(new E.DescribeVolumesCommand({ VolumeIds: [volId] })), "InvalidVolume.NotFound");
    await fails(env.ec2.send(new E.StartInstancesCommand({ InstanceIds: [id] })), "IncorrectInstanceState");
    await env.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: g2 }));
    await env.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }));
    env.sandbox.clock.advance(sec(3600));
    await fails(env.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: [id] })), "InvalidInstanceID.NotFound", new RegExp(`The instance ID '${id}' does not exist`));
  });

  it("uses NetworkInterfaces for public IPs and refuses unknown key pairs and groups", async () => {
    const env = await setup();
    const { subnetId } = await publicNetwork(env);
    const base = { ImageId: "ami-0123456789abcdef0", MinCount: 1, MaxCount: 2 };
    await fails(env.ec2.send(new E.RunInstancesCommand({ ...base, SubnetId: subnetId, KeyName: "nope" })), "InvalidKeyPair.NotFound");
    await fails(env.ec2.send(new E.RunInstancesCommand({ ...base, SubnetId: subnetId, SecurityGroupIds: ["sg-0000000000000000a"] })), "InvalidGroup.NotFound");
    const r = await env.ec2.send(new E.RunInstancesCommand({ ...base, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, AssociatePublicIpAddress: true }] }));
    expect(r.Instances).toHaveLength(2);
    expect(r.Instances!.every((i) => i.PublicIpAddress)).toBe(true);
    const noPub = await env.ec2.send(new E.RunInstancesCommand({ ...base, MaxCount: 1, SubnetId: subnetId }));
    expect(noPub.Instances![0].PublicIpAddress).toBeUndefined();
    await fails(env.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: ["i-0000000000000000a", "i-0000000000000000b"] })), "InvalidInstanceID.NotFound", /The instance IDs 'i-0000000000000000a, i-0000000000000000b' do not exist/);
  });
});

describe("EC2 tags and eventual consistency", () => {
  it("CreateTags/DeleteTags change what filters see", async () => {
    const env = await setup();
    const { vpcId, subnetId } = await vpcWithSubnet(env);
    await env.ec2.send(new E.CreateTagsCommand({ Resources: [vpcId, subnetId], Tags: [{ Key: "owner", Value: "ops" }] }));
    expect((await env.ec2.send(new E.DescribeSubnetsCommand({ Filters: [{ Name: "tag:owner", Values: ["ops"] }] }))).Subnets).toHaveLength(1);
    const t = await env.ec2.send(new E.DescribeTagsCommand({ Filters: [{ Name: "key", Values: ["owner"] }] }));
    expect(t.Tags!.map((x) => [x.ResourceId, x.ResourceType])).toEqual([[vpcId, "vpc"], [subnetId, "subnet"]]);
    await env.ec2.send(new E.DeleteTagsCommand({ Resources: [subnetId], Tags: [{ Key: "owner" }] }));
    expect((await env.ec2.send(new E.DescribeSubnetsCommand({ Filters: [{ Name: "tag:owner", Values: ["ops"] }] }))).Subnets).toEqual([]);
    await fails(env.ec2.send(new E.CreateTagsCommand({ Resources: ["vpc-0000000000000000a"], Tags: [{ Key: "a", Value: "b" }] })), "InvalidVpcID.NotFound");
  });

  it("hides new records for notFoundLagMs: NotFound by id, absent from lists", async () => {
    const env = await setup({ faults: { notFoundLagMs: 3000 } });
    const { Vpc } = await env.ec2.send(new E.CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
    const VpcId = Vpc!.VpcId!;
    await fails(env.ec2.send(new E.DescribeVpcsCommand({ VpcIds: [VpcId] })), "InvalidVpcID.NotFound");
    expect((await env.ec2.send(new E.DescribeVpcsCommand({}))).Vpcs).toEqual([]);
    await fails(env.ec2.send(new E.CreateSubnetCommand({ VpcId, CidrBlock: "10.0.1.0/24" })), "InvalidVpcID.NotFound");
    env.sandbox.clock.advance(3000);
    expect((await env.ec2.send(new E.DescribeVpcsCommand({ VpcIds: [VpcId] }))).Vpcs![0].VpcId).toBe(VpcId);
    const sgs = await env.ec2.send(new E.DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [VpcId] }] }));
    expect(sgs.SecurityGroups).toHaveLength(1);
  });

  it("answers unmodelled operations with UnsupportedOperation", async () => {
    const env = await setup();
    await fails(env.ec2.send(new E.CreateTransitGatewayCommand({})), "UnsupportedOperation");
  });
});

describe("EC2 more cases", () => {
  it("associates an Elastic IP with an instance, blocks release, disassociates", async () => {
    const env = await setup();
    const { subnetId } = await publicNetwork(env);
    const r = await env.ec2.send(new E.RunInstancesCommand({ ImageId: "ami-0123456789abcdef0", MinCount: 1, MaxCount: 1, SubnetId: subnetId }));
    const id = r.Instances![0].InstanceId!;
    const eip = await env.ec2.send(new E.AllocateAddressCommand({ Domain: "vpc" }));
    const { AssociationId } = await env.ec2.send(new E.AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: id }));
    expect(AssociationId).toMatch(/^eipassoc-/);
    let inst = (await env.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0];
    expect(inst.PublicIpAddress).toBe(eip.PublicIp);
    expect((await env.ec2.send(new E.DescribeAddressesCommand({ Filters: [{ Name: "instance-id", Values: [id] }] }))).Addresses![0].AllocationId).toBe(eip.AllocationId);
    await fails(env.ec2.send(new E.ReleaseAddressCommand({ AllocationId: eip.AllocationId })), "InvalidIPAddress.InUse");
    await env.ec2.send(new E.DisassociateAddressCommand({ AssociationId }));
    inst = (await env.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0];
    expect(inst.PublicIpAddress).toBeUndefined();
    await fails(env.ec2.send(new E.DisassociateAddressCommand({ AssociationId })), "InvalidAssociationID.NotFound");
    await env.ec2.send(new E.ReleaseAddressCommand({ AllocationId: eip.AllocationId }));
  });

  it("routes IPv6 through an egress-only internet gateway only", async () => {
    const env = await setup();
    const { vpcId } = await vpcWithSubnet(env, true);
    const { EgressOnlyInternetGateway } = await env.ec2.send(new E.CreateEgressOnlyInternetGatewayCommand({ VpcId: vpcId }));
    const eigw = EgressOnlyInternetGateway!.EgressOnlyInternetGatewayId!;
    const { RouteTable } = await env.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId }));
    const RouteTableId = RouteTable!.RouteTableId!;
    await fails(env.ec2.send(new E.CreateRouteCommand({ RouteTableId, DestinationCidrBlock: "0.0.0.0/0", EgressOnlyInternetGatewayId: eigw })), "InvalidParameterValue");
    await env.ec2.send(new E.CreateRouteCommand({ RouteTableId, DestinationIpv6CidrBlock: "::/0", EgressOnlyInternetGatewayId: eigw }));
    const rt = (await env.ec2.send(new E.DescribeRouteTablesCommand({ Filters: [{ Name: "route.egress-only-internet-gateway-id", Values: [eigw] }] }))).RouteTables!;
    expect(rt.map((t) => t.RouteTableId)).toEqual([RouteTableId]);
    await fails(env.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId })), "DependencyViolation");
  });

  it("gives interface endpoints ENIs that block subnet deletion until the endpoint is deleted", async () => {
    const env = await setup();
    const { vpcId, subnetId } = await vpcWithSubnet(env);
    const { VpcEndpoint } = await env.ec2.send(new E.CreateVpcEndpointCommand({ VpcId: vpcId, VpcEndpointType: "Interface", ServiceName: "com.amazonaws.eu-west-1.ssm", SubnetIds: [subnetId] }));
    expect(VpcEndpoint!.NetworkInterfaceIds).toHaveLength(1);
    const eni = (await env.ec2.send(new E.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: VpcEndpoint!.NetworkInterfaceIds }))).NetworkInterfaces![0];
    expect(eni).toMatchObject({ InterfaceType: "vpc_endpoint", RequesterManaged: true, SubnetId: subnetId });
    await fails(env.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId })), "DependencyViolation");
    await env.ec2.send(new E.DeleteVpcEndpointsCommand({ VpcEndpointIds: [VpcEndpoint!.VpcEndpointId!] }));
    await env.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }));
  });

  it("keeps working after the state is saved and loaded (JSON-safe records)", async () => {
    const { Sandbox } = await import("../../src/sandbox/sandbox.js");
    const { allServices } = await import("../../src/sandbox/services/index.js");
    const { AwsClients } = await import("../../src/aws/clients.js");
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const env = await setup();
    const { subnetId } = await publicNetwork(env);
    const eip = await env.ec2.send(new E.AllocateAddressCommand({ Domain: "vpc" }));
    const { NatGateway } = await env.ec2.send(new E.CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId: eip.AllocationId, ClientToken: "persist" }));
    const file = join(mkdtempSync(join(tmpdir(), "ec2-")), "state.json");
    env.sandbox.save(file);
    const sandbox2 = Sandbox.load(file, { services: allServices() });
    const ec2b = await new AwsClients({ region: "eu-west-1", sandbox: sandbox2 }).get("ec2");
    sandbox2.clock.advance(sec(105));
    const n = (await ec2b.send(new E.DescribeNatGatewaysCommand({ NatGatewayIds: [NatGateway!.NatGatewayId!] }))).NatGateways![0];
    expect(n.State).toBe("available");
    expect(n.CreateTime).toBeInstanceOf(Date);
    const again = await ec2b.send(new E.CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId: eip.AllocationId, ClientToken: "persist" }));
    expect(again.NatGateway!.NatGatewayId).toBe(NatGateway!.NatGatewayId);
  });

  it("answers RequestLimitExceeded under the throttling fault, which the SDK retries", async () => {
    const { sandbox, aws } = newSandbox({ faults: { throttleRate: 0.5, seed: 7 } });
    const ec2 = await aws.get("ec2");
    for (let i = 0; i < 5; i++) await ec2.send(new E.CreateVpcCommand({ CidrBlock: `10.${i}.0.0/16` }));
    expect((await ec2.send(new E.DescribeVpcsCommand({}))).Vpcs).toHaveLength(5);
    expect(sandbox.journal.some((c) => c.error === "RequestLimitExceeded")).toBe(true);
  });

  it("simulated time stands still while the SDK backs off between throttled attempts", async () => {
    const { sandbox, aws } = newSandbox({ faults: { throttleRate: 0.6, seed: 3 } });
    const ec2 = await aws.get("ec2");
    const t0 = sandbox.clock.now();
    let woke: number | undefined;
    // Something else in the run is waiting on the clock (another node's poll).
    void sandbox.clock.sleep(60_000).then(() => (woke = sandbox.clock.now()));
    for (let i = 0; i < 10; i++) await ec2.send(new E.DescribeVpcsCommand({}));
    const retried = sandbox.journal.filter((c) => c.error === "RequestLimitExceeded").length;
    expect(retried).toBeGreaterThan(3);
    // DescribeVpcs has no simulated latency: ten calls, retries included, take no simulated time.
    expect(woke).toBeUndefined();
    expect(sandbox.clock.now()).toBe(t0);
  });
});
