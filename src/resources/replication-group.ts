/**
 * Resource kind `replication-group`.
 * Tests: test/resources/replication-group.test.ts.
 * Sandbox: src/sandbox/services/elasticache.ts, src/sandbox/services/elasticache-state.ts.
 */
import { randomInt } from "node:crypto";
import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheEngineVersionsCommand,
  DescribeReplicationGroupsCommand,
  ModifyReplicationGroupCommand,
  paginateDescribeReplicationGroups,
  type CacheCluster,
  type ModifyReplicationGroupMessage,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";
import { GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { BudgetExceeded, OpsError, TryAgainLater } from "../engine/errors.js";
import { isCode, isNotFound } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { pollUntil } from "../engine/poll.js";
import { listOnce, orUndefined, retryOn, sameSet } from "./toolkit.js";
import { elastiCacheOfNode } from "./cache-subnet-group.js";

/**
 * RED-01: a cluster-mode-disabled Redis OSS / Valkey replication group: two nodes, one in each AZ,
 * automatic failover and Multi-AZ, encryption in transit and at rest (customer managed KMS key),
 * an AUTH token taken from a Secrets Manager secret; SG-04 comes from `securityGroupIds`.
 */
export interface ReplicationGroupSpec {
  /** Deterministic id, `<env>-redis` (ElastiCache has no client token: a retried create is found by it). */
  id: string;
  description: string;
  engine: "redis" | "valkey";
  /** `7.1`, `8.0` …; default: the newest the region offers for the engine. */
  engineVersion?: string;
  /** e.g. `cache.t4g.small`, `cache.r7g.large`. */
  nodeType: string;
  subnetGroupName: string;
  securityGroupIds: string[];
  /** KMS key (ARN or key id) for encryption at rest. */
  kmsKeyId: string;
  /** Secret holding `{host, port, authToken}` (SPEC.md's Redis secret); `authToken` is read at create. */
  authTokenSecretArn: string;
  /** The two availability zones: the primary's, then the replica's. */
  azs: [string, string];
}

/** What the module reads: the group, plus its first member cluster (engine version, subnet group and SGs live there). */
export interface ReplicationGroupActual {
  group: ReplicationGroup;
  cluster?: CacheCluster;
}

const PORT = 6379;
const NODES = 2;

/** The characters opsctl draws AUTH tokens from: a subset of what CreateReplicationGroup allows (see generateAuthToken). */
const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A new AUTH token: 64 characters from a CSPRNG (`node:crypto` randomInt, uniform). The reference allows
 * 16–128 printable characters with only `! & # $ ^ < > -` as specials; letters and digits alone give
 * 381 bits and never need escaping in a `rediss://:token@host` URL or a shell.
 */
export function generateAuthToken(): string {
  let s = "";
  for (let i = 0; i < 64; i++) s += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return s;
}

/** The Redis secret's value (SPEC.md contract: `{host, port, authToken}`); host is empty until the group exists. */
export function redisSecretValue(endpoint: string, port: number, authToken: string): string {
  return JSON.stringify({ host: endpoint, port, authToken });
}

/** Parses the Redis secret; throws an operator-facing error (without the value) when it is malformed. */
function parseRedisSecret(secretArn: string, text: string | undefined): { host?: string; port?: number; authToken: string } {
  let v: unknown;
  try {
    v = JSON.parse(text ?? "");
  } catch {
    throw new OpsError("bad_secret", `secret ${secretArn} is not JSON`, { hint: "its value must be {\"host\", \"port\", \"authToken\"}", fault: "user" });
  }
  const token = (v as { authToken?: unknown })?.authToken;
  if (typeof token !== "string" || !token) throw new OpsError("bad_secret", `secret ${secretArn} has no authToken field`, { hint: "its value must be {\"host\", \"port\", \"authToken\"}", fault: "user" });
  return v as { host?: string; port?: number; authToken: string };
}

async function readSecret(ctx: ResourceContext, secretArn: string): Promise<{ host?: string; port?: number; authToken: string }> {
  const sm = await ctx.aws.get("secrets");
  const r = await orUndefined(sm.send(new GetSecretValueCommand({ SecretId: secretArn })));
  if (!r) throw new TryAgainLater(`secret ${secretArn} not visible yet`, 2_000);
  return parseRedisSecret(secretArn, r.SecretString);
}

/**
 * Writes the group's endpoint into the Redis secret (PutSecretValue, a new AWSCURRENT version) when its
 * host or port differ, keeping the AUTH token. Idempotent: returns false and writes nothing when they match.
 */
export async function writeRedisSecretEndpoint(ctx: ResourceContext, secretArn: string, host: string, port: number): Promise<boolean> {
  const cur = await readSecret(ctx, secretArn);
  if (cur.host === host && cur.port === port) return false;
  const sm = await ctx.aws.get("secrets");
  await sm.send(
    new PutSecretValueCommand({
      SecretId: secretArn,
      SecretString: redisSecretValue(host, port, cur.authToken),
      // Same endpoint → same version id, so a retry after a crash does not add a second version.
      ClientRequestToken: ctx.token("redis-endpoint", host, String(port)).replace(/^opsctl-/, "").padEnd(32, "0"),
    }),
  );
  return true;
}

async function describeGroup(ctx: ResourceContext, id: string): Promise<ReplicationGroupActual | undefined> {
  const ec = await ctx.aws.get("elasticache");
  const group = (await orUndefined(ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))))?.ReplicationGroups?.[0];
  if (!group) return undefined;
  const first = group.MemberClusters?.[0];
  const cluster = first ? (await orUndefined(ec.send(new DescribeCacheClustersCommand({ CacheClusterId: first }))))?.CacheClusters?.[0] : undefined;
  return { group, cluster };
}

/** Every replication group of the account and region (one paged read per run). */
function allGroups(ctx: ResourceContext): Promise<ReplicationGroup[]> {
  return listOnce(ctx, "elasticache:replication-groups", "elasticache", paginateDescribeReplicationGroups, {}, (p) => p.ReplicationGroups);
}

/** KMS key ids compare equal as id or ARN (ElastiCache may answer the ARN for a key id). */
function sameKey(actual: string | undefined, wanted: string): boolean {
  if (!actual) return false;
  return actual === wanted || actual.endsWith(`/${wanted}`) || wanted.endsWith(`/${actual}`);
}

/** `7.1` matches `7.1.0`; `7` matches `7.x.y`. */
function versionMatches(actual: string | undefined, wanted: string): boolean {
  return actual === wanted || (actual ?? "").startsWith(`${wanted}.`);
}

function memberAzs(g: ReplicationGroup): string[] {
  return (g.NodeGroups?.[0]?.NodeGroupMembers ?? []).map((m) => m.PreferredAvailabilityZone ?? "?");
}

const ready = (a: ReplicationGroupActual) => a.group.Status === "available";

/** Polls until the group is `available` again (between ModifyReplicationGroup steps, each of which needs it). */
async function waitAvailable(ctx: ResourceContext, id: string): Promise<ReplicationGroupActual> {
  return pollUntil({
    clock: ctx.clock,
    // aws-durations.json has no figure for a modification: the schedule's 10 % rule alone.
    typicalMs: 0,
    budgetMs: slowMs("elasticache.replication-group.create"),
    read: async () => {
      const a = await describeGroup(ctx, id);
      if (!a) throw new TryAgainLater(`replication group ${id} not visible`, 5_000);
      return a;
    },
    done: ready,
    timeout: (a) => new BudgetExceeded(`${ctx.node}: ${id} still ${a.group.Status} after a modification`, "run `opsctl up` again later: it resumes"),
  });
}

async function modify(ctx: ResourceContext, input: ModifyReplicationGroupMessage): Promise<ReplicationGroupActual> {
  const ec = await ctx.aws.get("elasticache");
  // Another modification still running answers InvalidReplicationGroupStateFault: try again later.
  await retryOn(["InvalidReplicationGroupStateFault"], ctx.node, () => ec.send(new ModifyReplicationGroupCommand({ ...input, ApplyImmediately: true })), 15_000);
  return waitAvailable(ctx, input.ReplicationGroupId!);
}

async function newestVersion(ctx: ResourceContext, engine: string): Promise<string | undefined> {
  const ec = await ctx.aws.get("elasticache");
  const r = await ec.send(new DescribeCacheEngineVersionsCommand({ Engine: engine }));
  const versions = (r.CacheEngineVersions ?? []).map((v) => v.EngineVersion!).sort((a, b) => {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
    return 0;
  });
  return versions.at(-1);
}

export const replicationGroup: ResourceKind<ReplicationGroupSpec, ReplicationGroupActual, ResourceContext, { id: string; arn: string | undefined; primaryEndpoint: string | undefined; port: number; readerEndpoint: string | undefined }> = {
  kind: "replication-group",
  // SPEC.md RED-01 (the replication group itself); its security groups are also SG-04 (Redis only from ECS).
  fieldControls: {
    SecurityGroupIds: ["SG-04", "RED-01"],
    Description: [],
    ...Object.fromEntries(["Engine", "EngineVersion", "CacheNodeType", "NodeAZs", "AutomaticFailover", "MultiAZ", "AtRestEncryptionEnabled", "KmsKeyId", "TransitEncryptionEnabled", "TransitEncryptionMode", "AuthTokenEnabled", "CacheSubnetGroupName", "Port"].map((f) => [f, ["RED-01"]])),
  },
  // RED-01: creates take 6–9 minutes and the SDK's waiter stops at 10; the budget is the table's slow case (20 min).
  budget: { create: slowMs("elasticache.replication-group.create"), delete: slowMs("elasticache.replication-group.delete") },
  typicalCreateMs: typicalMs("elasticache.replication-group.create"),
  typicalDeleteMs: typicalMs("elasticache.replication-group.delete"),

  async find(ctx, spec) {
    if (spec) return describeGroup(ctx, spec.id.toLowerCase());
    return (await this.findAll!(ctx))[0];
  },
  async findAll(ctx) {
    const mine: ReplicationGroupActual[] = [];
    for (const g of await elastiCacheOfNode(ctx, await allGroups(ctx), (x) => x.ReplicationGroupId)) {
      const a = await describeGroup(ctx, g.ReplicationGroupId!);
      if (a) mine.push(a);
    }
    return mine;
  },
  diff(spec, { group: g, cluster: c }) {
    const ch: FieldChange[] = [];
    // Redis OSS → Valkey is an in-place upgrade in ModifyReplicationGroup (its `Engine` parameter); nothing else is.
    if (g.Engine !== spec.engine) ch.push({ field: "Engine", from: g.Engine, to: spec.engine, replace: !(g.Engine === "redis" && spec.engine === "valkey") });
    if (spec.engineVersion && c && !versionMatches(c.EngineVersion, spec.engineVersion) && g.Engine === spec.engine) {
      // Upgrades are in place; the reference forbids downgrades ("delete the existing replication group and create it anew").
      const down = c.EngineVersion !== undefined && c.EngineVersion.localeCompare(spec.engineVersion, undefined, { numeric: true }) > 0;
      ch.push({ field: "EngineVersion", from: c.EngineVersion, to: spec.engineVersion, replace: down });
    }
    if (g.CacheNodeType !== spec.nodeType) ch.push({ field: "CacheNodeType", from: g.CacheNodeType, to: spec.nodeType });
    // A node's AZ cannot be moved, and opsctl does not add or remove replicas (Increase/DecreaseReplicaCount).
    const azs = memberAzs(g);
    if (JSON.stringify(azs) !== JSON.stringify(spec.azs)) ch.push({ field: "NodeAZs", from: azs, to: spec.azs, replace: true });
    if (g.AutomaticFailover !== "enabled") ch.push({ field: "AutomaticFailover", from: g.AutomaticFailover, to: "enabled" });
    if (g.MultiAZ !== "enabled") ch.push({ field: "MultiAZ", from: g.MultiAZ, to: "enabled" });
    // The reference: AtRestEncryptionEnabled cannot be modified after creation; neither can its KMS key.
    if (g.AtRestEncryptionEnabled !== true) ch.push({ field: "AtRestEncryptionEnabled", from: g.AtRestEncryptionEnabled, to: true, replace: true });
    if (!sameKey(g.KmsKeyId, spec.kmsKeyId)) ch.push({ field: "KmsKeyId", from: g.KmsKeyId, to: spec.kmsKeyId, replace: true });
    // In-transit encryption can be turned on in place: TransitEncryptionMode preferred, then required (the reference's migration).
    if (g.TransitEncryptionEnabled !== true) ch.push({ field: "TransitEncryptionEnabled", from: g.TransitEncryptionEnabled ?? false, to: true });
    else if (g.TransitEncryptionMode && g.TransitEncryptionMode !== "required") ch.push({ field: "TransitEncryptionMode", from: g.TransitEncryptionMode, to: "required" });
    if (g.AuthTokenEnabled !== true) ch.push({ field: "AuthTokenEnabled", from: g.AuthTokenEnabled ?? false, to: true });
    if (c && c.CacheSubnetGroupName !== spec.subnetGroupName.toLowerCase()) ch.push({ field: "CacheSubnetGroupName", from: c.CacheSubnetGroupName, to: spec.subnetGroupName, replace: true });
    const sgs = (c?.SecurityGroups ?? []).map((s) => s.SecurityGroupId!);
    if (c && !sameSet(sgs, spec.securityGroupIds)) ch.push({ field: "SecurityGroupIds", from: sgs, to: spec.securityGroupIds });
    const port = g.NodeGroups?.[0]?.PrimaryEndpoint?.Port;
    if (port !== undefined && port !== PORT) ch.push({ field: "Port", from: port, to: PORT, replace: true });
    if ((g.Description ?? "") !== spec.description) ch.push({ field: "Description", from: g.Description, to: spec.description });
    return ch;
  },
  async create(ctx, spec) {
    const ec = await ctx.aws.get("elasticache");
    const { authToken } = await readSecret(ctx, spec.authTokenSecretArn);
    try {
      // The subnet group may not be visible yet right after its create: try again.
      const r = await retryOn(["CacheSubnetGroupNotFoundFault"], ctx.node, () =>
        ec.send(
          new CreateReplicationGroupCommand({
            ReplicationGroupId: spec.id,
            ReplicationGroupDescription: spec.description,
            Engine: spec.engine,
            EngineVersion: spec.engineVersion,
            CacheNodeType: spec.nodeType,
            NumCacheClusters: NODES,
            PreferredCacheClusterAZs: [...spec.azs],
            AutomaticFailoverEnabled: true,
            MultiAZEnabled: true,
            CacheSubnetGroupName: spec.subnetGroupName,
            SecurityGroupIds: spec.securityGroupIds,
            AtRestEncryptionEnabled: true,
            KmsKeyId: spec.kmsKeyId,
            TransitEncryptionEnabled: true,
            TransitEncryptionMode: "required",
            AuthToken: authToken,
            Port: PORT,
            Tags: ctx.tags(),
          }),
        ),
      );
      return { group: r.ReplicationGroup! };
    } catch (e) {
      // Created by a run that crashed before it heard the answer: ElastiCache has no client token.
      if (!isCode(e, "ReplicationGroupAlreadyExistsFault")) throw e;
      const a = await describeGroup(ctx, spec.id.toLowerCase());
      if (!a) throw new TryAgainLater(`replication group ${spec.id} not visible yet`, 5_000);
      return a;
    }
  },
  async update(ctx, spec, actual) {
    const id = actual.group.ReplicationGroupId!;
    // Re-read and re-diff: the engine retries update() after a try-again-later, and each step below
    // leaves the group `modifying`, so every step is decided on the current state.
    let a = await waitAvailable(ctx, id);
    const todo = new Set(this.diff(spec, a).filter((c) => !c.replace).map((c) => c.field));
    const general: ModifyReplicationGroupMessage = { ReplicationGroupId: id };
    if (todo.has("Description")) general.ReplicationGroupDescription = spec.description;
    if (todo.has("AutomaticFailover") || todo.has("MultiAZ")) Object.assign(general, { AutomaticFailoverEnabled: true, MultiAZEnabled: true });
    if (todo.has("SecurityGroupIds")) general.SecurityGroupIds = spec.securityGroupIds;
    if (todo.has("CacheNodeType")) general.CacheNodeType = spec.nodeType;
    if (todo.has("Engine")) {
      general.Engine = spec.engine;
      general.EngineVersion = spec.engineVersion ?? (await newestVersion(ctx, spec.engine));
    } else if (todo.has("EngineVersion")) general.EngineVersion = spec.engineVersion;
    if (Object.keys(general).length > 1) a = await modify(ctx, general);
    if (a.group.TransitEncryptionEnabled !== true) a = await modify(ctx, { ReplicationGroupId: id, TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" });
    if (a.group.TransitEncryptionMode === "preferred") a = await modify(ctx, { ReplicationGroupId: id, TransitEncryptionEnabled: true, TransitEncryptionMode: "required" });
    if (a.group.AuthTokenEnabled !== true) {
      // Adding AUTH to a group without it: ROTATE sets the token; SET then makes it the only one accepted.
      const { authToken } = await readSecret(ctx, spec.authTokenSecretArn);
      a = await modify(ctx, { ReplicationGroupId: id, AuthToken: authToken, AuthTokenUpdateStrategy: "ROTATE" });
      a = await modify(ctx, { ReplicationGroupId: id, AuthToken: authToken, AuthTokenUpdateStrategy: "SET" });
    }
    return a;
  },
  async delete(ctx, { group: g }) {
    if (g.Status === "deleting") return;
    const ec = await ctx.aws.get("elasticache");
    // The group holds API-03's rate-limit windows: losing them only resets the windows. Still, `down`
    // keeps data by default (a final snapshot; it needs a node type with backup support — not cache.t1.*),
    // and `down --delete-data` skips it.
    const stamp = new Date(ctx.clock.now()).toISOString().replace(/[-:T]/g, "").slice(0, 14);
    const FinalSnapshotIdentifier = ctx.flags.deleteData ? undefined : `${g.ReplicationGroupId}-final-${stamp}`;
    try {
      // creating / modifying: AWS refuses the delete until the group is available again.
      await retryOn(["InvalidReplicationGroupStateFault"], ctx.node, () => ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: g.ReplicationGroupId, FinalSnapshotIdentifier })), 30_000);
    } catch (e) {
      if (isNotFound(e)) return;
      if (isCode(e, "SnapshotFeatureNotSupportedFault")) {
        throw new OpsError("snapshot_unsupported", `${ctx.node}: node type ${g.CacheNodeType} cannot take the final snapshot`, {
          hint: "the cache holds only rate-limit windows: run `opsctl down --delete-data` to delete it without a snapshot",
          fault: "user",
          cause: e,
        });
      }
      throw e;
    }
  },
  refresh: (ctx, a) => describeGroup(ctx, a.group.ReplicationGroupId!),
  isReady: ready,
  failure: ({ group: g }) => (g.Status === "create-failed" ? "create-failed (delete it and run up again)" : g.Status === "deleting" ? "it is being deleted" : undefined),
  describe: ({ group: g, cluster: c }) => ({
    id: g.ReplicationGroupId!,
    state: g.Status ?? "unknown",
    healthy: g.Status === "available",
    details: {
      engine: `${g.Engine ?? c?.Engine} ${c?.EngineVersion ?? "?"}`,
      nodeType: g.CacheNodeType,
      nodes: (g.NodeGroups?.[0]?.NodeGroupMembers ?? []).map((m) => `${m.CacheClusterId} (${m.PreferredAvailabilityZone}${m.CurrentRole ? `, ${m.CurrentRole}` : ""})`),
      automaticFailover: g.AutomaticFailover,
      multiAZ: g.MultiAZ,
      transitEncryption: g.TransitEncryptionEnabled ? `on (${g.TransitEncryptionMode ?? "required"})` : "off",
      atRestEncryption: g.AtRestEncryptionEnabled ? `on (${g.KmsKeyId ?? "AWS owned key"})` : "off",
      authToken: g.AuthTokenEnabled ? "enabled" : "disabled",
      primaryEndpoint: g.NodeGroups?.[0]?.PrimaryEndpoint ? `${g.NodeGroups[0].PrimaryEndpoint.Address}:${g.NodeGroups[0].PrimaryEndpoint.Port}` : undefined,
    },
  }),
  outputs: ({ group: g }) => ({
    id: g.ReplicationGroupId!,
    arn: g.ARN,
    primaryEndpoint: g.NodeGroups?.[0]?.PrimaryEndpoint?.Address,
    port: g.NodeGroups?.[0]?.PrimaryEndpoint?.Port ?? PORT,
    readerEndpoint: g.NodeGroups?.[0]?.ReaderEndpoint?.Address,
  }),
};
