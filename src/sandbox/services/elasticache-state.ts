/**
 * State logic of the simulated ElastiCache (behaviour: elasticache.md): validation shared by the
 * handlers, settling replication-group states for "now", and the output views (member clusters,
 * node groups, endpoints) derived from one stored replication-group record.
 */
import { publicView } from "../filters.js";
import { GONE, advanceAll, type Step } from "../transitions.js";
import type { HandlerContext, SimRecord } from "../types.js";

/** Engine versions the sandbox offers (DescribeCacheEngineVersions), oldest first per engine. */
export const ENGINE_VERSIONS: { Engine: string; EngineVersion: string; CacheParameterGroupFamily: string }[] = [
  { Engine: "redis", EngineVersion: "6.2.6", CacheParameterGroupFamily: "redis6.x" },
  { Engine: "redis", EngineVersion: "7.0.7", CacheParameterGroupFamily: "redis7" },
  { Engine: "redis", EngineVersion: "7.1.0", CacheParameterGroupFamily: "redis7" },
  { Engine: "valkey", EngineVersion: "7.2.6", CacheParameterGroupFamily: "valkey7" },
  { Engine: "valkey", EngineVersion: "8.0.1", CacheParameterGroupFamily: "valkey8" },
];

/**
 * Time a ModifyReplicationGroup keeps the group `modifying`. The durations table has no ElastiCache
 * modify entry yet, so the sandbox uses this constant (a minute: AWS applies most RG modifications
 * within minutes; node-type scaling takes longer and is not distinguished).
 */
export const MODIFY_MS = 60_000;

/** Time a final snapshot stays `creating` after its group is gone. */
export const SNAPSHOT_MS = 60_000;

/** The three stored collections. */
export const subnetGroups = (ctx: HandlerContext) => ctx.table("subnetGroups");
export const replicationGroups = (ctx: HandlerContext) => ctx.table("replicationGroups");
export const snapshots = (ctx: HandlerContext) => ctx.table("snapshots");

/** ARN of an ElastiCache resource (`replicationgroup`, `cluster`, `subnetgroup`, `snapshot`). */
export function arn(ctx: HandlerContext, type: string, name: string): string {
  return `arn:aws:elasticache:${ctx.region}:${ctx.accountId}:${type}:${name}`;
}

/** An input field that must be present (AWS: MissingParameter for required members). */
export function required<T>(ctx: HandlerContext, input: SimRecord, field: string): T {
  const v = input[field];
  if (v === undefined || v === null || v === "") ctx.fail("MissingParameter", `The request must contain the parameter ${field}`);
  return v as T;
}

/**
 * Replication group id / cluster id rules of the reference: 1–40 letters, digits or hyphens,
 * starting with a letter, not ending with a hyphen, no two consecutive hyphens; stored lowercase.
 */
export function checkGroupId(ctx: HandlerContext, id: string): string {
  if (!/^[a-zA-Z][a-zA-Z0-9-]{0,39}$/.test(id) || id.endsWith("-") || id.includes("--")) {
    ctx.fail("InvalidParameterValueException", `Invalid replication group id: ${id}. It must be 1 to 40 alphanumeric characters or hyphens, start with a letter, and not end with a hyphen or contain two consecutive hyphens.`);
  }
  return id.toLowerCase();
}

/** CacheSubnetGroupName: at most 255 letters, digits or hyphens; stored lowercase. */
export function checkSubnetGroupName(ctx: HandlerContext, name: string): string {
  if (!/^[a-zA-Z0-9-]{1,255}$/.test(name)) ctx.fail("InvalidParameterValueException", `Invalid cache subnet group name: ${name}. It must contain no more than 255 alphanumeric characters or hyphens.`);
  return name.toLowerCase();
}

/**
 * AUTH token rules. CreateReplicationGroup: printable ASCII, 16–128 characters, the only special
 * characters allowed being `! & # $ ^ < > -`. ModifyReplicationGroup words it differently: printable
 * ASCII, 16–128, none of `/ " @ %`. Both from the API reference's AuthToken parameter.
 */
export function checkAuthToken(ctx: HandlerContext, token: string, op: "create" | "modify"): void {
  const printable = /^[\x21-\x7e]*$/.test(token);
  const lengthOk = token.length >= 16 && token.length <= 128;
  const charsOk = op === "create" ? /^[A-Za-z0-9!&#$^<>-]*$/.test(token) : !/[/"@%]/.test(token);
  if (!printable || !lengthOk || !charsOk) {
    ctx.fail(
      "InvalidParameterValueException",
      op === "create"
        ? "Invalid AuthToken provided. The AUTH token must be 16 to 128 printable ASCII characters; the only permitted special characters are !, &, #, $, ^, <, >, and -."
        : "Invalid AuthToken provided. The AUTH token must be 16 to 128 printable ASCII characters and cannot contain '/', '\"', '@' or '%'.",
    );
  }
}

/** `7.1` or `7.1.0` → the offered version record for `engine`, or undefined. */
export function engineVersion(engine: string, version: string | undefined): (typeof ENGINE_VERSIONS)[number] | undefined {
  const list = ENGINE_VERSIONS.filter((v) => v.Engine === engine);
  if (version === undefined) return list[list.length - 1];
  return list.find((v) => v.EngineVersion === version || v.EngineVersion.split(".").slice(0, 2).join(".") === version);
}

/** `eu-west-1` → `euw1`, as in ElastiCache endpoint host names (first letter of the direction). */
function regionShort(region: string): string {
  const [geo, dir = "", n = ""] = region.split("-");
  return `${geo}${dir.slice(0, 1)}${n}`;
}

/**
 * Moves a replication group along its states for "now": creating/modifying → available at
 * `_readyAt`; deleting → removed at `_goneAt` (its final snapshot then completes).
 */
export function settle(ctx: HandlerContext): void {
  advanceAll(replicationGroups(ctx), ctx.now(), "Status", GROUP_STEPS);
  advanceAll(snapshots(ctx), ctx.now(), "SnapshotStatus", [{ from: "creating", at: "_readyAt", to: "available" }]);
}

const GROUP_STEPS: Step[] = [
  {
    from: ["creating", "modifying"],
    at: "_readyAt",
    to: "available",
    then: (rg) => {
      rg.PendingModifiedValues = {};
      if (rg.AutomaticFailover === "enabling") rg.AutomaticFailover = "enabled";
      if (rg.AutomaticFailover === "disabling") rg.AutomaticFailover = "disabled";
    },
  },
  { from: "deleting", at: "_goneAt", to: GONE },
];

/** Stored replication group by id (settled; hidden by the NotFound lag counts as missing). */
export function findGroup(ctx: HandlerContext, id: string | undefined): SimRecord {
  settle(ctx);
  const rg = id ? replicationGroups(ctx)[id.toLowerCase()] : undefined;
  if (!rg || !ctx.visible(rg)) ctx.fail("ReplicationGroupNotFoundFault", `ReplicationGroup not found: ${id}`, 404);
  return rg;
}

/** Stored subnet group by name. */
export function findSubnetGroup(ctx: HandlerContext, name: string | undefined): SimRecord {
  const sg = name ? subnetGroups(ctx)[name.toLowerCase()] : undefined;
  if (!sg || !ctx.visible(sg)) ctx.fail("CacheSubnetGroupNotFoundFault", `CacheSubnetGroup ${name} not found.`, 404);
  return sg;
}

/** Host names of a group's endpoints (the TLS form AWS uses when in-transit encryption is on). */
function hosts(ctx: HandlerContext, rg: SimRecord): { primary: string; reader: string; node: (clusterId: string) => string } {
  const dom = `${rg._dnsId}.${regionShort(ctx.region)}.cache.amazonaws.com`;
  const id = rg.ReplicationGroupId;
  if (rg.TransitEncryptionEnabled) {
    return { primary: `master.${id}.${dom}`, reader: `replica.${id}.${dom}`, node: (c) => `${c}.${id}.${dom}` };
  }
  return { primary: `${id}.${rg._dnsId}.ng.0001.${regionShort(ctx.region)}.cache.amazonaws.com`, reader: `${id}-ro.${rg._dnsId}.ng.0001.${regionShort(ctx.region)}.cache.amazonaws.com`, node: (c) => `${c}.${rg._dnsId}.0001.${regionShort(ctx.region)}.cache.amazonaws.com` };
}

/** Member cluster ids `<id>-001`, `<id>-002` … */
export function memberIds(rg: SimRecord): string[] {
  return rg._azs.map((_: string, i: number) => `${rg.ReplicationGroupId}-${String(i + 1).padStart(3, "0")}`);
}

/** The replication group as DescribeReplicationGroups returns it. */
export function groupView(ctx: HandlerContext, rg: SimRecord): SimRecord {
  const view = publicView(rg);
  const h = hosts(ctx, rg);
  const withEndpoints = rg.Status !== "creating";
  const members = memberIds(rg);
  view.MemberClusters = members;
  view.NodeGroups = [
    {
      NodeGroupId: "0001",
      Status: rg.Status,
      ...(withEndpoints ? { PrimaryEndpoint: { Address: h.primary, Port: rg._port }, ReaderEndpoint: { Address: h.reader, Port: rg._port } } : {}),
      NodeGroupMembers: members.map((c, i) => ({
        CacheClusterId: c,
        CacheNodeId: "0001",
        ...(withEndpoints ? { ReadEndpoint: { Address: h.node(c), Port: rg._port } } : {}),
        PreferredAvailabilityZone: rg._azs[i],
        ...(withEndpoints ? { CurrentRole: i === 0 ? "primary" : "replica" } : {}),
      })),
    },
  ];
  view.ReplicationGroupCreateTime = new Date(rg._createdAt);
  if (rg._authTokenModifiedAt !== undefined) view.AuthTokenLastModifiedDate = new Date(rg._authTokenModifiedAt);
  return view;
}

/** The member clusters of a group as DescribeCacheClusters returns them. */
export function clusterViews(ctx: HandlerContext, rg: SimRecord, showNodes: boolean): SimRecord[] {
  const h = hosts(ctx, rg);
  return memberIds(rg).map((c, i) => {
    const status = rg.Status === "available" ? "available" : rg.Status;
    const pending: SimRecord = {};
    if (rg._windowPending?.CacheNodeType) pending.CacheNodeType = rg._windowPending.CacheNodeType;
    if (rg._windowPending?.EngineVersion) pending.EngineVersion = rg._windowPending.EngineVersion;
    if (rg.PendingModifiedValues?.AuthTokenStatus) pending.AuthTokenStatus = rg.PendingModifiedValues.AuthTokenStatus;
    const out: SimRecord = {
      CacheClusterId: c,
      CacheNodeType: rg.CacheNodeType,
      Engine: rg.Engine,
      EngineVersion: rg._engineVersion,
      CacheClusterStatus: status,
      NumCacheNodes: 1,
      PreferredAvailabilityZone: rg._azs[i],
      CacheClusterCreateTime: new Date(rg._createdAt),
      PreferredMaintenanceWindow: rg._maintenanceWindow,
      PendingModifiedValues: pending,
      CacheSecurityGroups: [],
      CacheParameterGroup: { CacheParameterGroupName: `default.${rg._family}`, ParameterApplyStatus: "in-sync", CacheNodeIdsToReboot: [] },
      CacheSubnetGroupName: rg._subnetGroup,
      AutoMinorVersionUpgrade: true,
      SecurityGroups: rg._securityGroupIds.map((id: string) => ({ SecurityGroupId: id, Status: "active" })),
      ReplicationGroupId: rg.ReplicationGroupId,
      SnapshotRetentionLimit: rg.SnapshotRetentionLimit,
      SnapshotWindow: rg.SnapshotWindow,
      AuthTokenEnabled: rg.AuthTokenEnabled,
      TransitEncryptionEnabled: rg.TransitEncryptionEnabled,
      AtRestEncryptionEnabled: rg.AtRestEncryptionEnabled,
      ARN: arn(ctx, "cluster", c),
      ReplicationGroupLogDeliveryEnabled: false,
      LogDeliveryConfigurations: [],
      NetworkType: "ipv4",
      IpDiscovery: "ipv4",
    };
    if (rg.TransitEncryptionMode) out.TransitEncryptionMode = rg.TransitEncryptionMode;
    if (rg._authTokenModifiedAt !== undefined) out.AuthTokenLastModifiedDate = new Date(rg._authTokenModifiedAt);
    if (showNodes) {
      out.CacheNodes = [
        {
          CacheNodeId: "0001",
          CacheNodeStatus: status === "creating" ? "creating" : "available",
          CacheNodeCreateTime: new Date(rg._createdAt),
          ...(status !== "creating" ? { Endpoint: { Address: h.node(c), Port: rg._port } } : {}),
          ParameterGroupStatus: "in-sync",
          CustomerAvailabilityZone: rg._azs[i],
        },
      ];
    }
    return out;
  });
}

/** Tags of a stored record as the API's TagList. */
export function tagList(rec: SimRecord): { Key: string; Value: string }[] {
  return (rec._tags ?? []).map((t: SimRecord) => ({ Key: t.Key, Value: t.Value ?? "" }));
}

/** Validates a Tags parameter (at most 50 per resource) and returns the stored form. */
export function checkTags(ctx: HandlerContext, tags: SimRecord[] | undefined, existing: SimRecord[] = []): SimRecord[] {
  const merged = [...existing];
  for (const t of tags ?? []) {
    if (!t.Key) ctx.fail("InvalidParameterValueException", "Tag keys must not be empty.");
    const i = merged.findIndex((m) => m.Key === t.Key);
    if (i >= 0) merged[i] = { Key: t.Key, Value: t.Value ?? "" };
    else merged.push({ Key: t.Key, Value: t.Value ?? "" });
  }
  if (merged.length > 50) ctx.fail("TagQuotaPerResourceExceeded", "The request cannot be processed because it would cause the resource to have more than the allowed number of tags. The maximum number of tags permitted on a resource is 50.");
  return merged;
}
