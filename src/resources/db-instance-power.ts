/**
 * Resource kind `db-instance-power`.
 * Tests: test/resources/db-instance-power.test.ts.
 * Sandbox: src/sandbox/services/rds.ts, src/sandbox/services/rds-instances.ts.
 */
import { DescribeDBInstancesCommand, StartDBInstanceCommand, StopDBInstanceCommand, type DBInstance } from "@aws-sdk/client-rds";
import type { ResourceKind } from "../engine/resource.js";
import { OpsError, TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { orUndefined } from "./toolkit.js";

/** Whether the database runs (restore) or is stopped (pause). The instance itself is `db-instance`. */
export interface DbInstancePowerSpec {
  identifier: string;
  state: "available" | "stopped";
}

const TRANSITIONAL = ["starting", "stopping", "modifying", "backing-up", "rebooting", "configuring-enhanced-monitoring", "configuring-log-exports", "storage-optimization"];

async function read(ctx: ResourceContext, id: string): Promise<DBInstance | undefined> {
  const rds = await ctx.aws.get("rds");
  return (await orUndefined(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))))?.DBInstances?.[0];
}


export const dbInstancePower: ResourceKind<DbInstancePowerSpec, DBInstance, ResourceContext, { id: string; state: string | undefined; autoStartAt: string | undefined }> = {
  kind: "db-instance-power",
  budget: { create: slowMs("rds.instance.start"), delete: 0 },
  typicalCreateMs: typicalMs("rds.instance.start"),

  async find(ctx, spec) {
    if (!spec) return undefined;
    const d = await read(ctx, spec.identifier);
    if (!d) throw new OpsError("not_found", `${ctx.node}: DB instance ${spec.identifier} does not exist: run \`opsctl up\` first`, { fault: "user" });
    return d;
  },
  diff(spec, d) {
    const s = d.DBInstanceStatus ?? "unknown";
    // A transitional state settles by itself; the wait (isReady) then decides.
    if (spec.state === "available" && (s === "stopped" || s === "stopping")) return [{ field: "DBInstanceStatus", from: s, to: "available" }];
    if (spec.state === "stopped" && (s === "available" || s === "starting")) return [{ field: "DBInstanceStatus", from: s, to: "stopped" }];
    return [];
  },
  async create(_ctx, spec) {
    throw new OpsError("not_found", `DB instance ${spec.identifier} does not exist: run \`opsctl up\` first`, { fault: "user" });
  },
  async update(ctx, spec, d) {
    const rds = await ctx.aws.get("rds");
    try {
      if (spec.state === "available") await rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: spec.identifier }));
      else await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: spec.identifier }));
    } catch (e) {
      // Still stopping/starting from an earlier call: wait and look again.
      if (isCode(e, "InvalidDBInstanceStateFault", "InvalidDBInstanceState")) throw new TryAgainLater(`${spec.identifier}: ${(e as Error).message}`, 30_000);
      throw e;
    }
    const after = (await read(ctx, spec.identifier)) ?? d;
    return after;
  },
  delete: async () => {},
  refresh: (ctx, d) => read(ctx, d.DBInstanceIdentifier!),
  // Settled: not starting, stopping or otherwise busy (after a Start/Stop call, the wanted state).
  isReady: (d) => !TRANSITIONAL.includes(d.DBInstanceStatus ?? ""),
  describe: (d) => ({
    id: d.DBInstanceIdentifier!,
    state: d.DBInstanceStatus ?? "unknown",
    healthy: d.DBInstanceStatus === "available",
    // AWS starts a stopped instance again after 7 days (RDS user guide, "Stopping an Amazon RDS DB instance temporarily").
    details: d.DBInstanceStatus === "stopped" ? { autoStartAt: d.AutomaticRestartTime?.toISOString() } : undefined,
  }),
  outputs: (d) => ({ id: d.DBInstanceIdentifier!, state: d.DBInstanceStatus, autoStartAt: d.AutomaticRestartTime?.toISOString() }),
};
