/** Simulated EC2: VPC endpoints and prefix lists (behaviour: ec2.md). */
import type { EC2 } from "@aws-sdk/client-ec2";
import { handler, type Handlers, type SimRecord } from "../types.js";
import { type Ctx, describe, describeStatic, find, get, idempotent, newEni, required } from "./ec2-core.js";
import { iso, out, requestHash, tagsFor } from "./ec2-util.js";

// ---------------------------------------------------------------- VPC endpoints and prefix lists

export function prefixLists(ctx: Ctx): SimRecord[] {
  const h = [...ctx.region].reduce((x, ch) => (x * 31 + ch.charCodeAt(0)) >>> 0, 7);
  return [
    { PrefixListId: `pl-${(0x6da54004 ^ h).toString(16).padStart(8, "0").slice(-8)}`, PrefixListName: `com.amazonaws.${ctx.region}.s3`, Cidrs: ["52.218.0.0/17", "3.5.64.0/21", "52.92.16.0/20"] },
    { PrefixListId: `pl-${(0x6fa54006 ^ h).toString(16).padStart(8, "0").slice(-8)}`, PrefixListName: `com.amazonaws.${ctx.region}.dynamodb`, Cidrs: ["52.94.24.0/23", "52.119.240.0/21"] },
  ];
}

const DescribePrefixLists = handler<EC2, "DescribePrefixLists">((input, ctx) => {
  let pls = prefixLists(ctx);
  const wanted = input.PrefixListIds ?? [];
  if (wanted.length) {
    for (const id of wanted) if (!pls.some((p) => p.PrefixListId === id)) ctx.fail("InvalidPrefixListId.NotFound", `The prefix list ID '${id}' does not exist`);
    pls = pls.filter((p) => wanted.includes(p.PrefixListId));
  }
  const { items } = describeStatic(pls, input, { "prefix-list-id": (p) => p.PrefixListId, "prefix-list-name": (p) => p.PrefixListName });
  return { PrefixLists: items };
});

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

const CreateVpcEndpoint = handler<EC2, "CreateVpcEndpoint">((input, ctx) => {
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
    _tags: tagsFor(input.TagSpecifications, "vpc-endpoint"),
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
});

const DescribeVpcEndpoints = handler<EC2, "DescribeVpcEndpoints">((input, ctx) => {
  const { items, next } = describe(ctx, "vpcEndpoints", input, input.VpcEndpointIds, {
    "vpc-endpoint-id": (e) => e.VpcEndpointId,
    "vpc-id": (e) => e.VpcId,
    "service-name": (e) => e.ServiceName,
    "vpc-endpoint-state": (e) => e.State,
    "vpc-endpoint-type": (e) => e.VpcEndpointType,
    "ip-address-type": (e) => e.IpAddressType,
  });
  return { VpcEndpoints: items.map(out), NextToken: next };
});

const ModifyVpcEndpoint = handler<EC2, "ModifyVpcEndpoint">((input, ctx) => {
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
});

const DeleteVpcEndpoints = handler<EC2, "DeleteVpcEndpoints">((input, ctx) => {
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
});

/** The endpoints handlers of the simulated EC2. */
export const endpointHandlers: Handlers<EC2> = {
  CreateVpcEndpoint, DescribeVpcEndpoints, ModifyVpcEndpoint, DeleteVpcEndpoints, DescribePrefixLists,
};
