/**
 * Resource kind `db-parameter-group`.
 * Tests: test/resources/db-parameter-group.test.ts.
 * Sandbox: src/sandbox/services/rds.ts, src/sandbox/services/rds-groups.ts.
 */
import {
  CreateDBParameterGroupCommand,
  DeleteDBParameterGroupCommand,
  DescribeDBParameterGroupsCommand,
  ModifyDBParameterGroupCommand,
  paginateDescribeDBParameterGroups,
  paginateDescribeDBParameters,
  type DBParameterGroup,
  type Parameter,
} from "@aws-sdk/client-rds";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, listOnce, orUndefined, retryOn } from "./toolkit.js";
import { groupsOfNode } from "./db-common.js";

/**
 * A DB parameter group: RDS-06 `require_secure_transport=1`, RDS-09 `general_log=1`,
 * `slow_query_log=1`, `log_output=FILE` (CloudWatch Logs export reads the log files).
 * Only the named parameters are compared and set; the others keep the engine defaults.
 */
export interface DbParameterGroupSpec {
  /** RDS stores it in lowercase. */
  name: string;
  /** e.g. `mysql8.4` (parameterGroupFamily of the engine version). */
  family: string;
  description: string;
  parameters: Record<string, string>;
}

/** A group with every parameter as DescribeDBParameters reports it. */
export interface DbParameterGroupActual {
  group: DBParameterGroup;
  parameters: Record<string, Parameter>;
}

async function read(ctx: ResourceContext, group: DBParameterGroup): Promise<DbParameterGroupActual | undefined> {
  const rds = await ctx.aws.get("rds");
  const list = await orUndefined(collect(paginateDescribeDBParameters({ client: rds }, { DBParameterGroupName: group.DBParameterGroupName }), (p) => p.Parameters));
  if (!list) return undefined;
  const parameters: Record<string, Parameter> = {};
  for (const x of list) parameters[x.ParameterName!] = x;
  return { group, parameters };
}

function allGroups(ctx: ResourceContext): Promise<DBParameterGroup[]> {
  return listOnce(ctx, "rds:parameter-groups", "rds", paginateDescribeDBParameterGroups, {}, (p) => p.DBParameterGroups);
}

/** The value a group holds for a parameter set by the user (undefined: engine default). */
const userValue = (p: Parameter | undefined) => (p?.Source === "user" ? p.ParameterValue : undefined);

export const dbParameterGroup: ResourceKind<DbParameterGroupSpec, DbParameterGroupActual, ResourceContext, { id: string; name: string; arn: string; family: string | undefined }> = {
  kind: "db-parameter-group",
  // SPEC.md RDS-06 (require_secure_transport); the log parameters are RDS-09.
  fieldControls: { "parameters.require_secure_transport": ["RDS-06"], "parameters.*": ["RDS-09"], Description: [] },
  budget: { create: slowMs("rds.parameter-group.create") * 6, delete: slowMs("rds.instance.delete") },
  typicalCreateMs: typicalMs("rds.parameter-group.create"),

  async find(ctx, spec) {
    if (!spec) return (await this.findAll!(ctx))[0];
    const g = (await allGroups(ctx)).find((x) => x.DBParameterGroupName === spec.name.toLowerCase());
    return g ? read(ctx, g) : undefined;
  },
  async findAll(ctx) {
    const mine = await groupsOfNode(ctx, await allGroups(ctx), (g) => g.DBParameterGroupName!, (g) => g.DBParameterGroupArn!);
    return mine.map((group) => ({ group, parameters: {} }));
  },
  diff(spec, a) {
    const c: FieldChange[] = [];
    // Neither the family nor the description of a parameter group can change (no API for it).
    if (a.group.DBParameterGroupFamily !== spec.family) c.push({ field: "DBParameterGroupFamily", from: a.group.DBParameterGroupFamily, to: spec.family, replace: true });
    if ((a.group.Description ?? "") !== spec.description) c.push({ field: "Description", from: a.group.Description, to: spec.description, replace: true });
    for (const [name, value] of Object.entries(spec.parameters)) {
      const have = userValue(a.parameters[name]);
      if (have !== value) c.push({ field: `parameters.${name}`, from: have, to: value });
    }
    return c;
  },
  async create(ctx, spec) {
    const rds = await ctx.aws.get("rds");
    const r = await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: spec.name, DBParameterGroupFamily: spec.family, Description: spec.description, Tags: ctx.tags() }));
    // The parameters are set by the update that follows the create (the same diff repairs a crash in between).
    return { group: r.DBParameterGroup!, parameters: {} };
  },
  async update(ctx, spec, a, changes) {
    const rds = await ctx.aws.get("rds");
    const names = changes.filter((c) => c.field.startsWith("parameters.")).map((c) => c.field.slice("parameters.".length));
    // ModifyDBParameterGroup takes at most 20 parameters per call.
    for (let i = 0; i < names.length; i += 20) {
      const Parameters = names.slice(i, i + 20).map((name) => ({
        ParameterName: name,
        ParameterValue: spec.parameters[name],
        // RDS refuses `immediate` for a static parameter: it takes effect at the next reboot.
        ApplyMethod: a.parameters[name]?.ApplyType === "static" ? ("pending-reboot" as const) : ("immediate" as const),
      }));
      await retryOn(["InvalidDBParameterGroupStateFault"], ctx.node, () => rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: a.group.DBParameterGroupName, Parameters })));
    }
    return (await this.refresh(ctx, a)) ?? a;
  },
  async delete(ctx, a) {
    const rds = await ctx.aws.get("rds");
    // Still used by a DB instance being deleted: try again until it is gone.
    await orUndefined(retryOn(["InvalidDBParameterGroupStateFault"], ctx.node, () => rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: a.group.DBParameterGroupName })), 15_000));
  },
  async refresh(ctx, a) {
    const rds = await ctx.aws.get("rds");
    const g = (await orUndefined(rds.send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: a.group.DBParameterGroupName }))))?.DBParameterGroups?.[0];
    return g ? read(ctx, g) : undefined;
  },
  describe: (a) => ({
    id: a.group.DBParameterGroupName!,
    state: "available",
    healthy: true,
    details: {
      family: a.group.DBParameterGroupFamily,
      // RDS-06 / RDS-09 as RDS reports them.
      ...Object.fromEntries(["require_secure_transport", "general_log", "slow_query_log", "log_output"].map((n) => [n, a.parameters[n]?.ParameterValue ?? "(engine default)"])),
    },
  }),
  outputs: (a) => ({ id: a.group.DBParameterGroupName!, name: a.group.DBParameterGroupName!, arn: a.group.DBParameterGroupArn!, family: a.group.DBParameterGroupFamily }),
};
