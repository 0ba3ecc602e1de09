import { DescribeDBInstancesCommand, paginateDescribeDBEngineVersions, paginateDescribeDBParameterGroups, type DBEngineVersion, type DBInstance } from "@aws-sdk/client-rds";
import { isNotFound } from "../aws/errors.js";
import { InputError } from "../engine/errors.js";
import type { ResourceContext } from "./context.js";

/** Numeric comparison of dotted versions (`8.4.10` > `8.4.9`, which string order gets wrong). */
export { compareVersions } from "compare-versions";
import { compareVersions } from "compare-versions";

/** What the engine-version lookups need: an SDK client factory. */
export type EngineVersionContext = Pick<ResourceContext, "aws">;

/** Every MySQL engine version RDS offers in the region, every page (small pages: RDS's minimum is 20). */
async function mysqlVersions(ctx: EngineVersionContext): Promise<DBEngineVersion[]> {
  const rds = await ctx.aws.get("rds");
  const out: DBEngineVersion[] = [];
  // No DefaultOnly: that answers the *default* version, which is not the newest.
  for await (const page of paginateDescribeDBEngineVersions({ client: rds, pageSize: 100 }, { Engine: "mysql" })) out.push(...(page.DBEngineVersions ?? []));
  return out;
}

/** Available versions, newest first. */
function available(versions: DBEngineVersion[]): string[] {
  return versions
    .filter((v) => v.Status === "available" && v.EngineVersion)
    .map((v) => v.EngineVersion!)
    .sort((a, b) => compareVersions(b, a));
}

/**
 * RDS-01: the newest available MySQL version (paginated DescribeDBEngineVersions, Status
 * `available`, sorted numerically), or `pin` when RDS offers it.
 * @throws InputError naming `database.engineVersion` when the pin is not available.
 */
export async function newestMysqlVersion(ctx: EngineVersionContext, pin?: string): Promise<string> {
  const list = available(await mysqlVersions(ctx));
  if (pin !== undefined) {
    if (list.includes(pin)) return pin;
    throw new InputError("database.engineVersion", `MySQL ${pin} is not an available RDS engine version; the newest available are ${list.slice(0, 5).join(", ") || "(none)"}`, "pin one of those versions, or remove engineVersion to use the newest");
  }
  if (!list.length) throw new InputError("database.engineVersion", "RDS lists no available MySQL engine version in this region");
  return list[0];
}

/** The DB parameter group family of a MySQL version: `8.4.10` → `mysql8.4`. */
export function parameterGroupFamily(version: string): string {
  return `mysql${majorVersion(version)}`;
}

/** The major version: `8.4.10` → `8.4` (option groups are per major version). */
export function majorVersion(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

/**
 * RDS-09: the log types `version` can export to CloudWatch Logs, checked against `requested`.
 * @throws InputError naming `database.engineVersion` when a requested type is not exportable.
 */
export async function exportableLogTypes(ctx: EngineVersionContext, version: string, requested: readonly string[] = ["audit", "error", "general", "slowquery"]): Promise<string[]> {
  const v = (await mysqlVersions(ctx)).find((x) => x.EngineVersion === version);
  if (!v) throw new InputError("database.engineVersion", `MySQL ${version} is not an RDS engine version`);
  const exportable = v.ExportableLogTypes ?? [];
  const missing = requested.filter((l) => !exportable.includes(l));
  if (missing.length) {
    throw new InputError("database.engineVersion", `MySQL ${version} cannot export the ${missing.join(", ")} log${missing.length > 1 ? "s" : ""} to CloudWatch Logs (RDS-09; it exports: ${exportable.join(", ") || "none"})`, "pin a version that exports audit, error, general and slowquery logs");
  }
  return exportable;
}

/** RDS-09: the logs the database must export to CloudWatch Logs. */
export const REQUIRED_LOG_EXPORTS: readonly string[] = ["audit", "error", "general", "slowquery"];

/** What a command needs to know of the database's version: RDS-01's version and RDS-09's exports. */
export interface MysqlFacts {
  mysqlVersion: string;
  logExports: string[];
}

/** The DB instance `identifier`, or undefined when RDS does not know it (DBInstanceNotFound). */
async function liveInstance(ctx: EngineVersionContext, identifier: string): Promise<DBInstance | undefined> {
  const rds = await ctx.aws.get("rds");
  try {
    return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances?.[0];
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The major version of the env's parameter group `<env>-mysqlNN` (family `mysqlN.N`), when one exists. */
async function parameterGroupMajor(ctx: EngineVersionContext, env: string): Promise<string | undefined> {
  const rds = await ctx.aws.get("rds");
  // Env names are lowercase letters, digits and hyphens (config schema): nothing to escape.
  const name = new RegExp(`^${env}-mysql\\d+$`);
  for await (const page of paginateDescribeDBParameterGroups({ client: rds, pageSize: 100 }, {})) {
    const g = (page.DBParameterGroups ?? []).find((x) => name.test(x.DBParameterGroupName ?? "") && x.DBParameterGroupFamily?.startsWith("mysql"));
    if (g) return g.DBParameterGroupFamily!.slice("mysql".length);
  }
  return undefined;
}

/** RDS-09's exports, plus any other type the live instance already exports (up keeps those). */
function exportsOf(live: DBInstance | undefined): string[] {
  return [...new Set([...REQUIRED_LOG_EXPORTS, ...(live?.EnabledCloudwatchLogsExports ?? [])])];
}

/**
 * RDS-01 and RDS-09 for one command. DescribeDBEngineVersions is read only when the answer can
 * change what is written (issue 13, defect 3: one unavailable read-only lookup stopped every command):
 * - `lookup` (plan/up) with no pin: the newest available version and its exportable log types;
 * - `lookup` with a pin: checked against RDS's list, unless the instance already runs that very
 *   version (RDS accepted it when it was created, so nothing new is asked of RDS);
 * - otherwise (status, audit, pause, restore, down): what the environment runs, read from its
 *   DB instance (or, with none, its parameter group's family), the pin taking precedence, so `status`
 *   still shows a pin the instance does not run as drift. With neither, the version names only
 *   resources that do not exist; the pin or the parameter group family's major stands for it.
 */
export async function mysqlFacts(ctx: EngineVersionContext, opts: { identifier: string; env: string; pin?: string; lookup: boolean }): Promise<MysqlFacts> {
  const { pin, lookup } = opts;
  if (lookup && pin === undefined) {
    const mysqlVersion = await newestMysqlVersion(ctx);
    return { mysqlVersion, logExports: await exportableLogTypes(ctx, mysqlVersion) };
  }
  const live = await liveInstance(ctx, opts.identifier);
  if (lookup && live?.EngineVersion !== pin) {
    const mysqlVersion = await newestMysqlVersion(ctx, pin);
    return { mysqlVersion, logExports: await exportableLogTypes(ctx, mysqlVersion) };
  }
  const mysqlVersion = pin ?? live?.EngineVersion ?? (await parameterGroupMajor(ctx, opts.env)) ?? NO_VERSION;
  return { mysqlVersion, logExports: exportsOf(live) };
}

/**
 * Stands for the version when nothing of the database exists and none is pinned (status or down of
 * an environment without a database): the names it yields match no resource, as none exists.
 */
export const NO_VERSION = "0.0";
