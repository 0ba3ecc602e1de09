/**
 * Resource kind `dns-record`.
 * Tests: test/resources/dns-record.test.ts.
 * Sandbox: src/sandbox/services/route53.ts.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  paginateListHostedZones,
  ListResourceRecordSetsCommand,
  type Change,
  type ChangeInfo,
  type HostedZone,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { hasUnknown } from "../engine/plan.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { TAG_ENV, TAG_NODE, type ResourceContext } from "./context.js";
import { collect, orUndefined, pagesOf, retryOn, sorted } from "./toolkit.js";

/** An alias target (an ALB, a CloudFront distribution …). */
export interface AliasSpec {
  dnsName: string;
  hostedZoneId: string;
  evaluateTargetHealth: boolean;
}

/** ALB-04 (alias A/AAAA), ACM validation (CNAME): one record set of a hosted zone. */
export interface DnsRecordSpec {
  hostedZoneId: string;
  name: string;
  type: "A" | "AAAA" | "CNAME";
  /** With `values` (default 300). */
  ttl?: number;
  values?: string[];
  alias?: AliasSpec;
}

/** The record set, the ownership record beside it, and the change opsctl last submitted (until INSYNC). */
export interface DnsRecordActual {
  zoneId: string;
  name: string;
  type: string;
  record?: ResourceRecordSet;
  owner?: ResourceRecordSet;
  change?: ChangeInfo;
}

/*
 * Route 53 record sets cannot be tagged (tags exist for hosted zones and health checks only:
 * ChangeTagsForResource, ResourceType). With a spec a record is found by zone + name + type. So that
 * `down` and `status` (which know only the node id) can find it too, every record opsctl writes has an
 * ownership TXT record `_opsctl-<type>.<name>` naming env and node, written and deleted in the same
 * atomic change batch (the "TXT registry" of external-dns).
 */

const fqdn = (n: string) => {
  const x = n.toLowerCase();
  return x.endsWith(".") ? x : `${x}.`;
};
const bare = (id: string) => id.replace(/^\/?hostedzone\//, "");
const ownerName = (name: string, type: string) => `_opsctl-${type.toLowerCase()}.${fqdn(name)}`;
const ownerValue = (ctx: ResourceContext, type: string) => `"${TAG_ENV}=${ctx.env} ${TAG_NODE}=${ctx.node} type=${type}"`;

async function zoneRecords(ctx: ResourceContext, zoneId: string): Promise<ResourceRecordSet[]> {
  return ctx.once(`route53:records:${zoneId}`, async () => {
    const r53 = await ctx.aws.get("route53");
    // Route 53 has no SDK paginator for ListResourceRecordSets (its position is a name and a type).
    type Start = { StartRecordName?: string; StartRecordType?: ResourceRecordSet["Type"] };
    const pages = pagesOf(
      (start: Start | undefined) => r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start })),
      (r) => (r.IsTruncated ? { StartRecordName: r.NextRecordName, StartRecordType: r.NextRecordType } : undefined),
    );
    return collect(pages, (r) => r.ResourceRecordSets);
  });
}

async function readOne(ctx: ResourceContext, zoneId: string, name: string, type: ResourceRecordSet["Type"]): Promise<ResourceRecordSet | undefined> {
  const r53 = await ctx.aws.get("route53");
  const r = await orUndefined(r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, StartRecordType: type, MaxItems: 1 })));
  const rr = r?.ResourceRecordSets?.[0];
  return rr && fqdn(rr.Name!) === fqdn(name) && rr.Type === type ? rr : undefined;
}

async function readPair(ctx: ResourceContext, zoneId: string, name: string, type: string): Promise<Pick<DnsRecordActual, "record" | "owner">> {
  const [record, owner] = await Promise.all([readOne(ctx, zoneId, name, type as ResourceRecordSet["Type"]), readOne(ctx, zoneId, ownerName(name, type), "TXT")]);
  return { record, owner };
}

function recordSet(spec: DnsRecordSpec): ResourceRecordSet {
  const rr: ResourceRecordSet = { Name: fqdn(spec.name), Type: spec.type };
  if (spec.alias) {
    rr.AliasTarget = { DNSName: fqdn(spec.alias.dnsName), HostedZoneId: spec.alias.hostedZoneId, EvaluateTargetHealth: spec.alias.evaluateTargetHealth };
  } else {
    rr.TTL = spec.ttl ?? 300;
    rr.ResourceRecords = (spec.values ?? []).map((Value) => ({ Value }));
  }
  return rr;
}

function ownerSet(ctx: ResourceContext, spec: { name: string; type: string }): ResourceRecordSet {
  return { Name: ownerName(spec.name, spec.type), Type: "TXT", TTL: 300, ResourceRecords: [{ Value: ownerValue(ctx, spec.type) }] };
}

/** Comparable form of a record set: TTL and sorted values, or the alias target. */
function shape(rr: ResourceRecordSet | undefined): string | undefined {
  if (!rr) return undefined;
  if (rr.AliasTarget) return `alias ${fqdn(rr.AliasTarget.DNSName!)} ${bare(rr.AliasTarget.HostedZoneId!)} evaluate=${!!rr.AliasTarget.EvaluateTargetHealth}`;
  return `ttl=${rr.TTL} ${sorted((rr.ResourceRecords ?? []).map((v) => v.Value!)).join(" ")}`;
}

async function submit(ctx: ResourceContext, zoneId: string, changes: Change[]): Promise<ChangeInfo> {
  const r53 = await ctx.aws.get("route53");
  const r = await retryOn(["PriorRequestNotComplete"], ctx.node, () =>
    r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Comment: `opsctl ${ctx.env} ${ctx.node}`, Changes: changes } })),
  );
  ctx.forget(`route53:records:${zoneId}`);
  return r.ChangeInfo!;
}

async function upsert(ctx: ResourceContext, spec: DnsRecordSpec): Promise<DnsRecordActual> {
  const zoneId = bare(spec.hostedZoneId);
  const record = recordSet(spec);
  const owner = ownerSet(ctx, spec);
  // UPSERT is idempotent: a batch repeated after a crash writes the same values again.
  const change = await submit(ctx, zoneId, [
    { Action: "UPSERT", ResourceRecordSet: record },
    { Action: "UPSERT", ResourceRecordSet: owner },
  ]);
  return { zoneId, name: fqdn(spec.name), type: spec.type, record, owner, change };
}

async function publicZones(ctx: ResourceContext): Promise<HostedZone[]> {
  return ctx.once("route53:zones", async () => {
    const r53 = await ctx.aws.get("route53");
    const all = await collect(paginateListHostedZones({ client: r53 }, {}), (p) => p.HostedZones);
    return all.filter((z) => !z.Config?.PrivateZone);
  });
}

export const dnsRecord: ResourceKind<DnsRecordSpec, DnsRecordActual, ResourceContext, { id: string; name: string; type: string }> = {
  kind: "dns-record",
  budget: { create: slowMs("route53.change.insync"), delete: slowMs("route53.change.insync") },
  typicalCreateMs: typicalMs("route53.change.insync"),

  async find(ctx, spec) {
    if (!spec) return (await this.findAll!(ctx))[0];
    if (hasUnknown(spec.hostedZoneId) || hasUnknown(spec.name)) return undefined;
    const zoneId = bare(spec.hostedZoneId);
    const all = await zoneRecords(ctx, zoneId);
    const name = fqdn(spec.name);
    const record = all.find((r) => fqdn(r.Name!) === name && r.Type === spec.type);
    const owner = all.find((r) => fqdn(r.Name!) === ownerName(name, spec.type) && r.Type === "TXT");
    return record || owner ? { zoneId, name, type: spec.type, record, owner } : undefined;
  },
  async findAll(ctx) {
    const out: DnsRecordActual[] = [];
    const mark = ownerValue(ctx, "");
    const prefix = mark.slice(0, mark.indexOf(" type="));
    for (const z of await publicZones(ctx)) {
      const zoneId = bare(z.Id!);
      const all = await zoneRecords(ctx, zoneId);
      for (const o of all) {
        const m = /^_opsctl-([a-z]+)\.(.+)$/.exec(fqdn(o.Name!));
        if (o.Type !== "TXT" || !m || !(o.ResourceRecords ?? []).some((v) => v.Value!.startsWith(prefix + " "))) continue;
        const type = m[1].toUpperCase();
        const record = all.find((r) => fqdn(r.Name!) === m[2] && r.Type === type);
        out.push({ zoneId, name: m[2], type, record, owner: o });
      }
    }
    return out;
  },
  diff(spec, a) {
    const c: FieldChange[] = [];
    const want = shape(recordSet(spec));
    const have = shape(a.record);
    if (have !== want) c.push({ field: a.record ? "value" : "record", from: have, to: want });
    if (!a.owner) c.push({ field: "owner", from: undefined, to: ownerName(spec.name, spec.type) });
    return c;
  },
  create: (ctx, spec) => upsert(ctx, spec),
  update: (ctx, spec) => upsert(ctx, spec),
  async delete(ctx, a) {
    // DELETE must name the record exactly as it is (ChangeResourceRecordSets): read it now, not from the find.
    const now = await readPair(ctx, a.zoneId, a.name, a.type);
    const changes: Change[] = [];
    if (now.record) changes.push({ Action: "DELETE", ResourceRecordSet: now.record });
    if (now.owner) changes.push({ Action: "DELETE", ResourceRecordSet: now.owner });
    if (!changes.length) return;
    await retryOn(["InvalidChangeBatch"], `${ctx.node} (the record changed while it was being deleted)`, () => submit(ctx, a.zoneId, changes), 1_000);
  },
  async refresh(ctx, a) {
    let change = a.change;
    if (change && change.Status !== "INSYNC") {
      const r53 = await ctx.aws.get("route53");
      change = (await orUndefined(r53.send(new GetChangeCommand({ Id: change.Id }))))?.ChangeInfo ?? change;
    }
    const now = await readPair(ctx, a.zoneId, a.name, a.type);
    if (!now.record && !now.owner) return undefined;
    return { ...a, ...now, change };
  },
  isReady: (a) => !a.change || a.change.Status === "INSYNC",
  describe: (a) => ({
    id: `${a.zoneId}/${a.name}/${a.type}`,
    state: !a.record ? "missing" : a.change && a.change.Status !== "INSYNC" ? "pending" : "insync",
    healthy: !!a.record && (!a.change || a.change.Status === "INSYNC"),
    details: { value: shape(a.record) },
  }),
  outputs: (a) => ({ id: `${a.zoneId}/${a.name}/${a.type}`, name: a.name, type: a.type }),
};
