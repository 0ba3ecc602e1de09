import { compareVersions } from "compare-versions";
import { ElastiCacheServiceException, type ElastiCache } from "@aws-sdk/client-elasticache";
import { paginate, publicView } from "../filters.js";
import { removeTags } from "../tags.js";
import { defineService, handler, type HandlerContext, type SimRecord, type SimService } from "../types.js";
import {
  ENGINE_VERSIONS, MODIFY_MS, SNAPSHOT_MS, arn, checkAuthToken, checkGroupId, checkSubnetGroupName, checkTags, clusterViews,
  engineVersion, findGroup, findSubnetGroup, groupView, memberIds, replicationGroups, required, settle,
  snapshots, subnetGroups, tagList,
} from "./elasticache-state.js";

/*
 * Simulated ElastiCache (behaviour: elasticache.md beside this file). Error names are the SDK's
 * exception names (node_modules/@aws-sdk/client-elasticache/dist-types/models/errors.d.ts), e.g.
 * InvalidParameterValueException for the wire code InvalidParameterValue.
 */

/** MaxRecords: 20–100, default 100 (the reference's limits for the Describe* operations). */
function pageOf<T>(ctx: HandlerContext, items: T[], input: SimRecord): { page: T[]; next?: string } {
  const max = input.MaxRecords;
  if (max !== undefined && (max < 20 || max > 100)) ctx.fail("InvalidParameterValueException", "MaxRecords must be between 20 and 100.");
  return paginate(items, max, input.Marker, 100);
}

// ---------------------------------------------------------------- subnet groups

/** Reads the subnets from the simulated EC2 and checks they exist and share one VPC. */
function subnetsOf(ctx: HandlerContext, ids: string[]): { vpcId: string; subnets: SimRecord[] } {
  if (!ids.length) ctx.fail("InvalidParameterValueException", "The request must contain at least one subnet id.");
  const table = ctx.tableOf("ec2", "subnets");
  const subnets = ids.map((id) => {
    const s = table[id];
    if (!s || !ctx.visible(s)) ctx.fail("InvalidSubnet", `The subnet ID ${id} does not exist`);
    return s;
  });
  const vpcs = new Set(subnets.map((s) => s.VpcId));
  if (vpcs.size > 1) ctx.fail("InvalidParameterValueException", "The subnets of a cache subnet group must all belong to the same VPC.");
  return { vpcId: subnets[0].VpcId, subnets };
}

function subnetEntries(subnets: SimRecord[]): SimRecord[] {
  return subnets.map((s) => ({
    SubnetIdentifier: s.SubnetId,
    SubnetAvailabilityZone: { Name: s.AvailabilityZone },
    SupportedNetworkTypes: s.Ipv6CidrBlockAssociationSet?.length ? ["ipv4", "dual_stack"] : ["ipv4"],
  }));
}

function networkTypes(entries: SimRecord[]): string[] {
  return entries.every((e) => e.SupportedNetworkTypes.includes("dual_stack")) ? ["ipv4", "dual_stack"] : ["ipv4"];
}

const CreateCacheSubnetGroup = handler<ElastiCache, "CreateCacheSubnetGroup">((input, ctx) => {
  const name = checkSubnetGroupName(ctx, required(ctx, input, "CacheSubnetGroupName"));
  const description = required<string>(ctx, input, "CacheSubnetGroupDescription");
  if (subnetGroups(ctx)[name]) ctx.fail("CacheSubnetGroupAlreadyExistsFault", `Cache subnet group ${name} already exists.`);
  const { vpcId, subnets } = subnetsOf(ctx, input.SubnetIds ?? []);
  const entries = subnetEntries(subnets);
  const rec = ctx.born({
    CacheSubnetGroupName: name,
    CacheSubnetGroupDescription: description,
    VpcId: vpcId,
    Subnets: entries,
    ARN: arn(ctx, "subnetgroup", name),
    SupportedNetworkTypes: networkTypes(entries),
    _tags: checkTags(ctx, input.Tags),
  });
  subnetGroups(ctx)[name] = rec;
  return { CacheSubnetGroup: publicView(rec) };
});

const DescribeCacheSubnetGroups = handler<ElastiCache, "DescribeCacheSubnetGroups">((input, ctx) => {
  if (input.CacheSubnetGroupName) return { CacheSubnetGroups: [publicView(findSubnetGroup(ctx, input.CacheSubnetGroupName))] };
  const all = Object.values(subnetGroups(ctx)).filter((g) => ctx.visible(g)).sort((a, b) => a.CacheSubnetGroupName.localeCompare(b.CacheSubnetGroupName));
  const { page, next } = pageOf(ctx, all, input);
  return { CacheSubnetGroups: page.map((g) => publicView(g)), Marker: next };
});

const ModifyCacheSubnetGroup = handler<ElastiCache, "ModifyCacheSubnetGroup">((input, ctx) => {
  settle(ctx);
  const g = findSubnetGroup(ctx, required(ctx, input, "CacheSubnetGroupName"));
  if (input.CacheSubnetGroupDescription !== undefined) g.CacheSubnetGroupDescription = input.CacheSubnetGroupDescription;
  if (input.SubnetIds) {
    const { vpcId, subnets } = subnetsOf(ctx, input.SubnetIds);
    if (vpcId !== g.VpcId) ctx.fail("InvalidParameterValueException", "The subnets of a cache subnet group must stay in its VPC.");
    // A node lives in one of the group's subnets: dropping the last subnet of an AZ that hosts a node is refused.
    const azs = new Set(subnets.map((s) => s.AvailabilityZone));
    for (const rg of Object.values(replicationGroups(ctx))) {
      if (rg._subnetGroup !== g.CacheSubnetGroupName) continue;
      const lost = g.Subnets.find((e: SimRecord) => !input.SubnetIds!.includes(e.SubnetIdentifier) && rg._azs.includes(e.SubnetAvailabilityZone.Name) && !azs.has(e.SubnetAvailabilityZone.Name));
      if (lost) ctx.fail("SubnetInUse", `The subnet ${lost.SubnetIdentifier} is in use by replication group ${rg.ReplicationGroupId}.`);
    }
    g.Subnets = subnetEntries(subnets);
    g.SupportedNetworkTypes = networkTypes(g.Subnets);
  }
  return { CacheSubnetGroup: publicView(g) };
});

const DeleteCacheSubnetGroup = handler<ElastiCache, "DeleteCacheSubnetGroup">((input, ctx) => {
  settle(ctx);
  const g = findSubnetGroup(ctx, required(ctx, input, "CacheSubnetGroupName"));
  const user = Object.values(replicationGroups(ctx)).find((rg) => rg._subnetGroup === g.CacheSubnetGroupName);
  if (user) ctx.fail("CacheSubnetGroupInUse", `Cache subnet group ${g.CacheSubnetGroupName} is currently in use by a cache cluster (${user.ReplicationGroupId}, ${user.Status}).`);
  delete subnetGroups(ctx)[g.CacheSubnetGroupName];
  return {};
});

// ---------------------------------------------------------------- replication groups

function checkSecurityGroups(ctx: HandlerContext, ids: string[], vpcId: string): string[] {
  const table = ctx.tableOf("ec2", "securityGroups");
  const missing = ids.filter((id) => !table[id] || table[id].VpcId !== vpcId);
  if (missing.length) ctx.fail("InvalidParameterValueException", `Some security group Id not recognized by EC2 in the VPC ${vpcId}: ${missing.join(", ")}`);
  if (ids.length) return ids;
  const dflt = Object.values(table).find((g) => g.VpcId === vpcId && g.GroupName === "default");
  return dflt ? [dflt.GroupId] : [];
}

const NODE_TYPE = /^cache\.[a-z0-9]+\.[a-z0-9]+$/;

function checkNodeType(ctx: HandlerContext, t: string): void {
  if (!NODE_TYPE.test(t)) ctx.fail("InvalidParameterValueException", `Invalid CacheNodeType: ${t}`);
}

/** T1 nodes have no backup support (the reference: snapshots are not supported on cache.t1.micro). */
const noSnapshots = (nodeType: string) => nodeType.startsWith("cache.t1.");

const CreateReplicationGroup = handler<ElastiCache, "CreateReplicationGroup">((input, ctx) => {
  settle(ctx);
  const id = checkGroupId(ctx, required(ctx, input, "ReplicationGroupId"));
  const description = required<string>(ctx, input, "ReplicationGroupDescription");
  if (replicationGroups(ctx)[id]) ctx.fail("ReplicationGroupAlreadyExistsFault", `Replication group ${id} already exists.`);
  const engine = (input.Engine ?? "redis").toLowerCase();
  if (engine !== "redis" && engine !== "valkey") ctx.fail("InvalidParameterValueException", `Invalid engine: ${input.Engine}. Replication groups support redis and valkey.`);
  const version = engineVersion(engine, input.EngineVersion);
  if (!version) return ctx.fail("InvalidParameterValueException", `Cannot find version ${input.EngineVersion} for ${engine}`);
  const nodeType = required<string>(ctx, input, "CacheNodeType");
  checkNodeType(ctx, nodeType);
  if (input.NumNodeGroups !== undefined || input.NodeGroupConfiguration || input.ReplicasPerNodeGroup !== undefined) {
    ctx.fail("InvalidParameterValueException", "The opsctl sandbox models cluster-mode-disabled groups only (NumCacheClusters).");
  }
  const n: number = input.NumCacheClusters ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 6) ctx.fail("InvalidParameterValueException", "NumCacheClusters must be between 1 and 6.");
  const failover = input.AutomaticFailoverEnabled === true;
  const multiAz = input.MultiAZEnabled === true;
  if (failover && n < 2) ctx.fail("InvalidParameterCombinationException", "Automatic failover requires NumCacheClusters of at least 2.");
  if (multiAz && (!failover || n < 2)) ctx.fail("InvalidParameterCombinationException", "Multi-AZ requires automatic failover to be enabled and at least 2 cache clusters.");
  const transit = input.TransitEncryptionEnabled === true;
  if (input.TransitEncryptionMode !== undefined && !transit) ctx.fail("InvalidParameterCombinationException", "TransitEncryptionMode requires TransitEncryptionEnabled.");
  if (input.AuthToken !== undefined) {
    if (!transit) ctx.fail("InvalidParameterCombinationException", "AuthToken can be specified only on replication groups where TransitEncryptionEnabled is true.");
    checkAuthToken(ctx, input.AuthToken, "create");
  }
  // The reference's default: at-rest encryption on for Valkey, off for Redis OSS.
  const atRest: boolean = input.AtRestEncryptionEnabled ?? engine === "valkey";
  if (input.KmsKeyId !== undefined && !atRest) ctx.fail("InvalidParameterCombinationException", "KmsKeyId requires AtRestEncryptionEnabled.");
  // No default VPC in the sandbox: the `default` subnet group does not exist.
  const sng = findSubnetGroup(ctx, input.CacheSubnetGroupName ?? "default");
  const sgIds = checkSecurityGroups(ctx, input.SecurityGroupIds ?? [], sng.VpcId);
  const groupAzs: string[] = [...new Set<string>(sng.Subnets.map((e: SimRecord) => e.SubnetAvailabilityZone.Name))].sort();
  let azs: string[];
  if (input.PreferredCacheClusterAZs?.length) {
    azs = input.PreferredCacheClusterAZs;
    if (azs.length !== n) ctx.fail("InvalidParameterValueException", `The number of PreferredCacheClusterAZs (${azs.length}) must equal NumCacheClusters (${n}).`);
    const bad = azs.find((az) => !groupAzs.includes(az));
    if (bad) ctx.fail("InvalidParameterValueException", `The cache subnet group ${sng.CacheSubnetGroupName} has no subnet in ${bad}.`);
  } else {
    azs = Array.from({ length: n }, (_, i) => groupAzs[i % groupAzs.length]);
  }
  const port: number = input.Port ?? 6379;
  const retention: number = input.SnapshotRetentionLimit ?? 0;
  if (retention < 0 || retention > 35) ctx.fail("InvalidParameterValueException", "SnapshotRetentionLimit must be between 0 and 35.");
  if (retention > 0 && noSnapshots(nodeType)) ctx.fail("SnapshotFeatureNotSupportedFault", `Snapshots are not supported for node type ${nodeType}.`);
  const now = ctx.now();
  const rg = ctx.born({
    ReplicationGroupId: id,
    Description: description,
    GlobalReplicationGroupInfo: {},
    Status: "creating",
    PendingModifiedValues: {},
    AutomaticFailover: failover ? "enabled" : "disabled",
    MultiAZ: multiAz ? "enabled" : "disabled",
    SnapshotRetentionLimit: retention,
    SnapshotWindow: input.SnapshotWindow ?? "03:00-04:00",
    ClusterEnabled: false,
    CacheNodeType: nodeType,
    AuthTokenEnabled: input.AuthToken !== undefined,
    TransitEncryptionEnabled: transit,
    AtRestEncryptionEnabled: atRest,
    ...(input.KmsKeyId !== undefined ? { KmsKeyId: input.KmsKeyId } : {}),
    ...(transit ? { TransitEncryptionMode: input.TransitEncryptionMode ?? "required" } : {}),
    ARN: arn(ctx, "replicationgroup", id),
    UserGroupIds: [],
    LogDeliveryConfigurations: [],
    DataTiering: "disabled",
    AutoMinorVersionUpgrade: true,
    NetworkType: "ipv4",
    IpDiscovery: "ipv4",
    ClusterMode: "disabled",
    Engine: engine,
    ...(retention > 0 ? { SnapshottingClusterId: `${id}-${String(Math.min(2, n)).padStart(3, "0")}` } : {}),
    _engineVersion: version.EngineVersion,
    _family: version.CacheParameterGroupFamily,
    _subnetGroup: sng.CacheSubnetGroupName,
    _securityGroupIds: sgIds,
    _azs: azs,
    _port: port,
    _maintenanceWindow: input.PreferredMaintenanceWindow ?? "sun:05:00-sun:06:00",
    _authTokens: input.AuthToken !== undefined ? [input.AuthToken] : [],
    _dnsId: ctx.newId("", 6),
    _readyAt: now + ctx.duration("elasticache.replication-group.create"),
    _tags: checkTags(ctx, input.Tags),
  });
  if (input.AuthToken !== undefined) rg._authTokenModifiedAt = now;
  replicationGroups(ctx)[id] = rg;
  return { ReplicationGroup: groupView(ctx, rg) };
});

const DescribeReplicationGroups = handler<ElastiCache, "DescribeReplicationGroups">((input, ctx) => {
  if (input.ReplicationGroupId) return { ReplicationGroups: [groupView(ctx, findGroup(ctx, input.ReplicationGroupId))] };
  settle(ctx);
  const all = Object.values(replicationGroups(ctx)).filter((g) => ctx.visible(g)).sort((a, b) => a.ReplicationGroupId.localeCompare(b.ReplicationGroupId));
  const { page, next } = pageOf(ctx, all, input);
  return { ReplicationGroups: page.map((g) => groupView(ctx, g)), Marker: next };
});

const ModifyReplicationGroup = handler<ElastiCache, "ModifyReplicationGroup">((input, ctx) => {
  const rg = findGroup(ctx, required(ctx, input, "ReplicationGroupId"));
  if (rg.Status !== "available") ctx.fail("InvalidReplicationGroupStateFault", `Replication group ${rg.ReplicationGroupId} is not in available state (${rg.Status}).`);
  const n = memberIds(rg).length;
  const failover: boolean = input.AutomaticFailoverEnabled ?? rg.AutomaticFailover === "enabled";
  const multiAz: boolean = input.MultiAZEnabled ?? rg.MultiAZ === "enabled";
  if (failover && n < 2) ctx.fail("InvalidParameterCombinationException", "Automatic failover requires at least 2 cache clusters.");
  if (multiAz && !failover) ctx.fail("InvalidParameterCombinationException", "Multi-AZ requires automatic failover to be enabled.");
  if (input.SecurityGroupIds) checkSecurityGroups(ctx, input.SecurityGroupIds, findSubnetGroup(ctx, rg._subnetGroup).VpcId);
  if (input.CacheNodeType !== undefined) checkNodeType(ctx, input.CacheNodeType);
  if (input.SnapshotRetentionLimit !== undefined) {
    if (input.SnapshotRetentionLimit < 0 || input.SnapshotRetentionLimit > 35) ctx.fail("InvalidParameterValueException", "SnapshotRetentionLimit must be between 0 and 35.");
    if (input.SnapshotRetentionLimit > 0 && noSnapshots(input.CacheNodeType ?? rg.CacheNodeType)) ctx.fail("SnapshotFeatureNotSupportedFault", `Snapshots are not supported for node type ${rg.CacheNodeType}.`);
  }
  // Engine: Redis OSS → Valkey is a documented in-place upgrade; anything else is not.
  let engine: string = rg.Engine;
  if (input.Engine !== undefined && input.Engine.toLowerCase() !== rg.Engine) {
    engine = input.Engine.toLowerCase();
    if (!(rg.Engine === "redis" && engine === "valkey")) ctx.fail("InvalidParameterCombinationException", `Cannot change the engine from ${rg.Engine} to ${input.Engine}.`);
    if (input.EngineVersion === undefined) ctx.fail("InvalidParameterCombinationException", "An engine change requires EngineVersion.");
  }
  let version: (typeof ENGINE_VERSIONS)[number] | undefined;
  if (input.EngineVersion !== undefined) {
    version = engineVersion(engine, input.EngineVersion);
    if (!version) return ctx.fail("InvalidParameterValueException", `Cannot find version ${input.EngineVersion} for ${engine}`);
    if (engine === rg.Engine && compareVersions(version.EngineVersion, rg._engineVersion) < 0) {
      ctx.fail("InvalidParameterCombinationException", `Cannot downgrade from ${rg._engineVersion} to ${version.EngineVersion}: create a new replication group instead.`);
    }
  }
  // In-transit encryption on an existing group: the two-step migration of the reference
  // (TransitEncryptionEnabled=true with TransitEncryptionMode=preferred, then mode required).
  let transit: boolean = rg.TransitEncryptionEnabled;
  let mode: string | undefined = rg.TransitEncryptionMode;
  if (input.TransitEncryptionEnabled !== undefined || input.TransitEncryptionMode !== undefined) {
    const wantOn: boolean = input.TransitEncryptionEnabled ?? transit;
    const wantMode: string | undefined = input.TransitEncryptionMode;
    if (wantOn && !transit && wantMode !== "preferred") ctx.fail("InvalidParameterCombinationException", "Enabling in-transit encryption on an existing group requires TransitEncryptionMode preferred in the same request.");
    if (wantOn && transit && wantMode === "required" && mode !== "preferred" && mode !== "required") ctx.fail("InvalidParameterCombinationException", "TransitEncryptionMode must be preferred before it can be required.");
    if (!wantOn && transit && mode !== "preferred") ctx.fail("InvalidParameterCombinationException", "Set TransitEncryptionMode to preferred before disabling in-transit encryption.");
    if (!wantOn && rg.AuthTokenEnabled) ctx.fail("InvalidParameterCombinationException", "In-transit encryption cannot be disabled while an AUTH token is enabled.");
    transit = wantOn;
    mode = wantOn ? (wantMode ?? mode) : undefined;
  }
  // AUTH token: ROTATE (default) keeps the old and the new token valid; SET (only after a ROTATE)
  // keeps only the new one; DELETE only when moving to RBAC user groups (not modelled).
  let tokens: string[] = rg._authTokens;
  let tokenStatus: string | undefined;
  if (input.AuthToken !== undefined || input.AuthTokenUpdateStrategy !== undefined) {
    const strategy: string = input.AuthTokenUpdateStrategy ?? "ROTATE";
    if (!transit) ctx.fail("InvalidParameterCombinationException", "AuthToken can be set only on replication groups where TransitEncryptionEnabled is true.");
    if (strategy === "DELETE") {
      if (!input.UserGroupIdsToAdd?.length) ctx.fail("InvalidParameterCombinationException", "The DELETE strategy is allowed only when transitioning to RBAC (UserGroupIdsToAdd).");
      ctx.fail("InvalidParameterValueException", "The opsctl sandbox does not model RBAC user groups.");
    }
    if (strategy !== "ROTATE" && strategy !== "SET") ctx.fail("InvalidParameterValueException", `Invalid AuthTokenUpdateStrategy: ${strategy}`);
    if (input.AuthToken === undefined) ctx.fail("InvalidParameterCombinationException", "AuthTokenUpdateStrategy requires AuthToken.");
    checkAuthToken(ctx, input.AuthToken!, "modify");
    if (strategy === "SET" && rg._lastTokenStrategy !== "ROTATE") ctx.fail("InvalidParameterCombinationException", "The SET strategy is allowed only after a ROTATE.");
    tokens = strategy === "ROTATE" ? [...rg._authTokens.slice(-1), input.AuthToken] : [input.AuthToken];
    tokenStatus = strategy === "ROTATE" ? "ROTATING" : "SETTING";
    rg._lastTokenStrategy = strategy;
  }

  const immediate = input.ApplyImmediately === true;
  if (input.ReplicationGroupDescription !== undefined) rg.Description = input.ReplicationGroupDescription;
  if (input.AutomaticFailoverEnabled !== undefined && failover !== (rg.AutomaticFailover === "enabled")) rg.AutomaticFailover = failover ? "enabling" : "disabling";
  rg.MultiAZ = multiAz ? "enabled" : "disabled";
  if (input.SecurityGroupIds) rg._securityGroupIds = [...input.SecurityGroupIds];
  if (input.SnapshotRetentionLimit !== undefined) rg.SnapshotRetentionLimit = input.SnapshotRetentionLimit;
  if (input.SnapshotWindow !== undefined) rg.SnapshotWindow = input.SnapshotWindow;
  if (input.PreferredMaintenanceWindow !== undefined) rg._maintenanceWindow = input.PreferredMaintenanceWindow;
  // Node type and engine version wait for the maintenance window unless ApplyImmediately (not modelled: they stay pending).
  if (input.CacheNodeType !== undefined && input.CacheNodeType !== rg.CacheNodeType) {
    if (immediate) rg.CacheNodeType = input.CacheNodeType;
    else (rg._windowPending ??= {}).CacheNodeType = input.CacheNodeType;
  }
  if (version && (version.EngineVersion !== rg._engineVersion || engine !== rg.Engine)) {
    if (immediate) {
      rg.Engine = engine;
      rg._engineVersion = version.EngineVersion;
      rg._family = version.CacheParameterGroupFamily;
    } else (rg._windowPending ??= {}).EngineVersion = version.EngineVersion;
  }
  rg.TransitEncryptionEnabled = transit;
  if (mode) rg.TransitEncryptionMode = mode;
  else delete rg.TransitEncryptionMode;
  if (tokenStatus) {
    rg._authTokens = tokens;
    rg.AuthTokenEnabled = true;
    rg._authTokenModifiedAt = ctx.now();
    rg.PendingModifiedValues = { AuthTokenStatus: tokenStatus };
  }
  rg.Status = "modifying";
  rg._readyAt = ctx.now() + MODIFY_MS;
  return { ReplicationGroup: groupView(ctx, rg) };
});

const DeleteReplicationGroup = handler<ElastiCache, "DeleteReplicationGroup">((input, ctx) => {
  const rg = findGroup(ctx, required(ctx, input, "ReplicationGroupId"));
  if (rg.Status !== "available" && rg.Status !== "create-failed") {
    ctx.fail("InvalidReplicationGroupStateFault", `Replication group ${rg.ReplicationGroupId} has status ${rg.Status} which is not valid for deletion.`);
  }
  if (input.RetainPrimaryCluster) ctx.fail("InvalidParameterValueException", "The opsctl sandbox does not model RetainPrimaryCluster.");
  const snap: string | undefined = input.FinalSnapshotIdentifier;
  const goneAt = ctx.now() + ctx.duration("elasticache.replication-group.delete");
  if (snap !== undefined) {
    if (noSnapshots(rg.CacheNodeType)) ctx.fail("SnapshotFeatureNotSupportedFault", `Snapshots are not supported for node type ${rg.CacheNodeType}.`);
    if (!/^[a-zA-Z][a-zA-Z0-9-]{0,254}$/.test(snap) || snap.endsWith("-") || snap.includes("--")) ctx.fail("InvalidParameterValueException", `Invalid FinalSnapshotIdentifier: ${snap}`);
    if (snapshots(ctx)[snap]) ctx.fail("SnapshotAlreadyExistsFault", `Snapshot ${snap} already exists.`);
    snapshots(ctx)[snap] = {
      SnapshotName: snap,
      ReplicationGroupId: rg.ReplicationGroupId,
      ReplicationGroupDescription: rg.Description,
      SnapshotStatus: "creating",
      SnapshotSource: "manual",
      CacheNodeType: rg.CacheNodeType,
      Engine: rg.Engine,
      EngineVersion: rg._engineVersion,
      // ElastiCache's Snapshot has no NumCacheClusters; a cluster-mode-disabled group is one node group.
      NumNodeGroups: 1,
      CacheSubnetGroupName: rg._subnetGroup,
      VpcId: findSubnetGroup(ctx, rg._subnetGroup).VpcId,
      Port: rg._port,
      AutomaticFailover: rg.AutomaticFailover,
      KmsKeyId: rg.KmsKeyId,
      ARN: arn(ctx, "snapshot", snap),
      NodeSnapshots: [{ CacheClusterId: memberIds(rg)[0], NodeGroupId: "0001", CacheNodeId: "0001", SnapshotCreateTime: new Date(ctx.now()).toISOString() }],
      _readyAt: goneAt + SNAPSHOT_MS,
    };
  }
  rg.Status = "deleting";
  rg._goneAt = goneAt;
  return { ReplicationGroup: groupView(ctx, rg) };
});

const DescribeCacheClusters = handler<ElastiCache, "DescribeCacheClusters">((input, ctx) => {
  settle(ctx);
  const all = Object.values(replicationGroups(ctx))
    .filter((g) => ctx.visible(g))
    .flatMap((g) => clusterViews(ctx, g, input.ShowCacheNodeInfo === true))
    .sort((a, b) => a.CacheClusterId.localeCompare(b.CacheClusterId));
  if (input.CacheClusterId) {
    const c = all.find((x) => x.CacheClusterId === String(input.CacheClusterId).toLowerCase());
    if (!c) ctx.fail("CacheClusterNotFoundFault", `CacheCluster not found: ${input.CacheClusterId}`, 404);
    return { CacheClusters: [c] };
  }
  const { page, next } = pageOf(ctx, all, input);
  return { CacheClusters: page, Marker: next };
});

const DescribeSnapshots = handler<ElastiCache, "DescribeSnapshots">((input, ctx) => {
  settle(ctx);
  let all = Object.values(snapshots(ctx));
  if (input.SnapshotName) all = all.filter((s) => s.SnapshotName === input.SnapshotName);
  if (input.ReplicationGroupId) all = all.filter((s) => s.ReplicationGroupId === input.ReplicationGroupId);
  if (input.SnapshotName && !all.length) ctx.fail("SnapshotNotFoundFault", `Snapshot ${input.SnapshotName} not found.`, 404);
  all.sort((a, b) => a.SnapshotName.localeCompare(b.SnapshotName));
  const { page, next } = paginate(all, input.MaxRecords, input.Marker, 50);
  return { Snapshots: page.map((s) => ({ ...publicView(s), NodeSnapshots: s.NodeSnapshots.map((n: SimRecord) => ({ ...n, SnapshotCreateTime: new Date(n.SnapshotCreateTime) })) })), Marker: next };
});

const DeleteSnapshot = handler<ElastiCache, "DeleteSnapshot">((input, ctx) => {
  settle(ctx);
  const s = snapshots(ctx)[required<string>(ctx, input, "SnapshotName")];
  if (!s) ctx.fail("SnapshotNotFoundFault", `Snapshot ${input.SnapshotName} not found.`, 404);
  if (s.SnapshotStatus !== "available") ctx.fail("InvalidSnapshotStateFault", `Snapshot ${s.SnapshotName} is ${s.SnapshotStatus}.`);
  delete snapshots(ctx)[s.SnapshotName];
  return { Snapshot: publicView({ ...s, SnapshotStatus: "deleting" }) };
});

const DescribeCacheEngineVersions = handler<ElastiCache, "DescribeCacheEngineVersions">((input, ctx) => {
  let all = ENGINE_VERSIONS.map((v) => ({ ...v, CacheEngineDescription: v.Engine === "redis" ? "Redis" : "Valkey", CacheEngineVersionDescription: `${v.Engine === "redis" ? "Redis" : "Valkey"} ${v.EngineVersion}` }));
  if (input.Engine) all = all.filter((v) => v.Engine === input.Engine);
  if (input.EngineVersion) all = all.filter((v) => v.EngineVersion === input.EngineVersion || v.EngineVersion.startsWith(`${input.EngineVersion}.`));
  if (input.CacheParameterGroupFamily) all = all.filter((v) => v.CacheParameterGroupFamily === input.CacheParameterGroupFamily);
  if (input.DefaultOnly) all = all.filter((v) => v === all.filter((x) => x.Engine === v.Engine).at(-1));
  const { page, next } = pageOf(ctx, all, input);
  return { CacheEngineVersions: page, Marker: next };
});

// ---------------------------------------------------------------- tags

/** The taggable record an ARN names (member clusters share their group's tags). */
function taggable(ctx: HandlerContext, resource: string | undefined): SimRecord {
  settle(ctx);
  const m = /^arn:aws[a-z-]*:elasticache:([a-z0-9-]+):(\d{12}):(replicationgroup|cluster|subnetgroup|snapshot):(.+)$/.exec(resource ?? "");
  if (!m) return ctx.fail("InvalidARNFault", `The ARN ${resource} is not valid.`);
  const [, region, , type, name] = m;
  if (region !== ctx.region) ctx.fail("InvalidARNFault", `The ARN ${resource} is not in region ${ctx.region}.`);
  if (type === "replicationgroup") return findGroup(ctx, name);
  if (type === "subnetgroup") return findSubnetGroup(ctx, name);
  if (type === "snapshot") {
    const s = snapshots(ctx)[name];
    if (!s) ctx.fail("SnapshotNotFoundFault", `Snapshot ${name} not found.`, 404);
    return s;
  }
  const rg = Object.values(replicationGroups(ctx)).find((g) => memberIds(g).includes(name));
  if (!rg) ctx.fail("CacheClusterNotFoundFault", `CacheCluster not found: ${name}`, 404);
  return rg;
}

const ListTagsForResource = handler<ElastiCache, "ListTagsForResource">((input, ctx) => ({ TagList: tagList(taggable(ctx, required(ctx, input, "ResourceName"))) }));

const AddTagsToResource = handler<ElastiCache, "AddTagsToResource">((input, ctx) => {
  const rec = taggable(ctx, required(ctx, input, "ResourceName"));
  rec._tags = checkTags(ctx, required(ctx, input, "Tags"), rec._tags ?? []);
  return { TagList: tagList(rec) };
});

const RemoveTagsFromResource = handler<ElastiCache, "RemoveTagsFromResource">((input, ctx) => {
  const rec = taggable(ctx, required(ctx, input, "ResourceName"));
  const keys: string[] = required(ctx, input, "TagKeys");
  const missing = keys.find((k) => !(rec._tags ?? []).some((t: SimRecord) => t.Key === k));
  if (missing) ctx.fail("TagNotFoundFault", `The tag ${missing} was not found on the resource.`, 404);
  removeTags(rec, keys);
  return { TagList: tagList(rec) };
});

/** Simulated ElastiCache (behaviour: elasticache.md beside this file). */
export const elasticacheService: SimService = defineService<ElastiCache>({
  clientName: "ElastiCacheClient",
  key: "elasticache",
  exception: ElastiCacheServiceException as any,
  throttlingCode: "Throttling",
  handlers: {
    CreateCacheSubnetGroup, DescribeCacheSubnetGroups, ModifyCacheSubnetGroup, DeleteCacheSubnetGroup,
    CreateReplicationGroup, DescribeReplicationGroups, ModifyReplicationGroup, DeleteReplicationGroup,
    DescribeCacheClusters, DescribeSnapshots, DeleteSnapshot, DescribeCacheEngineVersions,
    ListTagsForResource, AddTagsToResource, RemoveTagsFromResource,
  },
});
