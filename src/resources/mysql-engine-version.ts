import { paginateDescribeDBEngineVersions, type DBEngineVersion } from "@aws-sdk/client-rds";
import { InputError } from "../engine/errors.js";
import type { ResourceContext } from "./context.js";

/** What the engine-version lookups need: an SDK client factory. */
export type EngineVersionContext = Pick<ResourceContext, "aws">;

/** Numeric comparison of dotted versions (`8.4.10` > `8.4.9`, which string order gets wrong). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

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
