/** Simulated EC2: internet gateways, egress-only internet gateways, Elastic IPs and NAT gateways (behaviour: ec2.md). */
import type { EC2 } from "@aws-sdk/client-ec2";
import { handler, type Handlers, type SimRecord } from "../types.js";
import { type Ctx, describe, disassociateEip, get, idempotent, list, newEni, newPublicIp, required, setEniAssociation } from "./ec2-core.js";
import { iso, out, requestHash, tagsFor } from "./ec2-util.js";

// ---------------------------------------------------------------- internet gateways

const CreateInternetGateway = handler<EC2, "CreateInternetGateway">((input, ctx) => {
  const id = ctx.newId("igw");
  const igw = ctx.born({ Attachments: [], InternetGatewayId: id, OwnerId: ctx.accountId, _tags: tagsFor(input.TagSpecifications, "internet-gateway") });
  ctx.table("internetGateways")[id] = igw;
  return { InternetGateway: out(igw) };
});

const AttachInternetGateway = handler<EC2, "AttachInternetGateway">((input, ctx) => {
  const igw = get(ctx, "internetGateways", required(ctx, input, "InternetGatewayId"));
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  if (igw.Attachments.length) return ctx.fail("Resource.AlreadyAssociated", `resource ${igw.InternetGatewayId} is already attached to network ${igw.Attachments[0].VpcId}`);
  const other = Object.values(ctx.table("internetGateways")).find((g) => g.Attachments.some((a: SimRecord) => a.VpcId === vpc.VpcId));
  if (other) return ctx.fail("InvalidParameterValue", `Network ${vpc.VpcId} already has an internet gateway attached`);
  igw.Attachments = [{ State: "available", VpcId: vpc.VpcId }];
  return {};
});

/** Public addresses mapped in a VPC: Elastic IPs associated with its interfaces, public IPs of its instances. */
function hasMappedPublicAddresses(ctx: Ctx, vpcId: string): boolean {
  return Object.values(ctx.table("networkInterfaces")).some((e) => e.VpcId === vpcId && e.Association?.PublicIp);
}

const DetachInternetGateway = handler<EC2, "DetachInternetGateway">((input, ctx) => {
  const igw = get(ctx, "internetGateways", required(ctx, input, "InternetGatewayId"));
  const vpcId = required(ctx, input, "VpcId");
  if (!igw.Attachments.some((a: SimRecord) => a.VpcId === vpcId)) return ctx.fail("Gateway.NotAttached", `resource ${igw.InternetGatewayId} is not attached to network ${vpcId}`);
  if (hasMappedPublicAddresses(ctx, vpcId)) {
    return ctx.fail("DependencyViolation", `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`);
  }
  igw.Attachments = [];
  return {};
});

const DeleteInternetGateway = handler<EC2, "DeleteInternetGateway">((input, ctx) => {
  const igw = get(ctx, "internetGateways", required(ctx, input, "InternetGatewayId"));
  if (igw.Attachments.length) return ctx.fail("DependencyViolation", `The internetGateway '${igw.InternetGatewayId}' has dependencies and cannot be deleted.`);
  delete ctx.table("internetGateways")[igw.InternetGatewayId];
  return {};
});

const DescribeInternetGateways = handler<EC2, "DescribeInternetGateways">((input, ctx) => {
  const { items, next } = describe(ctx, "internetGateways", input, input.InternetGatewayIds, {
    "internet-gateway-id": (g) => g.InternetGatewayId,
    "attachment.vpc-id": (g) => g.Attachments.map((a: SimRecord) => a.VpcId),
    "attachment.state": (g) => g.Attachments.map((a: SimRecord) => a.State),
    "owner-id": (g) => g.OwnerId,
  });
  return { InternetGateways: items.map(out), NextToken: next };
});

const CreateEgressOnlyInternetGateway = handler<EC2, "CreateEgressOnlyInternetGateway">((input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const idem = idempotent(ctx, "CreateEgressOnlyInternetGateway", input.ClientToken, requestHash(input), "egressOnlyInternetGateways");
  if (idem.replay && ctx.table("egressOnlyInternetGateways")[idem.replay]) {
    return { ClientToken: input.ClientToken, EgressOnlyInternetGateway: out(ctx.table("egressOnlyInternetGateways")[idem.replay]) };
  }
  const id = ctx.newId("eigw");
  const g = ctx.born({ Attachments: [{ State: "attached", VpcId: vpc.VpcId }], EgressOnlyInternetGatewayId: id, _tags: tagsFor(input.TagSpecifications, "egress-only-internet-gateway") });
  ctx.table("egressOnlyInternetGateways")[id] = g;
  idem.remember(id);
  return { ClientToken: input.ClientToken, EgressOnlyInternetGateway: out(g) };
});

const DescribeEgressOnlyInternetGateways = handler<EC2, "DescribeEgressOnlyInternetGateways">((input, ctx) => {
  const { items, next } = describe(ctx, "egressOnlyInternetGateways", input, input.EgressOnlyInternetGatewayIds, {});
  return { EgressOnlyInternetGateways: items.map(out), NextToken: next };
});

const DeleteEgressOnlyInternetGateway = handler<EC2, "DeleteEgressOnlyInternetGateway">((input, ctx) => {
  const g = get(ctx, "egressOnlyInternetGateways", required(ctx, input, "EgressOnlyInternetGatewayId"));
  delete ctx.table("egressOnlyInternetGateways")[g.EgressOnlyInternetGatewayId];
  return { ReturnCode: true };
});

// ---------------------------------------------------------------- Elastic IPs

const AllocateAddress = handler<EC2, "AllocateAddress">((input, ctx) => {
  const id = ctx.newId("eipalloc");
  const a = ctx.born({
    AllocationId: id,
    PublicIp: newPublicIp(ctx),
    Domain: "vpc",
    PublicIpv4Pool: "amazon",
    NetworkBorderGroup: input.NetworkBorderGroup ?? ctx.region,
    _tags: tagsFor(input.TagSpecifications, "elastic-ip"),
  });
  ctx.table("addresses")[id] = a;
  return { AllocationId: id, PublicIp: a.PublicIp, PublicIpv4Pool: "amazon", NetworkBorderGroup: a.NetworkBorderGroup, Domain: "vpc" };
});

const DescribeAddresses = handler<EC2, "DescribeAddresses">((input, ctx) => {
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
});

function addressByInput(ctx: Ctx, input: any): SimRecord {
  if (input.AllocationId) return get(ctx, "addresses", input.AllocationId);
  if (input.PublicIp) {
    const a = list(ctx, "addresses").find((x) => x.PublicIp === input.PublicIp);
    if (!a) return ctx.fail("InvalidAddress.NotFound", `Address '${input.PublicIp}' not found.`);
    return a;
  }
  return ctx.fail("MissingParameter", "The request must contain the parameter AllocationId");
}

const ReleaseAddress = handler<EC2, "ReleaseAddress">((input, ctx) => {
  const a = addressByInput(ctx, input);
  if (a.AssociationId) return ctx.fail("InvalidIPAddress.InUse", `Address ${a.PublicIp} is in use.`);
  delete ctx.table("addresses")[a.AllocationId];
  return {};
});

const AssociateAddress = handler<EC2, "AssociateAddress">((input, ctx) => {
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
});

const DisassociateAddress = handler<EC2, "DisassociateAddress">((input, ctx) => {
  const a = input.AssociationId
    ? list(ctx, "addresses").find((x) => x.AssociationId === input.AssociationId)
    : list(ctx, "addresses").find((x) => x.PublicIp === input.PublicIp && x.AssociationId);
  if (!a) return ctx.fail("InvalidAssociationID.NotFound", `The association ID '${input.AssociationId ?? input.PublicIp}' does not exist`);
  const eni = ctx.table("networkInterfaces")[a.NetworkInterfaceId];
  if (eni?.RequesterManaged) return ctx.fail("AuthFailure", "You do not have permission to access the specified resource.");
  disassociateEip(ctx, a);
  return {};
});

// ---------------------------------------------------------------- NAT gateways

const CreateNatGateway = handler<EC2, "CreateNatGateway">((input, ctx) => {
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
    _tags: tagsFor(input.TagSpecifications, "natgateway"),
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
});

const DescribeNatGateways = handler<EC2, "DescribeNatGateways">((input, ctx) => {
  const { items, next } = describe(ctx, "natGateways", input, input.NatGatewayIds, {
    "nat-gateway-id": (n) => n.NatGatewayId,
    state: (n) => n.State,
    "subnet-id": (n) => n.SubnetId,
    "vpc-id": (n) => n.VpcId,
  });
  return { NatGateways: items.map(out), NextToken: next };
});

const DeleteNatGateway = handler<EC2, "DeleteNatGateway">((input, ctx) => {
  const nat = get(ctx, "natGateways", required(ctx, input, "NatGatewayId"));
  if (nat.State === "pending" || nat.State === "available") {
    nat.State = "deleting";
    nat._deletedAt = ctx.now() + ctx.duration("ec2.nat-gateway.delete");
    for (const a of nat.NatGatewayAddresses) if (a.AllocationId) a.Status = "disassociating";
  }
  return { NatGatewayId: nat.NatGatewayId };
});

/** The gateways handlers of the simulated EC2. */
export const gatewayHandlers: Handlers<EC2> = {
  CreateInternetGateway, AttachInternetGateway, DetachInternetGateway, DeleteInternetGateway, DescribeInternetGateways, CreateEgressOnlyInternetGateway, DescribeEgressOnlyInternetGateways, DeleteEgressOnlyInternetGateway, AllocateAddress, DescribeAddresses, ReleaseAddress, AssociateAddress, DisassociateAddress, CreateNatGateway, DescribeNatGateways, DeleteNatGateway,
};
