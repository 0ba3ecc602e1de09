/**
 * Resource kind `db-option-group`.
 * Tests: test/resources/db-option-group.test.ts.
 * Sandbox: src/sandbox/services/rds.ts, src/sandbox/services/rds-groups.ts.
 */
import {
  CreateOptionGroupCommand,
  DeleteOptionGroupCommand,
  DescribeOptionGroupsCommand,
  ModifyOptionGroupCommand,
  paginateDescribeDBSnapshots,
  paginateDescribeOptionGroups,
  type OptionGroup,
} from "@aws-sdk/client-rds";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, listOnce, orUndefined, retryOn, sameSet, sorted } from "./toolkit.js";
import { groupFinder } from "./db-common.js";

/** An option group; RDS-09: MARIADB_AUDIT_PLUGIN, which the `audit` log export needs. */
export interface DbOptionGroupSpec {
  /** RDS stores it in lowercase. */
  name: string;
  engineName: "mysql";
  /** e.g. `8.4` (majorVersion of the engine version). */
  majorEngineVersion: string;
  description: string;
  /** Option names, e.g. ["MARIADB_AUDIT_PLUGIN"], with their default settings. */
  options: string[];
}

const optionNames = (g: OptionGroup) => (g.Options ?? []).map((o) => o.OptionName!);

function allGroups(ctx: ResourceContext): Promise<OptionGroup[]> {
  return listOnce(ctx, "rds:option-groups", "rds", paginateDescribeOptionGroups, { EngineName: "mysql" }, (p) => p.OptionGroupsList);
}

export const dbOptionGroup: ResourceKind<DbOptionGroupSpec, OptionGroup, ResourceContext, { id: string; name: string; arn: string }> = {
  kind: "db-option-group",
  budget: { create: slowMs("rds.option-group.create") * 6, delete: slowMs("rds.instance.delete") },
  typicalCreateMs: typicalMs("rds.option-group.create"),

  ...groupFinder(allGroups, (g) => g.OptionGroupName!, (g) => g.OptionGroupArn!),
  diff(spec, g) {
    const c: FieldChange[] = [];
    if (g.EngineName !== spec.engineName) c.push({ field: "EngineName", from: g.EngineName, to: spec.engineName, replace: true });
    if (g.MajorEngineVersion !== spec.majorEngineVersion) c.push({ field: "MajorEngineVersion", from: g.MajorEngineVersion, to: spec.majorEngineVersion, replace: true });
    // No API changes an option group's description.
    if ((g.OptionGroupDescription ?? "") !== spec.description) c.push({ field: "OptionGroupDescription", from: g.OptionGroupDescription, to: spec.description, replace: true });
    if (!sameSet(optionNames(g), spec.options)) c.push({ field: "Options", from: sorted(optionNames(g)), to: sorted(spec.options) });
    return c;
  },
  async create(ctx, spec) {
    const rds = await ctx.aws.get("rds");
    const r = await rds.send(
      new CreateOptionGroupCommand({ OptionGroupName: spec.name, EngineName: spec.engineName, MajorEngineVersion: spec.majorEngineVersion, OptionGroupDescription: spec.description, Tags: ctx.tags() }),
    );
    // The options are added by the update that follows (the same diff repairs a crash in between).
    return r.OptionGroup!;
  },
  async update(ctx, spec, g) {
    const rds = await ctx.aws.get("rds");
    const have = optionNames(g);
    const add = spec.options.filter((o) => !have.includes(o));
    const remove = have.filter((o) => !spec.options.includes(o));
    const r = await retryOn(["InvalidOptionGroupStateFault"], ctx.node, () =>
      rds.send(
        new ModifyOptionGroupCommand({
          OptionGroupName: g.OptionGroupName,
          OptionsToInclude: add.length ? add.map((OptionName) => ({ OptionName })) : undefined,
          OptionsToRemove: remove.length ? remove : undefined,
          // The audit plugin installs without a restart.
          ApplyImmediately: true,
        }),
      ),
    );
    return r.OptionGroup!;
  },
  async delete(ctx, g) {
    const rds = await ctx.aws.get("rds");
    // A DB snapshot keeps the option group it was taken with, and RDS refuses to delete a group a
    // snapshot uses ("Associated DB instances and snapshots" in the console): kept with the final
    // snapshot. Checked first (a read), so a second `down` makes no write.
    const all = await collect(paginateDescribeDBSnapshots({ client: rds }, { SnapshotType: "manual" }), (p) => p.DBSnapshots);
    const snaps = all.filter((s) => s.OptionGroupName === g.OptionGroupName).map((s) => s.DBSnapshotIdentifier!);
    if (snaps.length) return { kept: `used by DB snapshot ${snaps.join(", ")}; it can be deleted once that snapshot is deleted` };
    try {
      await orUndefined(rds.send(new DeleteOptionGroupCommand({ OptionGroupName: g.OptionGroupName })));
    } catch (e) {
      if (!isCode(e, "InvalidOptionGroupStateFault")) throw e;
      // Still used by a DB instance being deleted (or a snapshot still being created): try again.
      throw new TryAgainLater(`${ctx.node}: ${(e as Error).message}`, 15_000);
    }
  },
  async refresh(ctx, g) {
    const rds = await ctx.aws.get("rds");
    return (await orUndefined(rds.send(new DescribeOptionGroupsCommand({ OptionGroupName: g.OptionGroupName }))))?.OptionGroupsList?.[0];
  },
  describe: (g) => ({
    id: g.OptionGroupName!,
    state: "available",
    healthy: true,
    details: { engine: `${g.EngineName} ${g.MajorEngineVersion}`, options: optionNames(g) },
  }),
  outputs: (g) => ({ id: g.OptionGroupName!, name: g.OptionGroupName!, arn: g.OptionGroupArn! }),
};
