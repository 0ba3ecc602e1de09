/** Simulated EC2: route tables, routes and their associations (behaviour: ec2.md). */
import type { EC2 } from "@aws-sdk/client-ec2";
import { handler, type Handlers, type SimRecord } from "../types.js";
import { type Ctx, describe, find, get, idempotent, list, newRouteTable, required, rtView, vpcIpv4Blocks, vpcIpv6Blocks } from "./ec2-core.js";
import { parse4, parse6, requestHash, tagsFor } from "./ec2-util.js";

// ---------------------------------------------------------------- route tables

const CreateRouteTable = handler<EC2, "CreateRouteTable">((input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const idem = idempotent(ctx, "CreateRouteTable", input.ClientToken, requestHash(input), "routeTables");
  if (idem.replay && ctx.table("routeTables")[idem.replay]) return { ClientToken: input.ClientToken, RouteTable: rtView(ctx, ctx.table("routeTables")[idem.replay]) };
  const rt = newRouteTable(ctx, vpc, false, tagsFor(input.TagSpecifications, "route-table"));
  idem.remember(rt.RouteTableId);
  return { ClientToken: input.ClientToken, RouteTable: rtView(ctx, rt) };
});

const DescribeRouteTables = handler<EC2, "DescribeRouteTables">((input, ctx) => {
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
});

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

const CreateRoute = handler<EC2, "CreateRoute">((input, ctx) => {
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
});

const ReplaceRoute = handler<EC2, "ReplaceRoute">((input, ctx) => {
  const rt = get(ctx, "routeTables", required(ctx, input, "RouteTableId"));
  const [k, v] = routeDestination(ctx, input);
  const i = rt.Routes.findIndex((r: SimRecord) => sameDestination(r, k, v));
  if (i < 0) return ctx.fail("InvalidParameterValue", `There is no route defined for '${v}' in the route table. Use CreateRoute instead.`);
  if (rt.Routes[i].GatewayId === "local" && !input.NetworkInterfaceId) return ctx.fail("InvalidParameterValue", `cannot replace local route ${v} in route table ${rt.RouteTableId}`);
  const target = routeTarget(ctx, rt, input);
  rt.Routes[i] = { [k]: v, ...target, Origin: "CreateRoute", State: "active" };
  return {};
});

const DeleteRoute = handler<EC2, "DeleteRoute">((input, ctx) => {
  const rt = get(ctx, "routeTables", required(ctx, input, "RouteTableId"));
  const [k, v] = routeDestination(ctx, input);
  const i = rt.Routes.findIndex((r: SimRecord) => sameDestination(r, k, v));
  const label = k === "DestinationCidrBlock" ? "destination-cidr-block" : k === "DestinationIpv6CidrBlock" ? "destination-ipv6-cidr-block" : "destination-prefix-list-id";
  if (i < 0) return ctx.fail("InvalidRoute.NotFound", `no route with ${label} ${v} in route table ${rt.RouteTableId}`);
  if (rt.Routes[i].GatewayId === "local") return ctx.fail("InvalidParameterValue", `cannot remove local route ${v} in route table ${rt.RouteTableId}`);
  if (rt.Routes[i].GatewayId?.startsWith("vpce-")) return ctx.fail("InvalidParameterValue", `Route ${v} in route table ${rt.RouteTableId} is managed by VPC endpoint ${rt.Routes[i].GatewayId}`);
  rt.Routes.splice(i, 1);
  return {};
});

function findRtAssociation(ctx: Ctx, id: string): [SimRecord, SimRecord] {
  for (const rt of list(ctx, "routeTables")) {
    const a = rt.Associations.find((x: SimRecord) => x.RouteTableAssociationId === id);
    if (a) return [rt, a];
  }
  return ctx.fail("InvalidAssociationID.NotFound", `The association ID '${id}' does not exist`);
}

const AssociateRouteTable = handler<EC2, "AssociateRouteTable">((input, ctx) => {
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
});

const DisassociateRouteTable = handler<EC2, "DisassociateRouteTable">((input, ctx) => {
  const [rt, a] = findRtAssociation(ctx, required(ctx, input, "AssociationId"));
  if (a.Main) return ctx.fail("InvalidParameterValue", `cannot disassociate the main route table association ${a.RouteTableAssociationId}`);
  rt.Associations = rt.Associations.filter((x: SimRecord) => x !== a);
  return {};
});

const ReplaceRouteTableAssociation = handler<EC2, "ReplaceRouteTableAssociation">((input, ctx) => {
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
});

const DeleteRouteTable = handler<EC2, "DeleteRouteTable">((input, ctx) => {
  const rt = get(ctx, "routeTables", required(ctx, input, "RouteTableId"));
  if (rt.Associations.length) return ctx.fail("DependencyViolation", `The routeTable '${rt.RouteTableId}' has dependencies and cannot be deleted.`);
  for (const ep of Object.values(ctx.table("vpcEndpoints"))) ep.RouteTableIds = (ep.RouteTableIds ?? []).filter((x: string) => x !== rt.RouteTableId);
  delete ctx.table("routeTables")[rt.RouteTableId];
  return {};
});

/** The routes handlers of the simulated EC2. */
export const routeHandlers: Handlers<EC2> = {
  CreateRouteTable, DescribeRouteTables, CreateRoute, ReplaceRoute, DeleteRoute, AssociateRouteTable, DisassociateRouteTable, ReplaceRouteTableAssociation, DeleteRouteTable,
};
