/** Helpers of the simulated EC2: CIDR arithmetic, tags, ids, output views (behaviour: ec2.md). */
import { publicView } from "../filters.js";
import type { HandlerContext, SimRecord } from "../types.js";

// ---------------------------------------------------------------- IPv4

export interface Cidr4 {
  base: number;
  prefix: number;
  size: number;
}

/** Parses `a.b.c.d/n`; undefined when malformed. The base is normalised to the network address. */
export function parse4(cidr: string | undefined): Cidr4 | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr ?? "");
  if (!m) return undefined;
  const o = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (o.some((x) => x > 255) || prefix > 32) return undefined;
  const ip = ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
  const size = 2 ** (32 - prefix);
  return { base: ip - (ip % size), prefix, size };
}

/** True when the address part of `cidr` is its network address (AWS rejects 10.0.0.5/16). */
export function isNetwork4(cidr: string): boolean {
  const c = parse4(cidr);
  if (!c) return false;
  return ipToNum(cidr.split("/")[0]) === c.base;
}

function ipToNum(ip: string): number {
  const o = ip.split(".").map(Number);
  return ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
}

export function numToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function contains4(outer: Cidr4, inner: Cidr4): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

export function overlaps4(a: Cidr4, b: Cidr4): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

// ---------------------------------------------------------------- IPv6

export interface Cidr6 {
  base: bigint;
  prefix: number;
}

/** Parses an IPv6 CIDR (with `::` compression); undefined when malformed. */
export function parse6(cidr: string | undefined): Cidr6 | undefined {
  const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(cidr ?? "");
  if (!m) return undefined;
  const prefix = Number(m[2]);
  if (prefix > 128) return undefined;
  const parts = m[1].split("::");
  if (parts.length > 2) return undefined;
  const head = parts[0] ? parts[0].split(":") : [];
  const tail = parts.length === 2 && parts[1] ? parts[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (parts.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array(parts.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  let v = 0n;
  for (const g of groups) v = (v << 16n) + BigInt(parseInt(g, 16));
  const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
  return { base: v & mask, prefix };
}

export function contains6(outer: Cidr6, inner: Cidr6): boolean {
  if (inner.prefix < outer.prefix) return false;
  const shift = BigInt(128 - outer.prefix);
  return inner.base >> shift === outer.base >> shift;
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return contains6(a, b) || contains6(b, a);
}

/** Formats a 128-bit value in the compressed form AWS prints (e.g. 2a05:d018:1a2b:3c00::). */
export function format6(v: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  // compress the longest run of zero groups (length >= 2)
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

// ---------------------------------------------------------------- tags, ids, views

/** The tags of the TagSpecification whose ResourceType is `type` (AWS applies only the matching spec). */
export function tagsFor(specs: any[] | undefined, type: string): { Key: string; Value: string }[] {
  const out: { Key: string; Value: string }[] = [];
  for (const s of specs ?? []) {
    if (s?.ResourceType !== type) continue;
    for (const t of s.Tags ?? []) out.push({ Key: String(t.Key), Value: String(t.Value ?? "") });
  }
  return out;
}

/** Timestamp members of EC2 output shapes: stored as ISO strings, returned as Date like the SDK deserializer does. */
const TIME_KEYS = new Set([
  "CreateTime",
  "DeleteTime",
  "LaunchTime",
  "AttachTime",
  "CreationTime",
  "CreationTimestamp",
  "UsageOperationUpdateTime",
]);

/** The caller's copy of a record: tags rendered as `Tags`, private fields stripped, timestamps as Date. */
export function out<T extends SimRecord>(rec: T): T {
  return view(rec, "Tags");
}

/** The same for a network interface, whose tags EC2 answers as `TagSet`. */
export function eniOut<T extends SimRecord>(rec: T): T {
  return view(rec, "TagSet");
}

function view<T extends SimRecord>(rec: T, tagsKey: "Tags" | "TagSet"): T {
  const v = publicView(rec._tags ? { ...rec, [tagsKey]: rec._tags } : rec);
  return revive(v) as T;
}

function revive(v: any): any {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    for (const k of Object.keys(v)) {
      if (TIME_KEYS.has(k) && typeof v[k] === "string") v[k] = new Date(v[k]);
      else v[k] = revive(v[k]);
    }
  }
  return v;
}

/** ISO time of "now" for a stored timestamp. */
export function iso(ctx: HandlerContext, at = ctx.now()): string {
  return new Date(at).toISOString();
}

/** A region-wide counter (public IPs, IPv6 blocks, MAC addresses). */
export function counter(ctx: HandlerContext, name: string): number {
  const meta = ctx.table("meta");
  const c = (meta.counters ??= {} as SimRecord);
  c[name] = (c[name] ?? 0) + 1;
  return c[name];
}

/** Availability-zone id prefix of a region, e.g. eu-west-1 -> euw1, ap-southeast-2 -> apse2. */
export function azIdPrefix(region: string): string {
  const dirs: Record<string, string> = {
    east: "e", west: "w", north: "n", south: "s", central: "c",
    southeast: "se", northeast: "ne", northwest: "nw", southwest: "sw",
  };
  const [geo, dir, num] = region.split("-");
  return `${geo}${dirs[dir] ?? dir?.[0] ?? ""}${num ?? ""}`;
}

/** A stable hash of a request (for ClientToken idempotency): the input without ClientToken/DryRun. */
export function requestHash(input: any): string {
  const { ClientToken: _c, DryRun: _d, ...rest } = input ?? {};
  return JSON.stringify(sortKeys(rest));
}

function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object" && !(v instanceof Uint8Array)) {
    const o: any = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) o[k] = sortKeys(v[k]);
    return o;
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  return v;
}
