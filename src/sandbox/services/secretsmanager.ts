import { randomInt, randomUUID } from "node:crypto";
import { SecretsManagerServiceException, type SecretsManager } from "@aws-sdk/client-secrets-manager";
import { paginate, publicView } from "../filters.js";
import { keyValueTags, mergeTags, removeTags, tagsOf } from "../tags.js";
import { defineService, type HandlerContext, type SimRecord, type SimService } from "../types.js";

/*
 * Simulated Secrets Manager (behaviour: secretsmanager.md beside this file).
 *
 * Records live in the region's "secrets" table keyed by Name. Public fields keep the
 * DescribeSecret shape with dates as ISO strings (converted to Date on the way out);
 * private fields: _versions (VersionId -> value and stages), _replicas (primary side),
 * _primaryRegion (replica side), _policy, _deleteAt (ms, end of the recovery window).
 */

const DAY = 86_400_000;
const DATE_FIELDS = ["CreatedDate", "LastChangedDate", "LastAccessedDate", "DeletedDate", "LastRotatedDate", "NextRotationDate"];
const NOT_FOUND = "Secrets Manager can't find the specified secret.";
const MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion.";
const REPLICA_READ_ONLY = "Operation not permitted on a replica secret. Call must be made in primary secret's region.";
const DEFAULT_KMS = "alias/aws/secretsmanager";

interface Version {
  stages: string[];
  string?: string;
  binary?: string; // base64
  created: number;
  lastAccessed?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => iso(Math.floor(ms / DAY) * DAY);

function toDates<T extends SimRecord>(obj: T): T {
  for (const f of DATE_FIELDS) if (typeof obj[f] === "string") (obj as SimRecord)[f] = new Date(obj[f]);
  return obj;
}

function suffix(ctx: HandlerContext): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let n = BigInt("0x" + ctx.newId("", 16));
  let s = "";
  for (let i = 0; i < 6; i++) {
    s += alphabet[Number(n % 62n)];
    n /= 62n;
  }
  return s;
}

/** Removes the secrets whose recovery window has passed (AWS's background deletion). */
function sweep(ctx: HandlerContext, region = ctx.region): void {
  const table = ctx.tableOf("secretsmanager", "secrets", region);
  for (const [name, rec] of Object.entries(table)) {
    if (rec._deleteAt !== undefined && rec._deleteAt <= ctx.now()) delete table[name];
  }
}

function secrets(ctx: HandlerContext): Record<string, SimRecord> {
  sweep(ctx);
  return ctx.table("secrets");
}

/** Finds a secret by name, full ARN or partial ARN (without the 6-character suffix). */
function lookup(ctx: HandlerContext, id: string | undefined): SimRecord | undefined {
  const table = secrets(ctx);
  if (!id) return undefined;
  if (id.startsWith("arn:")) {
    return Object.values(table).find((r) => r.ARN === id || r.ARN.slice(0, -7) === id);
  }
  return table[id];
}

/** The secret for a read: invisible (NotFound lag) counts as missing. */
function find(ctx: HandlerContext, id: string | undefined): SimRecord {
  const rec = lookup(ctx, id);
  if (!rec || !ctx.visible(rec)) ctx.fail("ResourceNotFoundException", NOT_FOUND);
  if (rec._primaryRegion && !replicaSynced(ctx, rec)) ctx.fail("ResourceNotFoundException", NOT_FOUND);
  return rec;
}

/** The secret for a write on the primary: not a replica, not scheduled for deletion. */
function findWritable(ctx: HandlerContext, id: string | undefined, allowDeleted = false): SimRecord {
  const rec = lookup(ctx, id);
  if (!rec) ctx.fail("ResourceNotFoundException", NOT_FOUND);
  if (rec._primaryRegion) ctx.fail("InvalidRequestException", REPLICA_READ_ONLY);
  if (!allowDeleted && rec.DeletedDate) ctx.fail("InvalidRequestException", MARKED_FOR_DELETION);
  return rec;
}

/** The record holding the versions (the primary for a replica). */
function source(ctx: HandlerContext, rec: SimRecord): SimRecord {
  if (!rec._primaryRegion) return rec;
  return ctx.tableOf("secretsmanager", "secrets", rec._primaryRegion)[rec.Name] ?? rec;
}

function replicaSynced(ctx: HandlerContext, replica: SimRecord): boolean {
  const primary = ctx.tableOf("secretsmanager", "secrets", replica._primaryRegion)[replica.Name];
  const entry = primary?._replicas?.find((r: SimRecord) => r.Region === replica._region);
  return !entry || replicaStatus(ctx, entry) === "InSync";
}

function replicaStatus(ctx: HandlerContext, r: SimRecord): string {
  if (r._failed) return "Failed";
  return ctx.now() >= r._syncAt ? "InSync" : "InProgress";
}

function replicationStatus(ctx: HandlerContext, rec: SimRecord): SimRecord[] | undefined {
  const reps: SimRecord[] = rec._replicas ?? [];
  if (reps.length === 0) return undefined;
  return reps.map((r) => {
    const status = replicaStatus(ctx, r);
    const out: SimRecord = { Region: r.Region, KmsKeyId: r.KmsKeyId, Status: status };
    if (status === "Failed") out.StatusMessage = r._failed;
    else if (status === "InSync") out.StatusMessage = "Replication succeeded";
    if (status === "InSync") {
      const replica = ctx.tableOf("secretsmanager", "secrets", r.Region)[rec.Name];
      if (replica?.LastAccessedDate) out.LastAccessedDate = new Date(replica.LastAccessedDate);
    }
    return out;
  });
}

function versionsToStages(rec: SimRecord): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [id, v] of Object.entries(rec._versions as Record<string, Version>)) if (v.stages.length) out[id] = [...v.stages];
  return out;
}

function nextRotation(rec: SimRecord): string | undefined {
  if (!rec.RotationEnabled || !rec.RotationRules) return undefined;
  let days: number | undefined = rec.RotationRules.AutomaticallyAfterDays;
  const m = /^rate\((\d+) days?\)$/.exec(rec.RotationRules.ScheduleExpression ?? "");
  if (days === undefined && m) days = Number(m[1]);
  if (days === undefined) return undefined;
  const from = Date.parse(rec.LastRotatedDate ?? rec._rotationSetAt ?? rec.CreatedDate);
  return iso(from + days * DAY);
}

/** DescribeSecret's output for a record. */
function describe(ctx: HandlerContext, rec: SimRecord): SimRecord {
  const src = source(ctx, rec);
  const out = publicView(rec);
  out.VersionIdsToStages = versionsToStages(src);
  if (rec._primaryRegion) {
    out.PrimaryRegion = rec._primaryRegion;
  } else {
    const rs = replicationStatus(ctx, rec);
    if (rs) out.ReplicationStatus = rs;
  }
  const next = nextRotation(src);
  if (next) out.NextRotationDate = next;
  if (tagsOf(rec).length) out.Tags = keyValueTags(rec);
  return toDates(out);
}

function valueOf(input: SimRecord): { string?: string; binary?: string } {
  if (input.SecretString !== undefined) return { string: input.SecretString };
  if (input.SecretBinary !== undefined) return { binary: Buffer.from(input.SecretBinary as Uint8Array).toString("base64") };
  return {};
}

function checkOneValue(ctx: HandlerContext, input: SimRecord): void {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    ctx.fail("InvalidParameterException", "You can't specify both a binary secret value and a string secret value in the same secret.");
  }
}

function sameValue(v: Version, val: { string?: string; binary?: string }): boolean {
  return v.string === val.string && v.binary === val.binary;
}

/** Moves `stage` to version `to` (removing it elsewhere); moving AWSCURRENT makes the old current AWSPREVIOUS. */
function moveStage(rec: SimRecord, stage: string, to: string): void {
  const versions = rec._versions as Record<string, Version>;
  let from: string | undefined;
  for (const [id, v] of Object.entries(versions)) {
    if (id !== to && v.stages.includes(stage)) {
      v.stages = v.stages.filter((s) => s !== stage);
      from = id;
    }
  }
  if (!versions[to].stages.includes(stage)) versions[to].stages.push(stage);
  if (stage === "AWSCURRENT" && from) moveStage(rec, "AWSPREVIOUS", from);
}

/**
 * Adds a version (or, for a known token, checks idempotency).
 * @returns the version id and whether it already existed.
 */
function addVersion(ctx: HandlerContext, rec: SimRecord, input: SimRecord, stages: string[]): string {
  const token: string = input.ClientRequestToken ?? randomUUID();
  const val = valueOf(input);
  const versions = rec._versions as Record<string, Version>;
  const existing = versions[token];
  if (existing) {
    if (!sameValue(existing, val)) ctx.fail("ResourceExistsException", "A resource with the ID you requested already exists.");
    return token;
  }
  versions[token] = { stages: [], ...val, created: ctx.now() };
  for (const s of stages) moveStage(rec, s, token);
  rec.LastChangedDate = iso(ctx.now());
  return token;
}

function addReplicas(ctx: HandlerContext, rec: SimRecord, regions: SimRecord[] | undefined, force: boolean | undefined): void {
  rec._replicas ??= [];
  for (const r of regions ?? []) {
    const region: string = r.Region;
    if (!region || region === ctx.region) ctx.fail("InvalidParameterException", `Invalid replica region: ${region}.`);
    if (rec._replicas.some((x: SimRecord) => x.Region === region)) continue;
    const entry: SimRecord = { Region: region, KmsKeyId: r.KmsKeyId ?? DEFAULT_KMS, _syncAt: ctx.now() + ctx.duration("secretsmanager.secret.replicate") };
    sweep(ctx, region);
    const table = ctx.tableOf("secretsmanager", "secrets", region);
    const clash = table[rec.Name];
    if (clash && !force) {
      entry._failed = "Replication failed: Secret name already exists in Replica Region.";
    } else {
      table[rec.Name] = ctx.born({
        ARN: `arn:aws:secretsmanager:${region}:${ctx.accountId}:secret:${rec.ARN.split(":secret:")[1]}`,
        Name: rec.Name,
        Description: rec.Description,
        KmsKeyId: entry.KmsKeyId,
        _tags: keyValueTags(rec),
        CreatedDate: iso(ctx.now()),
        LastChangedDate: iso(ctx.now()),
        _versions: {},
        _primaryRegion: ctx.region,
        _region: region,
      });
    }
    rec._replicas.push(entry);
  }
}

function isPublic(doc: any): boolean {
  const statements = Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement] : [];
  return statements.some((s: any) => {
    if (s?.Effect !== "Allow" || s.Condition) return false;
    const p = s.Principal;
    const all = (v: unknown) => v === "*" || (Array.isArray(v) && v.includes("*"));
    return all(p) || (p && typeof p === "object" && all(p.AWS));
  });
}

function parsePolicy(ctx: HandlerContext, text: string | undefined): any {
  try {
    const doc = JSON.parse(text ?? "");
    if (!doc || typeof doc !== "object" || !doc.Statement) throw new Error("no Statement");
    return doc;
  } catch {
    ctx.fail("MalformedPolicyDocumentException", "This resource policy contains invalid JSON.");
  }
}

function words(s: string): string[] {
  return s
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/([A-Za-z])([0-9])/g, "$1 $2")
    .replace(/([0-9])([A-Za-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

const FILTER_KEYS = ["description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"];

function matchesFilter(rec: SimRecord, region: string, f: SimRecord): boolean {
  const key: string = f.Key;
  const values: string[] = f.Values ?? [];
  const fields = (): string[] => {
    const tags = tagsOf(rec);
    switch (key) {
      case "description":
        return rec.Description ? [rec.Description] : [];
      case "name":
        return [rec.Name];
      case "tag-key":
        return tags.map((t) => t.Key);
      case "tag-value":
        return tags.map((t) => t.Value as string);
      case "primary-region":
        return [rec._primaryRegion ?? region];
      case "owning-service":
        return rec.OwningService ? [rec.OwningService] : [];
      default:
        return [rec.Name, rec.Description ?? "", ...tags.map((t) => t.Key), ...tags.map((t) => t.Value as string)];
    }
  };
  const actual = fields();
  const hit = (v: string): boolean => {
    if (key === "all") {
      const have = actual.flatMap(words);
      return words(v).some((w) => have.some((h) => h.startsWith(w)));
    }
    if (key === "description") return actual.some((a) => a.toLowerCase().startsWith(v.toLowerCase()));
    return actual.some((a) => a.startsWith(v));
  };
  const positive = values.filter((v) => !v.startsWith("!"));
  const negative = values.filter((v) => v.startsWith("!")).map((v) => v.slice(1));
  if (negative.some(hit)) return false;
  return positive.length === 0 || positive.some(hit);
}

function pickVersion(ctx: HandlerContext, rec: SimRecord, versionId?: string, stage?: string): [string, Version] {
  const versions = rec._versions as Record<string, Version>;
  if (versionId) {
    const v = versions[versionId];
    if (!v || (stage && !v.stages.includes(stage))) {
      ctx.fail("ResourceNotFoundException", `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
    }
    return [versionId, v];
  }
  const want = stage ?? "AWSCURRENT";
  const hit = Object.entries(versions).find(([, v]) => v.stages.includes(want));
  if (!hit) ctx.fail("ResourceNotFoundException", `Secrets Manager can't find the specified secret value for staging label: ${want}`);
  return hit;
}

function randomPassword(ctx: HandlerContext, input: SimRecord): string {
  const length: number = input.PasswordLength ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    ctx.fail("InvalidParameterException", "Password length must be between 1 and 4096.");
  }
  const exclude = new Set<string>([...(input.ExcludeCharacters ?? "")]);
  const keep = (s: string) => [...s].filter((c) => !exclude.has(c)).join("");
  const classes: string[] = [];
  if (!input.ExcludeLowercase) classes.push(keep("abcdefghijklmnopqrstuvwxyz"));
  if (!input.ExcludeUppercase) classes.push(keep("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
  if (!input.ExcludeNumbers) classes.push(keep("0123456789"));
  if (!input.ExcludePunctuation) classes.push(keep("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"));
  if (input.IncludeSpace) classes.push(keep(" "));
  const usable = classes.filter((c) => c.length > 0);
  const all = usable.join("");
  if (!all) ctx.fail("InvalidParameterException", "The password can't be generated: every character type is excluded.");
  const require = input.RequireEachIncludedType ?? true;
  if (require && usable.length > length) {
    ctx.fail("InvalidParameterException", "The password length is too short to include a character of each included type.");
  }
  const chars: string[] = [];
  if (require) for (const c of usable) chars.push(c[randomInt(c.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join("");
}

function touchAccess(ctx: HandlerContext, rec: SimRecord, v: Version): void {
  rec.LastAccessedDate = dayOf(ctx.now());
  v.lastAccessed = ctx.now();
}

/** Simulated SecretsManager (behaviour: secretsmanager.md beside this file). */
export const secretsmanagerService: SimService = defineService<SecretsManager>({
  clientName: "SecretsManagerClient",
  key: "secretsmanager",
  exception: SecretsManagerServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {
    CreateSecret(input, ctx) {
      checkOneValue(ctx, input);
      const name: string = input.Name!;
      if (!name || !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
        ctx.fail("InvalidParameterException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!");
      }
      const table = secrets(ctx);
      const existing = table[name];
      if (existing) {
        if (existing.DeletedDate) {
          ctx.fail("InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion.");
        }
        const token = input.ClientRequestToken;
        const v = token && !existing._primaryRegion ? (existing._versions as Record<string, Version>)[token] : undefined;
        if (v) {
          if (!sameValue(v, valueOf(input))) ctx.fail("ResourceExistsException", "A resource with the ID you requested already exists.");
          const out: SimRecord = { ARN: existing.ARN, Name: name, VersionId: token };
          const rs = replicationStatus(ctx, existing);
          if (rs) out.ReplicationStatus = rs;
          return out;
        }
        ctx.fail("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
      }
      const now = iso(ctx.now());
      const rec: SimRecord = ctx.born({
        ARN: `arn:aws:secretsmanager:${ctx.region}:${ctx.accountId}:secret:${name}-${suffix(ctx)}`,
        Name: name,
        Description: input.Description,
        KmsKeyId: input.KmsKeyId,
        _tags: (input.Tags ?? []).map((t: SimRecord) => ({ Key: t.Key, Value: t.Value })),
        CreatedDate: now,
        LastChangedDate: now,
        _versions: {},
      });
      let versionId: string | undefined;
      if (input.SecretString !== undefined || input.SecretBinary !== undefined) versionId = addVersion(ctx, rec, input, ["AWSCURRENT"]);
      table[name] = rec;
      if (input.AddReplicaRegions?.length) addReplicas(ctx, rec, input.AddReplicaRegions, input.ForceOverwriteReplicaSecret);
      const out: SimRecord = { ARN: rec.ARN, Name: name };
      if (versionId) out.VersionId = versionId;
      const rs = replicationStatus(ctx, rec);
      if (rs) out.ReplicationStatus = rs;
      return out;
    },

    DescribeSecret(input, ctx) {
      return describe(ctx, find(ctx, input.SecretId));
    },

    GetSecretValue(input, ctx) {
      const rec = find(ctx, input.SecretId);
      if (rec.DeletedDate) ctx.fail("InvalidRequestException", MARKED_FOR_DELETION);
      const src = source(ctx, rec);
      const [id, v] = pickVersion(ctx, src, input.VersionId, input.VersionStage);
      touchAccess(ctx, rec, v);
      const out: SimRecord = { ARN: rec.ARN, Name: rec.Name, VersionId: id, VersionStages: [...v.stages], CreatedDate: new Date(v.created) };
      if (v.string !== undefined) out.SecretString = v.string;
      if (v.binary !== undefined) out.SecretBinary = new Uint8Array(Buffer.from(v.binary, "base64"));
      return out;
    },

    BatchGetSecretValue(input, ctx) {
      const ids: string[] = input.SecretIdList ?? [];
      const values: SimRecord[] = [];
      const errors: SimRecord[] = [];
      for (const id of ids) {
        try {
          values.push(secretsmanagerService.handlers.GetSecretValue({ SecretId: id }, ctx));
        } catch (e: any) {
          errors.push({ SecretId: id, ErrorCode: e.name, Message: e.message });
        }
      }
      return { SecretValues: values, Errors: errors };
    },

    PutSecretValue(input, ctx) {
      checkOneValue(ctx, input);
      const rec = findWritable(ctx, input.SecretId);
      if (input.SecretString === undefined && input.SecretBinary === undefined) {
        ctx.fail("InvalidRequestException", "You must provide either SecretString or SecretBinary.");
      }
      const stages: string[] = input.VersionStages?.length ? input.VersionStages : ["AWSCURRENT"];
      const id = addVersion(ctx, rec, input, stages);
      return { ARN: rec.ARN, Name: rec.Name, VersionId: id, VersionStages: [...rec._versions[id].stages] };
    },

    UpdateSecret(input, ctx) {
      checkOneValue(ctx, input);
      const rec = findWritable(ctx, input.SecretId);
      if (input.Description !== undefined) rec.Description = input.Description;
      if (input.KmsKeyId !== undefined) rec.KmsKeyId = input.KmsKeyId;
      rec.LastChangedDate = iso(ctx.now());
      const out: SimRecord = { ARN: rec.ARN, Name: rec.Name };
      if (input.SecretString !== undefined || input.SecretBinary !== undefined) out.VersionId = addVersion(ctx, rec, input, ["AWSCURRENT"]);
      return out;
    },

    UpdateSecretVersionStage(input, ctx) {
      const rec = findWritable(ctx, input.SecretId);
      const versions = rec._versions as Record<string, Version>;
      const stage: string = input.VersionStage!;
      const holder = Object.entries(versions).find(([, v]) => v.stages.includes(stage))?.[0];
      if (input.MoveToVersionId && !versions[input.MoveToVersionId]) {
        ctx.fail("ResourceNotFoundException", `Secrets Manager can't find the specified secret value for VersionId: ${input.MoveToVersionId}`);
      }
      if (holder && holder !== input.MoveToVersionId && input.RemoveFromVersionId !== holder) {
        ctx.fail(
          "InvalidParameterException",
          `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      if (input.MoveToVersionId) {
        moveStage(rec, stage, input.MoveToVersionId);
      } else if (input.RemoveFromVersionId) {
        if (stage === "AWSCURRENT") ctx.fail("InvalidParameterException", "You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.");
        const v = versions[input.RemoveFromVersionId];
        if (v) v.stages = v.stages.filter((s) => s !== stage);
      }
      rec.LastChangedDate = iso(ctx.now());
      return { ARN: rec.ARN, Name: rec.Name };
    },

    ListSecretVersionIds(input, ctx) {
      const rec = find(ctx, input.SecretId);
      const src = source(ctx, rec);
      const all = Object.entries(src._versions as Record<string, Version>)
        .filter(([, v]) => input.IncludeDeprecated || v.stages.length > 0)
        .sort((a, b) => b[1].created - a[1].created)
        .map(([id, v]) => {
          const e: SimRecord = { VersionId: id, VersionStages: [...v.stages], CreatedDate: new Date(v.created) };
          if (v.lastAccessed) e.LastAccessedDate = new Date(dayOf(v.lastAccessed));
          return e;
        });
      const { page, next } = paginate(all, input.MaxResults, input.NextToken, 100);
      return { ARN: rec.ARN, Name: rec.Name, Versions: page, NextToken: next };
    },

    ListSecrets(input, ctx) {
      const filters: SimRecord[] = input.Filters ?? [];
      for (const f of filters) {
        if (!FILTER_KEYS.includes(f.Key)) ctx.fail("InvalidParameterException", `Invalid filter key: ${f.Key}`);
      }
      const list = Object.values(secrets(ctx))
        .filter((r) => ctx.visible(r) && (!r._primaryRegion || replicaSynced(ctx, r)))
        .filter((r) => input.IncludePlannedDeletion || !r.DeletedDate)
        .filter((r) => filters.every((f) => matchesFilter(r, ctx.region, f)))
        .sort((a, b) => Date.parse(a.CreatedDate) - Date.parse(b.CreatedDate) || a.Name.localeCompare(b.Name));
      if (input.SortOrder === "desc") list.reverse();
      const { page, next } = paginate(list, input.MaxResults, input.NextToken, 100);
      return {
        SecretList: page.map((r) => {
          const d = describe(ctx, r);
          d.SecretVersionsToStages = d.VersionIdsToStages;
          delete d.VersionIdsToStages;
          delete d.ReplicationStatus;
          return d;
        }),
        NextToken: next,
      };
    },

    DeleteSecret(input, ctx: HandlerContext) {
      if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
        ctx.fail("InvalidParameterException", "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      }
      const days: number = input.RecoveryWindowInDays ?? 30;
      if (!input.ForceDeleteWithoutRecovery && (days < 7 || days > 30)) {
        ctx.fail("InvalidParameterException", "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
      }
      const rec = lookup(ctx, input.SecretId);
      if (!rec) {
        // "If you forcibly delete an already deleted or nonexistent secret, the operation does not return ResourceNotFoundException."
        if (input.ForceDeleteWithoutRecovery) return { Name: input.SecretId, DeletionDate: new Date(ctx.now()) };
        ctx.fail("ResourceNotFoundException", NOT_FOUND);
      }
      if (rec._primaryRegion) ctx.fail("InvalidRequestException", REPLICA_READ_ONLY);
      const replicas: SimRecord[] = rec._replicas ?? [];
      if (replicas.length) {
        ctx.fail("InvalidRequestException", `You can't delete secret ${rec.Name} that still has replica regions [${replicas.map((r) => r.Region).join(", ")}]`);
      }
      if (input.ForceDeleteWithoutRecovery) {
        delete ctx.table("secrets")[rec.Name];
        return { ARN: rec.ARN, Name: rec.Name, DeletionDate: new Date(ctx.now()) };
      }
      if (rec.DeletedDate) ctx.fail("InvalidRequestException", "You can't perform this operation on the secret because it was already scheduled for deletion.");
      rec._deleteAt = ctx.now() + days * DAY;
      rec.DeletedDate = iso(rec._deleteAt);
      return { ARN: rec.ARN, Name: rec.Name, DeletionDate: new Date(rec._deleteAt) };
    },

    RestoreSecret(input, ctx) {
      const rec = findWritable(ctx, input.SecretId, true);
      delete rec.DeletedDate;
      delete rec._deleteAt;
      rec.LastChangedDate = iso(ctx.now());
      return { ARN: rec.ARN, Name: rec.Name };
    },

    TagResource(input, ctx) {
      const rec = findWritable(ctx, input.SecretId);
      mergeTags(rec, (input.Tags ?? []).map((t: SimRecord) => ({ Key: t.Key, Value: t.Value })));
      rec.LastChangedDate = iso(ctx.now());
      return {};
    },

    UntagResource(input, ctx) {
      const rec = findWritable(ctx, input.SecretId);
      removeTags(rec, input.TagKeys);
      rec.LastChangedDate = iso(ctx.now());
      return {};
    },

    PutResourcePolicy(input, ctx) {
      const rec = findWritable(ctx, input.SecretId);
      const doc = parsePolicy(ctx, input.ResourcePolicy);
      if (input.BlockPublicPolicy && isPublic(doc)) {
        ctx.fail("PublicPolicyException", "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.");
      }
      rec._policy = input.ResourcePolicy;
      rec.LastChangedDate = iso(ctx.now());
      return { ARN: rec.ARN, Name: rec.Name };
    },

    GetResourcePolicy(input, ctx) {
      const rec = find(ctx, input.SecretId);
      const out: SimRecord = { ARN: rec.ARN, Name: rec.Name };
      if (rec._policy) out.ResourcePolicy = rec._policy;
      return out;
    },

    DeleteResourcePolicy(input, ctx) {
      const rec = findWritable(ctx, input.SecretId);
      delete rec._policy;
      return { ARN: rec.ARN, Name: rec.Name };
    },

    ValidateResourcePolicy(input, ctx) {
      if (input.SecretId) find(ctx, input.SecretId);
      try {
        const doc = JSON.parse(input.ResourcePolicy ?? "");
        if (!doc?.Statement) throw new Error("missing Statement");
        return { PolicyValidationPassed: true, ValidationErrors: [] };
      } catch (e: any) {
        ctx.fail("MalformedPolicyDocumentException", `This resource policy contains invalid JSON: ${e.message}`);
      }
    },

    ReplicateSecretToRegions(input, ctx) {
      const rec = findWritable(ctx, input.SecretId);
      addReplicas(ctx, rec, input.AddReplicaRegions, input.ForceOverwriteReplicaSecret);
      return { ARN: rec.ARN, ReplicationStatus: replicationStatus(ctx, rec) ?? [] };
    },

    RemoveRegionsFromReplication(input, ctx) {
      const rec = findWritable(ctx, input.SecretId, true);
      const drop = new Set<string>(input.RemoveReplicaRegions ?? []);
      for (const r of rec._replicas ?? []) {
        if (!drop.has(r.Region)) continue;
        const table = ctx.tableOf("secretsmanager", "secrets", r.Region);
        if (table[rec.Name]?._primaryRegion === ctx.region) delete table[rec.Name];
      }
      rec._replicas = (rec._replicas ?? []).filter((r: SimRecord) => !drop.has(r.Region));
      return { ARN: rec.ARN, ReplicationStatus: replicationStatus(ctx, rec) ?? [] };
    },

    StopReplicationToReplica(input, ctx: HandlerContext) {
      const rec = lookup(ctx, input.SecretId);
      if (!rec) ctx.fail("ResourceNotFoundException", NOT_FOUND);
      if (!rec._primaryRegion) ctx.fail("InvalidRequestException", "This operation can only be performed on a replica secret.");
      const primary = ctx.tableOf("secretsmanager", "secrets", rec._primaryRegion)[rec.Name];
      if (primary) {
        rec._versions = JSON.parse(JSON.stringify(primary._versions));
        primary._replicas = (primary._replicas ?? []).filter((r: SimRecord) => r.Region !== ctx.region);
      }
      delete rec._primaryRegion;
      delete rec._region;
      rec.LastChangedDate = iso(ctx.now());
      return { ARN: rec.ARN };
    },

    RotateSecret(input, ctx) {
      const rec = findWritable(ctx, input.SecretId);
      const lambda = input.RotationLambdaARN ?? rec.RotationLambdaARN;
      if (!lambda) ctx.fail("InvalidRequestException", "No Lambda rotation function ARN is associated with this secret.");
      const rules = input.RotationRules;
      if (rules?.AutomaticallyAfterDays !== undefined && rules.ScheduleExpression !== undefined) {
        ctx.fail("InvalidParameterException", "You can't specify both AutomaticallyAfterDays and ScheduleExpression.");
      }
      if (rules?.AutomaticallyAfterDays !== undefined && (rules.AutomaticallyAfterDays < 1 || rules.AutomaticallyAfterDays > 1000)) {
        ctx.fail("InvalidParameterException", "AutomaticallyAfterDays must be between 1 and 1000.");
      }
      rec.RotationEnabled = true;
      rec.RotationLambdaARN = lambda;
      if (rules) rec.RotationRules = { ...rules };
      rec._rotationSetAt = iso(ctx.now());
      rec.LastChangedDate = iso(ctx.now());
      const out: SimRecord = { ARN: rec.ARN, Name: rec.Name };
      if (input.RotateImmediately ?? true) {
        // The rotation Lambda is not invoked: the rotation is recorded as having happened now.
        rec.LastRotatedDate = iso(ctx.now());
        out.VersionId = input.ClientRequestToken ?? randomUUID();
      }
      return out;
    },

    CancelRotateSecret(input, ctx) {
      const rec = findWritable(ctx, input.SecretId);
      rec.RotationEnabled = false;
      rec.LastChangedDate = iso(ctx.now());
      for (const v of Object.values(rec._versions as Record<string, Version>)) v.stages = v.stages.filter((s) => s !== "AWSPENDING");
      return { ARN: rec.ARN, Name: rec.Name };
    },

    GetRandomPassword(input, ctx) {
      return { RandomPassword: randomPassword(ctx, input) };
    },
  },
});
