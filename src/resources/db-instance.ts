/**
 * Resource kind `db-instance`.
 * Tests: test/resources/db-instance.test.ts.
 * Sandbox: src/sandbox/services/rds.ts, src/sandbox/services/rds-instances.ts.
 */
import {
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  StartDBInstanceCommand,
  paginateDescribeDBInstances,
  type DBInstance,
  type ModifyDBInstanceCommandInput,
} from "@aws-sdk/client-rds";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { OpsError, TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { listOnce, orUndefined, ownedBy, retryOn, sameSet, sorted } from "./toolkit.js";
import { compareVersions } from "./mysql-engine-version.js";

/**
 * RDS-01..RDS-12: the MySQL DB instance. Fixed controls (not configurable): MultiAZ (RDS-02),
 * ManageMasterUserPassword with the database key (RDS-04, never MasterUserPassword), not publicly
 * accessible (RDS-05), IAM database authentication (RDS-10), Performance Insights + Database
 * Insights advanced (RDS-08), NetworkType DUAL (RDS-11), encrypted storage, deletion protection,
 * copy tags to snapshots (RDS-12).
 */
export interface DbInstanceSpec {
  /** DBInstanceIdentifier, `<env>-<name>` (RDS stores it in lowercase). */
  identifier: string;
  /** From newestMysqlVersion (RDS-01). */
  engineVersion: string;
  /** Memory-optimized (RDS-03; the config checks it). */
  instanceClass: string;
  allocatedStorageGiB: number;
  maxAllocatedStorageGiB: number;
  multiAz: true;
  subnetGroupName: string;
  securityGroupIds: string[];
  parameterGroupName: string;
  optionGroupName: string;
  /** The database key ARN: storage, the master user secret and Performance Insights. */
  kmsKeyId: string;
  dbName: string;
  masterUsername: string;
  /** ≥ 7 (RDS-12). */
  backupRetentionDays: number;
  /** ≥ 465 for Database Insights advanced (RDS-08). */
  performanceInsightsRetentionDays: number;
  /** audit, error, general, slowquery (RDS-09). */
  logExports: string[];
  /**
   * `up --apply-immediately`: changes that would wait for the maintenance window (and those already
   * queued there) are applied now (ModifyDBInstance ApplyImmediately).
   */
  applyImmediately?: boolean;
}

const PORT = 3306;

/**
 * Changes sent with ApplyImmediately=false: they wait for the weekly maintenance window because they
 * restart or fail over the instance (class, engine version) or convert it (Multi-AZ). Everything else
 * opsctl changes is applied at once: it causes no downtime (security groups, storage growth, backups,
 * logs, insights, IAM auth, deletion protection, groups; static parameters of a new parameter group
 * still wait for a reboot: the group shows `pending-reboot`).
 */
const MAINTENANCE_WINDOW_FIELDS = new Set(["DBInstanceClass", "EngineVersion", "MultiAZ"]);

type Deferrable = "DBInstanceClass" | "EngineVersion" | "MultiAZ" | "AllocatedStorage" | "IAMDatabaseAuthenticationEnabled";

/** The value queued for the maintenance window (PendingModifiedValues), if any. */
function pendingValue<K extends Deferrable>(d: DBInstance, k: K): DBInstance[K] | undefined {
  return (d.PendingModifiedValues as Record<string, unknown> | undefined)?.[k] as DBInstance[K] | undefined;
}

/** What applying a queued change now costs (RDS user guide, "Modifying an Amazon RDS DB instance" / "Settings for DB instances"). */
export const APPLY_NOW_COST: Readonly<Record<Deferrable, string>> = {
  MultiAZ: "a Multi-AZ conversion has no downtime",
  DBInstanceClass: "a class change means a failover (a short outage, typically one to two minutes)",
  EngineVersion: "an engine upgrade restarts the database (minutes of downtime)",
  AllocatedStorage: "a storage change has no downtime",
  IAMDatabaseAuthenticationEnabled: "no downtime",
};

/** A queued change, as status, audit and plan show it. */
function pendingText(d: DBInstance): string {
  return `pending (applies in the maintenance window ${d.PreferredMaintenanceWindow ?? "of the instance"})`;
}

function envInstances(ctx: ResourceContext): Promise<DBInstance[]> {
  return listOnce(ctx, "rds:instances", "rds", paginateDescribeDBInstances, {}, (p) => p.DBInstances);
}

async function describeInstance(ctx: ResourceContext, id: string): Promise<DBInstance | undefined> {
  const rds = await ctx.aws.get("rds");
  return (await orUndefined(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))))?.DBInstances?.[0];
}

/** `<env>-final-<YYYYMMDDHHmmss>` (UTC). */
export function finalSnapshotId(env: string, nowMs: number): string {
  return `${env}-final-${new Date(nowMs).toISOString().replace(/[-:T]/g, "").slice(0, 14)}`;
}

/**
 * After `down`, the instance is gone but its final snapshot stays: this marker (state `deleted`)
 * stands for the instance once DescribeDBInstances no longer knows it, so `keptAfterDelete` can name the snapshot.
 */
interface Deleted extends DBInstance {
  finalSnapshot?: string;
}

export const dbInstance: ResourceKind<DbInstanceSpec, Deleted, ResourceContext, { id: string; arn: string; dbiResourceId: string; endpoint: string | undefined; port: number; masterSecretArn: string | undefined }> = {
  kind: "db-instance",
  // SPEC.md "Database": which control each compared field is about.
  fieldControls: {
    EngineVersion: ["RDS-01"],
    MultiAZ: ["RDS-02"],
    DBInstanceClass: ["RDS-03"],
    ManageMasterUserPassword: ["RDS-04"],
    MasterUserSecretKmsKeyId: ["RDS-04"],
    PubliclyAccessible: ["RDS-05"],
    DBSubnetGroupName: ["RDS-05"],
    VpcSecurityGroupIds: ["RDS-05"],
    DBParameterGroupName: ["RDS-06"],
    PerformanceInsightsEnabled: ["RDS-08"],
    PerformanceInsightsRetentionPeriod: ["RDS-08"],
    PerformanceInsightsKMSKeyId: ["RDS-08"],
    DatabaseInsightsMode: ["RDS-08"],
    EnabledCloudwatchLogsExports: ["RDS-09"],
    OptionGroupName: ["RDS-09"],
    IAMDatabaseAuthenticationEnabled: ["RDS-10"],
    NetworkType: ["RDS-11"],
    StorageEncrypted: ["RDS-12"],
    KmsKeyId: ["RDS-12"],
    BackupRetentionPeriod: ["RDS-12"],
    DeletionProtection: ["RDS-12"],
    CopyTagsToSnapshot: ["RDS-12"],
    AllocatedStorage: [],
    MaxAllocatedStorage: [],
    DBName: [],
    MasterUsername: [],
  },
  budget: { create: slowMs("rds.instance.create.multi-az"), delete: slowMs("rds.instance.delete") },
  typicalCreateMs: typicalMs("rds.instance.create.multi-az"),
  typicalDeleteMs: typicalMs("rds.instance.delete"),

  async find(ctx, spec) {
    // No client token in CreateDBInstance: the deterministic identifier is the identity.
    if (spec) return (await envInstances(ctx)).find((d) => d.DBInstanceIdentifier === spec.identifier.toLowerCase());
    return (await this.findAll!(ctx))[0];
  },
  async findAll(ctx) {
    return (await envInstances(ctx)).filter((d) => ownedBy(ctx, d.TagList) || d.DBInstanceIdentifier === ctx.name.toLowerCase());
  },

  diff(spec, d) {
    const c: FieldChange[] = [];
    const add = (field: string, from: unknown, to: unknown, replace?: boolean) => {
      if (JSON.stringify(from) !== JSON.stringify(to)) c.push(replace ? { field, from, to, replace } : { field, from, to });
    };
    // A control holds when AWS reports it live: fields are compared with their live value. A change
    // already queued for the maintenance window (PendingModifiedValues) is shown as pending and not
    // sent again; `up --apply-immediately` applies it now.
    const deferrable = <K extends Deferrable>(field: K, to: DBInstance[K], replace?: boolean) => {
      const live = d[field];
      const queued = pendingValue(d, field);
      if (JSON.stringify(live) === JSON.stringify(to)) {
        // Live as planned, but another value is queued for the window: queue the planned one instead.
        if (queued !== undefined && JSON.stringify(queued) !== JSON.stringify(to)) add(field, `${String(queued)} (${pendingText(d)})`, to, replace);
        return;
      }
      if (!replace && !spec.applyImmediately && JSON.stringify(queued) === JSON.stringify(to)) {
        c.push({ field, from: live, to, replace: true, hint: `${pendingText(d)}; \`opsctl up --apply-immediately\` applies it now: ${APPLY_NOW_COST[field]}` });
      } else add(field, live, to, replace);
    };
    const version = d.EngineVersion!;
    // RDS cannot downgrade an engine.
    deferrable("EngineVersion", spec.engineVersion, compareVersions(spec.engineVersion, version) < 0);
    deferrable("DBInstanceClass", spec.instanceClass);
    const storage = d.AllocatedStorage!;
    // Allocated storage can only grow.
    deferrable("AllocatedStorage", spec.allocatedStorageGiB, spec.allocatedStorageGiB < storage);
    add("MaxAllocatedStorage", d.MaxAllocatedStorage, spec.maxAllocatedStorageGiB);
    deferrable("MultiAZ", spec.multiAz);
    add("DBSubnetGroupName", d.DBSubnetGroup?.DBSubnetGroupName, spec.subnetGroupName.toLowerCase(), true);
    const sgs = (d.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId!);
    if (!sameSet(sgs, spec.securityGroupIds)) c.push({ field: "VpcSecurityGroupIds", from: sorted(sgs), to: sorted(spec.securityGroupIds) });
    add("DBParameterGroupName", d.DBParameterGroups?.[0]?.DBParameterGroupName, spec.parameterGroupName.toLowerCase());
    add("OptionGroupName", d.OptionGroupMemberships?.[0]?.OptionGroupName, spec.optionGroupName.toLowerCase());
    add("StorageEncrypted", d.StorageEncrypted, true, true);
    add("KmsKeyId", d.KmsKeyId, spec.kmsKeyId, true);
    add("DBName", d.DBName, spec.dbName, true);
    add("MasterUsername", d.MasterUsername, spec.masterUsername, true);
    add("ManageMasterUserPassword", d.MasterUserSecret !== undefined, true);
    if (d.MasterUserSecret) add("MasterUserSecretKmsKeyId", d.MasterUserSecret.KmsKeyId, spec.kmsKeyId);
    add("PubliclyAccessible", d.PubliclyAccessible, false);
    add("NetworkType", d.NetworkType, "DUAL");
    deferrable("IAMDatabaseAuthenticationEnabled", true);
    add("PerformanceInsightsEnabled", d.PerformanceInsightsEnabled, true);
    add("PerformanceInsightsRetentionPeriod", d.PerformanceInsightsRetentionPeriod, spec.performanceInsightsRetentionDays);
    // "After the KMS key is set, it can't be changed" (PerformanceInsightsKMSKeyId reference).
    if (d.PerformanceInsightsEnabled) add("PerformanceInsightsKMSKeyId", d.PerformanceInsightsKMSKeyId, spec.kmsKeyId, true);
    add("DatabaseInsightsMode", d.DatabaseInsightsMode, "advanced");
    add("EnabledCloudwatchLogsExports", sorted(d.EnabledCloudwatchLogsExports ?? []), sorted(spec.logExports));
    add("BackupRetentionPeriod", d.BackupRetentionPeriod, spec.backupRetentionDays);
    add("DeletionProtection", d.DeletionProtection, true);
    add("CopyTagsToSnapshot", d.CopyTagsToSnapshot, true);
    return c;
  },

  async create(ctx, spec) {
    const rds = await ctx.aws.get("rds");
    try {
      const r = await retryOn(["DBSubnetGroupNotFoundFault", "DBParameterGroupNotFoundFault", "OptionGroupNotFoundFault"], ctx.node, () =>
        rds.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: spec.identifier,
            Engine: "mysql",
            EngineVersion: spec.engineVersion,
            DBInstanceClass: spec.instanceClass,
            AllocatedStorage: spec.allocatedStorageGiB,
            MaxAllocatedStorage: spec.maxAllocatedStorageGiB,
            MultiAZ: spec.multiAz,
            DBName: spec.dbName,
            MasterUsername: spec.masterUsername,
            // RDS-04: RDS generates the password and keeps it in Secrets Manager, encrypted with the database key.
            ManageMasterUserPassword: true,
            MasterUserSecretKmsKeyId: spec.kmsKeyId,
            PubliclyAccessible: false,
            NetworkType: "DUAL",
            DBSubnetGroupName: spec.subnetGroupName,
            VpcSecurityGroupIds: spec.securityGroupIds,
            DBParameterGroupName: spec.parameterGroupName,
            OptionGroupName: spec.optionGroupName,
            Port: PORT,
            EnableIAMDatabaseAuthentication: true,
            EnablePerformanceInsights: true,
            PerformanceInsightsRetentionPeriod: spec.performanceInsightsRetentionDays,
            PerformanceInsightsKMSKeyId: spec.kmsKeyId,
            DatabaseInsightsMode: "advanced",
            EnableCloudwatchLogsExports: spec.logExports,
            StorageEncrypted: true,
            KmsKeyId: spec.kmsKeyId,
            DeletionProtection: true,
            BackupRetentionPeriod: spec.backupRetentionDays,
            CopyTagsToSnapshot: true,
            Tags: ctx.tags(),
          }),
        ),
      );
      return r.DBInstance!;
    } catch (e) {
      // Created by an earlier attempt whose answer was lost: the identifier is the identity.
      if (!isCode(e, "DBInstanceAlreadyExistsFault")) throw e;
      const d = await describeInstance(ctx, spec.identifier);
      if (!d) throw new TryAgainLater(`${spec.identifier} not visible yet`, 5_000);
      return d;
    }
  },

  async update(ctx, spec, d, changes) {
    const rds = await ctx.aws.get("rds");
    if (d.DBInstanceStatus === "stopped") {
      throw new OpsError("db_stopped", `${d.DBInstanceIdentifier} is stopped: RDS cannot modify a stopped DB instance (${changes.map((c) => c.field).join(", ")} to change)`, {
        hint: `start it (aws rds start-db-instance --db-instance-identifier ${d.DBInstanceIdentifier}) and run \`opsctl up\` again`,
        fault: "user",
      });
    }
    const now: ModifyDBInstanceCommandInput = { DBInstanceIdentifier: d.DBInstanceIdentifier, ApplyImmediately: true };
    const later: ModifyDBInstanceCommandInput = { DBInstanceIdentifier: d.DBInstanceIdentifier, ApplyImmediately: false };
    for (const { field } of changes) {
      const m = MAINTENANCE_WINDOW_FIELDS.has(field) && !spec.applyImmediately ? later : now;
      switch (field) {
        case "EngineVersion": m.EngineVersion = spec.engineVersion; m.AllowMajorVersionUpgrade = true; break;
        case "DBInstanceClass": m.DBInstanceClass = spec.instanceClass; break;
        case "AllocatedStorage": m.AllocatedStorage = spec.allocatedStorageGiB; break;
        case "MaxAllocatedStorage": m.MaxAllocatedStorage = spec.maxAllocatedStorageGiB; break;
        case "MultiAZ": m.MultiAZ = spec.multiAz; break;
        case "VpcSecurityGroupIds": m.VpcSecurityGroupIds = spec.securityGroupIds; break;
        case "DBParameterGroupName": m.DBParameterGroupName = spec.parameterGroupName; break;
        case "OptionGroupName": m.OptionGroupName = spec.optionGroupName; break;
        case "ManageMasterUserPassword": m.ManageMasterUserPassword = true; m.MasterUserSecretKmsKeyId = spec.kmsKeyId; break;
        case "MasterUserSecretKmsKeyId": m.MasterUserSecretKmsKeyId = spec.kmsKeyId; break;
        case "PubliclyAccessible": m.PubliclyAccessible = false; break;
        case "NetworkType": m.NetworkType = "DUAL"; break;
        case "IAMDatabaseAuthenticationEnabled": m.EnableIAMDatabaseAuthentication = true; break;
        case "PerformanceInsightsEnabled":
        case "PerformanceInsightsRetentionPeriod":
          m.EnablePerformanceInsights = true;
          m.PerformanceInsightsRetentionPeriod = spec.performanceInsightsRetentionDays;
          m.PerformanceInsightsKMSKeyId = d.PerformanceInsightsEnabled ? undefined : spec.kmsKeyId;
          m.DatabaseInsightsMode = "advanced";
          break;
        case "DatabaseInsightsMode":
          m.DatabaseInsightsMode = "advanced";
          m.EnablePerformanceInsights = true;
          m.PerformanceInsightsRetentionPeriod = spec.performanceInsightsRetentionDays;
          break;
        case "EnabledCloudwatchLogsExports": {
          const have = d.EnabledCloudwatchLogsExports ?? [];
          m.CloudwatchLogsExportConfiguration = { EnableLogTypes: spec.logExports.filter((l) => !have.includes(l)), DisableLogTypes: have.filter((l) => !spec.logExports.includes(l)) };
          break;
        }
        case "BackupRetentionPeriod": m.BackupRetentionPeriod = spec.backupRetentionDays; break;
        case "DeletionProtection": m.DeletionProtection = true; break;
        case "CopyTagsToSnapshot": m.CopyTagsToSnapshot = true; break;
      }
    }
    const busy = ["InvalidDBInstanceStateFault"];
    // ApplyImmediately also applies whatever is already pending: the deferred call goes last.
    if (Object.keys(now).length > 2) await retryOn(busy, ctx.node, () => rds.send(new ModifyDBInstanceCommand(now)), 30_000);
    if (Object.keys(later).length > 2) await retryOn(busy, ctx.node, () => rds.send(new ModifyDBInstanceCommand(later)), 30_000);
    return (await describeInstance(ctx, d.DBInstanceIdentifier!)) ?? d;
  },

  async delete(ctx, d) {
    const rds = await ctx.aws.get("rds");
    const id = d.DBInstanceIdentifier!;
    // The engine retries this call with the instance as `down` first read it: decide on a fresh
    // read, or a retry started a second time what the first attempt already started.
    const live = await describeInstance(ctx, id);
    if (!live || live.DBInstanceStatus === "deleting") return;
    const status = live.DBInstanceStatus ?? "unknown";
    if (live.DeletionProtection) {
      // DeleteDBInstance itself works on a stopped instance (final snapshot included), but RDS-12's
      // deletion protection must go first, and "You can't modify a stopped DB instance" (RDS User
      // Guide, USER_StopInstance, Limitations; AWS answers InvalidDBInstanceState "Start the DB
      // instance, and then modify it"). So a protected, stopped instance is started once, then
      // waited for; an unprotected one is deleted as it is, stopped or not.
      if (status === "stopped") {
        await retryOn(["InvalidDBInstanceStateFault", "InvalidDBInstanceState"], ctx.node, () => rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: id })), 30_000);
        throw new TryAgainLater(`${id} was stopped: it is starting so that its deletion protection can be turned off (RDS cannot modify a stopped instance)`, 60_000);
      }
      // Starting (by us, or by AWS after 7 days), stopping, modifying …: ModifyDBInstance needs `available`.
      if (status !== "available") throw new TryAgainLater(`${id} is ${status}: its deletion protection can be turned off once it is available`, 30_000);
      // Only an explicit `down` turns deletion protection (RDS-12) off.
      await retryOn(["InvalidDBInstanceStateFault", "InvalidDBInstanceState"], ctx.node, () => rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true })), 30_000);
    }
    const input = ctx.flags.deleteData
      ? { DBInstanceIdentifier: id, SkipFinalSnapshot: true }
      : { DBInstanceIdentifier: id, SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: finalSnapshotId(ctx.env, ctx.clock.now()) };
    await orUndefined(retryOn(["InvalidDBInstanceStateFault", "InvalidDBInstanceState"], ctx.node, () => rds.send(new DeleteDBInstanceCommand(input)), 30_000));
  },

  async refresh(ctx, d) {
    const seen = await describeInstance(ctx, d.DBInstanceIdentifier!);
    // Just created (maybe not visible yet): nothing to stand in for.
    if (seen || d.DBInstanceStatus === "creating") return seen;
    // Gone after a delete: stand in for it while its final snapshot (taken since this instance was created) remains.
    const rds = await ctx.aws.get("rds");
    const snaps = (await orUndefined(rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: d.DBInstanceIdentifier, SnapshotType: "manual" }))))?.DBSnapshots ?? [];
    const since = d.InstanceCreateTime?.getTime() ?? 0;
    const final = snaps.filter((s) => s.DBSnapshotIdentifier?.startsWith(`${ctx.env}-final-`) && (s.SnapshotCreateTime?.getTime() ?? 0) >= since).sort((a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0))[0];
    return final ? { DBInstanceIdentifier: d.DBInstanceIdentifier, DBInstanceStatus: "deleted", finalSnapshot: final.DBSnapshotIdentifier } : undefined;
  },
  // A paused (stopped) environment does not block `up`.
  isReady: (d) => d.DBInstanceStatus === "available" || d.DBInstanceStatus === "stopped",
  failure: (d) =>
    ["failed", "incompatible-parameters", "incompatible-network", "incompatible-option-group", "storage-full", "inaccessible-encryption-credentials", "deleting", "deleted"].includes(d.DBInstanceStatus ?? "")
      ? `it is ${d.DBInstanceStatus}`
      : undefined,
  isGone: (d) => d.DBInstanceStatus === "deleted",
  keptAfterDelete: (d) => (d.finalSnapshot ? `final snapshot ${d.finalSnapshot} kept (restore it with RestoreDBInstanceFromDBSnapshot; \`down --delete-data\` skips it)` : undefined),
  describe: (d) => {
    const stopped = d.DBInstanceStatus === "stopped";
    const queued = Object.keys(d.PendingModifiedValues ?? {}).filter((k) => k !== "MasterUserPassword");
    return {
      id: d.DBInstanceIdentifier!,
      state: `${d.DBInstanceStatus ?? "unknown"}${queued.length ? `, ${queued.join(", ")} ${pendingText(d)}` : ""}`,
      healthy: d.DBInstanceStatus === "available",
      details: {
        engineVersion: d.EngineVersion && `${d.Engine ?? "mysql"} ${d.EngineVersion}`,
        multiAz: d.MultiAZ,
        instanceClass: d.DBInstanceClass,
        masterSecretArn: d.MasterUserSecret?.SecretArn,
        masterSecretStatus: d.MasterUserSecret?.SecretStatus,
        masterSecretKmsKeyId: d.MasterUserSecret?.KmsKeyId,
        endpoint: d.Endpoint?.Address && `${d.Endpoint.Address}:${d.Endpoint.Port}`,
        publiclyAccessible: d.PubliclyAccessible,
        iamAuth: d.IAMDatabaseAuthenticationEnabled,
        networkType: d.NetworkType,
        performanceInsights: d.PerformanceInsightsEnabled ? `${d.PerformanceInsightsRetentionPeriod} days` : false,
        databaseInsightsMode: d.DatabaseInsightsMode,
        logExports: d.EnabledCloudwatchLogsExports ?? [],
        deletionProtection: d.DeletionProtection,
        backupRetentionDays: d.BackupRetentionPeriod,
        storageEncrypted: d.StorageEncrypted,
        kmsKeyId: d.KmsKeyId,
        parameterGroup: d.DBParameterGroups?.[0] && `${d.DBParameterGroups[0].DBParameterGroupName} (${d.DBParameterGroups[0].ParameterApplyStatus})`,
        optionGroup: d.OptionGroupMemberships?.[0]?.OptionGroupName,
        // Changes queued for the maintenance window (instance class, engine version, Multi-AZ).
        pendingMaintenanceWindow: d.PendingModifiedValues && Object.keys(d.PendingModifiedValues).length ? { ...d.PendingModifiedValues, window: d.PreferredMaintenanceWindow } : undefined,
        // AWS starts a stopped DB instance again after seven days.
        autoStartAt: stopped ? d.AutomaticRestartTime?.toISOString() : undefined,
      },
    };
  },
  outputs: (d) => ({
    id: d.DBInstanceIdentifier!,
    arn: d.DBInstanceArn!,
    dbiResourceId: d.DbiResourceId!,
    endpoint: d.Endpoint?.Address,
    port: d.Endpoint?.Port ?? PORT,
    masterSecretArn: d.MasterUserSecret?.SecretArn,
  }),
};
