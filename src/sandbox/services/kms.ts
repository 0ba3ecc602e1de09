import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import { KMSServiceException, type KMS } from "@aws-sdk/client-kms";
import { publicView } from "../filters.js";
import { kmsTags, mergeTags, removeTags, tagsOf } from "../tags.js";
import { defineService, type HandlerContext, type SimRecord, type SimService } from "../types.js";

/*
 * Simulated KMS (behaviour: kms.md beside this file).
 *
 * The region's "keys" table is keyed by KeyId and holds KeyMetadata's shape (dates as ISO
 * strings, converted to Date on the way out). Private fields: _tags (the sandbox's one tag form,
 * [{Key, Value}]: ../tags.ts; answered as [{TagKey, TagValue}]), _policy (the "default" key policy JSON), _materials
 * (base64 AES-256 keys, one per rotation, the newest encrypts), _rotation ({ period days,
 * next ms } while automatic rotation is on), _deleteAt (ms, end of the waiting period).
 * The "aliases" table is keyed by AliasName in ListAliases' entry shape.
 */

const DAY = 86_400_000;
const DATE_FIELDS = ["CreationDate", "DeletionDate", "LastUpdatedDate"];
const LOCKOUT = "The new key policy will not allow you to update the key policy in the future.";
/** First byte of a simulated ciphertext blob (format: version, key id length, key id, material index, IV, tag, data). */
const BLOB_VERSION = 1;
/** Key ids: a UUID, or `mrk-` + 32 hex digits for a multi-Region key. */
const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

const iso = (ms: number) => new Date(ms).toISOString();

function toDates<T extends SimRecord>(obj: T): T {
  for (const f of DATE_FIELDS) if (typeof obj[f] === "string") (obj as SimRecord)[f] = new Date(obj[f]);
  return obj;
}

/** A smithy-style constraint failure, as KMS answers out-of-range parameters. */
function invalid(ctx: HandlerContext, value: unknown, member: string, constraint: string): never {
  ctx.fail("ValidationException", `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`);
}

function checkRange(ctx: HandlerContext, value: number | undefined, member: string, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min) invalid(ctx, value, member, `Member must have value greater than or equal to ${min}`);
  if (value > max) invalid(ctx, value, member, `Member must have value less than or equal to ${max}`);
}

const keyArn = (ctx: HandlerContext, id: string) => `arn:aws:kms:${ctx.region}:${ctx.accountId}:key/${id}`;
const aliasArn = (ctx: HandlerContext, name: string) => `arn:aws:kms:${ctx.region}:${ctx.accountId}:${name}`;

/** Removes keys whose waiting period has passed, with the aliases that refer to them (the reference: ScheduleKeyDeletion). */
function sweep(ctx: HandlerContext): void {
  const keys = ctx.table("keys");
  const aliases = ctx.table("aliases");
  for (const [id, rec] of Object.entries(keys)) {
    if (rec._deleteAt !== undefined && rec._deleteAt <= ctx.now()) {
      delete keys[id];
      for (const [name, a] of Object.entries(aliases)) if (a.TargetKeyId === id) delete aliases[name];
    }
  }
}

/** Applies the automatic rotations whose date has passed (new key material; the old stays for Decrypt). */
function settleAt(ctx: HandlerContext, rec: SimRecord): void {
  const r = rec._rotation as { period: number; next: number } | undefined;
  // KMS does not rotate a disabled key or one pending deletion (EnableKey catches up, see there).
  if (!r || rec.KeyState !== "Enabled") return;
  while (r.next <= ctx.now()) {
    (rec._materials as string[]).push(randomBytes(32).toString("base64"));
    r.next += r.period * DAY;
  }
}

function keys(ctx: HandlerContext): Record<string, SimRecord> {
  sweep(ctx);
  const table = ctx.table("keys");
  for (const rec of Object.values(table)) settleAt(ctx, rec);
  return table;
}

type Ref = { kind: "key"; id: string } | { kind: "alias"; name: string };

/** Parses a KeyId parameter: key id, key ARN, alias name or alias ARN (aliases only where `aliases` is true). */
function parseRef(ctx: HandlerContext, keyId: string | undefined, aliases: boolean): Ref {
  const raw = keyId ?? "";
  if (!raw) ctx.fail("ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
  const arn = /^arn:aws:kms:([^:]+):(\d{12}):(key\/.+|alias\/.+)$/.exec(raw);
  let rest = raw;
  if (arn) {
    if (arn[1] !== ctx.region || arn[2] !== ctx.accountId) ctx.fail("NotFoundException", `Invalid arn ${arn[1]}`);
    rest = arn[3];
    if (rest.startsWith("key/")) return { kind: "key", id: rest.slice(4) };
  }
  if (rest.startsWith("alias/")) {
    if (!aliases) ctx.fail("NotFoundException", `Invalid keyId '${raw}'`);
    return { kind: "alias", name: rest };
  }
  return { kind: "key", id: rest };
}

/** The key a KeyId parameter names (hidden by the NotFound-lag fault counts as missing). */
function findKey(ctx: HandlerContext, keyId: string | undefined, opts: { aliases?: boolean } = {}): SimRecord {
  const ref = parseRef(ctx, keyId, opts.aliases ?? false);
  const table = keys(ctx);
  let id: string;
  if (ref.kind === "alias") {
    const a = ctx.table("aliases")[ref.name];
    if (!a || !ctx.visible(a)) ctx.fail("NotFoundException", `Alias ${aliasArn(ctx, ref.name)} is not found.`);
    id = a.TargetKeyId;
  } else {
    id = ref.id;
    if (!KEY_ID.test(id)) ctx.fail("NotFoundException", `Invalid keyId '${keyId}'`);
  }
  const rec = table[id];
  if (!rec || !ctx.visible(rec)) ctx.fail("NotFoundException", `Key '${keyArn(ctx, id)}' does not exist`);
  return rec;
}

/**
 * Key-state checks of the reference's key state table: a key pending deletion refuses
 * most operations with KMSInvalidStateException; cryptographic operations on a disabled
 * key answer DisabledException.
 */
function requireState(ctx: HandlerContext, rec: SimRecord, op: "manage" | "crypto" | "rotation"): void {
  if (rec.KeyState === "PendingDeletion") ctx.fail("KMSInvalidStateException", `${rec.Arn} is pending deletion.`);
  if (rec.KeyState === "Disabled" && op !== "manage") ctx.fail("DisabledException", `${rec.Arn} is disabled.`);
}

function metadata(rec: SimRecord): SimRecord {
  const out = publicView(rec);
  return toDates(out);
}

function defaultPolicy(ctx: HandlerContext): string {
  return JSON.stringify(
    {
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ctx.accountId}:root` }, Action: "kms:*", Resource: "*" }],
    },
    null,
    2,
  );
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Parses a key policy. Bad JSON or no Statement → MalformedPolicyDocumentException. Unless
 * BypassPolicyLockoutSafetyCheck is set, the policy must let a principal of this account
 * call kms:PutKeyPolicy (the reference's policy lockout safety check); the sandbox does not
 * know the caller, so any principal of the account (root, account id, IAM ARN) counts.
 */
function checkPolicy(ctx: HandlerContext, text: string | undefined, bypass: boolean | undefined): string {
  let doc: any;
  try {
    doc = JSON.parse(text ?? "");
  } catch {
    ctx.fail("MalformedPolicyDocumentException", "The key policy is not a valid JSON document.");
  }
  const statements = list<any>(doc?.Statement);
  if (!doc || typeof doc !== "object" || statements.length === 0) ctx.fail("MalformedPolicyDocumentException", "The key policy has no Statement.");
  for (const s of statements) {
    if (s?.Effect !== "Allow" && s?.Effect !== "Deny") ctx.fail("MalformedPolicyDocumentException", "Policy contains a statement with no valid Effect.");
    if (s.Principal === undefined) ctx.fail("MalformedPolicyDocumentException", "Policy contains a statement with no principal.");
    if (s.Action === undefined && s.NotAction === undefined) ctx.fail("MalformedPolicyDocumentException", "Policy contains a statement with no action.");
  }
  if (Buffer.byteLength(text!, "utf8") > 32_768) ctx.fail("LimitExceededException", "The key policy exceeds the maximum size of 32 KB.");
  if (!bypass) {
    const inAccount = (p: string) => p === ctx.accountId || p.startsWith(`arn:aws:iam::${ctx.accountId}:`) || p.startsWith(`arn:aws:sts::${ctx.accountId}:`);
    const grantsPut = (a: string) => a === "*" || a === "kms:*" || a === "kms:PutKeyPolicy" || a === "kms:Put*";
    const ok = statements.some(
      (s) => s.Effect === "Allow" && !s.Condition && list<string>(s.Action).some(grantsPut) && list<string>(typeof s.Principal === "object" ? s.Principal.AWS : undefined).some(inAccount),
    );
    if (!ok) ctx.fail("MalformedPolicyDocumentException", LOCKOUT);
  }
  // Principals are resolved when the policy is set: an IAM role or user of this account that does not
  // exist (or that IAM has not propagated yet, under the NotFound-lag fault) is refused.
  for (const s of statements) {
    for (const p of list<string>(typeof s.Principal === "object" ? s.Principal.AWS : undefined)) {
      const m = /^arn:aws:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(p);
      if (!m || m[1] !== ctx.accountId) continue;
      const rec = ctx.tableOf("iam", m[2] === "role" ? "roles" : "users", "us-east-1")[m[3]];
      if (!rec || !ctx.visible(rec)) ctx.fail("MalformedPolicyDocumentException", "Policy contains a statement with one or more invalid principals.");
    }
  }
  return text!;
}

function checkTags(ctx: HandlerContext, tags: SimRecord[] | undefined): void {
  for (const t of tags ?? []) {
    const k: string = t.TagKey ?? "";
    const v: string = t.TagValue ?? "";
    if (k.length < 1 || k.length > 128 || v.length > 256) ctx.fail("TagException", `Invalid tag ${k}: keys are 1-128 characters, values 0-256.`);
    if (k.startsWith("aws:")) ctx.fail("TagException", "Tags beginning with aws: are reserved.");
  }
}

function applyTags(rec: SimRecord, tags: SimRecord[] | undefined): void {
  mergeTags(rec, (tags ?? []).map((t) => ({ Key: t.TagKey, Value: t.TagValue ?? "" })));
}

/** Marker paging as KMS does it: NextMarker (opaque) and Truncated. */
function page<T>(ctx: HandlerContext, items: T[], limit: number | undefined, marker: string | undefined, max: number, def: number): { items: T[]; NextMarker?: string; Truncated: boolean } {
  checkRange(ctx, limit, "limit", 1, max);
  let start = 0;
  if (marker) {
    const m = /^sim:(\d+)$/.exec(Buffer.from(marker, "base64url").toString());
    if (!m) ctx.fail("InvalidMarkerException", "The marker that specifies where pagination should next begin is not valid.");
    start = Number(m[1]);
  }
  const size = limit ?? def;
  const slice = items.slice(start, start + size);
  const end = start + slice.length;
  const more = end < items.length;
  return { items: slice, NextMarker: more ? Buffer.from(`sim:${end}`).toString("base64url") : undefined, Truncated: more };
}

function checkAliasName(ctx: HandlerContext, name: string | undefined): string {
  const n = name ?? "";
  // The reference: 1-256 characters of [a-zA-Z0-9/_-], beginning with alias/, not alias/aws/ (reserved for AWS managed keys).
  if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(n) || n.length > 256) ctx.fail("InvalidAliasNameException", `Alias name ${n} is not valid: it must begin with alias/ and contain only alphanumeric characters, /, _ and -.`);
  if (n.startsWith("alias/aws/")) ctx.fail("InvalidAliasNameException", `Alias name ${n} is not valid: the alias/aws/ prefix is reserved for AWS managed keys.`);
  return n;
}

/** The alias's target: a key id or key ARN of a customer managed key not pending deletion. */
function aliasTarget(ctx: HandlerContext, targetKeyId: string | undefined): SimRecord {
  const rec = findKey(ctx, targetKeyId);
  if (rec.KeyManager !== "CUSTOMER") ctx.fail("NotFoundException", `Key '${rec.Arn}' is not a customer managed key.`);
  requireState(ctx, rec, "manage");
  return rec;
}

function context(input: SimRecord): Buffer {
  const ec = (input.EncryptionContext ?? {}) as Record<string, string>;
  return Buffer.from(JSON.stringify(Object.keys(ec).sort().map((k) => [k, ec[k]])));
}

function checkAlgorithm(ctx: HandlerContext, alg: string | undefined): void {
  if (alg !== undefined && alg !== "SYMMETRIC_DEFAULT") ctx.fail("InvalidKeyUsageException", `${alg} is not a valid encryption algorithm for a symmetric encryption KMS key.`);
}

/** AES-256-GCM under the key's newest material; the encryption context is the additional authenticated data. */
function seal(rec: SimRecord, plaintext: Buffer, input: SimRecord): Uint8Array {
  const materials = rec._materials as string[];
  const index = materials.length - 1;
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", Buffer.from(materials[index], "base64"), iv);
  c.setAAD(context(input));
  const data = Buffer.concat([c.update(plaintext), c.final()]);
  const id = Buffer.from(rec.KeyId as string);
  const head = Buffer.alloc(6);
  head.writeUInt8(BLOB_VERSION, 0);
  head.writeUInt8(id.length, 1);
  head.writeUInt32BE(index, 2);
  return new Uint8Array(Buffer.concat([head.subarray(0, 2), id, head.subarray(2), iv, c.getAuthTag(), data]));
}

function parseBlob(ctx: HandlerContext, blob: Uint8Array | undefined): { keyId: string; index: number; iv: Buffer; tag: Buffer; data: Buffer } {
  const b = Buffer.from(blob ?? new Uint8Array());
  const bad = () => ctx.fail("InvalidCiphertextException", "The ciphertext is not a valid KMS ciphertext blob.");
  if (b.length < 2 || b.readUInt8(0) !== BLOB_VERSION) bad();
  const idLen = b.readUInt8(1);
  const off = 2 + idLen;
  if (b.length < off + 4 + 12 + 16) bad();
  const keyId = b.subarray(2, off).toString();
  if (!KEY_ID.test(keyId)) bad();
  return { keyId, index: b.readUInt32BE(off), iv: b.subarray(off + 4, off + 16), tag: b.subarray(off + 16, off + 32), data: b.subarray(off + 32) };
}

function checkPlaintext(ctx: HandlerContext, p: Uint8Array | undefined): Buffer {
  const b = Buffer.from(p ?? new Uint8Array());
  if (b.length < 1 || b.length > 4096) invalid(ctx, "***", "plaintext", "Member must have length between 1 and 4096");
  return b;
}

function dataKey(ctx: HandlerContext, input: SimRecord): { rec: SimRecord; plaintext: Buffer; blob: Uint8Array } {
  const rec = findKey(ctx, input.KeyId, { aliases: true });
  if ((input.KeySpec === undefined) === (input.NumberOfBytes === undefined)) {
    ctx.fail("ValidationException", "Please specify either number of bytes or key spec.");
  }
  let n: number;
  if (input.KeySpec !== undefined) {
    if (input.KeySpec !== "AES_256" && input.KeySpec !== "AES_128") invalid(ctx, input.KeySpec, "keySpec", "Member must satisfy enum value set: [AES_256, AES_128]");
    n = input.KeySpec === "AES_256" ? 32 : 16;
  } else {
    checkRange(ctx, input.NumberOfBytes, "numberOfBytes", 1, 1024);
    n = input.NumberOfBytes;
  }
  requireState(ctx, rec, "crypto");
  const plaintext = randomBytes(n);
  return { rec, plaintext, blob: seal(rec, plaintext, input) };
}

/** Simulated KMS (behaviour: kms.md beside this file). */
export const kmsService: SimService = defineService<KMS>({
  clientName: "KMSClient",
  key: "kms",
  exception: KMSServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {
    CreateKey(input, ctx) {
      const usage = input.KeyUsage ?? "ENCRYPT_DECRYPT";
      const spec = input.KeySpec ?? input.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
      if (usage !== "ENCRYPT_DECRYPT" || spec !== "SYMMETRIC_DEFAULT" || (input.Origin ?? "AWS_KMS") !== "AWS_KMS" || input.CustomKeyStoreId || input.XksKeyId) {
        ctx.fail("UnsupportedOperation", `The opsctl sandbox simulates only symmetric encryption keys (KeyUsage ENCRYPT_DECRYPT, KeySpec SYMMETRIC_DEFAULT, Origin AWS_KMS); got ${usage}/${spec}.`);
      }
      if (input.Description !== undefined && String(input.Description).length > 8192) invalid(ctx, "...", "description", "Member must have length less than or equal to 8192");
      const policy = input.Policy !== undefined ? checkPolicy(ctx, input.Policy, input.BypassPolicyLockoutSafetyCheck) : defaultPolicy(ctx);
      checkTags(ctx, input.Tags);
      const multi = input.MultiRegion === true;
      const id = multi ? `mrk-${randomUUID().replace(/-/g, "")}` : randomUUID();
      const arn = keyArn(ctx, id);
      const rec: SimRecord = ctx.born({
        AWSAccountId: ctx.accountId,
        KeyId: id,
        Arn: arn,
        CreationDate: iso(ctx.now()),
        Enabled: true,
        Description: input.Description ?? "",
        KeyUsage: usage,
        KeyState: "Enabled",
        Origin: "AWS_KMS",
        KeyManager: "CUSTOMER",
        CustomerMasterKeySpec: spec,
        KeySpec: spec,
        EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
        MultiRegion: multi,
        _policy: policy,
        _materials: [randomBytes(32).toString("base64")],
      });
      if (multi) rec.MultiRegionConfiguration = { MultiRegionKeyType: "PRIMARY", PrimaryKey: { Arn: arn, Region: ctx.region }, ReplicaKeys: [] };
      applyTags(rec, input.Tags);
      keys(ctx)[id] = rec;
      return { KeyMetadata: metadata(rec) };
    },

    DescribeKey(input, ctx) {
      return { KeyMetadata: metadata(findKey(ctx, input.KeyId, { aliases: true })) };
    },

    ListKeys(input, ctx) {
      const all = Object.values(keys(ctx))
        .filter((r) => ctx.visible(r))
        .map((r) => ({ KeyId: r.KeyId, KeyArn: r.Arn }));
      const p = page(ctx, all, input.Limit, input.Marker, 1000, 100);
      return { Keys: p.items, NextMarker: p.NextMarker, Truncated: p.Truncated };
    },

    UpdateKeyDescription(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      requireState(ctx, rec, "manage");
      rec.Description = input.Description ?? "";
      return {};
    },

    EnableKey(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      requireState(ctx, rec, "manage");
      const r = rec._rotation as { period: number; next: number } | undefined;
      if (rec.KeyState === "Disabled" && r && r.next <= ctx.now()) {
        // The developer guide (how automatic rotation works): a key re-enabled after its rotation date rotates at once.
        (rec._materials as string[]).push(randomBytes(32).toString("base64"));
        r.next = ctx.now() + r.period * DAY;
      }
      rec.KeyState = "Enabled";
      rec.Enabled = true;
      return {};
    },

    DisableKey(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      requireState(ctx, rec, "manage");
      rec.KeyState = "Disabled";
      rec.Enabled = false;
      return {};
    },

    ScheduleKeyDeletion(input, ctx) {
      const days: number = input.PendingWindowInDays ?? 30;
      checkRange(ctx, days, "pendingWindowInDays", 7, 30);
      const rec = findKey(ctx, input.KeyId);
      requireState(ctx, rec, "manage");
      rec._deleteAt = ctx.now() + days * DAY;
      rec.DeletionDate = iso(rec._deleteAt);
      rec.KeyState = "PendingDeletion";
      rec.Enabled = false;
      return { KeyId: rec.Arn, DeletionDate: new Date(rec._deleteAt), KeyState: "PendingDeletion", PendingWindowInDays: days };
    },

    CancelKeyDeletion(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      if (rec.KeyState !== "PendingDeletion") ctx.fail("KMSInvalidStateException", `${rec.Arn} is not pending deletion.`);
      // The reference: a key whose deletion is canceled is Disabled; EnableKey makes it usable again.
      rec.KeyState = "Disabled";
      delete rec.DeletionDate;
      delete rec._deleteAt;
      return { KeyId: rec.Arn };
    },

    CreateAlias(input, ctx) {
      const name = checkAliasName(ctx, input.AliasName);
      const rec = aliasTarget(ctx, input.TargetKeyId);
      const aliases = ctx.table("aliases");
      if (aliases[name]) ctx.fail("AlreadyExistsException", `An alias with the name ${aliasArn(ctx, name)} already exists`);
      const now = iso(ctx.now());
      aliases[name] = ctx.born({ AliasName: name, AliasArn: aliasArn(ctx, name), TargetKeyId: rec.KeyId, CreationDate: now, LastUpdatedDate: now });
      return {};
    },

    UpdateAlias(input, ctx) {
      const name: string = input.AliasName ?? "";
      const a = ctx.table("aliases")[name];
      if (!a) ctx.fail("NotFoundException", `Alias ${aliasArn(ctx, name)} is not found.`);
      const rec = aliasTarget(ctx, input.TargetKeyId);
      a.TargetKeyId = rec.KeyId;
      a.LastUpdatedDate = iso(ctx.now());
      return {};
    },

    DeleteAlias(input, ctx) {
      const name: string = input.AliasName ?? "";
      const aliases = ctx.table("aliases");
      if (!aliases[name]) ctx.fail("NotFoundException", `Alias ${aliasArn(ctx, name)} is not found.`);
      delete aliases[name];
      return {};
    },

    ListAliases(input, ctx) {
      keys(ctx);
      let target: string | undefined;
      if (input.KeyId !== undefined) target = findKey(ctx, input.KeyId).KeyId;
      const all = Object.values(ctx.table("aliases"))
        .filter((a) => ctx.visible(a) && (target === undefined || a.TargetKeyId === target))
        .sort((a, b) => a.AliasName.localeCompare(b.AliasName))
        .map((a) => toDates(publicView(a)));
      const p = page(ctx, all, input.Limit, input.Marker, 100, 50);
      return { Aliases: p.items, NextMarker: p.NextMarker, Truncated: p.Truncated };
    },

    EnableKeyRotation(input, ctx) {
      const period: number = input.RotationPeriodInDays ?? 365;
      checkRange(ctx, period, "rotationPeriodInDays", 90, 2560);
      const rec = findKey(ctx, input.KeyId);
      requireState(ctx, rec, "rotation");
      const r = rec._rotation as { period: number; next: number } | undefined;
      // A new period on a key that already rotates counts from the same start (enable date or last rotation).
      const from = r ? r.next - r.period * DAY : ctx.now();
      rec._rotation = { period, next: from + period * DAY };
      settleAt(ctx, rec);
      return {};
    },

    DisableKeyRotation(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      requireState(ctx, rec, "rotation");
      delete rec._rotation;
      return {};
    },

    GetKeyRotationStatus(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      const r = rec._rotation as { period: number; next: number } | undefined;
      const out: SimRecord = { KeyId: rec.Arn, KeyRotationEnabled: r !== undefined };
      if (r) {
        out.RotationPeriodInDays = r.period;
        out.NextRotationDate = new Date(r.next);
      }
      return out;
    },

    PutKeyPolicy(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      const name = input.PolicyName ?? "default";
      if (name !== "default") ctx.fail("NotFoundException", `No such policy exists: ${name}; the only key policy name is default.`);
      rec._policy = checkPolicy(ctx, input.Policy, input.BypassPolicyLockoutSafetyCheck);
      return {};
    },

    GetKeyPolicy(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      const name = input.PolicyName ?? "default";
      if (name !== "default") ctx.fail("NotFoundException", `No such policy exists: ${name}; the only key policy name is default.`);
      return { Policy: rec._policy, PolicyName: "default" };
    },

    ListKeyPolicies(input, ctx) {
      findKey(ctx, input.KeyId);
      const p = page(ctx, ["default"], input.Limit, input.Marker, 1000, 100);
      return { PolicyNames: p.items, NextMarker: p.NextMarker, Truncated: p.Truncated };
    },

    TagResource(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      requireState(ctx, rec, "manage");
      checkTags(ctx, input.Tags);
      applyTags(rec, input.Tags);
      if (tagsOf(rec).length > 50) ctx.fail("LimitExceededException", "A KMS key can have at most 50 tags.");
      return {};
    },

    UntagResource(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      requireState(ctx, rec, "manage");
      removeTags(rec, input.TagKeys);
      return {};
    },

    ListResourceTags(input, ctx) {
      const rec = findKey(ctx, input.KeyId);
      const all = kmsTags(rec);
      const p = page(ctx, all, input.Limit, input.Marker, 50, 50);
      return { Tags: p.items, NextMarker: p.NextMarker, Truncated: p.Truncated };
    },

    Encrypt(input, ctx) {
      const rec = findKey(ctx, input.KeyId, { aliases: true });
      checkAlgorithm(ctx, input.EncryptionAlgorithm);
      const plaintext = checkPlaintext(ctx, input.Plaintext);
      requireState(ctx, rec, "crypto");
      return { CiphertextBlob: seal(rec, plaintext, input), KeyId: rec.Arn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    },

    Decrypt(input, ctx) {
      checkAlgorithm(ctx, input.EncryptionAlgorithm);
      const blob = parseBlob(ctx, input.CiphertextBlob);
      // A symmetric ciphertext names its key: KeyId is optional, and must name the same key when given.
      const rec = findKey(ctx, blob.keyId);
      if (input.KeyId !== undefined && findKey(ctx, input.KeyId, { aliases: true }).KeyId !== rec.KeyId) {
        ctx.fail("IncorrectKeyException", "The key ID in the request does not identify a KMS key that can perform this operation.");
      }
      requireState(ctx, rec, "crypto");
      const material = (rec._materials as string[])[blob.index];
      if (!material) ctx.fail("InvalidCiphertextException", "The ciphertext refers to key material that does not exist.");
      let plaintext: Buffer | undefined;
      try {
        const d = createDecipheriv("aes-256-gcm", Buffer.from(material, "base64"), blob.iv);
        d.setAAD(context(input));
        d.setAuthTag(blob.tag);
        plaintext = Buffer.concat([d.update(blob.data), d.final()]);
      } catch {
        // Tampered ciphertext or a different encryption context: the GCM tag does not verify.
        ctx.fail("InvalidCiphertextException", "The ciphertext, or its encryption context, is invalid.");
      }
      return { KeyId: rec.Arn, Plaintext: new Uint8Array(plaintext!), EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    },

    GenerateDataKey(input, ctx) {
      const { rec, plaintext, blob } = dataKey(ctx, input);
      return { CiphertextBlob: blob, Plaintext: new Uint8Array(plaintext), KeyId: rec.Arn };
    },

    GenerateDataKeyWithoutPlaintext(input, ctx) {
      const { rec, blob } = dataKey(ctx, input);
      return { CiphertextBlob: blob, KeyId: rec.Arn };
    },
  },
});
