/** Simulated RDS DB instances, DB snapshots and the RDS-managed master user secret (behaviour: rds.md). */
import { randomBytes, randomUUID } from "node:crypto";
import type { ModifyDBInstanceMessage, RDS } from "@aws-sdk/client-rds";
import { handler, type HandlerContext, type Handlers, type SimRecord } from "../types.js";
import { keyValueTags, mergeTags, removeTags } from "../tags.js";
import { GONE, advance, type Step } from "../transitions.js";
import { INVALID_COMBINATION, INVALID_VALUE, fault, iso, lower, page, rdsArn, tagList, view } from "./rds-common.js";
import { DEFAULT_VERSION, engineVersion, majorOf } from "./rds-engine-versions.js";
import { optionGroup, parameterGroup, subnetGroup, subnetGroupView } from "./rds-groups.js";

const DAY = 86_400_000;
/** AWS starts a stopped instance again after seven days (RDS User Guide, USER_StopInstance). */
export const AUTO_START_MS = 7 * DAY;
/**
 * How long an applied modification keeps an instance `modifying`. The durations table has no
 * entry for ModifyDBInstance: a fixed minute (a lead can move it to aws-durations.json).
 */
export const MODIFY_MS = 60_000;
const DATE_FIELDS = ["InstanceCreateTime", "LatestRestorableTime", "AutomaticRestartTime"];
const SNAPSHOT_DATES = ["SnapshotCreateTime", "InstanceCreateTime", "OriginalSnapshotCreateTime"];
/** Weekly maintenance window the sandbox assigns (PreferredMaintenanceWindow format `ddd:hh24:mi-ddd:hh24:mi`). */
const MAINTENANCE_WINDOW = "sun:05:00-sun:05:30";

/** Fields that ModifyDBInstance queues in PendingModifiedValues unless ApplyImmediately (ModifyDBInstance reference / "Settings for DB instances"). */
const PENDING_FIELDS: [input: keyof ModifyDBInstanceMessage, pending: string, apply: (i: SimRecord, v: any) => void][] = [
  ["DBInstanceClass", "DBInstanceClass", (i, v) => (i.DBInstanceClass = v)],
  ["AllocatedStorage", "AllocatedStorage", (i, v) => (i.AllocatedStorage = v)],
  ["EngineVersion", "EngineVersion", (i, v) => (i.EngineVersion = v)],
  ["MultiAZ", "MultiAZ", (i, v) => (i.MultiAZ = v)],
  ["EnableIAMDatabaseAuthentication", "IAMDatabaseAuthenticationEnabled", (i, v) => (i.IAMDatabaseAuthenticationEnabled = v)],
  ["DBSubnetGroupName", "DBSubnetGroupName", (i, v) => (i._subnetGroup = v)],
];

/** Next start of the weekly maintenance window (Sunday 05:00 UTC) after `ms`. */
export function nextMaintenance(ms: number): number {
  const d = new Date(ms);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - d.getUTCDay(), 5, 0, 0);
  return start > ms ? start : start + 7 * DAY;
}

function secrets(ctx: HandlerContext): Record<string, SimRecord> {
  return ctx.tableOf("secretsmanager", "secrets");
}

/**
 * Creates the managed master user secret in the simulated Secrets Manager, in the shape its
 * CreateSecret handler stores: name `rds!db-<uuid>`, tagged `aws:rds:primaryDBInstanceArn`,
 * OwningService `rds`, rotation every 7 days, value `{"username","password"}`.
 */
function createMasterSecret(ctx: HandlerContext, inst: SimRecord, kmsKeyId: string | undefined): SimRecord {
  const name = `rds!db-${randomUUID()}`;
  const now = iso(ctx.now());
  const versionId = randomUUID();
  const rec = ctx.born({
    ARN: `arn:aws:secretsmanager:${ctx.region}:${ctx.accountId}:secret:${name}-${randomBytes(3).toString("hex")}`,
    Name: name,
    Description: `Secret associated with primary RDS DB instance: ${inst.DBInstanceArn}`,
    KmsKeyId: kmsKeyId,
    RotationEnabled: true,
    RotationRules: { AutomaticallyAfterDays: 7 },
    OwningService: "rds",
    _tags: [{ Key: "aws:rds:primaryDBInstanceArn", Value: inst.DBInstanceArn }],
    CreatedDate: now,
    LastChangedDate: now,
    _rotationSetAt: now,
    _versions: { [versionId]: { stages: ["AWSCURRENT"], string: JSON.stringify({ username: inst.MasterUsername, password: randomBytes(24).toString("base64url") }), created: ctx.now() } },
  });
  secrets(ctx)[name] = rec;
  return rec;
}

/** One step of an instance's state machine, timed by `_nextAt` (which the step clears, then may set again). */
function step(from: string, to: string | typeof GONE, then?: (i: SimRecord, at: number) => void): Step {
  return {
    from,
    at: "_nextAt",
    to,
    then: (i, at) => {
      delete i._nextAt;
      then?.(i, at);
    },
  };
}

function instanceSteps(ctx: HandlerContext): Step[] {
  return [
    step("creating", "backing-up", (i) => (i._nextAt = i._createdAt + ctx.duration("rds.instance.create.multi-az"))),
    step("backing-up", "available", (i, at) => {
      // Since when connections succeed (database readiness: rds-readiness.ts).
      i._availableSince = at;
      i.InstanceCreateTime = iso(at);
      i.LatestRestorableTime = iso(at);
    }),
    step("modifying", "available"),
    step("stopping", "stopped", (i, at) => {
      i._nextAt = at + AUTO_START_MS;
      i.AutomaticRestartTime = iso(i._nextAt);
    }),
    // Seven days later AWS starts the instance by itself.
    step("stopped", "starting", (i, at) => {
      delete i.AutomaticRestartTime;
      i._nextAt = at + ctx.duration("rds.instance.start");
    }),
    step("starting", "available", (i, at) => (i._availableSince = at)),
    step("deleting", GONE),
  ];
}

/** Moves an instance (and its final snapshot) along its state machine for the current simulated time. */
function settle(ctx: HandlerContext, i: SimRecord): SimRecord | undefined {
  const now = ctx.now();
  if (advance(i, now, "DBInstanceStatus", instanceSteps(ctx)) === "gone") {
    const snap = i._finalSnapshot ? ctx.table("snapshots")[i._finalSnapshot] : undefined;
    if (snap) {
      snap.Status = "available";
      snap.PercentProgress = 100;
    }
    const secret = i.MasterUserSecret ? Object.values(secrets(ctx)).find((s) => s.ARN === i.MasterUserSecret.SecretArn) : undefined;
    if (secret) delete secrets(ctx)[secret.Name];
    delete ctx.table("instances")[i.DBInstanceIdentifier];
    return undefined;
  }
  // Pending modifications are applied at the start of the maintenance window.
  if (i._pendingAt !== undefined && now >= i._pendingAt && i.DBInstanceStatus === "available") applyPending(i);
  if (i.MasterUserSecret?.SecretStatus === "creating" && now >= i._createdAt + ctx.duration("secretsmanager.secret.create")) i.MasterUserSecret.SecretStatus = "active";
  return i;
}

function applyPending(i: SimRecord): void {
  for (const [, pending, apply] of PENDING_FIELDS) if (i.PendingModifiedValues[pending] !== undefined) apply(i, i.PendingModifiedValues[pending]);
  i.PendingModifiedValues = {};
  delete i._pendingAt;
}

function instances(ctx: HandlerContext): SimRecord[] {
  return Object.values(ctx.table("instances"))
    .map((i) => settle(ctx, i))
    .filter((i): i is SimRecord => i !== undefined && ctx.visible(i));
}

/** The instance `id` (identifier or ARN), settled; DBInstanceNotFoundFault otherwise. */
function instance(ctx: HandlerContext, id: unknown): SimRecord {
  const key = typeof id === "string" ? id.toLowerCase() : "";
  const i = instances(ctx).find((x) => x.DBInstanceIdentifier === key || x.DBInstanceArn === id);
  if (!i) fault(ctx, "DBInstanceNotFoundFault", `DBInstance ${String(id)} not found.`);
  return i;
}

/** DBSnapshot output shape. */
function snapshotView(s: SimRecord): SimRecord {
  return { ...view(s, SNAPSHOT_DATES), TagList: keyValueTags(s) };
}

/** DBInstance output shape. */
function instanceView(ctx: HandlerContext, i: SimRecord): SimRecord {
  const out = view(i, DATE_FIELDS);
  out.TagList = keyValueTags(i);
  const g = ctx.table("subnetGroups")[i._subnetGroup];
  if (g) out.DBSubnetGroup = subnetGroupView(ctx, g);
  // No endpoint while the instance is being created.
  if (i.DBInstanceStatus === "creating") delete out.Endpoint;
  return out;
}

function checkPerformanceInsights(ctx: HandlerContext, enabled: boolean, retention: number | undefined, mode: string | undefined): void {
  if (retention !== undefined && !(retention === 7 || retention === 731 || (retention % 31 === 0 && retention >= 31 && retention <= 713))) {
    fault(ctx, INVALID_VALUE, `Invalid Performance Insights retention period ${retention}. Valid values are 7, month * 31 (where month is 1-23) and 731.`);
  }
  if (retention !== undefined && !enabled) fault(ctx, INVALID_COMBINATION, "To set PerformanceInsightsRetentionPeriod, enable Performance Insights.");
  if (mode !== undefined && mode !== "standard" && mode !== "advanced") fault(ctx, INVALID_VALUE, `Invalid DatabaseInsightsMode: ${mode}`);
  // Database Insights advanced mode needs Performance Insights with at least 15 months (465 days) of retention.
  if (mode === "advanced" && (!enabled || (retention ?? 7) < 465)) {
    fault(ctx, INVALID_COMBINATION, "To enable the Advanced mode of Database Insights, enable Performance Insights and set the retention period to at least 465 days.");
  }
}

function checkLogExports(ctx: HandlerContext, engine: string, version: string, logs: string[]): void {
  const v = engineVersion(ctx, engine, version);
  const bad = logs.filter((l) => !(v?.ExportableLogTypes ?? []).includes(l));
  if (bad.length) {
    fault(ctx, INVALID_COMBINATION, `You cannot use the log types '${bad.join("', '")}' with engine version ${engine} ${version}. For supported log types, see the documentation.`);
  }
}

function checkSecurityGroups(ctx: HandlerContext, ids: string[], vpcId: string): SimRecord[] {
  const table = ctx.tableOf("ec2", "securityGroups");
  return ids.map((id) => {
    const sg = table[id];
    if (!sg) fault(ctx, INVALID_VALUE, `Invalid security group , groupId= ${id}, groupName=.`);
    if (sg.VpcId !== vpcId) fault(ctx, INVALID_COMBINATION, "The DB instance and EC2 security group are in different VPCs.");
    return { VpcSecurityGroupId: id, Status: "active" };
  });
}

const CreateDBInstance = handler<RDS, "CreateDBInstance">((input, ctx) => {
  const id = lower(ctx, input.DBInstanceIdentifier, "DBInstanceIdentifier");
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(id) || id.endsWith("-") || id.includes("--")) fault(ctx, INVALID_VALUE, `The parameter DBInstanceIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`);
  const table = ctx.table("instances");
  if (table[id]) fault(ctx, "DBInstanceAlreadyExistsFault", "DB instance already exists");
  if (input.Engine !== "mysql") fault(ctx, INVALID_VALUE, `Invalid DB engine: ${String(input.Engine)}`);
  if (typeof input.DBInstanceClass !== "string" || !/^db\.[a-z0-9-]+\.[a-z0-9]+$/.test(input.DBInstanceClass)) fault(ctx, INVALID_VALUE, `Invalid DB Instance class: ${String(input.DBInstanceClass)}`);
  const version: string = input.EngineVersion ?? DEFAULT_VERSION[""];
  const ev = engineVersion(ctx, "mysql", version);
  if (!ev || ev.Status !== "available") fault(ctx, INVALID_COMBINATION, `Cannot find version ${version} for mysql`);
  // ManageMasterUserPassword: "Can't manage the master user password with AWS Secrets Manager if MasterUserPassword is specified."
  if (input.ManageMasterUserPassword && input.MasterUserPassword !== undefined) {
    fault(ctx, INVALID_COMBINATION, "You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.");
  }
  if (!input.ManageMasterUserPassword && input.MasterUserSecretKmsKeyId !== undefined) fault(ctx, INVALID_COMBINATION, "You can't specify MasterUserSecretKmsKeyId unless ManageMasterUserPassword is enabled.");
  if (!input.ManageMasterUserPassword && !input.MasterUserPassword) fault(ctx, INVALID_VALUE, "The parameter MasterUserPassword must be provided and must not be blank.");
  if (!input.MasterUsername) fault(ctx, INVALID_VALUE, "The parameter MasterUsername must be provided and must not be blank.");
  const storage = input.AllocatedStorage!;
  if (!Number.isInteger(storage) || storage < 20 || storage > 65536) fault(ctx, INVALID_VALUE, `Invalid storage size for engine name mysql and storage type gp3: ${String(storage)}`);
  if (input.MaxAllocatedStorage !== undefined && input.MaxAllocatedStorage < storage) fault(ctx, INVALID_VALUE, "Max storage size must be greater than storage size");
  const retention = input.BackupRetentionPeriod ?? 1;
  if (!Number.isInteger(retention) || retention < 0 || retention > 35) fault(ctx, INVALID_VALUE, "Invalid backup retention period: must be between 0 and 35.");
  if (input.KmsKeyId !== undefined && !input.StorageEncrypted) fault(ctx, INVALID_COMBINATION, "Encryption key was specified, but the storage is not encrypted. Set StorageEncrypted to true.");
  const networkType: string = input.NetworkType ?? "IPV4";
  if (networkType !== "IPV4" && networkType !== "DUAL") fault(ctx, "NetworkTypeNotSupported", `The network type ${networkType} is invalid. Valid network type values are IPV4 and DUAL.`);
  if (!input.DBSubnetGroupName) fault(ctx, INVALID_VALUE, "The sandbox has no default VPC: DBSubnetGroupName is required.");
  const sg = subnetGroup(ctx, input.DBSubnetGroupName);
  const sgView = subnetGroupView(ctx, sg);
  if (networkType === "DUAL" && !sgView.SupportedNetworkTypes.includes("DUAL")) {
    fault(ctx, INVALID_COMBINATION, `The specified DB subnet group ${sg.DBSubnetGroupName} doesn't support DUAL network type. Every subnet in it must have an IPv6 CIDR block.`);
  }
  const vpcSgs = checkSecurityGroups(ctx, input.VpcSecurityGroupIds ?? [], sg.VpcId);
  const family = ev.DBParameterGroupFamily;
  let paramGroup = `default.${family}`;
  if (input.DBParameterGroupName) {
    const pg = parameterGroup(ctx, input.DBParameterGroupName);
    if (pg.DBParameterGroupFamily !== family) {
      fault(ctx, INVALID_COMBINATION, `The parameter group ${pg.DBParameterGroupName} with DBParameterGroupFamily ${pg.DBParameterGroupFamily} can't be used for this instance. Use a parameter group with DBParameterGroupFamily ${family}.`);
    }
    paramGroup = pg.DBParameterGroupName;
  }
  let optGroup = `default:mysql-${majorOf(version).replace(".", "-")}`;
  if (input.OptionGroupName) {
    const og = optionGroup(ctx, input.OptionGroupName);
    if (og.MajorEngineVersion !== majorOf(version)) fault(ctx, INVALID_COMBINATION, `The option group ${og.OptionGroupName} is for major engine version ${og.MajorEngineVersion}, not ${majorOf(version)}.`);
    optGroup = og.OptionGroupName;
  }
  const pi = Boolean(input.EnablePerformanceInsights);
  checkPerformanceInsights(ctx, pi, input.PerformanceInsightsRetentionPeriod, input.DatabaseInsightsMode);
  const logs: string[] = input.EnableCloudwatchLogsExports ?? [];
  checkLogExports(ctx, "mysql", version, logs);

  const arn = rdsArn(ctx, "db", id);
  const azs = [...new Set((sg.Subnets as SimRecord[]).map((s) => s.SubnetAvailabilityZone.Name))].sort();
  const host = ctx.newId("", 12);
  const kms = input.StorageEncrypted ? (input.KmsKeyId ?? `arn:aws:kms:${ctx.region}:${ctx.accountId}:key/aws-rds-default`) : undefined;
  const i: SimRecord = ctx.born({
    DBInstanceIdentifier: id,
    DBInstanceClass: input.DBInstanceClass,
    Engine: "mysql",
    DBInstanceStatus: "creating",
    MasterUsername: input.MasterUsername,
    DBName: input.DBName,
    Endpoint: { Address: `${id}.${host}.${ctx.region}.rds.amazonaws.com`, Port: input.Port ?? 3306, HostedZoneId: "Z29XKXDKYMONMX" },
    AllocatedStorage: storage,
    PreferredBackupWindow: input.PreferredBackupWindow ?? "03:00-03:30",
    BackupRetentionPeriod: retention,
    DBSecurityGroups: [],
    VpcSecurityGroups: vpcSgs,
    DBParameterGroups: [{ DBParameterGroupName: paramGroup, ParameterApplyStatus: "in-sync" }],
    AvailabilityZone: azs[0],
    SecondaryAvailabilityZone: input.MultiAZ ? azs[1] : undefined,
    PreferredMaintenanceWindow: MAINTENANCE_WINDOW,
    PendingModifiedValues: {},
    MultiAZ: Boolean(input.MultiAZ),
    EngineVersion: version,
    AutoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
    ReadReplicaDBInstanceIdentifiers: [],
    LicenseModel: "general-public-license",
    OptionGroupMemberships: [{ OptionGroupName: optGroup, Status: "in-sync" }],
    PubliclyAccessible: Boolean(input.PubliclyAccessible),
    StorageType: input.StorageType ?? "gp2",
    DbInstancePort: 0,
    StorageEncrypted: Boolean(input.StorageEncrypted),
    KmsKeyId: kms,
    DbiResourceId: "db-" + randomBytes(16).toString("hex").toUpperCase().replace(/[^A-Z0-9]/g, "").slice(0, 26).padEnd(26, "Q"),
    CACertificateIdentifier: "rds-ca-rsa2048-g1",
    CopyTagsToSnapshot: Boolean(input.CopyTagsToSnapshot),
    MonitoringInterval: 0,
    DBInstanceArn: arn,
    IAMDatabaseAuthenticationEnabled: Boolean(input.EnableIAMDatabaseAuthentication),
    DatabaseInsightsMode: input.DatabaseInsightsMode ?? "standard",
    PerformanceInsightsEnabled: pi,
    PerformanceInsightsKMSKeyId: pi ? (input.PerformanceInsightsKMSKeyId ?? `arn:aws:kms:${ctx.region}:${ctx.accountId}:key/aws-rds-default`) : undefined,
    PerformanceInsightsRetentionPeriod: pi ? (input.PerformanceInsightsRetentionPeriod ?? 7) : undefined,
    EnabledCloudwatchLogsExports: logs.length ? [...logs] : undefined,
    DeletionProtection: Boolean(input.DeletionProtection),
    MaxAllocatedStorage: input.MaxAllocatedStorage,
    _tags: tagList(input.Tags),
    NetworkType: networkType,
    BackupTarget: "region",
    ActivityStreamStatus: "stopped",
    DedicatedLogVolume: false,
    EngineLifecycleSupport: input.EngineLifecycleSupport ?? "open-source-rds-extended-support",
    _subnetGroup: sg.DBSubnetGroupName,
    _nextAt: ctx.now() + Math.round(ctx.duration("rds.instance.create.multi-az") * 0.85),
  });
  if (input.ManageMasterUserPassword) {
    const kmsSecret = input.MasterUserSecretKmsKeyId ?? "alias/aws/secretsmanager";
    const secret = createMasterSecret(ctx, i, kmsSecret);
    i.MasterUserSecret = { SecretArn: secret.ARN, SecretStatus: "creating", KmsKeyId: kmsSecret };
  }
  table[id] = i;
  return { DBInstance: instanceView(ctx, i) };
});

const DescribeDBInstances = handler<RDS, "DescribeDBInstances">((input, ctx) => {
  let list = input.DBInstanceIdentifier ? [instance(ctx, input.DBInstanceIdentifier)] : instances(ctx).sort((a, b) => a.DBInstanceIdentifier.localeCompare(b.DBInstanceIdentifier));
  const fields: Record<string, (i: SimRecord) => string[]> = {
    "db-instance-id": (i) => [i.DBInstanceIdentifier, i.DBInstanceArn],
    "dbi-resource-id": (i) => [i.DbiResourceId],
    engine: (i) => [i.Engine],
    "db-cluster-id": () => [],
    domain: () => [],
  };
  for (const f of input.Filters ?? []) {
    const get = fields[f.Name!];
    if (!get) fault(ctx, INVALID_VALUE, `Unrecognized filter name: ${String(f.Name)}`);
    list = list.filter((i) => get(i).some((v) => (f.Values ?? []).includes(v)));
  }
  const { items, Marker } = page(ctx, list, input);
  return { DBInstances: items.map((i) => instanceView(ctx, i)), Marker };
});

const ModifyDBInstance = handler<RDS, "ModifyDBInstance">((input, ctx) => {
  const i = instance(ctx, input.DBInstanceIdentifier);
  // "You can't modify a stopped DB instance" (RDS User Guide, USER_StopInstance, Limitations).
  if (i.DBInstanceStatus === "stopped") fault(ctx, "InvalidDBInstanceStateFault", "You can't modify a stopped DB instance. Start the DB instance, and then modify it.");
  if (i.DBInstanceStatus !== "available") fault(ctx, "InvalidDBInstanceStateFault", `Database instance is not in available state.`);
  if (input.ManageMasterUserPassword && input.MasterUserPassword !== undefined) fault(ctx, INVALID_COMBINATION, "You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.");
  const now = ctx.now();
  const immediate = Boolean(input.ApplyImmediately);
  // Validate everything before changing anything.
  const pi = input.EnablePerformanceInsights ?? i.PerformanceInsightsEnabled;
  checkPerformanceInsights(ctx, pi, input.PerformanceInsightsRetentionPeriod ?? (pi ? (i.PerformanceInsightsRetentionPeriod ?? 7) : undefined), input.DatabaseInsightsMode ?? i.DatabaseInsightsMode);
  const version = input.EngineVersion ?? i.EngineVersion;
  if (input.EngineVersion !== undefined) {
    const ev = engineVersion(ctx, "mysql", input.EngineVersion);
    if (!ev || ev.Status !== "available") fault(ctx, INVALID_COMBINATION, `Cannot find version ${input.EngineVersion} for mysql`);
  }
  const exp = input.CloudwatchLogsExportConfiguration;
  const logs = new Set<string>(i.EnabledCloudwatchLogsExports ?? []);
  for (const l of exp?.EnableLogTypes ?? []) logs.add(l);
  for (const l of exp?.DisableLogTypes ?? []) logs.delete(l);
  checkLogExports(ctx, "mysql", version, exp?.EnableLogTypes ?? []);
  const sgName: string = input.DBSubnetGroupName ? subnetGroup(ctx, input.DBSubnetGroupName).DBSubnetGroupName : i._subnetGroup;
  const network = input.NetworkType ?? i.NetworkType;
  if (network === "DUAL" && !subnetGroupView(ctx, ctx.table("subnetGroups")[sgName]).SupportedNetworkTypes.includes("DUAL")) {
    fault(ctx, INVALID_COMBINATION, `The specified DB subnet group ${sgName} doesn't support DUAL network type.`);
  }
  const vpcSgs = input.VpcSecurityGroupIds ? checkSecurityGroups(ctx, input.VpcSecurityGroupIds, ctx.table("subnetGroups")[sgName].VpcId) : undefined;
  const pg = input.DBParameterGroupName ? parameterGroup(ctx, input.DBParameterGroupName) : undefined;
  const og = input.OptionGroupName ? optionGroup(ctx, input.OptionGroupName) : undefined;
  if (input.MaxAllocatedStorage !== undefined && input.MaxAllocatedStorage < (input.AllocatedStorage ?? i.AllocatedStorage)) fault(ctx, INVALID_VALUE, "Max storage size must be greater than storage size");

  let busy = false;
  // Queued for the maintenance window unless ApplyImmediately.
  for (const [field, pending, apply] of PENDING_FIELDS) {
    if (input[field] === undefined) continue;
    const value = field === "DBSubnetGroupName" ? sgName : input[field];
    if (immediate) {
      apply(i, value);
      delete i.PendingModifiedValues[pending];
      busy = true;
    } else {
      i.PendingModifiedValues[pending] = value;
      i._pendingAt = nextMaintenance(now);
    }
  }
  if (immediate && i._pendingAt !== undefined) {
    applyPending(i);
    busy = true;
  }
  if (input.MultiAZ !== undefined && immediate) i.SecondaryAvailabilityZone = input.MultiAZ ? (subnetGroupView(ctx, ctx.table("subnetGroups")[i._subnetGroup]).Subnets as SimRecord[]).map((s) => s.SubnetAvailabilityZone.Name).find((z) => z !== i.AvailabilityZone) : undefined;
  // Applied at once whatever ApplyImmediately says.
  if (input.DeletionProtection !== undefined) i.DeletionProtection = input.DeletionProtection;
  if (input.CopyTagsToSnapshot !== undefined) i.CopyTagsToSnapshot = input.CopyTagsToSnapshot;
  if (input.BackupRetentionPeriod !== undefined) i.BackupRetentionPeriod = input.BackupRetentionPeriod;
  if (input.MaxAllocatedStorage !== undefined) i.MaxAllocatedStorage = input.MaxAllocatedStorage;
  if (input.PubliclyAccessible !== undefined) i.PubliclyAccessible = input.PubliclyAccessible;
  if (input.NetworkType !== undefined && input.NetworkType !== i.NetworkType) {
    i.NetworkType = input.NetworkType;
    busy = true;
  }
  if (vpcSgs) {
    i.VpcSecurityGroups = vpcSgs;
    busy = true;
  }
  if (pg) i.DBParameterGroups = [{ DBParameterGroupName: pg.DBParameterGroupName, ParameterApplyStatus: "pending-reboot" }];
  if (og) {
    i.OptionGroupMemberships = [{ OptionGroupName: og.OptionGroupName, Status: "in-sync" }];
    busy = true;
  }
  if (input.EnablePerformanceInsights !== undefined || input.PerformanceInsightsRetentionPeriod !== undefined || input.PerformanceInsightsKMSKeyId !== undefined) {
    i.PerformanceInsightsEnabled = pi;
    if (pi) {
      i.PerformanceInsightsRetentionPeriod = input.PerformanceInsightsRetentionPeriod ?? i.PerformanceInsightsRetentionPeriod ?? 7;
      i.PerformanceInsightsKMSKeyId = input.PerformanceInsightsKMSKeyId ?? i.PerformanceInsightsKMSKeyId;
    }
    busy = true;
  }
  if (input.DatabaseInsightsMode !== undefined) i.DatabaseInsightsMode = input.DatabaseInsightsMode;
  // "A change to the CloudwatchLogsExportConfiguration parameter is always applied to the DB instance immediately."
  if (exp) {
    i.EnabledCloudwatchLogsExports = logs.size ? [...logs] : undefined;
    busy = true;
  }
  if (input.ManageMasterUserPassword === false && i.MasterUserSecret) {
    // Turning management off needs a password of one's own; RDS deletes the secret it managed (ModifyDBInstance, ManageMasterUserPassword).
    if (!input.MasterUserPassword) fault(ctx, INVALID_VALUE, "The parameter MasterUserPassword must be provided when ManageMasterUserPassword is turned off.");
    const table = secrets(ctx);
    for (const [k, x] of Object.entries(table)) if (x.ARN === i.MasterUserSecret.SecretArn) delete table[k];
    delete i.MasterUserSecret;
  } else if (input.ManageMasterUserPassword && !i.MasterUserSecret) {
    const kms = input.MasterUserSecretKmsKeyId ?? "alias/aws/secretsmanager";
    i.MasterUserSecret = { SecretArn: createMasterSecret(ctx, i, kms).ARN, SecretStatus: "active", KmsKeyId: kms };
  } else if (input.MasterUserSecretKmsKeyId !== undefined && i.MasterUserSecret) {
    i.MasterUserSecret.KmsKeyId = input.MasterUserSecretKmsKeyId;
    const s = Object.values(secrets(ctx)).find((x) => x.ARN === i.MasterUserSecret.SecretArn);
    if (s) s.KmsKeyId = input.MasterUserSecretKmsKeyId;
  }
  if (busy) {
    i.DBInstanceStatus = "modifying";
    i._nextAt = now + MODIFY_MS;
  }
  return { DBInstance: instanceView(ctx, i) };
});

const DeleteDBInstance = handler<RDS, "DeleteDBInstance">((input, ctx) => {
  const i = instance(ctx, input.DBInstanceIdentifier);
  if (i.DBInstanceStatus === "deleting") fault(ctx, "InvalidDBInstanceStateFault", `Instance ${i.DBInstanceIdentifier} is already being deleted.`);
  // The code and message AWS answers for a protected instance (seen in AWS provider sweeper logs).
  if (i.DeletionProtection) fault(ctx, INVALID_COMBINATION, "Cannot delete protected DB Instance, please disable deletion protection and try again.");
  const skip = Boolean(input.SkipFinalSnapshot);
  const finalId: string | undefined = input.FinalDBSnapshotIdentifier;
  if (skip && finalId) fault(ctx, INVALID_COMBINATION, "Cannot specify FinalDBSnapshotIdentifier when SkipFinalSnapshot is true.");
  if (!skip && !finalId) fault(ctx, INVALID_COMBINATION, "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
  if (finalId) {
    const snapId = finalId.toLowerCase();
    if (ctx.table("snapshots")[snapId]) fault(ctx, "DBSnapshotAlreadyExistsFault", `Cannot create the snapshot because a snapshot with the identifier ${snapId} already exists.`);
    ctx.table("snapshots")[snapId] = ctx.born({
      DBSnapshotIdentifier: snapId,
      DBInstanceIdentifier: i.DBInstanceIdentifier,
      SnapshotCreateTime: iso(ctx.now()),
      Engine: i.Engine,
      AllocatedStorage: i.AllocatedStorage,
      Status: "creating",
      Port: i.Endpoint.Port,
      AvailabilityZone: i.AvailabilityZone,
      VpcId: ctx.table("subnetGroups")[i._subnetGroup]?.VpcId,
      InstanceCreateTime: i.InstanceCreateTime,
      MasterUsername: i.MasterUsername,
      EngineVersion: i.EngineVersion,
      LicenseModel: i.LicenseModel,
      SnapshotType: "manual",
      OptionGroupName: i.OptionGroupMemberships[0].OptionGroupName,
      PercentProgress: 0,
      StorageType: i.StorageType,
      Encrypted: i.StorageEncrypted,
      KmsKeyId: i.KmsKeyId,
      DBSnapshotArn: rdsArn(ctx, "snapshot", snapId),
      IAMDatabaseAuthenticationEnabled: i.IAMDatabaseAuthenticationEnabled,
      DbiResourceId: i.DbiResourceId,
      // CopyTagsToSnapshot: the instance's tags go on its snapshots.
      _tags: i.CopyTagsToSnapshot ? keyValueTags(i) : [],
      SnapshotTarget: "region",
      DedicatedLogVolume: false,
    });
    i._finalSnapshot = snapId;
  }
  // A stopped instance is deleted as it is, final snapshot included (its storage is still there):
  // it is not started first, and AWS no longer restarts it after seven days.
  i.DBInstanceStatus = "deleting";
  delete i.AutomaticRestartTime;
  i._nextAt = ctx.now() + ctx.duration("rds.instance.delete");
  delete i._pendingAt;
  return { DBInstance: instanceView(ctx, i) };
});

const StopDBInstance = handler<RDS, "StopDBInstance">((input, ctx) => {
  const i = instance(ctx, input.DBInstanceIdentifier);
  if (i.DBInstanceStatus !== "available") fault(ctx, "InvalidDBInstanceStateFault", `Instance ${i.DBInstanceIdentifier} is not in available state.`);
  i.DBInstanceStatus = "stopping";
  i._nextAt = ctx.now() + ctx.duration("rds.instance.stop");
  return { DBInstance: instanceView(ctx, i) };
});

const StartDBInstance = handler<RDS, "StartDBInstance">((input, ctx) => {
  const i = instance(ctx, input.DBInstanceIdentifier);
  if (i.DBInstanceStatus !== "stopped") fault(ctx, "InvalidDBInstanceStateFault", `Instance ${i.DBInstanceIdentifier} cannot be started as it is not in stopped state.`);
  i.DBInstanceStatus = "starting";
  delete i.AutomaticRestartTime;
  i._nextAt = ctx.now() + ctx.duration("rds.instance.start");
  return { DBInstance: instanceView(ctx, i) };
});

// ---------------------------------------------------------------- snapshots

function snapshots(ctx: HandlerContext): SimRecord[] {
  for (const i of Object.values(ctx.table("instances"))) settle(ctx, i);
  return Object.values(ctx.table("snapshots")).filter((s) => ctx.visible(s));
}

const DescribeDBSnapshots = handler<RDS, "DescribeDBSnapshots">((input, ctx) => {
  let list = snapshots(ctx);
  if (input.DBSnapshotIdentifier) {
    const key = String(input.DBSnapshotIdentifier).toLowerCase();
    list = list.filter((s) => s.DBSnapshotIdentifier === key || s.DBSnapshotArn === input.DBSnapshotIdentifier);
    if (!list.length) fault(ctx, "DBSnapshotNotFoundFault", `DBSnapshot ${String(input.DBSnapshotIdentifier)} not found.`);
  }
  if (input.DBInstanceIdentifier) list = list.filter((s) => s.DBInstanceIdentifier === String(input.DBInstanceIdentifier).toLowerCase());
  if (input.SnapshotType) list = list.filter((s) => s.SnapshotType === input.SnapshotType);
  list.sort((a, b) => a.SnapshotCreateTime.localeCompare(b.SnapshotCreateTime) || a.DBSnapshotIdentifier.localeCompare(b.DBSnapshotIdentifier));
  const { items, Marker } = page(ctx, list, input);
  return { DBSnapshots: items.map(snapshotView), Marker };
});

const DeleteDBSnapshot = handler<RDS, "DeleteDBSnapshot">((input, ctx) => {
  const key = String(input.DBSnapshotIdentifier ?? "").toLowerCase();
  const s = snapshots(ctx).find((x) => x.DBSnapshotIdentifier === key);
  if (!s) fault(ctx, "DBSnapshotNotFoundFault", `DBSnapshot ${String(input.DBSnapshotIdentifier)} not found.`);
  if (s.Status !== "available") fault(ctx, "InvalidDBSnapshotStateFault", `Cannot delete the snapshot because it is not in available state. Current state is ${s.Status}.`);
  delete ctx.table("snapshots")[key];
  return { DBSnapshot: { ...snapshotView(s), Status: "deleted" } };
});

// ---------------------------------------------------------------- tags

/** The record an RDS ARN names (its tags are in `_tags`). */
function taggable(ctx: HandlerContext, arn: unknown): SimRecord {
  const m = /^arn:aws:rds:[^:]+:\d+:(db|subgrp|pg|og|snapshot):(.+)$/.exec(String(arn ?? ""));
  if (!m) fault(ctx, INVALID_VALUE, `Invalid resource name: ${String(arn)}`);
  const [, type, name] = m;
  switch (type) {
    case "db": {
      return instance(ctx, name);
    }
    case "snapshot": {
      const s = snapshots(ctx).find((x) => x.DBSnapshotIdentifier === name);
      if (!s) fault(ctx, "DBSnapshotNotFoundFault", `DBSnapshot ${name} not found.`);
      return s;
    }
    case "subgrp":
      return subnetGroup(ctx, name);
    case "pg":
      return parameterGroup(ctx, name);
    default:
      return optionGroup(ctx, name);
  }
}

const ListTagsForResource = handler<RDS, "ListTagsForResource">((input, ctx) => ({ TagList: keyValueTags(taggable(ctx, input.ResourceName)) }));

const AddTagsToResource = handler<RDS, "AddTagsToResource">((input, ctx) => {
  mergeTags(taggable(ctx, input.ResourceName), tagList(input.Tags));
  return {};
});

const RemoveTagsFromResource = handler<RDS, "RemoveTagsFromResource">((input, ctx) => {
  removeTags(taggable(ctx, input.ResourceName), input.TagKeys);
  return {};
});

/** The instance, snapshot and tag handlers. */
export const instanceHandlers: Handlers<RDS> = {
  CreateDBInstance, DescribeDBInstances, ModifyDBInstance, DeleteDBInstance, StopDBInstance, StartDBInstance,
  DescribeDBSnapshots, DeleteDBSnapshot, ListTagsForResource, AddTagsToResource, RemoveTagsFromResource,
};
