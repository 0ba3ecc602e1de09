import { Route53ServiceException, type Route53 } from "@aws-sdk/client-route-53";
import { publicView } from "../filters.js";
import type { Sandbox } from "../sandbox.js";
import { mergeTags, removeTags } from "../tags.js";
import { defineService, handler, type HandlerContext, type SimRecord, type SimService } from "../types.js";

/*
 * Simulated Route 53 (behaviour: route53.md beside this file).
 *
 * Route 53 is global: whatever region the client names, everything lives in us-east-1's tables:
 * `zones` (keyed by the bare zone id), `recordSets` (keyed `zoneId|name|type`), `changes` (keyed by
 * the bare change id) and `callerReferences` (every CallerReference ever used, deleted zones included).
 */

/** Where the global service keeps its state. */
export const ROUTE53_REGION = "us-east-1";

/** Canonical hosted zone ids of the ELB endpoints (alias targets), per region (ELB endpoints and quotas page). */
export const ELB_CANONICAL_ZONES: Record<string, string> = {
  "us-east-1": "Z35SXDOTRQ7X7K",
  "us-east-2": "Z3AADJGX6KTTL2",
  "us-west-1": "Z368ELLRRE2KJ0",
  "us-west-2": "Z1H1FL5HABSF5",
  "eu-west-1": "Z32O12XQLNTSW2",
  "eu-west-2": "ZHURV8PSTC4K8",
  "eu-west-3": "Z3Q77PNBQS71R4",
  "eu-central-1": "Z215JYRZR1TBD5",
  "eu-north-1": "Z23TAZ7KBEA3U6",
  "ap-southeast-1": "Z1LMS91P8CMLE5",
  "ap-southeast-2": "Z1GM3OXH4ZPM65",
  "ap-northeast-1": "Z14GRHDCWA56QT",
};

const TYPES = new Set(["A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "TXT", "HTTPS", "SVCB", "TLSA", "SSHFP"]);

/** The minimal store the handlers and {@link seedHostedZone} share. */
interface Store {
  zones: Record<string, SimRecord>;
  recordSets: Record<string, SimRecord>;
  changes: Record<string, SimRecord>;
  callerReferences: Record<string, SimRecord>;
  now: number;
  newId(): string;
}

function store(ctx: HandlerContext): Store {
  const t = (name: string) => ctx.tableOf("route53", name, ROUTE53_REGION);
  return {
    zones: t("zones"),
    recordSets: t("recordSets"),
    changes: t("changes"),
    callerReferences: t("callerReferences"),
    now: ctx.now(),
    newId: () => ctx.newId("", 20).toUpperCase(),
  };
}

/** A DNS name as Route 53 stores it: lowercase, with the trailing dot. */
export function fqdn(name: string): string {
  const n = String(name).toLowerCase().replace(/\\052/g, "*");
  return n.endsWith(".") ? n : `${n}.`;
}

/** The bare id (`Z123`) of `/hostedzone/Z123` or `Z123`. */
export function bareId(id: string): string {
  return String(id ?? "").replace(/^\/?(hostedzone|change)\//, "");
}

/** True when `name` is `zone` or below it. */
export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** Sort key of a name as Route 53 lists it: labels reversed (`com.example.www.`). */
function reversed(name: string): string {
  return name.replace(/\.$/, "").split(".").reverse().join(".") + ".";
}

const rrKey = (zoneId: string, name: string, type: string) => `${zoneId}|${name}|${type}`;

function settleChanges(s: Store): void {
  for (const c of Object.values(s.changes)) if (c.Status === "PENDING" && s.now >= c._insyncAt) c.Status = "INSYNC";
}

function newChange(ctx: HandlerContext | undefined, s: Store, comment?: string): SimRecord {
  const id = `C${s.newId()}`;
  const delay = ctx ? ctx.duration("route53.change.insync") : 0;
  const c: SimRecord = { Id: `/change/${id}`, Status: delay ? "PENDING" : "INSYNC", SubmittedAt: new Date(s.now).toISOString(), _insyncAt: s.now + delay };
  if (comment) c.Comment = comment;
  s.changes[id] = c;
  return c;
}

const changeView = (c: SimRecord) => ({ ...publicView(c), SubmittedAt: new Date(c.SubmittedAt) });

function createZone(ctx: HandlerContext | undefined, s: Store, name: string, callerReference: string, config: SimRecord = {}): { zone: SimRecord; change: SimRecord } {
  const id = `Z${s.newId()}`;
  const n = s.newId();
  const nameServers = [0, 1, 2, 3].map((i) => `ns-${(parseInt(n.slice(i * 3, i * 3 + 3), 16) % 512) + i * 512}.awsdns-${(parseInt(n.slice(12 + i, 14 + i), 16) % 64).toString().padStart(2, "0")}.${["com", "net", "org", "co.uk"][i]}`);
  const zone: SimRecord = {
    Id: `/hostedzone/${id}`,
    Name: name,
    CallerReference: callerReference,
    Config: { Comment: config.Comment, PrivateZone: !!config.PrivateZone },
    _nameServers: nameServers,
    _tags: [],
    _createdAt: s.now,
  };
  s.zones[id] = zone;
  s.callerReferences[callerReference] = { zoneId: id };
  s.recordSets[rrKey(id, name, "SOA")] = {
    Name: name,
    Type: "SOA",
    TTL: 900,
    ResourceRecords: [{ Value: `${nameServers[0]}. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400` }],
    _zoneId: id,
    _liveAt: s.now,
  };
  s.recordSets[rrKey(id, name, "NS")] = { Name: name, Type: "NS", TTL: 172800, ResourceRecords: nameServers.map((v) => ({ Value: `${v}.` })), _zoneId: id, _liveAt: s.now };
  return { zone, change: newChange(ctx, s) };
}

function zoneRecords(s: Store, zoneId: string): SimRecord[] {
  return Object.values(s.recordSets)
    .filter((r) => r._zoneId === zoneId)
    .sort((a, b) => (reversed(a.Name) === reversed(b.Name) ? (a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0) : reversed(a.Name) < reversed(b.Name) ? -1 : 1));
}

function zoneView(s: Store, z: SimRecord): SimRecord {
  const out = publicView(z);
  out.Id = z.Id;
  out.ResourceRecordSetCount = zoneRecords(s, bareId(z.Id)).length;
  if (out.Config.Comment === undefined) delete out.Config.Comment;
  return out;
}

function getZone(ctx: HandlerContext, s: Store, id: string | undefined): SimRecord {
  const z = id ? s.zones[bareId(id)] : undefined;
  if (!z) return ctx.fail("NoSuchHostedZone", `No hosted zone found with ID: ${bareId(id ?? "")}`, 404);
  return z;
}

function maxItems(ctx: HandlerContext, v: unknown, dflt: number, max: number): number {
  if (v === undefined || v === null || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) return ctx.fail("InvalidInput", `1 validation error detected: Value '${String(v)}' at 'maxItems' failed to satisfy constraint: Member must be a positive integer`);
  return Math.min(n, max);
}

// ---------------------------------------------------------------- hosted zones

const CreateHostedZone = handler<Route53, "CreateHostedZone">((input, ctx) => {
  const s = store(ctx);
  const ref = String(input.CallerReference ?? "");
  if (!ref) return ctx.fail("InvalidInput", "CallerReference is required");
  if (!input.Name || !/^([a-z0-9_*-]+\.)*[a-z0-9-]+\.?$/i.test(String(input.Name))) return ctx.fail("InvalidDomainName", `${String(input.Name)} is not a valid domain name`);
  if (s.callerReferences[ref]) return ctx.fail("HostedZoneAlreadyExists", `A hosted zone has already been created with the specified caller reference: ${ref}`, 409);
  const name = fqdn(input.Name);
  if (name.split(".").length < 3) return ctx.fail("InvalidDomainName", `${name} is reserved by AWS!`);
  if (input.VPC || input.HostedZoneConfig?.PrivateZone) return ctx.fail("InvalidInput", "The opsctl sandbox models public hosted zones only");
  const { zone, change } = createZone(ctx, s, name, ref, input.HostedZoneConfig ?? {});
  return {
    HostedZone: zoneView(s, zone),
    ChangeInfo: changeView(change),
    DelegationSet: { NameServers: zone._nameServers },
    Location: `https://route53.amazonaws.com/2013-04-01${zone.Id}`,
  };
});

const GetHostedZone = handler<Route53, "GetHostedZone">((input, ctx) => {
  const s = store(ctx);
  const z = getZone(ctx, s, input.Id);
  return { HostedZone: zoneView(s, z), DelegationSet: { NameServers: z._nameServers } };
});

/** Zones in the order of their creation (ListHostedZones) — the sandbox's stand-in for Route 53's internal order. */
function allZones(s: Store): SimRecord[] {
  return Object.values(s.zones).sort((a, b) => a._createdAt - b._createdAt || (a.Id < b.Id ? -1 : 1));
}

const ListHostedZones = handler<Route53, "ListHostedZones">((input, ctx) => {
  const s = store(ctx);
  const size = maxItems(ctx, input.MaxItems, 100, 100);
  const zones = allZones(s);
  let start = 0;
  if (input.Marker) {
    start = zones.findIndex((z) => bareId(z.Id) === input.Marker);
    if (start < 0) return ctx.fail("InvalidInput", `Invalid marker: ${String(input.Marker)}`);
  }
  const page = zones.slice(start, start + size);
  const next = zones[start + size];
  return {
    HostedZones: page.map((z) => zoneView(s, z)),
    Marker: input.Marker,
    IsTruncated: !!next,
    NextMarker: next ? bareId(next.Id) : undefined,
    MaxItems: size,
  };
});

const ListHostedZonesByName = handler<Route53, "ListHostedZonesByName">((input, ctx) => {
  const s = store(ctx);
  const size = maxItems(ctx, input.MaxItems, 100, 100);
  if (input.HostedZoneId && !input.DNSName) return ctx.fail("InvalidInput", "HostedZoneId requires DNSName");
  // Sorted by name with the labels reversed (com.example.www.), then by id for equal names.
  const zones = Object.values(s.zones).sort((a, b) => {
    const ra = reversed(a.Name);
    const rb = reversed(b.Name);
    return ra === rb ? (a.Id < b.Id ? -1 : 1) : ra < rb ? -1 : 1;
  });
  let list = zones;
  if (input.DNSName) {
    const from = reversed(fqdn(input.DNSName));
    const fromId = input.HostedZoneId ? bareId(input.HostedZoneId) : undefined;
    list = zones.filter((z) => {
      const r = reversed(z.Name);
      return r > from || (r === from && (!fromId || bareId(z.Id) >= fromId));
    });
  }
  const page = list.slice(0, size);
  const next = list[size];
  return {
    HostedZones: page.map((z) => zoneView(s, z)),
    DNSName: input.DNSName,
    HostedZoneId: input.HostedZoneId,
    IsTruncated: !!next,
    NextDNSName: next ? next.Name : undefined,
    NextHostedZoneId: next ? bareId(next.Id) : undefined,
    MaxItems: size,
  };
});

const DeleteHostedZone = handler<Route53, "DeleteHostedZone">((input, ctx) => {
  const s = store(ctx);
  const z = getZone(ctx, s, input.Id);
  const id = bareId(z.Id);
  const extra = zoneRecords(s, id).filter((r) => !(r.Name === z.Name && (r.Type === "SOA" || r.Type === "NS")));
  if (extra.length) return ctx.fail("HostedZoneNotEmpty", "The specified hosted zone contains non-required resource record sets and so cannot be deleted.");
  for (const r of zoneRecords(s, id)) delete s.recordSets[rrKey(id, r.Name, r.Type)];
  delete s.zones[id];
  return { ChangeInfo: changeView(newChange(ctx, s)) };
});

// ---------------------------------------------------------------- record sets

function sameValues(a: SimRecord, b: SimRecord): boolean {
  const vals = (r: SimRecord) => JSON.stringify((r.ResourceRecords ?? []).map((x: SimRecord) => String(x.Value)).sort());
  const alias = (r: SimRecord) =>
    r.AliasTarget ? JSON.stringify([bareId(r.AliasTarget.HostedZoneId), fqdn(r.AliasTarget.DNSName), !!r.AliasTarget.EvaluateTargetHealth]) : "";
  return (a.TTL ?? null) === (b.TTL ?? null) && vals(a) === vals(b) && alias(a) === alias(b);
}

/** Checks an alias target: an ELB endpoint must exist in its region, a record of a zone of this account must exist. */
function aliasProblem(ctx: HandlerContext, s: Store, rr: SimRecord, batch: Record<string, SimRecord>): string | undefined {
  const t = rr.AliasTarget;
  const zoneId = bareId(t.HostedZoneId);
  const target = fqdn(t.DNSName);
  const complaint = `Tried to create an alias that targets ${target}, type ${rr.Type} in zone ${zoneId}, but the alias target name does not lie within the target zone`;
  const elbRegion = Object.entries(ELB_CANONICAL_ZONES).find(([, z]) => z === zoneId)?.[0];
  if (elbRegion) {
    const lbs = Object.values(ctx.tableOf("elbv2", "loadBalancers", elbRegion));
    const hit = lbs.some((lb) => !lb._deletedAt && [fqdn(lb.DNSName), `dualstack.${fqdn(lb.DNSName)}`].includes(target));
    return hit ? undefined : complaint;
  }
  if (s.zones[zoneId]) {
    const z = s.zones[zoneId];
    if (!inZone(target, z.Name)) return complaint;
    const key = rrKey(zoneId, target, rr.Type);
    return (batch[key] ?? s.recordSets[key]) ? undefined : `Tried to create an alias that targets ${target}, type ${rr.Type} in zone ${zoneId}, but that target was not found`;
  }
  return undefined;
}

function recordProblem(ctx: HandlerContext, s: Store, zone: SimRecord, rr: SimRecord, batch: Record<string, SimRecord>): string | undefined {
  const name = rr.Name;
  if (!TYPES.has(rr.Type)) return `Invalid type ${String(rr.Type)}`;
  if (!inZone(name, zone.Name)) return `RRSet with DNS name ${name} is not permitted in zone ${zone.Name}`;
  const hasValues = rr.ResourceRecords !== undefined;
  if (rr.AliasTarget && (hasValues || rr.TTL !== undefined)) return `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with [Action=${rr._action}, Name=${name}, Type=${rr.Type}, SetIdentifier=null]`;
  if (!rr.AliasTarget && (!hasValues || rr.TTL === undefined)) return `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=${rr._action}, Name=${name}, Type=${rr.Type}, SetIdentifier=null]`;
  if (hasValues && rr.ResourceRecords.length === 0) return `Invalid Resource Record: FATAL problem: No resource records in RRSet (${name}, ${rr.Type})`;
  if (rr.TTL !== undefined && (!Number.isInteger(rr.TTL) || rr.TTL < 0 || rr.TTL > 2147483647)) return `Invalid TTL ${String(rr.TTL)}`;
  if (rr.Type === "CNAME") {
    if (name === zone.Name) return `RRSet of type CNAME with DNS name ${name} is not permitted at apex in zone ${zone.Name}`;
    if (hasValues && rr.ResourceRecords.length !== 1) return `RRSet of type CNAME with DNS name ${name} is not permitted because a CNAME must have exactly one value`;
  }
  for (const v of rr.ResourceRecords ?? []) {
    const value = String(v.Value ?? "");
    if (rr.Type === "A" && !/^(\d{1,3})(\.\d{1,3}){3}$/.test(value)) return `Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${value}'`;
    if (rr.Type === "AAAA" && !/^[0-9a-f:]+$/i.test(value)) return `Invalid Resource Record: FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${value}'`;
  }
  if (rr.AliasTarget) return aliasProblem(ctx, s, rr, batch);
  return undefined;
}

const ChangeResourceRecordSets = handler<Route53, "ChangeResourceRecordSets">((input, ctx) => {
  const s = store(ctx);
  const zone = getZone(ctx, s, input.HostedZoneId);
  const zoneId = bareId(zone.Id);
  const changes: SimRecord[] = input.ChangeBatch?.Changes ?? [];
  if (!changes.length) return ctx.fail("InvalidInput", "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1");
  // The batch is atomic: every change is checked against the state the earlier changes leave, then all apply or none.
  const work: Record<string, SimRecord | null> = {};
  const current = (key: string) => (key in work ? (work[key] ?? undefined) : s.recordSets[key]);
  const problems: string[] = [];
  for (const ch of changes) {
    const raw = ch.ResourceRecordSet ?? {};
    const rr: SimRecord = { Name: fqdn(raw.Name ?? ""), Type: raw.Type, _action: ch.Action };
    if (raw.TTL !== undefined) rr.TTL = raw.TTL;
    if (raw.ResourceRecords !== undefined) rr.ResourceRecords = raw.ResourceRecords.map((v: SimRecord) => ({ Value: String(v.Value) }));
    if (raw.AliasTarget) rr.AliasTarget = { HostedZoneId: bareId(raw.AliasTarget.HostedZoneId), DNSName: fqdn(raw.AliasTarget.DNSName), EvaluateTargetHealth: !!raw.AliasTarget.EvaluateTargetHealth };
    if (raw.SetIdentifier || raw.Weight !== undefined || raw.Region || raw.Failover || raw.GeoLocation || raw.MultiValueAnswer !== undefined) {
      problems.push(`The opsctl sandbox models simple routing only (${rr.Name}, ${rr.Type})`);
      continue;
    }
    const key = rrKey(zoneId, rr.Name, rr.Type);
    const existing = current(key);
    const label = `resource record set [name='${rr.Name}', type='${rr.Type}']`;
    if (ch.Action === "DELETE") {
      if (!existing) problems.push(`Tried to delete ${label} but it was not found`);
      else if (!sameValues(existing, rr)) problems.push(`Tried to delete ${label} but the values provided do not match the current values`);
      else if (rr.Name === zone.Name && (rr.Type === "SOA" || rr.Type === "NS")) problems.push(`A HostedZone must contain at least one NS record and one SOA record for the zone itself (${label})`);
      else work[key] = null;
      continue;
    }
    if (ch.Action !== "CREATE" && ch.Action !== "UPSERT") {
      problems.push(`Invalid action ${String(ch.Action)}`);
      continue;
    }
    if (ch.Action === "CREATE" && existing) {
      problems.push(`Tried to create ${label} but it already exists`);
      continue;
    }
    const pending: Record<string, SimRecord> = {};
    for (const [k, v] of Object.entries(work)) if (v) pending[k] = v;
    const p = recordProblem(ctx, s, zone, rr, pending);
    if (p) {
      problems.push(p);
      continue;
    }
    // A CNAME cannot share its name with any other record type (RFC 1034 §3.6.2).
    const others = [...Object.keys(s.recordSets), ...Object.keys(work)]
      .filter((k) => current(k) && k.startsWith(`${zoneId}|${rr.Name}|`) && k !== key)
      .map((k) => k.split("|")[2]);
    if (others.length && (rr.Type === "CNAME" || others.includes("CNAME"))) {
      problems.push(`RRSet of type ${rr.Type} with DNS name ${rr.Name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.Name}`);
      continue;
    }
    work[key] = rr;
  }
  if (problems.length) return ctx.fail("InvalidChangeBatch", `[${problems.join(", ")}]`);
  const change = newChange(ctx, s, input.ChangeBatch?.Comment);
  for (const [key, rr] of Object.entries(work)) {
    if (!rr) {
      delete s.recordSets[key];
      continue;
    }
    delete rr._action;
    const prev = s.recordSets[key];
    const same = prev && sameValues(prev, rr);
    s.recordSets[key] = { ...rr, _zoneId: zoneId, _liveAt: same ? prev._liveAt : change._insyncAt };
  }
  return { ChangeInfo: changeView(change) };
});

const GetChange = handler<Route53, "GetChange">((input, ctx) => {
  const s = store(ctx);
  settleChanges(s);
  const c = s.changes[bareId(input.Id!)];
  if (!c) return ctx.fail("NoSuchChange", `Could not find resource with ID: ${bareId(input.Id!)}`, 404);
  return { ChangeInfo: changeView(c) };
});

const ListResourceRecordSets = handler<Route53, "ListResourceRecordSets">((input, ctx) => {
  const s = store(ctx);
  const zone = getZone(ctx, s, input.HostedZoneId);
  const size = maxItems(ctx, input.MaxItems, 300, 300);
  if (input.StartRecordType && !input.StartRecordName) return ctx.fail("InvalidInput", "The input is not valid: StartRecordType requires StartRecordName");
  let list = zoneRecords(s, bareId(zone.Id));
  if (input.StartRecordName) {
    const from = reversed(fqdn(input.StartRecordName));
    const type = input.StartRecordType as string | undefined;
    list = list.filter((r) => {
      const rn = reversed(r.Name);
      return rn > from || (rn === from && (!type || r.Type >= type));
    });
  }
  const page = list.slice(0, size);
  const next = list[size];
  return {
    ResourceRecordSets: page.map((r) => publicView(r)),
    IsTruncated: !!next,
    NextRecordName: next?.Name,
    NextRecordType: next?.Type,
    MaxItems: size,
  };
});

// ---------------------------------------------------------------- tags

function taggedZone(ctx: HandlerContext, s: Store, type: string, id: string): SimRecord {
  if (type !== "hostedzone") return ctx.fail("InvalidInput", `The opsctl sandbox models tags of hosted zones only (ResourceType ${type})`);
  return getZone(ctx, s, id);
}

const ListTagsForResource = handler<Route53, "ListTagsForResource">((input, ctx) => {
  const s = store(ctx);
  const z = taggedZone(ctx, s, input.ResourceType!, input.ResourceId!);
  return { ResourceTagSet: { ResourceType: input.ResourceType, ResourceId: bareId(z.Id), Tags: publicView({ t: z._tags }).t } };
});

const ChangeTagsForResource = handler<Route53, "ChangeTagsForResource">((input, ctx) => {
  const s = store(ctx);
  const z = taggedZone(ctx, s, input.ResourceType!, input.ResourceId!);
  mergeTags(z, (input.AddTags ?? []).map((t: SimRecord) => ({ Key: String(t.Key), Value: String(t.Value ?? "") })));
  removeTags(z, input.RemoveTagKeys);
  if (z._tags.length > 50) return ctx.fail("InvalidInput", "A resource can have at most 50 tags");
  return {};
});

// ---------------------------------------------------------------- for other services and the demo

/**
 * What a resolver would answer for `name`/`type` (exact record only, no wildcard or alias expansion):
 * the record of the most specific public zone containing `name`, with the time its change went INSYNC.
 * ACM uses it to decide when a DNS validation record "exists".
 */
export function resolveRecord(ctx: HandlerContext, name: string, type: string): { record: SimRecord; liveAt: number } | undefined {
  const s = store(ctx);
  const n = fqdn(name);
  const zone = Object.values(s.zones)
    .filter((z) => !z.Config.PrivateZone && inZone(n, z.Name))
    .sort((a, b) => b.Name.length - a.Name.length)[0];
  if (!zone) return undefined;
  const rec = s.recordSets[rrKey(bareId(zone.Id), n, type)];
  return rec ? { record: rec, liveAt: rec._liveAt ?? 0 } : undefined;
}

/**
 * Creates a public hosted zone for `domain` straight in the sandbox's state (no API call, no journal entry),
 * so a sandbox session has a zone for its demo domain. Returns the bare zone id (`Z…`).
 */
export function seedHostedZone(sandbox: Sandbox, domain: string): string {
  const state = sandbox.state;
  const r53 = ((state.regions[ROUTE53_REGION] ??= {}).route53 ??= {});
  const t = (name: string) => (r53[name] ??= {});
  const s: Store = {
    zones: t("zones"),
    recordSets: t("recordSets"),
    changes: t("changes"),
    callerReferences: t("callerReferences"),
    now: sandbox.clock.now(),
    newId: () => {
      state.seq++;
      return (BigInt(state.seq) * 0x9e3779b97f4a7c15n).toString(16).padStart(20, "0").slice(-20).toUpperCase();
    },
  };
  const name = fqdn(domain);
  const existing = Object.values(s.zones).find((z) => z.Name === name && !z.Config.PrivateZone);
  if (existing) return bareId(existing.Id);
  return bareId(createZone(undefined, s, name, `opsctl-sandbox-seed-${name}`, { Comment: "seeded by the opsctl sandbox" }).zone.Id);
}

/** Simulated Route53 (behaviour: route53.md beside this file). */
export const route53Service: SimService = defineService<Route53>({
  clientName: "Route53Client",
  key: "route53",
  exception: Route53ServiceException as any,
  throttlingCode: "Throttling",
  handlers: {
    CreateHostedZone,
    GetHostedZone,
    ListHostedZones,
    ListHostedZonesByName,
    DeleteHostedZone,
    ChangeResourceRecordSets,
    GetChange,
    ListResourceRecordSets,
    ListTagsForResource,
    ChangeTagsForResource,
  },
});
