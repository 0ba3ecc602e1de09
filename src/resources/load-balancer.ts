/**
 * Resource kind `load-balancer`.
 * Tests: test/resources/load-balancer.test.ts.
 * Sandbox: src/sandbox/services/elbv2.ts.
 */
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ModifyLoadBalancerAttributesCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  type LoadBalancer,
  type Tag,
  paginateDescribeLoadBalancers,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, ofEnv, orUndefined, ownedBy, retryOn, sameSet, sorted } from "./toolkit.js";

/** ALB-01: the internet-facing, dual-stack application load balancer in the public subnets (SG-01). */
export interface LoadBalancerSpec {
  /** ≤ 32 characters, letters, digits and hyphens; unique per region (the ALB is found by its tags). */
  name: string;
  subnetIds: string[];
  securityGroupIds: string[];
  /** Access logs go to this bucket (its policy must admit ELB log delivery) when set. */
  accessLogsBucket?: string;
  accessLogsPrefix?: string;
  /** Default 60. */
  idleTimeoutSeconds?: number;
}

/** The load balancer with its attributes. */
export interface LoadBalancerActual {
  lb: LoadBalancer;
  attributes: Record<string, string>;
}

/** Tags of ELBv2 resources by ARN (DescribeTags takes at most 20 ARNs per call). */
export async function elbTags(ctx: ResourceContext, arns: string[]): Promise<Map<string, Tag[]>> {
  const elb = await ctx.aws.get("elbv2");
  const out = new Map<string, Tag[]>();
  for (let i = 0; i < arns.length; i += 20) {
    const chunk = arns.slice(i, i + 20);
    // A resource deleted between the list and this call makes the whole call fail: read the rest one by one.
    const r = await orUndefined(elb.send(new DescribeTagsCommand({ ResourceArns: chunk })));
    if (r) for (const d of r.TagDescriptions ?? []) out.set(d.ResourceArn!, d.Tags ?? []);
    else for (const arn of chunk) for (const d of (await orUndefined(elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }))))?.TagDescriptions ?? []) out.set(d.ResourceArn!, d.Tags ?? []);
  }
  return out;
}

/**
 * ELBv2 cannot list by tag: of `all`, the names starting with `<env>-` (names are deterministic) have
 * their tags read in batches, and the env's are kept.
 */
export async function envElbResources<T>(ctx: ResourceContext, all: T[], name: (x: T) => string | undefined, arn: (x: T) => string): Promise<{ item: T; tags: Tag[] }[]> {
  const candidates = all.filter((x) => name(x)?.startsWith(`${ctx.env}-`));
  const tags = await elbTags(ctx, candidates.map(arn));
  return candidates.map((item) => ({ item, tags: tags.get(arn(item)) ?? [] })).filter((x) => ofEnv(ctx, x.tags));
}

/** The env's load balancers with their tags: one batched read per run shared by every node. */
export function envLoadBalancers(ctx: ResourceContext): Promise<{ item: LoadBalancer; tags: Tag[] }[]> {
  return ctx.once("elbv2:load-balancers", async () => {
    const elb = await ctx.aws.get("elbv2");
    const all = await collect(paginateDescribeLoadBalancers({ client: elb }, { PageSize: 400 }), (p) => p.LoadBalancers);
    return envElbResources(ctx, all, (lb) => lb.LoadBalancerName, (lb) => lb.LoadBalancerArn!);
  });
}

async function attributes(ctx: ResourceContext, arn: string): Promise<Record<string, string> | undefined> {
  const elb = await ctx.aws.get("elbv2");
  const r = await orUndefined(elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn })));
  return r ? Object.fromEntries((r.Attributes ?? []).map((a) => [a.Key!, a.Value ?? ""])) : undefined;
}

async function withAttributes(ctx: ResourceContext, lb: LoadBalancer): Promise<LoadBalancerActual | undefined> {
  const a = await attributes(ctx, lb.LoadBalancerArn!);
  return a ? { lb, attributes: a } : undefined;
}

/**
 * How long an ALB that reads as active without listeners is looked at again before it is taken as live:
 * longer than ELBv2 keeps a deleted ALB listed (typical(elbv2.load-balancer.delete), about 30 s).
 */
export const DELETE_WINDOW_MS = 2 * typicalMs("elbv2.load-balancer.delete");

/**
 * ELBv2 has no `deleting` state: a deleted ALB stays listed as `active` until it is gone (the
 * LoadBalancersDeleted waiter retries while State.Code is `active`), while its listeners are gone at
 * once (DeleteLoadBalancer) and CreateListener on it answers LoadBalancerNotFound. An ALB of this
 * node always has listeners once `up` made them, so one that is active with none is looked at again
 * (TryAgainLater) until it is gone — then `up` creates a new one — or the window has passed (it is
 * live; its listeners were deleted out of band and the listener nodes re-create them).
 */
async function notBeingDeleted(ctx: ResourceContext, a: LoadBalancerActual): Promise<void> {
  const arn = a.lb.LoadBalancerArn!;
  if (a.lb.State?.Code !== "active") return;
  // The same read (and memo key) as the listener nodes' lookup.
  const listeners = await ctx.once(`elbv2:listeners:${arn}`, async () => {
    const elb = await ctx.aws.get("elbv2");
    return (await orUndefined(elb.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))))?.Listeners ?? [];
  });
  if (listeners.length) return;
  const since = await ctx.once(`elbv2:quiet-since:${arn}`, async () => ctx.clock.now());
  if (ctx.clock.now() - since >= DELETE_WINDOW_MS) return;
  ctx.forget("elbv2:load-balancers");
  ctx.forget(`elbv2:listeners:${arn}`);
  throw new TryAgainLater(`load balancer ${a.lb.LoadBalancerName} reads as active but has no listeners: it may be being deleted; looking again`, 5_000);
}

/** The attribute values the spec asks for (ALB-01: drop invalid header fields; access logs). */
export function wantedAttributes(spec: LoadBalancerSpec): Record<string, string> {
  return {
    "routing.http.drop_invalid_header_fields.enabled": "true",
    "idle_timeout.timeout_seconds": String(spec.idleTimeoutSeconds ?? 60),
    "access_logs.s3.enabled": spec.accessLogsBucket ? "true" : "false",
    "access_logs.s3.bucket": spec.accessLogsBucket ?? "",
    "access_logs.s3.prefix": spec.accessLogsBucket ? (spec.accessLogsPrefix ?? "") : "",
  };
}

const subnetsOf = (lb: LoadBalancer) => (lb.AvailabilityZones ?? []).map((z) => z.SubnetId!);

export const loadBalancer: ResourceKind<LoadBalancerSpec, LoadBalancerActual, ResourceContext, { id: string; arn: string; dnsName: string; canonicalHostedZoneId: string }> = {
  kind: "load-balancer",
  budget: { create: slowMs("elbv2.load-balancer.create"), delete: slowMs("elbv2.load-balancer.delete") },
  typicalCreateMs: typicalMs("elbv2.load-balancer.create"),
  // S3-03 is where the access logs go; everything else about the ALB is ALB-01.
  fieldControls: {
    "access_logs.s3*": ["S3-03"],
    LoadBalancerName: ["ALB-01"],
    Scheme: ["ALB-01"],
    IpAddressType: ["ALB-01"],
    Subnets: ["ALB-01"],
    SecurityGroups: ["ALB-01"],
    "routing.http.drop_invalid_header_fields.enabled": ["ALB-01"],
    "idle_timeout.timeout_seconds": ["ALB-01"],
  },
  typicalDeleteMs: typicalMs("elbv2.load-balancer.delete"),

  async find(ctx, spec) {
    const found = (await this.findAll!(ctx))[0];
    // Down (no spec) deletes the listeners first, so an ALB without listeners is expected there.
    if (found && spec) await notBeingDeleted(ctx, found);
    return found;
  },
  async findAll(ctx) {
    const mine = (await envLoadBalancers(ctx)).filter((x) => ownedBy(ctx, x.tags));
    const out: LoadBalancerActual[] = [];
    for (const { item: lb } of mine) {
      const a = await withAttributes(ctx, lb);
      if (a) out.push(a);
    }
    return out;
  },
  diff(spec, { lb, attributes: attrs }) {
    const c: FieldChange[] = [];
    if (lb.LoadBalancerName !== spec.name) c.push({ field: "LoadBalancerName", from: lb.LoadBalancerName, to: spec.name, replace: true });
    if (lb.Scheme !== "internet-facing") c.push({ field: "Scheme", from: lb.Scheme, to: "internet-facing", replace: true });
    if (lb.IpAddressType !== "dualstack") c.push({ field: "IpAddressType", from: lb.IpAddressType, to: "dualstack" });
    if (!sameSet(subnetsOf(lb), spec.subnetIds)) c.push({ field: "Subnets", from: sorted(subnetsOf(lb)), to: sorted(spec.subnetIds) });
    if (!sameSet(lb.SecurityGroups ?? [], spec.securityGroupIds)) c.push({ field: "SecurityGroups", from: sorted(lb.SecurityGroups ?? []), to: sorted(spec.securityGroupIds) });
    for (const [k, v] of Object.entries(wantedAttributes(spec))) if ((attrs[k] ?? "") !== v) c.push({ field: k, from: attrs[k], to: v });
    return c;
  },
  async create(ctx, spec) {
    const elb = await ctx.aws.get("elbv2");
    // CreateLoadBalancer has no token, but is idempotent by name: the same name and settings answer the
    // existing ALB, so a call repeated after a crash returns the one created before.
    const r = await retryOn(["SubnetNotFoundException", "InvalidSecurityGroupException"], ctx.node, () =>
      elb.send(
        new CreateLoadBalancerCommand({
          Name: spec.name,
          Subnets: spec.subnetIds,
          SecurityGroups: spec.securityGroupIds,
          Scheme: "internet-facing",
          Type: "application",
          IpAddressType: "dualstack",
          Tags: ctx.tags(),
        }),
      ),
    );
    ctx.forget("elbv2:load-balancers");
    // The attributes (ALB-01) cannot be given at create: the post-create diff sets them.
    return { lb: r.LoadBalancers![0], attributes: {} };
  },
  async update(ctx, spec, { lb }, changes) {
    const elb = await ctx.aws.get("elbv2");
    const LoadBalancerArn = lb.LoadBalancerArn!;
    const fields = new Set(changes.map((c) => c.field));
    if (fields.has("SecurityGroups")) await elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn, SecurityGroups: spec.securityGroupIds }));
    if (fields.has("Subnets")) await elb.send(new SetSubnetsCommand({ LoadBalancerArn, Subnets: spec.subnetIds }));
    if (fields.has("IpAddressType")) await elb.send(new SetIpAddressTypeCommand({ LoadBalancerArn, IpAddressType: "dualstack" }));
    const attrs = Object.entries(wantedAttributes(spec)).filter(([k]) => fields.has(k));
    if (attrs.length) {
      // Enabling access logs refers to the whole access_logs group, so the group is always sent complete.
      const keys = new Set(attrs.map(([k]) => k));
      if ([...keys].some((k) => k.startsWith("access_logs."))) for (const k of Object.keys(wantedAttributes(spec))) if (k.startsWith("access_logs.")) keys.add(k);
      const all = wantedAttributes(spec);
      await retryOn(["InvalidConfigurationRequestException"], `${ctx.node} attributes (the log bucket's policy may not be visible yet)`, () =>
        elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn, Attributes: [...keys].map((Key) => ({ Key, Value: all[Key] })) })),
      );
    }
    return (await this.refresh(ctx, { lb, attributes: {} }))!;
  },
  async delete(ctx, { lb }) {
    const elb = await ctx.aws.get("elbv2");
    // Succeeds when it is already gone (DeleteLoadBalancer); its listeners go with it.
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    ctx.forget("elbv2:load-balancers");
  },
  async refresh(ctx, { lb }) {
    const elb = await ctx.aws.get("elbv2");
    const r = await orUndefined(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] })));
    const seen = r?.LoadBalancers?.[0];
    return seen ? withAttributes(ctx, seen) : undefined;
  },
  isReady: ({ lb }) => lb.State?.Code === "active",
  failure: ({ lb }) => (lb.State?.Code === "failed" ? `failed: ${lb.State.Reason ?? "no reason given"} (delete it and run up again)` : undefined),
  describe: ({ lb, attributes: a }) => ({
    id: lb.LoadBalancerArn!,
    state: lb.State?.Code ?? "unknown",
    healthy: lb.State?.Code === "active" && a["routing.http.drop_invalid_header_fields.enabled"] === "true",
    details: {
      dnsName: lb.DNSName,
      scheme: lb.Scheme,
      ipAddressType: lb.IpAddressType,
      subnets: subnetsOf(lb),
      dropInvalidHeaderFields: a["routing.http.drop_invalid_header_fields.enabled"],
      accessLogs: a["access_logs.s3.enabled"] === "true" ? `s3://${a["access_logs.s3.bucket"]}/${a["access_logs.s3.prefix"] ?? ""}` : "off",
    },
  }),
  outputs: ({ lb }) => ({ id: lb.LoadBalancerArn!, arn: lb.LoadBalancerArn!, dnsName: lb.DNSName!, canonicalHostedZoneId: lb.CanonicalHostedZoneId! }),
};
