/**
 * Resource kind `route-table`.
 * Tests: test/resources/route-table.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-routes.ts.
 */
import {
  AssociateRouteTableCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DescribeRouteTablesCommand,
  DisassociateRouteTableCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  paginateDescribeRouteTables,
  type Route,
  type RouteTable,
} from "@aws-sdk/client-ec2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { createWithToken, type ResourceContext } from "./context.js";
import { deleted, envFilter, foundByTags, listOnce, orUndefined, retryOn, sameSet, tagSpec } from "./toolkit.js";

/** A route this table must have: an IPv4 or IPv6 destination and one target. */
export interface RouteSpec {
  destination: string;
  gatewayId?: string;
  natGatewayId?: string;
}

/** NET-04/05/06: a route table, its routes and the subnets associated with it. */
export interface RouteTableSpec {
  vpcId: string;
  routes: RouteSpec[];
  subnetIds: string[];
}

const destOf = (r: Route) => r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock;
const targetOf = (r: { gatewayId?: string; natGatewayId?: string; GatewayId?: string; NatGatewayId?: string }) =>
  ("GatewayId" in r || "NatGatewayId" in r ? (r as Route).NatGatewayId ?? (r as Route).GatewayId : (r as RouteSpec).natGatewayId ?? (r as RouteSpec).gatewayId) ?? "";

/** Routes opsctl manages: CIDR destinations that are not the VPC's local routes (endpoint routes use prefix lists). */
const managedRoutes = (t: RouteTable) => (t.Routes ?? []).filter((r) => destOf(r) && r.GatewayId !== "local");
const subnetAssociations = (t: RouteTable) => (t.Associations ?? []).filter((a) => a.SubnetId && !a.Main && a.AssociationState?.State !== "disassociated");

function envTables(ctx: ResourceContext): Promise<RouteTable[]> {
  return listOnce(ctx, "ec2:rtbs", "ec2", paginateDescribeRouteTables, { Filters: envFilter(ctx) }, (p) => p.RouteTables);
}

export const routeTable: ResourceKind<RouteTableSpec, RouteTable, ResourceContext, { id: string }> = {
  kind: "route-table",
  budget: { create: slowMs("ec2.route-table.create") * 6, delete: 20 * 60_000 },
  typicalCreateMs: typicalMs("ec2.route-table.create"),

  ...foundByTags(envTables),
  diff(spec, t) {
    const c: FieldChange[] = [];
    if (t.VpcId !== spec.vpcId) c.push({ field: "VpcId", from: t.VpcId, to: spec.vpcId, replace: true });
    const actual = managedRoutes(t);
    for (const want of spec.routes) {
      const have = actual.find((r) => destOf(r) === want.destination);
      if (!have) c.push({ field: `route ${want.destination}`, from: undefined, to: targetOf(want) });
      else if (targetOf(have) !== targetOf(want) || have.State === "blackhole") c.push({ field: `route ${want.destination}`, from: `${targetOf(have)}${have.State === "blackhole" ? " (blackhole)" : ""}`, to: targetOf(want) });
    }
    for (const r of actual) {
      if (!spec.routes.some((w) => w.destination === destOf(r))) c.push({ field: `route ${destOf(r)}`, from: targetOf(r), to: undefined });
    }
    const subnets = subnetAssociations(t).map((a) => a.SubnetId!);
    if (!sameSet(subnets, spec.subnetIds)) c.push({ field: "associations", from: subnets.sort(), to: [...spec.subnetIds].sort() });
    return c;
  },
  async create(ctx, spec) {
    const ec2 = await ctx.aws.get("ec2");
    // A deleted route table's token is refused (IdempotentParameterMismatch): createWithToken takes the next one.
    const r = await createWithToken(ctx, [spec.vpcId], (ClientToken) =>
      retryOn(["InvalidVpcID.NotFound"], ctx.node, () => ec2.send(new CreateRouteTableCommand({ VpcId: spec.vpcId, ClientToken, TagSpecifications: tagSpec(ctx, "route-table") }))),
      () => false,
    );
    // Routes and associations are applied by the post-create diff.
    return r.RouteTable!;
  },
  async update(ctx, spec, t, changes) {
    const ec2 = await ctx.aws.get("ec2");
    const RouteTableId = t.RouteTableId!;
    const what = `route table ${RouteTableId}`;
    const notYet = ["InvalidRouteTableID.NotFound", "InvalidNatGatewayID.NotFound", "InvalidGatewayID.NotFound", "InvalidSubnetID.NotFound"];
    await Promise.all(
      changes
        .filter((c) => c.field.startsWith("route "))
        .map(async (c) => {
          const dest = c.field.slice("route ".length);
          const v6 = dest.includes(":");
          const destination = v6 ? { DestinationIpv6CidrBlock: dest } : { DestinationCidrBlock: dest };
          const want = spec.routes.find((r) => r.destination === dest);
          if (!want) return deleted(ec2.send(new DeleteRouteCommand({ RouteTableId, ...destination })));
          const target = want.natGatewayId ? { NatGatewayId: want.natGatewayId } : { GatewayId: want.gatewayId };
          if (c.from === undefined) {
            try {
              await retryOn(notYet, what, () => ec2.send(new CreateRouteCommand({ RouteTableId, ...destination, ...target })));
              return;
            } catch (e) {
              if (!isCode(e, "RouteAlreadyExists")) throw e;
            }
          }
          await retryOn(notYet, what, () => ec2.send(new ReplaceRouteCommand({ RouteTableId, ...destination, ...target })));
        }),
    );
    if (changes.some((c) => c.field === "associations")) {
      const current = subnetAssociations(t);
      for (const a of current.filter((a) => !spec.subnetIds.includes(a.SubnetId!))) {
        await deleted(ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId })));
      }
      for (const subnetId of spec.subnetIds.filter((s) => !current.some((a) => a.SubnetId === s))) {
        await associate(ctx, RouteTableId, subnetId, what);
      }
    }
    return (await this.refresh(ctx, t)) ?? t;
  },
  async delete(ctx, t) {
    const ec2 = await ctx.aws.get("ec2");
    for (const a of subnetAssociations(t)) await deleted(ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId })));
    await retryOn(["DependencyViolation"], `route table ${t.RouteTableId}`, () => deleted(ec2.send(new DeleteRouteTableCommand({ RouteTableId: t.RouteTableId }))));
  },
  async refresh(ctx, t) {
    const ec2 = await ctx.aws.get("ec2");
    return (await orUndefined(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [t.RouteTableId!] }))))?.RouteTables?.[0];
  },
  describe: (t) => {
    const blackholes = managedRoutes(t).filter((r) => r.State === "blackhole");
    return {
      id: t.RouteTableId!,
      state: blackholes.length ? "blackhole route" : "active",
      healthy: blackholes.length === 0,
      details: { routes: managedRoutes(t).map((r) => `${destOf(r)} -> ${targetOf(r)}`), subnets: subnetAssociations(t).map((a) => a.SubnetId) },
    };
  },
  outputs: (t) => ({ id: t.RouteTableId! }),
};

/** Associates a subnet; if it is explicitly associated with another table, moves it (ReplaceRouteTableAssociation). */
async function associate(ctx: ResourceContext, routeTableId: string, subnetId: string, what: string): Promise<void> {
  const ec2 = await ctx.aws.get("ec2");
  try {
    await retryOn(["InvalidRouteTableID.NotFound", "InvalidSubnetID.NotFound"], what, () => ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId })));
  } catch (e) {
    if (!isCode(e, "Resource.AlreadyAssociated")) throw e;
    const other = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnetId] }] }));
    const assoc = other.RouteTables?.flatMap((t) => t.Associations ?? []).find((a) => a.SubnetId === subnetId);
    if (assoc && assoc.RouteTableId !== routeTableId) {
      await ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: assoc.RouteTableAssociationId, RouteTableId: routeTableId }));
    }
  }
}
