/**
 * Resource kind `db-subnet-group`.
 * Tests: test/resources/db-subnet-group.test.ts.
 * Sandbox: src/sandbox/services/rds.ts, src/sandbox/services/rds-groups.ts.
 */
import {
  CreateDBSubnetGroupCommand,
  DeleteDBSubnetGroupCommand,
  DescribeDBSubnetGroupsCommand,
  ModifyDBSubnetGroupCommand,
  paginateDescribeDBSubnetGroups,
  type DBSubnetGroup,
} from "@aws-sdk/client-rds";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { listOnce, orUndefined, retryOn, sameSet, sorted } from "./toolkit.js";
import { groupFinder } from "./db-common.js";

/** RDS-05 / RDS-11: a DB subnet group over the isolated subnets, every one with an IPv6 CIDR (DUAL-capable). */
export interface DbSubnetGroupSpec {
  /** RDS stores it in lowercase. */
  name: string;
  description: string;
  subnetIds: string[];
}

const subnetIds = (g: DBSubnetGroup) => (g.Subnets ?? []).map((s) => s.SubnetIdentifier!);
const dual = (g: DBSubnetGroup) => (g.SupportedNetworkTypes ?? []).includes("DUAL");

async function describeGroup(ctx: ResourceContext, name: string): Promise<DBSubnetGroup | undefined> {
  const rds = await ctx.aws.get("rds");
  return (await orUndefined(rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }))))?.DBSubnetGroups?.[0];
}

function allGroups(ctx: ResourceContext): Promise<DBSubnetGroup[]> {
  return listOnce(ctx, "rds:subnet-groups", "rds", paginateDescribeDBSubnetGroups, {}, (p) => p.DBSubnetGroups);
}

export const dbSubnetGroup: ResourceKind<DbSubnetGroupSpec, DBSubnetGroup, ResourceContext, { id: string; name: string; arn: string; vpcId: string | undefined }> = {
  kind: "db-subnet-group",
  budget: { create: slowMs("rds.subnet-group.create") * 6, delete: slowMs("rds.instance.delete") },
  typicalCreateMs: typicalMs("rds.subnet-group.create"),

  ...groupFinder(allGroups, (g) => g.DBSubnetGroupName!, (g) => g.DBSubnetGroupArn!),
  diff(spec, g) {
    const c: FieldChange[] = [];
    if ((g.DBSubnetGroupDescription ?? "") !== spec.description) c.push({ field: "DBSubnetGroupDescription", from: g.DBSubnetGroupDescription, to: spec.description });
    if (!sameSet(subnetIds(g), spec.subnetIds)) c.push({ field: "SubnetIds", from: sorted(subnetIds(g)), to: sorted(spec.subnetIds) });
    return c;
  },
  async create(ctx, spec) {
    const rds = await ctx.aws.get("rds");
    // RDS has no client token: a repeated create answers DBSubnetGroupAlreadyExists, and the group is found by its name.
    const r = await retryOn(["InvalidSubnet"], ctx.node, () =>
      rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: spec.name, DBSubnetGroupDescription: spec.description, SubnetIds: spec.subnetIds, Tags: ctx.tags() })),
    );
    return r.DBSubnetGroup!;
  },
  async update(ctx, spec, g) {
    const rds = await ctx.aws.get("rds");
    const r = await retryOn(["InvalidSubnet"], ctx.node, () =>
      rds.send(new ModifyDBSubnetGroupCommand({ DBSubnetGroupName: g.DBSubnetGroupName, DBSubnetGroupDescription: spec.description, SubnetIds: spec.subnetIds })),
    );
    return r.DBSubnetGroup!;
  },
  async delete(ctx, g) {
    const rds = await ctx.aws.get("rds");
    // Still used by a DB instance that is being deleted: try again until it is gone.
    await orUndefined(retryOn(["InvalidDBSubnetGroupStateFault"], ctx.node, () => rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: g.DBSubnetGroupName })), 15_000));
  },
  refresh: (ctx, g) => describeGroup(ctx, g.DBSubnetGroupName!),
  // RDS-11: DUAL needs an IPv6 CIDR on every subnet; no update can fix that here (the subnets' IPv6 comes from the network layer).
  isReady: (g) => dual(g),
  failure: (g) => (dual(g) ? undefined : `SupportedNetworkTypes is ${JSON.stringify(g.SupportedNetworkTypes ?? [])}: every subnet needs an IPv6 CIDR block for a DUAL (RDS-11) DB instance`),
  describe: (g) => ({
    id: g.DBSubnetGroupName!,
    state: g.SubnetGroupStatus ?? "unknown",
    healthy: g.SubnetGroupStatus === "Complete" && dual(g),
    details: { vpc: g.VpcId, subnets: subnetIds(g), networkTypes: g.SupportedNetworkTypes },
  }),
  outputs: (g) => ({ id: g.DBSubnetGroupName!, name: g.DBSubnetGroupName!, arn: g.DBSubnetGroupArn!, vpcId: g.VpcId }),
};
