import { compareVersions } from "compare-versions";
/** Simulated RDS engine versions and MySQL parameter defaults (behaviour: rds.md). */
import type { RDS } from "@aws-sdk/client-rds";
import { handler, type HandlerContext, type SimRecord } from "../types.js";
import { INVALID_VALUE, fault, page } from "./rds-common.js";

/** Log types RDS for MySQL can export to CloudWatch Logs. */
const MYSQL_LOGS = ["audit", "error", "general", "slowquery"];

/** The catalog: [version, status]. 8.0.28–8.0.31 are deprecated; numbers chosen so that string order ≠ version order (8.4.9 < 8.4.10). */
const CATALOG: [string, "available" | "deprecated"][] = [
  ...[28, 29, 30, 31].map((p) => [`8.0.${p}`, "deprecated"] as [string, "deprecated"]),
  ...[32, 33, 34, 35, 36, 37, 39, 40, 41, 42, 43].map((p) => [`8.0.${p}`, "available"] as [string, "available"]),
  ...[3, 4, 5, 6, 7, 8, 9, 10].map((p) => [`8.4.${p}`, "available"] as [string, "available"]),
];

/** The default version of each major version, and of the engine (DefaultOnly): not the newest. */
export const DEFAULT_VERSION: Record<string, string> = { "": "8.0.42", "8.0": "8.0.42", "8.4": "8.4.6" };

/** `8.4.10` → `8.4`. */
export function majorOf(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

/**
 * The region's engine versions (seeded on first use into the `engineVersions` table, keyed
 * `mysql/<version>`, so tests can change a record, e.g. its ExportableLogTypes).
 */
export function engineVersions(ctx: HandlerContext): Record<string, SimRecord> {
  const table = ctx.table("engineVersions");
  if (Object.keys(table).length === 0) {
    for (const [version, status] of CATALOG) {
      const major = majorOf(version);
      table[`mysql/${version}`] = {
        Engine: "mysql",
        EngineVersion: version,
        DBParameterGroupFamily: `mysql${major}`,
        DBEngineDescription: "MySQL Community Edition",
        DBEngineVersionDescription: `MySQL ${version}`,
        MajorEngineVersion: major,
        ExportableLogTypes: [...MYSQL_LOGS],
        SupportsLogExportsToCloudwatchLogs: true,
        SupportsReadReplica: true,
        SupportedEngineModes: ["provisioned"],
        SupportedFeatureNames: [],
        Status: status,
        SupportsParallelQuery: false,
        SupportsGlobalDatabases: false,
        SupportsBabelfish: false,
        SupportsLimitlessDatabase: false,
        SupportsCertificateRotationWithoutRestart: true,
        SupportsLocalWriteForwarding: false,
        SupportsIntegrations: false,
        SupportedCACertificateIdentifiers: ["rds-ca-2019", "rds-ca-ecc384-g1", "rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1"],
        DefaultCharacterSet: { CharacterSetName: "utf8mb4", CharacterSetDescription: "UTF-8 Unicode" },
      };
    }
  }
  return table;
}

/** The engine version record, or undefined. */
export function engineVersion(ctx: HandlerContext, engine: string, version: string): SimRecord | undefined {
  return engineVersions(ctx)[`${engine}/${version}`];
}

/** Every parameter-group family the catalog knows. */
export function families(ctx: HandlerContext): string[] {
  return [...new Set(Object.values(engineVersions(ctx)).map((v) => v.DBParameterGroupFamily as string))];
}

/** DescribeDBEngineVersions: Engine, EngineVersion (exact or major prefix), DBParameterGroupFamily, DefaultOnly, IncludeAll, Filters (engine, engine-version, status), paging. */
export const DescribeDBEngineVersions = handler<RDS, "DescribeDBEngineVersions">((input, ctx) => {
  let list = Object.values(engineVersions(ctx)).sort((a, b) => compareVersions(a.EngineVersion, b.EngineVersion));
  if (input.Engine) list = list.filter((v) => v.Engine === input.Engine);
  if (input.EngineVersion) list = list.filter((v) => v.EngineVersion === input.EngineVersion || v.MajorEngineVersion === input.EngineVersion);
  if (input.DBParameterGroupFamily) list = list.filter((v) => v.DBParameterGroupFamily === input.DBParameterGroupFamily);
  const statusFilter = (input.Filters ?? []).find((f: SimRecord) => f.Name === "status");
  for (const f of input.Filters ?? []) {
    const get: Record<string, (v: SimRecord) => string> = { engine: (v) => v.Engine, "engine-version": (v) => v.EngineVersion, status: (v) => v.Status, "engine-mode": () => "provisioned" };
    if (!get[f.Name!]) fault(ctx, INVALID_VALUE, `Unrecognized filter name: ${f.Name}`);
    list = list.filter((v) => (f.Values ?? []).includes(get[f.Name!](v)));
  }
  // "IncludeAll: Specifies whether to also list the engine versions that aren't available. The default is to list only available engine versions."
  if (!input.IncludeAll && !statusFilter) list = list.filter((v) => v.Status === "available");
  if (input.DefaultOnly) {
    const key = input.EngineVersion && DEFAULT_VERSION[input.EngineVersion] ? input.EngineVersion : "";
    list = list.filter((v) => v.EngineVersion === DEFAULT_VERSION[key]);
  }
  const { items, Marker } = page(ctx, list, input);
  return { DBEngineVersions: items.map((v) => structuredClone(v)), Marker };
});

/** One MySQL parameter as DescribeDBParameters lists it (engine default). */
export interface ParamDef {
  ParameterName: string;
  ParameterValue?: string;
  Description: string;
  ApplyType: "dynamic" | "static";
  DataType: string;
  AllowedValues: string;
  IsModifiable: boolean;
}

/** The MySQL parameters the sandbox models (a small subset of the real ~500). */
export const MYSQL_PARAMETERS: ParamDef[] = [
  { ParameterName: "require_secure_transport", Description: "Whether client connections must use a secure transport.", ApplyType: "dynamic", DataType: "boolean", AllowedValues: "0,1", IsModifiable: true },
  { ParameterName: "general_log", Description: "Whether the general query log is enabled", ApplyType: "dynamic", DataType: "boolean", AllowedValues: "0,1", IsModifiable: true },
  { ParameterName: "slow_query_log", Description: "Whether the slow query log is enabled.", ApplyType: "dynamic", DataType: "boolean", AllowedValues: "0,1", IsModifiable: true },
  // RDS's own default for log_output is TABLE (RDS User Guide, "MySQL database log files").
  { ParameterName: "log_output", ParameterValue: "TABLE", Description: "Controls where to store query logs", ApplyType: "dynamic", DataType: "string", AllowedValues: "TABLE,FILE,NONE", IsModifiable: true },
  { ParameterName: "long_query_time", Description: "Log all queries that have taken more than long_query_time seconds to execute to file.", ApplyType: "dynamic", DataType: "float", AllowedValues: "0-31536000", IsModifiable: true },
  { ParameterName: "max_connections", ParameterValue: "{DBInstanceClassMemory/12582880}", Description: "The number of simultaneous client connections allowed.", ApplyType: "dynamic", DataType: "integer", AllowedValues: "1-100000", IsModifiable: true },
  { ParameterName: "performance_schema", Description: "Enables or disables the Performance Schema", ApplyType: "static", DataType: "boolean", AllowedValues: "0,1", IsModifiable: true },
  { ParameterName: "innodb_log_file_size", ParameterValue: "134217728", Description: "Size of each log file in a log group.", ApplyType: "static", DataType: "integer", AllowedValues: "4194304-273804165120", IsModifiable: true },
  { ParameterName: "basedir", ParameterValue: "/rdsdbbin/mysql", Description: "The MySQL installation base directory.", ApplyType: "static", DataType: "string", AllowedValues: "", IsModifiable: false },
];

/** Options an option group may include for MySQL (name → description, settings with defaults). */
export const MYSQL_OPTIONS: Record<string, { description: string; settings: Record<string, string>; majors: string[] }> = {
  MARIADB_AUDIT_PLUGIN: {
    description: "MariaDB Audit Plugin",
    settings: { SERVER_AUDIT_EVENTS: "CONNECT,QUERY", SERVER_AUDIT_FILE_ROTATE_SIZE: "1000000", SERVER_AUDIT_FILE_ROTATIONS: "9", SERVER_AUDIT_EXCL_USERS: "", SERVER_AUDIT_INCL_USERS: "", SERVER_AUDIT_QUERY_LOG_LIMIT: "1024", SERVER_AUDIT_LOGGING: "ON" },
    majors: ["8.0", "8.4"],
  },
  MEMCACHED: { description: "Innodb Memcached for MySQL", settings: {}, majors: ["8.0"] },
};
