/**
 * Resource kind `load-balancer`.
 * Tests: test/resources/load-balancer.test.ts.
 * Sandbox: src/sandbox/services/elbv2.ts.
 */
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ModifyLoadBalancerAttributesCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  type LoadBalancer,
  type Tag,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { errorCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { TAG_ENV, TAG_NODE, type ResourceContext } from "./context.js";
import { retryOn, sameSet, sorted } from "./ec2-common.js";

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

/**
 * ELBv2's not-found exceptions: the SDK names them `…NotFoundException` (wire code `LoadBalancerNotFound`),
 * which the generic `isNotFound` (codes ending in `NotFound`) does not recognise.
 */
const ELB_NOT_FOUND = ["LoadBalancerNotFoundException", "TargetGroupNotFoundException", "ListenerNotFoundException"];

/** Awaits `p`; an ELBv2 not-found exception becomes undefined. */
export async function elbOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (ELB_NOT_FOUND.includes(errorCode(e) ?? "")) return undefined;
    throw e;
  }
}

/** Tags of ELBv2 resources by ARN (DescribeTags takes at most 20 ARNs per call). */
export async function elbTags(ctx: ResourceContext, arns: string[]): Promise<Map<string, Tag[]>> {
  const elb = await ctx.aws.get("elbv2");
  const out = new Map<string, Tag[]>();
  for (let i = 0; i < arns.length; i += 20) {
    const chunk = arns.slice(i, i + 20);
    // A resource deleted between the list and this call makes the whole call fail: read the rest one by one.
    const r = await elbOrUndefined(elb.send(new DescribeTagsCommand({ ResourceArns: chunk })));
    if (r) for (const d of r.TagDescriptions ?? []) out.set(d.ResourceArn!, d.Tags ?? []);
    else for (const arn of chunk) for (const d of (await elbOrUndefined(elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }))))?.TagDescriptions ?? []) out.set(d.ResourceArn!, d.Tags ?? []);
  }
  return out;
}

/** True when ELBv2 tags say the resource belongs to this node of this env. */
export function elbIsOurs(ctx: ResourceContext, tags: Tag[] | undefined, node = ctx.node): boolean {
  const v = (k: string) => tags?.find((t) => t.Key === k)?.Value;
  return v(TAG_ENV) === ctx.env && v(TAG_NODE) === node;
}

/**
 * The env's load balancers with their tags: one batched read per run shared by every node. ELBv2 cannot
 * list by tag, so the candidates are the names starting with `<env>-` (names are deterministic).
 */
export function envLoadBalancers(ctx: ResourceContext): Promise<{ lb: LoadBalancer; tags: Tag[] }[]> {
  return ctx.once("elbv2:load-balancers", async () => {
    const elb = await ctx.aws.get("elbv2");
    const all: LoadBalancer[] = [];
    let Marker: string | undefined;
    do {
      const r = await elb.send(new DescribeLoadBalancersCommand({ Marker, PageSize: 400 }));
      all.push(...(r.LoadBalancers ?? []));
      Marker = r.NextMarker;
    } while (Marker);
    const mine = all.filter((lb) => lb.LoadBalancerName!.startsWith(`${ctx.env}-`));
    const tags = await elbTags(ctx, mine.map((lb) => lb.LoadBalancerArn!));
    return mine.map((lb) => ({ lb, tags: tags.get(lb.LoadBalancerArn!) ?? [] })).filter((x) => x.tags.some((t) => t.Key === TAG_ENV && t.Value === ctx.env));
  });
}

async function attributes(ctx: ResourceContext, arn: string): Promise<Record<string, string> | undefined> {
  const elb = await ctx.aws.get("elbv2");
  const r = await elbOrUndefined(elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn })));
  return r ? Object.fromEntries((r.Attributes ?? []).map((a) => [a.Key!, a.Value ?? ""])) : undefined;
}

async function withAttributes(ctx: ResourceContext, lb: LoadBalancer): Promise<LoadBalancerActual | undefined> {
  const a = await attributes(ctx, lb.LoadBalancerArn!);
  return a ? { lb, attributes: a } : undefined;
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

  async find(ctx) {
    return (await this.findAll!(ctx))[0];
  },
  async findAll(ctx) {
    const mine = (await envLoadBalancers(ctx)).filter((x) => elbIsOurs(ctx, x.tags));
    const out: LoadBalancerActual[] = [];
    for (const { lb } of mine) {
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
    const r = await elbOrUndefined(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] })));
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
