import { ElasticLoadBalancingV2ServiceException, type ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { paginate, publicView } from "../filters.js";
import { keyValueTags, mergeTags, removeTags } from "../tags.js";
import { advance } from "../transitions.js";
import { defineService, handler, type HandlerContext, type SimRecord, type SimService } from "../types.js";
import { certificateForUse } from "./acm.js";
import { newEni } from "./ec2-core.js";
import { contains4, parse4 } from "./ec2-util.js";
import { ELB_CANONICAL_ZONES } from "./route53.js";
import { databaseReadyAt } from "./rds-readiness.js";

/*
 * Simulated Elastic Load Balancing v2, application load balancers (behaviour: elbv2.md beside this file).
 *
 * Region tables: `loadBalancers`, `targetGroups`, `listeners` (keyed by ARN, in the Describe* output
 * shapes; private `_tags`, `_attributes`, `_activeAt`, `_deletedAt`, `_goneAt`, `_settings`) and
 * `targets` (keyed `${TargetGroupArn}|${Id}|${Port}`, shared with the ECS simulation: see elbv2.md).
 * A load balancer's ENIs are records of the EC2 `networkInterfaces` table (`_elb` = its ARN).
 */

const LB_DEFAULT_ATTRIBUTES: Record<string, string> = {
  "access_logs.s3.enabled": "false",
  "access_logs.s3.bucket": "",
  "access_logs.s3.prefix": "",
  "client_keep_alive.seconds": "3600",
  "connection_logs.s3.enabled": "false",
  "connection_logs.s3.bucket": "",
  "connection_logs.s3.prefix": "",
  "deletion_protection.enabled": "false",
  "idle_timeout.timeout_seconds": "60",
  "routing.http.desync_mitigation_mode": "defensive",
  "routing.http.drop_invalid_header_fields.enabled": "false",
  "routing.http.preserve_host_header.enabled": "false",
  "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
  "routing.http.xff_client_port.enabled": "false",
  "routing.http.xff_header_processing.mode": "append",
  "routing.http2.enabled": "true",
  "waf.fail_open.enabled": "false",
};

const TG_DEFAULT_ATTRIBUTES: Record<string, string> = {
  "deregistration_delay.timeout_seconds": "300",
  "load_balancing.algorithm.type": "round_robin",
  "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
  "slow_start.duration_seconds": "0",
  "stickiness.enabled": "false",
  "stickiness.type": "lb_cookie",
  "stickiness.lb_cookie.duration_seconds": "86400",
};

/** The policies DescribeSSLPolicies knows (a subset of the reference's table). */
const SSL_POLICIES: Record<string, { protocols: string[]; ciphers: string[] }> = {
  "ELBSecurityPolicy-TLS13-1-2-2021-06": {
    protocols: ["TLSv1.2", "TLSv1.3"],
    ciphers: ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"],
  },
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06": {
    protocols: ["TLSv1.2", "TLSv1.3"],
    ciphers: ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"],
  },
  "ELBSecurityPolicy-TLS13-1-3-2021-06": { protocols: ["TLSv1.3"], ciphers: ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] },
  "ELBSecurityPolicy-TLS-1-2-2017-01": {
    protocols: ["TLSv1.2"],
    ciphers: ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "AES128-GCM-SHA256", "AES256-GCM-SHA384"],
  },
  "ELBSecurityPolicy-2016-08": {
    protocols: ["TLSv1", "TLSv1.1", "TLSv1.2"],
    ciphers: ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "AES128-GCM-SHA256", "AES128-SHA"],
  },
};
/** The policy an HTTPS listener gets when CreateListener names none (CreateListener, SslPolicy). */
const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08";

/** Account of Elastic Load Balancing per region, for access-log bucket policies ("Enable access logs"); newer regions use the service principal. */
const ELB_LOG_ACCOUNTS: Record<string, string> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-west-3": "009996457667",
  "eu-central-1": "054676820928",
  "eu-north-1": "897822967062",
};
const LOG_DELIVERY_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com";

const iso = (ms: number) => new Date(ms).toISOString();
const arnPrefix = (ctx: HandlerContext) => `arn:aws:elasticloadbalancing:${ctx.region}:${ctx.accountId}`;
const lbs = (ctx: HandlerContext) => ctx.table("loadBalancers");
const tgs = (ctx: HandlerContext) => ctx.table("targetGroups");
const listeners = (ctx: HandlerContext) => ctx.table("listeners");
const targets = (ctx: HandlerContext) => ctx.table("targets");
const ec2 = (ctx: HandlerContext, table: string) => ctx.tableOf("ec2", table);
/** A context whose `table()` is EC2's, so EC2's own helpers (newEni) write EC2 records. */
const ec2Ctx = (ctx: HandlerContext): HandlerContext => ({ ...ctx, table: (name) => ctx.tableOf("ec2", name) });

/** ELBv2 answers its client errors with HTTP 400 (not-found included). */
function fail(ctx: HandlerContext, code: string, message: string): never {
  return ctx.fail(code, message, 400);
}

// ---------------------------------------------------------------- time

/** A load balancer's state lives in `State.Code`. */
const LB_STATE = { get: (lb: SimRecord) => lb.State?.Code, set: (lb: SimRecord, s: string) => (lb.State = { Code: s }) };

/** Brings load balancers and targets to their state at the simulated "now". */
function settle(ctx: HandlerContext): void {
  const now = ctx.now();
  for (const lb of Object.values(lbs(ctx))) {
    advance(lb, now, LB_STATE, [{ from: "provisioning", at: "_activeAt", to: "active" }]);
    if (lb._goneAt !== undefined && now >= lb._goneAt) {
      const enis = ec2(ctx, "networkInterfaces");
      for (const e of Object.values(enis)) if (e._elb === lb.LoadBalancerArn) delete enis[e.NetworkInterfaceId];
      delete lbs(ctx)[lb.LoadBalancerArn];
    }
  }
  const t = targets(ctx);
  for (const [key, row] of Object.entries(t)) {
    if (row._db !== undefined && row.State !== "draining") {
      // A task that needs the app database passes the health check once the database is ready
      // (rds-readiness.ts): until then, after its first checks, it is unhealthy.
      const passAt = Math.max(row._healthyAt, databaseReadyAt(ctx, row._db) + row._checkMs);
      row.State = now >= passAt ? "healthy" : now >= row._healthyAt ? "unhealthy" : "initial";
    } else if (row.State === "initial" && row._healthyAt !== undefined && now >= row._healthyAt) row.State = "healthy";
    if (row.State === "draining" && row._goneAt !== undefined && now >= row._goneAt) delete t[key];
  }
}

// ---------------------------------------------------------------- lookups

function visibleLb(ctx: HandlerContext, arn: string): SimRecord | undefined {
  const lb = lbs(ctx)[arn];
  return lb && ctx.visible(lb) ? lb : undefined;
}

function getLb(ctx: HandlerContext, arn: unknown): SimRecord {
  const lb = visibleLb(ctx, String(arn ?? ""));
  if (!lb) return fail(ctx, "LoadBalancerNotFoundException", `Load balancer '${String(arn)}' not found`);
  return lb;
}

function getTg(ctx: HandlerContext, arn: unknown): SimRecord {
  const tg = tgs(ctx)[String(arn ?? "")];
  if (!tg || !ctx.visible(tg)) return fail(ctx, "TargetGroupNotFoundException", `Target groups '${String(arn)}' not found`);
  return tg;
}

function getListener(ctx: HandlerContext, arn: unknown): SimRecord {
  const l = listeners(ctx)[String(arn ?? "")];
  if (!l || !ctx.visible(l)) return fail(ctx, "ListenerNotFoundException", `One or more listeners not found`);
  return l;
}

/** Load balancers a target group receives traffic from (through a listener's forward action). */
function tgLoadBalancers(ctx: HandlerContext, tgArn: string): string[] {
  const out = new Set<string>();
  for (const l of Object.values(listeners(ctx))) if (forwardTargets(l.DefaultActions).includes(tgArn)) out.add(l.LoadBalancerArn);
  return [...out].sort();
}

function forwardTargets(actions: SimRecord[] | undefined): string[] {
  const out: string[] = [];
  for (const a of actions ?? []) {
    if (a.Type !== "forward") continue;
    if (a.TargetGroupArn) out.push(a.TargetGroupArn);
    for (const t of a.ForwardConfig?.TargetGroups ?? []) if (!out.includes(t.TargetGroupArn)) out.push(t.TargetGroupArn);
  }
  return out;
}

function page<T>(ctx: HandlerContext, items: T[], input: { PageSize?: number; Marker?: string }): { items: T[]; NextMarker?: string } {
  if (input.PageSize !== undefined && (input.PageSize < 1 || input.PageSize > 400)) fail(ctx, "ValidationError", "PageSize must be between 1 and 400");
  const { page: p, next } = paginate(items, input.PageSize, input.Marker, 400);
  return { items: p, NextMarker: next };
}

function tagList(ctx: HandlerContext, tags: SimRecord[] | undefined): { Key: string; Value: string }[] {
  const list = (tags ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? "") }));
  const keys = new Set<string>();
  for (const t of list) {
    if (keys.has(t.Key)) fail(ctx, "DuplicateTagKeysException", `A tag key was specified more than once: ${t.Key}`);
    keys.add(t.Key);
    if (t.Key.startsWith("aws:")) fail(ctx, "ValidationError", `Tag keys starting with 'aws:' are reserved: ${t.Key}`);
  }
  return list;
}

// ---------------------------------------------------------------- load balancers

const NAME = /^(?!-)(?!internal-)[A-Za-z0-9-]{1,32}(?<!-)$/;

function lbView(ctx: HandlerContext, lb: SimRecord): SimRecord {
  const out = publicView(lb);
  out.CreatedTime = new Date(lb.CreatedTime);
  return out;
}

function subnetsFor(ctx: HandlerContext, ids: string[], ipAddressType: string): { subnets: SimRecord[]; vpcId: string } {
  if (!ids.length) fail(ctx, "ValidationError", "At least two subnets in two different Availability Zones must be specified");
  const subnets = ids.map((id) => {
    const s = ec2(ctx, "subnets")[id];
    if (!s || !ctx.visible(s)) return fail(ctx, "SubnetNotFoundException", `The subnet ID '${id}' is not valid`);
    return s;
  });
  const vpcs = new Set(subnets.map((s) => s.VpcId));
  if (vpcs.size > 1) fail(ctx, "InvalidConfigurationRequestException", "The subnets must all belong to the same VPC");
  const azs = new Set(subnets.map((s) => s.AvailabilityZone));
  if (azs.size !== subnets.length) fail(ctx, "InvalidConfigurationRequestException", "A load balancer cannot be attached to multiple subnets in the same Availability Zone");
  if (azs.size < 2) fail(ctx, "ValidationError", "At least two subnets in two different Availability Zones must be specified");
  if (ipAddressType === "dualstack") {
    const v4only = subnets.filter((s) => !(s.Ipv6CidrBlockAssociationSet ?? []).length);
    if (v4only.length) fail(ctx, "InvalidSubnetException", `The following subnets must have an IPv6 CIDR block for IP address type 'dualstack': ${v4only.map((s) => s.SubnetId).join(", ")}`);
  }
  return { subnets, vpcId: [...vpcs][0] };
}

function groupsFor(ctx: HandlerContext, ids: string[] | undefined, vpcId: string): SimRecord[] {
  const groups = (ids ?? []).map((id) => {
    const g = ec2(ctx, "securityGroups")[id];
    if (!g || !ctx.visible(g) || g.VpcId !== vpcId) return fail(ctx, "InvalidSecurityGroupException", `Security group '${id}' does not exist in VPC '${vpcId}'`);
    return g;
  });
  if (!groups.length) {
    // No group given: the VPC's default group (CreateLoadBalancer, SecurityGroups).
    const def = Object.values(ec2(ctx, "securityGroups")).find((g) => g.VpcId === vpcId && g.GroupName === "default");
    if (def) groups.push(def);
  }
  return groups;
}

function placeEnis(ctx: HandlerContext, lb: SimRecord, subnets: SimRecord[], groups: SimRecord[]): void {
  const name = lb.LoadBalancerArn.split(":loadbalancer/")[1];
  for (const s of subnets) {
    const eni = newEni(ec2Ctx(ctx), s, { description: `ELB ${name}`, type: "interface", requesterManaged: true, groups });
    eni.RequesterId = "amazon-elb";
    eni._elb = lb.LoadBalancerArn;
  }
}

function lbSettings(input: SimRecord, subnets: string[], groups: string[]): string {
  return JSON.stringify([input.Scheme ?? "internet-facing", input.Type ?? "application", input.IpAddressType ?? "ipv4", [...subnets].sort(), [...groups].sort()]);
}

const CreateLoadBalancer = handler<ElasticLoadBalancingV2, "CreateLoadBalancer">((input, ctx) => {
  settle(ctx);
  const name = String(input.Name ?? "");
  if (!NAME.test(name)) fail(ctx, "ValidationError", `The load balancer name '${name}' is invalid: at most 32 alphanumeric characters or hyphens, not beginning or ending with a hyphen, not beginning with 'internal-'`);
  const type = input.Type ?? "application";
  if (type !== "application") fail(ctx, "ValidationError", `The opsctl sandbox models application load balancers only (Type ${type})`);
  const scheme = input.Scheme ?? "internet-facing";
  if (scheme !== "internet-facing" && scheme !== "internal") fail(ctx, "ValidationError", `Invalid Scheme ${scheme}`);
  const ipType = input.IpAddressType ?? "ipv4";
  if (!["ipv4", "dualstack", "dualstack-without-public-ipv4"].includes(ipType)) fail(ctx, "ValidationError", `Invalid IpAddressType ${ipType}`);
  if (input.SubnetMappings?.length) fail(ctx, "ValidationError", "The opsctl sandbox models Subnets, not SubnetMappings");
  const subnetIds: string[] = input.Subnets ?? [];
  const { subnets, vpcId } = subnetsFor(ctx, subnetIds, ipType);
  const groups = groupsFor(ctx, input.SecurityGroups, vpcId);
  const settings = lbSettings(input, subnetIds, groups.map((g) => g.GroupId));
  const existing = Object.values(lbs(ctx)).find((lb) => lb.LoadBalancerName === name && lb._goneAt === undefined);
  // CreateLoadBalancer is idempotent: the same name with the same settings answers the existing load balancer.
  if (existing) {
    if (existing._settings === settings) return { LoadBalancers: [lbView(ctx, existing)] };
    fail(ctx, "DuplicateLoadBalancerNameException", `A load balancer with the same name '${name}' exists, but with different settings`);
  }
  if (scheme === "internet-facing") {
    const igw = Object.values(ec2(ctx, "internetGateways")).some((g) => (g.Attachments ?? []).some((a: SimRecord) => a.VpcId === vpcId));
    if (!igw) fail(ctx, "InvalidSubnetException", `VPC ${vpcId} has no internet gateway`);
  }
  const tags = tagList(ctx, input.Tags);
  const id = ctx.newId("", 16);
  const arn = `${arnPrefix(ctx)}:loadbalancer/app/${name}/${id}`;
  const digits = (BigInt("0x" + id) % 10_000_000_000n).toString().padStart(10, "1");
  const lb: SimRecord = ctx.born({
    LoadBalancerArn: arn,
    DNSName: `${scheme === "internal" ? "internal-" : ""}${name}-${digits}.${ctx.region}.elb.amazonaws.com`,
    CanonicalHostedZoneId: ELB_CANONICAL_ZONES[ctx.region] ?? "Z32O12XQLNTSW2",
    CreatedTime: iso(ctx.now()),
    LoadBalancerName: name,
    Scheme: scheme,
    VpcId: vpcId,
    State: { Code: "provisioning" },
    Type: type,
    AvailabilityZones: subnets.map((s) => ({ ZoneName: s.AvailabilityZone, SubnetId: s.SubnetId, LoadBalancerAddresses: [] })),
    SecurityGroups: groups.map((g) => g.GroupId),
    IpAddressType: ipType,
    _tags: tags,
    _attributes: { ...LB_DEFAULT_ATTRIBUTES },
    _activeAt: ctx.now() + ctx.duration("elbv2.load-balancer.create"),
    _settings: settings,
  });
  lbs(ctx)[arn] = lb;
  placeEnis(ctx, lb, subnets, groups);
  return { LoadBalancers: [lbView(ctx, lb)] };
});

const DescribeLoadBalancers = handler<ElasticLoadBalancingV2, "DescribeLoadBalancers">((input, ctx) => {
  settle(ctx);
  if (input.LoadBalancerArns?.length && input.Names?.length) fail(ctx, "ValidationError", "Load balancer names and load balancer ARNs cannot be specified at the same time");
  let list: SimRecord[];
  if (input.LoadBalancerArns?.length) {
    const missing = (input.LoadBalancerArns as string[]).filter((a) => !visibleLb(ctx, a));
    if (missing.length) fail(ctx, "LoadBalancerNotFoundException", `One or more load balancers not found`);
    list = (input.LoadBalancerArns as string[]).map((a) => visibleLb(ctx, a)!);
  } else if (input.Names?.length) {
    const all = Object.values(lbs(ctx)).filter((lb) => ctx.visible(lb));
    const missing = (input.Names as string[]).filter((n) => !all.some((lb) => lb.LoadBalancerName === n));
    if (missing.length) fail(ctx, "LoadBalancerNotFoundException", `Load balancers '[${missing.join(", ")}]' not found`);
    list = all.filter((lb) => (input.Names as string[]).includes(lb.LoadBalancerName));
  } else {
    list = Object.values(lbs(ctx)).filter((lb) => ctx.visible(lb));
  }
  list.sort((a, b) => (a.LoadBalancerName < b.LoadBalancerName ? -1 : a.LoadBalancerName > b.LoadBalancerName ? 1 : 0));
  const { items, NextMarker } = page(ctx, list, input);
  return { LoadBalancers: items.map((lb) => lbView(ctx, lb)), NextMarker };
});

const attributeList = (m: Record<string, string>) => Object.entries(m).map(([Key, Value]) => ({ Key, Value }));

const DescribeLoadBalancerAttributes = handler<ElasticLoadBalancingV2, "DescribeLoadBalancerAttributes">((input, ctx) => {
  settle(ctx);
  return { Attributes: attributeList(getLb(ctx, input.LoadBalancerArn)._attributes) };
});

function checkLogBucket(ctx: HandlerContext, bucket: string): void {
  const b = ctx.tableOf("s3", "buckets", "global")[bucket];
  const denied = () => fail(ctx, "InvalidConfigurationRequestException", `Access Denied for bucket: ${bucket}. Please check S3bucket permission`);
  if (!b || b.BucketRegion !== ctx.region) return denied();
  // ELB checks that it may write: a bucket policy admitting the regional ELB account or the log-delivery principal.
  const policy = typeof b._policy === "string" ? b._policy : JSON.stringify(b._policy ?? "");
  const account = ELB_LOG_ACCOUNTS[ctx.region];
  if (!policy.includes("s3:PutObject") || !(policy.includes(LOG_DELIVERY_PRINCIPAL) || (account && policy.includes(account)))) return denied();
}

const ModifyLoadBalancerAttributes = handler<ElasticLoadBalancingV2, "ModifyLoadBalancerAttributes">((input, ctx) => {
  settle(ctx);
  const lb = getLb(ctx, input.LoadBalancerArn);
  const next = { ...lb._attributes };
  for (const a of input.Attributes ?? []) {
    const key = String(a.Key);
    const value = String(a.Value ?? "");
    if (!(key in LB_DEFAULT_ATTRIBUTES)) fail(ctx, "InvalidConfigurationRequestException", `Key ${key} not valid`);
    if (/\.enabled$/.test(key) && value !== "true" && value !== "false") fail(ctx, "InvalidConfigurationRequestException", `The value of '${key}' must be 'true' or 'false'`);
    if (key === "idle_timeout.timeout_seconds" && !(Number.isInteger(Number(value)) && Number(value) >= 1 && Number(value) <= 4000)) {
      fail(ctx, "InvalidConfigurationRequestException", `The value of '${key}' must be between 1 and 4000`);
    }
    next[key] = value;
  }
  if (next["access_logs.s3.enabled"] === "true") {
    if (!next["access_logs.s3.bucket"]) fail(ctx, "InvalidConfigurationRequestException", "The value of 'access_logs.s3.bucket' cannot be empty");
    checkLogBucket(ctx, next["access_logs.s3.bucket"]);
  }
  lb._attributes = next;
  return { Attributes: attributeList(next) };
});

const DeleteLoadBalancer = handler<ElasticLoadBalancingV2, "DeleteLoadBalancer">((input, ctx) => {
  settle(ctx);
  const lb = lbs(ctx)[String(input.LoadBalancerArn ?? "")];
  // "If the load balancer does not exist or has already been deleted, the call succeeds." (DeleteLoadBalancer)
  if (!lb || lb._goneAt !== undefined) return {};
  if (lb._attributes["deletion_protection.enabled"] === "true") fail(ctx, "OperationNotPermittedException", `Load balancer '${lb.LoadBalancerArn}' cannot be deleted because deletion protection is enabled`);
  // Its listeners go at once; the load balancer stays visible (and its ENIs stay in the subnets) until it is gone.
  for (const l of Object.values(listeners(ctx))) if (l.LoadBalancerArn === lb.LoadBalancerArn) delete listeners(ctx)[l.ListenerArn];
  lb._goneAt = ctx.now() + ctx.duration("elbv2.load-balancer.delete");
  lb._deletedAt = ctx.now();
  return {};
});

const SetSecurityGroups = handler<ElasticLoadBalancingV2, "SetSecurityGroups">((input, ctx) => {
  settle(ctx);
  const lb = getLb(ctx, input.LoadBalancerArn);
  const groups = groupsFor(ctx, input.SecurityGroups, lb.VpcId);
  lb.SecurityGroups = groups.map((g) => g.GroupId);
  for (const e of Object.values(ec2(ctx, "networkInterfaces"))) if (e._elb === lb.LoadBalancerArn) e.Groups = groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName }));
  lb._settings = lbSettings(lb, lb.AvailabilityZones.map((z: SimRecord) => z.SubnetId), lb.SecurityGroups);
  return { SecurityGroupIds: lb.SecurityGroups };
});

const SetSubnets = handler<ElasticLoadBalancingV2, "SetSubnets">((input, ctx) => {
  settle(ctx);
  const lb = getLb(ctx, input.LoadBalancerArn);
  const { subnets, vpcId } = subnetsFor(ctx, input.Subnets ?? [], input.IpAddressType ?? lb.IpAddressType);
  if (vpcId !== lb.VpcId) fail(ctx, "InvalidConfigurationRequestException", `The subnets must belong to VPC ${lb.VpcId}`);
  const enis = ec2(ctx, "networkInterfaces");
  const keep = new Set(subnets.map((s) => s.SubnetId));
  for (const e of Object.values(enis)) if (e._elb === lb.LoadBalancerArn && !keep.has(e.SubnetId)) delete enis[e.NetworkInterfaceId];
  const have = new Set(Object.values(enis).filter((e) => e._elb === lb.LoadBalancerArn).map((e) => e.SubnetId));
  const groups = lb.SecurityGroups.map((id: string) => ec2(ctx, "securityGroups")[id]).filter(Boolean);
  placeEnis(ctx, lb, subnets.filter((s) => !have.has(s.SubnetId)), groups);
  lb.AvailabilityZones = subnets.map((s) => ({ ZoneName: s.AvailabilityZone, SubnetId: s.SubnetId, LoadBalancerAddresses: [] }));
  lb._settings = lbSettings(lb, lb.AvailabilityZones.map((z: SimRecord) => z.SubnetId), lb.SecurityGroups);
  return { AvailabilityZones: publicView({ z: lb.AvailabilityZones }).z, IpAddressType: lb.IpAddressType };
});

const SetIpAddressType = handler<ElasticLoadBalancingV2, "SetIpAddressType">((input, ctx) => {
  settle(ctx);
  const lb = getLb(ctx, input.LoadBalancerArn);
  const t = String(input.IpAddressType ?? "");
  if (!["ipv4", "dualstack", "dualstack-without-public-ipv4"].includes(t)) fail(ctx, "ValidationError", `Invalid IpAddressType ${t}`);
  subnetsFor(ctx, lb.AvailabilityZones.map((z: SimRecord) => z.SubnetId), t);
  lb.IpAddressType = t;
  lb._settings = lbSettings(lb, lb.AvailabilityZones.map((z: SimRecord) => z.SubnetId), lb.SecurityGroups);
  return { IpAddressType: t };
});

// ---------------------------------------------------------------- target groups

function tgView(ctx: HandlerContext, tg: SimRecord): SimRecord {
  return { ...publicView(tg), LoadBalancerArns: tgLoadBalancers(ctx, tg.TargetGroupArn) };
}

function intIn(ctx: HandlerContext, v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) fail(ctx, "ValidationError", `${name} must be between ${min} and ${max}`);
  return n;
}

function applyHealthCheck(ctx: HandlerContext, tg: SimRecord, input: SimRecord): void {
  if (input.HealthCheckEnabled !== undefined) tg.HealthCheckEnabled = !!input.HealthCheckEnabled;
  if (input.HealthCheckProtocol !== undefined) tg.HealthCheckProtocol = input.HealthCheckProtocol;
  if (input.HealthCheckPort !== undefined) tg.HealthCheckPort = String(input.HealthCheckPort);
  if (input.HealthCheckPath !== undefined) {
    if (!String(input.HealthCheckPath).startsWith("/") || String(input.HealthCheckPath).length > 1024) fail(ctx, "ValidationError", "Health check path must begin with a '/' and be at most 1024 characters");
    tg.HealthCheckPath = input.HealthCheckPath;
  }
  tg.HealthCheckIntervalSeconds = intIn(ctx, input.HealthCheckIntervalSeconds, "HealthCheckIntervalSeconds", 5, 300) ?? tg.HealthCheckIntervalSeconds;
  tg.HealthCheckTimeoutSeconds = intIn(ctx, input.HealthCheckTimeoutSeconds, "HealthCheckTimeoutSeconds", 2, 120) ?? tg.HealthCheckTimeoutSeconds;
  tg.HealthyThresholdCount = intIn(ctx, input.HealthyThresholdCount, "HealthyThresholdCount", 2, 10) ?? tg.HealthyThresholdCount;
  tg.UnhealthyThresholdCount = intIn(ctx, input.UnhealthyThresholdCount, "UnhealthyThresholdCount", 2, 10) ?? tg.UnhealthyThresholdCount;
  if (input.Matcher !== undefined) {
    const code = String(input.Matcher.HttpCode ?? "");
    if (!/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(code)) fail(ctx, "ValidationError", `Invalid Matcher HttpCode '${code}'`);
    tg.Matcher = { HttpCode: code };
  }
  if (tg.HealthCheckTimeoutSeconds >= tg.HealthCheckIntervalSeconds) fail(ctx, "ValidationError", "Health check timeout must be smaller than the interval");
}

const CreateTargetGroup = handler<ElasticLoadBalancingV2, "CreateTargetGroup">((input, ctx) => {
  settle(ctx);
  const name = String(input.Name ?? "");
  if (!/^(?!-)[A-Za-z0-9-]{1,32}(?<!-)$/.test(name)) fail(ctx, "ValidationError", `Target group name '${name}' must be at most 32 alphanumeric characters or hyphens, not beginning or ending with a hyphen`);
  const targetType = input.TargetType ?? "instance";
  if (targetType !== "ip" && targetType !== "instance") fail(ctx, "ValidationError", `The opsctl sandbox models target types ip and instance (TargetType ${targetType})`);
  const protocol = input.Protocol;
  if (protocol !== "HTTP" && protocol !== "HTTPS") fail(ctx, "ValidationError", "The opsctl sandbox models HTTP and HTTPS target groups (Protocol)");
  const port = intIn(ctx, input.Port, "Port", 1, 65535);
  if (port === undefined) fail(ctx, "ValidationError", "A port must be specified");
  if (!input.VpcId) fail(ctx, "ValidationError", "A VPC ID must be specified");
  const vpc = ec2(ctx, "vpcs")[input.VpcId];
  if (!vpc || !ctx.visible(vpc)) fail(ctx, "ValidationError", `The VPC ID '${String(input.VpcId)}' is not found`);
  const ipType = input.IpAddressType ?? "ipv4";
  const settings = JSON.stringify([protocol, port, input.VpcId, targetType, ipType, input.ProtocolVersion ?? "HTTP1"]);
  const existing = Object.values(tgs(ctx)).find((t) => t.TargetGroupName === name);
  // Idempotent like CreateLoadBalancer: same name and settings answers the existing group.
  if (existing) {
    if (existing._settings === settings) return { TargetGroups: [tgView(ctx, existing)] };
    fail(ctx, "DuplicateTargetGroupNameException", `A target group with the same name '${name}' exists, but with different settings`);
  }
  const tags = tagList(ctx, input.Tags);
  const arn = `${arnPrefix(ctx)}:targetgroup/${name}/${ctx.newId("", 16)}`;
  const tg: SimRecord = ctx.born({
    TargetGroupArn: arn,
    TargetGroupName: name,
    Protocol: protocol,
    Port: port,
    VpcId: input.VpcId,
    HealthCheckProtocol: "HTTP",
    HealthCheckPort: "traffic-port",
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: 30,
    HealthCheckTimeoutSeconds: 5,
    HealthyThresholdCount: 5,
    UnhealthyThresholdCount: 2,
    HealthCheckPath: "/",
    Matcher: { HttpCode: "200" },
    LoadBalancerArns: [],
    TargetType: targetType,
    ProtocolVersion: input.ProtocolVersion ?? "HTTP1",
    IpAddressType: ipType,
    _tags: tags,
    _attributes: { ...TG_DEFAULT_ATTRIBUTES },
    _settings: settings,
  });
  applyHealthCheck(ctx, tg, input);
  tgs(ctx)[arn] = tg;
  return { TargetGroups: [tgView(ctx, tg)] };
});

const DescribeTargetGroups = handler<ElasticLoadBalancingV2, "DescribeTargetGroups">((input, ctx) => {
  settle(ctx);
  let list = Object.values(tgs(ctx)).filter((t) => ctx.visible(t));
  if (input.TargetGroupArns?.length) {
    list = (input.TargetGroupArns as string[]).map((a) => getTg(ctx, a));
  } else if (input.Names?.length) {
    const missing = (input.Names as string[]).filter((n) => !list.some((t) => t.TargetGroupName === n));
    if (missing.length) fail(ctx, "TargetGroupNotFoundException", `Target groups '[${missing.join(", ")}]' not found`);
    list = list.filter((t) => (input.Names as string[]).includes(t.TargetGroupName));
  }
  if (input.LoadBalancerArn) {
    getLb(ctx, input.LoadBalancerArn);
    list = list.filter((t) => tgLoadBalancers(ctx, t.TargetGroupArn).includes(input.LoadBalancerArn!));
  }
  list.sort((a, b) => (a.TargetGroupName < b.TargetGroupName ? -1 : a.TargetGroupName > b.TargetGroupName ? 1 : 0));
  const { items, NextMarker } = page(ctx, list, input);
  return { TargetGroups: items.map((t) => tgView(ctx, t)), NextMarker };
});

const ModifyTargetGroup = handler<ElasticLoadBalancingV2, "ModifyTargetGroup">((input, ctx) => {
  settle(ctx);
  const tg = getTg(ctx, input.TargetGroupArn);
  const copy = { ...tg };
  applyHealthCheck(ctx, copy, input);
  Object.assign(tg, copy);
  return { TargetGroups: [tgView(ctx, tg)] };
});

const DescribeTargetGroupAttributes = handler<ElasticLoadBalancingV2, "DescribeTargetGroupAttributes">((input, ctx) => ({ Attributes: attributeList(getTg(ctx, input.TargetGroupArn)._attributes) }));

const ModifyTargetGroupAttributes = handler<ElasticLoadBalancingV2, "ModifyTargetGroupAttributes">((input, ctx) => {
  const tg = getTg(ctx, input.TargetGroupArn);
  const next = { ...tg._attributes };
  for (const a of input.Attributes ?? []) {
    const key = String(a.Key);
    const value = String(a.Value ?? "");
    if (!(key in TG_DEFAULT_ATTRIBUTES)) fail(ctx, "InvalidConfigurationRequestException", `Key ${key} not valid`);
    if (key === "deregistration_delay.timeout_seconds" && !(Number.isInteger(Number(value)) && Number(value) >= 0 && Number(value) <= 3600)) {
      fail(ctx, "InvalidConfigurationRequestException", "deregistration_delay.timeout_seconds must be between 0 and 3600");
    }
    next[key] = value;
  }
  tg._attributes = next;
  return { Attributes: attributeList(next) };
});

const DeleteTargetGroup = handler<ElasticLoadBalancingV2, "DeleteTargetGroup">((input, ctx) => {
  settle(ctx);
  const tg = tgs(ctx)[String(input.TargetGroupArn ?? "")];
  if (!tg) return {};
  if (tgLoadBalancers(ctx, tg.TargetGroupArn).length) fail(ctx, "ResourceInUseException", `Target group '${tg.TargetGroupArn}' is currently in use by a listener or a rule`);
  const t = targets(ctx);
  for (const [k, row] of Object.entries(t)) if (row.TargetGroupArn === tg.TargetGroupArn) delete t[k];
  delete tgs(ctx)[tg.TargetGroupArn];
  return {};
});

// ---------------------------------------------------------------- targets

const targetKey = (tgArn: string, id: string, port: number) => `${tgArn}|${id}|${port}`;

function normTargets(ctx: HandlerContext, tg: SimRecord, list: SimRecord[] | undefined): { Id: string; Port: number; AvailabilityZone?: string }[] {
  if (!list?.length) fail(ctx, "ValidationError", "Targets must not be empty");
  return list.map((t) => ({ Id: String(t.Id), Port: t.Port === undefined ? tg.Port : Number(t.Port), AvailabilityZone: t.AvailabilityZone }));
}

const RegisterTargets = handler<ElasticLoadBalancingV2, "RegisterTargets">((input, ctx) => {
  settle(ctx);
  const tg = getTg(ctx, input.TargetGroupArn);
  const list = normTargets(ctx, tg, input.Targets);
  const vpc = ec2(ctx, "vpcs")[tg.VpcId];
  for (const t of list) {
    if (tg.TargetType === "ip") {
      const ip = parse4(`${t.Id}/32`);
      if (!ip) fail(ctx, "InvalidTargetException", `The IP address '${t.Id}' is not a valid IPv4 address`);
      const blocks: string[] = (vpc?.CidrBlockAssociationSet ?? []).map((b: SimRecord) => b.CidrBlock).concat(vpc?.CidrBlock ? [vpc.CidrBlock] : []);
      if (t.AvailabilityZone !== "all" && !blocks.some((b) => contains4(parse4(b)!, ip!))) fail(ctx, "InvalidTargetException", `The IP address '${t.Id}' is not within the CIDR blocks of VPC '${tg.VpcId}'`);
    } else if (!ec2(ctx, "instances")[t.Id]) {
      fail(ctx, "InvalidTargetException", `The following targets are not valid instances: '${t.Id}'`);
    }
  }
  const rows = targets(ctx);
  for (const t of list) {
    const key = targetKey(tg.TargetGroupArn, t.Id, t.Port);
    const row = rows[key];
    if (row && row.State !== "draining") continue;
    rows[key] = {
      TargetGroupArn: tg.TargetGroupArn,
      Id: t.Id,
      Port: t.Port,
      ...(t.AvailabilityZone ? { AvailabilityZone: t.AvailabilityZone } : {}),
      State: "initial",
      // Healthy after HealthyThresholdCount consecutive passing checks, one per interval.
      _healthyAt: ctx.now() + tg.HealthCheckIntervalSeconds * tg.HealthyThresholdCount * 1000,
    };
  }
  return {};
});

const DeregisterTargets = handler<ElasticLoadBalancingV2, "DeregisterTargets">((input, ctx) => {
  settle(ctx);
  const tg = getTg(ctx, input.TargetGroupArn);
  const list = normTargets(ctx, tg, input.Targets);
  const rows = targets(ctx);
  const missing = list.filter((t) => !rows[targetKey(tg.TargetGroupArn, t.Id, t.Port)]);
  if (missing.length) fail(ctx, "InvalidTargetException", `The following targets are not registered in target group '${tg.TargetGroupArn}': ${missing.map((t) => `'${t.Id}:${t.Port}'`).join(", ")}`);
  const inUse = tgLoadBalancers(ctx, tg.TargetGroupArn).length > 0;
  const delay = Number(tg._attributes["deregistration_delay.timeout_seconds"]) * 1000;
  for (const t of list) {
    const key = targetKey(tg.TargetGroupArn, t.Id, t.Port);
    // A target of a group no load balancer uses has no connections to drain.
    if (!inUse || delay === 0) {
      delete rows[key];
      continue;
    }
    if (rows[key].State === "draining") continue;
    rows[key].State = "draining";
    rows[key]._goneAt = ctx.now() + delay;
  }
  return {};
});

const HEALTH_REASON: Record<string, [string, string] | undefined> = {
  initial: ["Elb.RegistrationInProgress", "Target registration is in progress"],
  unhealthy: ["Target.FailedHealthChecks", "Health checks failed"],
  draining: ["Target.DeregistrationInProgress", "Target deregistration is in progress"],
  healthy: undefined,
};

const DescribeTargetHealth = handler<ElasticLoadBalancingV2, "DescribeTargetHealth">((input, ctx) => {
  settle(ctx);
  const tg = getTg(ctx, input.TargetGroupArn);
  const rows = Object.values(targets(ctx)).filter((r) => r.TargetGroupArn === tg.TargetGroupArn);
  const inUse = tgLoadBalancers(ctx, tg.TargetGroupArn).length > 0;
  const wanted = input.Targets?.length ? normTargets(ctx, tg, input.Targets) : undefined;
  const port = (p: number) => (tg.HealthCheckPort === "traffic-port" ? String(p) : tg.HealthCheckPort);
  const describe = (r: SimRecord) => {
    let state = r.State as string;
    let reason = HEALTH_REASON[state];
    if (!inUse && state !== "draining") {
      state = "unused";
      reason = ["Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"];
    }
    return {
      Target: { Id: r.Id, Port: r.Port, ...(r.AvailabilityZone ? { AvailabilityZone: r.AvailabilityZone } : {}) },
      HealthCheckPort: port(r.Port),
      TargetHealth: reason ? { State: state, Reason: reason[0], Description: reason[1] } : { State: state },
    };
  };
  if (!wanted) return { TargetHealthDescriptions: rows.sort((a, b) => (a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : a.Port - b.Port)).map(describe) };
  return {
    TargetHealthDescriptions: wanted.map((t) => {
      const r = rows.find((x) => x.Id === t.Id && x.Port === t.Port);
      if (r) return describe(r);
      return { Target: { Id: t.Id, Port: t.Port }, HealthCheckPort: port(t.Port), TargetHealth: { State: "unused", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group" } };
    }),
  };
});

// ---------------------------------------------------------------- listeners

function normActions(ctx: HandlerContext, lb: SimRecord, listener: { Protocol: string; Port: number }, actions: SimRecord[] | undefined): SimRecord[] {
  if (!actions?.length) fail(ctx, "ValidationError", "A default action must be specified");
  return actions.map((a, i) => {
    const order = a.Order ?? i + 1;
    if (a.Type === "forward") {
      const arns = a.TargetGroupArn ? [a.TargetGroupArn] : (a.ForwardConfig?.TargetGroups ?? []).map((t: SimRecord) => t.TargetGroupArn);
      if (!arns.length) fail(ctx, "ValidationError", "A forward action must name a target group");
      for (const arn of arns) {
        const tg = getTg(ctx, arn);
        if (tg.VpcId !== lb.VpcId) fail(ctx, "InvalidConfigurationRequestException", `Target group '${arn}' is in VPC ${tg.VpcId}, load balancer in VPC ${lb.VpcId}`);
        const other = tgLoadBalancers(ctx, arn).find((x) => x !== lb.LoadBalancerArn);
        if (other) fail(ctx, "TargetGroupAssociationLimitException", `The following target groups cannot be associated with more than one load balancer: ${arn}`);
      }
      return {
        Type: "forward",
        Order: order,
        ...(arns.length === 1 ? { TargetGroupArn: arns[0] } : {}),
        ForwardConfig: { TargetGroups: arns.map((TargetGroupArn: string) => ({ TargetGroupArn, Weight: 1 })), TargetGroupStickinessConfig: { Enabled: false } },
      };
    }
    if (a.Type === "redirect") {
      const c = a.RedirectConfig ?? {};
      if (c.StatusCode !== "HTTP_301" && c.StatusCode !== "HTTP_302") fail(ctx, "ValidationError", "RedirectConfig StatusCode must be HTTP_301 or HTTP_302");
      const rc = { Protocol: c.Protocol ?? "#{protocol}", Port: c.Port ?? "#{port}", Host: c.Host ?? "#{host}", Path: c.Path ?? "/#{path}", Query: c.Query ?? "#{query}", StatusCode: c.StatusCode };
      const sameProto = rc.Protocol === "#{protocol}" || rc.Protocol === listener.Protocol;
      const samePort = rc.Port === "#{port}" || rc.Port === String(listener.Port);
      if (sameProto && samePort && rc.Host === "#{host}" && rc.Path === "/#{path}" && rc.Query === "#{query}") {
        fail(ctx, "InvalidLoadBalancerActionException", "The redirect configuration is not valid because it creates a loop.");
      }
      return { Type: "redirect", Order: order, RedirectConfig: rc };
    }
    if (a.Type === "fixed-response") {
      const c = a.FixedResponseConfig ?? {};
      if (!/^[2-5]\d\d$/.test(String(c.StatusCode ?? ""))) fail(ctx, "ValidationError", "FixedResponseConfig StatusCode must be 2XX, 4XX or 5XX");
      return { Type: "fixed-response", Order: order, FixedResponseConfig: { StatusCode: String(c.StatusCode), ContentType: c.ContentType, MessageBody: c.MessageBody } };
    }
    return fail(ctx, "ValidationError", `The opsctl sandbox models forward, redirect and fixed-response actions (Type ${String(a.Type)})`);
  });
}

function checkTls(ctx: HandlerContext, protocol: string, certificates: SimRecord[] | undefined, sslPolicy: string | undefined): { Certificates?: SimRecord[]; SslPolicy?: string } {
  if (protocol === "HTTP") {
    if (certificates?.length) fail(ctx, "ValidationError", "Certificates can only be specified for HTTPS listeners");
    if (sslPolicy) fail(ctx, "ValidationError", "An SSL policy can only be specified for HTTPS listeners");
    return {};
  }
  if (certificates?.length !== 1) fail(ctx, "ValidationError", "A listener of protocol HTTPS must specify exactly one default certificate");
  const arn = String(certificates[0].CertificateArn ?? "");
  const cert = certificateForUse(ctx, arn);
  if (!cert || !arn.includes(`:acm:${ctx.region}:`)) fail(ctx, "CertificateNotFoundException", `Certificate '${arn}' not found`);
  // A certificate that is not ISSUED (pending validation, timed out …) is refused with this code, which the
  // API reference does not list but ELB answers (also seen as Terraform errors).
  if (cert.Status !== "ISSUED") fail(ctx, "UnsupportedCertificate", `The certificate '${arn}' must have a fully-qualified domain name, a supported signature, and a supported key size.`);
  const policy = sslPolicy ?? DEFAULT_SSL_POLICY;
  if (!SSL_POLICIES[policy]) fail(ctx, "SSLPolicyNotFoundException", `SSL policy '${policy}' not found`);
  return { Certificates: [{ CertificateArn: arn }], SslPolicy: policy };
}

const listenerSettings = (l: SimRecord) => JSON.stringify([l.Protocol, l.Certificates ?? [], l.SslPolicy ?? null, l.DefaultActions]);

const CreateListener = handler<ElasticLoadBalancingV2, "CreateListener">((input, ctx) => {
  settle(ctx);
  const lb = getLb(ctx, input.LoadBalancerArn);
  if (lb._goneAt !== undefined) fail(ctx, "LoadBalancerNotFoundException", `Load balancer '${lb.LoadBalancerArn}' not found`);
  const port = intIn(ctx, input.Port, "Port", 1, 65535);
  const protocol = input.Protocol ?? "HTTP";
  if (protocol !== "HTTP" && protocol !== "HTTPS") fail(ctx, "UnsupportedProtocolException", `Protocol '${protocol}' is not supported for application load balancers`);
  if (port === undefined) fail(ctx, "ValidationError", "A listener port must be specified");
  const tls = checkTls(ctx, protocol, input.Certificates, input.SslPolicy);
  const actions = normActions(ctx, lb, { Protocol: protocol, Port: port }, input.DefaultActions);
  const draft: SimRecord = { Protocol: protocol, ...tls, DefaultActions: actions };
  const existing = Object.values(listeners(ctx)).find((l) => l.LoadBalancerArn === lb.LoadBalancerArn && l.Port === port);
  // Idempotent: the same port with the same settings answers the existing listener.
  if (existing) {
    if (listenerSettings(existing) === listenerSettings(draft)) return { Listeners: [publicView(existing)] };
    fail(ctx, "DuplicateListenerException", `A listener already exists on this port for this load balancer '${lb.LoadBalancerArn}'`);
  }
  if (Object.values(listeners(ctx)).filter((l) => l.LoadBalancerArn === lb.LoadBalancerArn).length >= 50) fail(ctx, "TooManyListenersException", "Too many listeners");
  const tags = tagList(ctx, input.Tags);
  const lbPath = lb.LoadBalancerArn.split(":loadbalancer/")[1];
  const arn = `${arnPrefix(ctx)}:listener/${lbPath}/${ctx.newId("", 16)}`;
  const l: SimRecord = ctx.born({ ListenerArn: arn, LoadBalancerArn: lb.LoadBalancerArn, Port: port, ...draft, _tags: tags });
  listeners(ctx)[arn] = l;
  return { Listeners: [publicView(l)] };
});

const DescribeListeners = handler<ElasticLoadBalancingV2, "DescribeListeners">((input, ctx) => {
  settle(ctx);
  let list: SimRecord[];
  if (input.ListenerArns?.length) {
    list = (input.ListenerArns as string[]).map((a) => getListener(ctx, a));
  } else if (input.LoadBalancerArn) {
    getLb(ctx, input.LoadBalancerArn);
    list = Object.values(listeners(ctx)).filter((l) => l.LoadBalancerArn === input.LoadBalancerArn && ctx.visible(l));
  } else {
    return fail(ctx, "ValidationError", "You must specify either listener ARNs or a load balancer ARN");
  }
  list.sort((a, b) => a.Port - b.Port);
  const { items, NextMarker } = page(ctx, list, input);
  return { Listeners: items.map((l) => publicView(l)), NextMarker };
});

const ModifyListener = handler<ElasticLoadBalancingV2, "ModifyListener">((input, ctx) => {
  settle(ctx);
  const l = getListener(ctx, input.ListenerArn);
  const lb = getLb(ctx, l.LoadBalancerArn);
  const port = intIn(ctx, input.Port, "Port", 1, 65535) ?? l.Port;
  if (port !== l.Port && Object.values(listeners(ctx)).some((x) => x.LoadBalancerArn === lb.LoadBalancerArn && x.Port === port)) {
    fail(ctx, "DuplicateListenerException", `A listener already exists on port ${port} for this load balancer`);
  }
  const protocol = input.Protocol ?? l.Protocol;
  if (protocol !== "HTTP" && protocol !== "HTTPS") fail(ctx, "UnsupportedProtocolException", `Protocol '${protocol}' is not supported for application load balancers`);
  const switching = protocol !== l.Protocol;
  const certs = input.Certificates ?? (switching && protocol === "HTTP" ? undefined : l.Certificates);
  const policy = input.SslPolicy ?? (switching && protocol === "HTTP" ? undefined : l.SslPolicy);
  const tls = checkTls(ctx, protocol, certs, policy);
  const actions = input.DefaultActions ? normActions(ctx, lb, { Protocol: protocol, Port: port }, input.DefaultActions) : l.DefaultActions;
  delete l.Certificates;
  delete l.SslPolicy;
  Object.assign(l, { Port: port, Protocol: protocol, ...tls, DefaultActions: actions });
  return { Listeners: [publicView(l)] };
});

const DeleteListener = handler<ElasticLoadBalancingV2, "DeleteListener">((input, ctx) => {
  const l = getListener(ctx, input.ListenerArn);
  delete listeners(ctx)[l.ListenerArn];
  return {};
});

const DescribeSSLPolicies = handler<ElasticLoadBalancingV2, "DescribeSSLPolicies">((input, ctx) => {
  const names: string[] = input.Names?.length ? input.Names : Object.keys(SSL_POLICIES);
  const missing = names.filter((n) => !SSL_POLICIES[n]);
  if (missing.length) fail(ctx, "SSLPolicyNotFoundException", `One or more SSL policies not found: ${missing.join(", ")}`);
  const { items, NextMarker } = page(ctx, names, input);
  return {
    SslPolicies: items.map((n) => ({
      Name: n,
      SslProtocols: SSL_POLICIES[n].protocols,
      Ciphers: SSL_POLICIES[n].ciphers.map((Name, i) => ({ Name, Priority: i + 1 })),
      SupportedLoadBalancerTypes: ["application", "network"],
    })),
    NextMarker,
  };
});

// ---------------------------------------------------------------- tags

function tagged(ctx: HandlerContext, arn: string): SimRecord {
  if (arn.includes(":loadbalancer/")) return getLb(ctx, arn);
  if (arn.includes(":targetgroup/")) return getTg(ctx, arn);
  if (arn.includes(":listener/")) return getListener(ctx, arn);
  return fail(ctx, "ValidationError", `'${arn}' is not a valid load balancer, target group or listener ARN`);
}

const DescribeTags = handler<ElasticLoadBalancingV2, "DescribeTags">((input, ctx) => {
  settle(ctx);
  const arns: string[] = input.ResourceArns ?? [];
  if (!arns.length || arns.length > 20) fail(ctx, "ValidationError", "ResourceArns must hold between 1 and 20 ARNs");
  return { TagDescriptions: arns.map((a) => ({ ResourceArn: a, Tags: publicView({ t: tagged(ctx, a)._tags }).t })) };
});

const AddTags = handler<ElasticLoadBalancingV2, "AddTags">((input, ctx) => {
  settle(ctx);
  const add = tagList(ctx, input.Tags);
  for (const arn of (input.ResourceArns ?? []) as string[]) {
    const r = tagged(ctx, arn);
    const next = mergeTags({ _tags: keyValueTags(r) }, add);
    if (next.length > 50) fail(ctx, "TooManyTagsException", `You've reached the limit on the number of tags for this resource (${arn})`);
    r._tags = next;
  }
  return {};
});

const RemoveTags = handler<ElasticLoadBalancingV2, "RemoveTags">((input, ctx) => {
  settle(ctx);
  const keys = new Set<string>(input.TagKeys ?? []);
  for (const arn of (input.ResourceArns ?? []) as string[]) {
    const r = tagged(ctx, arn);
    removeTags(r, [...keys]);
  }
  return {};
});

/** Simulated ElasticLoadBalancingV2 (behaviour: elbv2.md beside this file). */
export const elbv2Service: SimService = defineService<ElasticLoadBalancingV2>({
  clientName: "ElasticLoadBalancingV2Client",
  key: "elbv2",
  exception: ElasticLoadBalancingV2ServiceException as any,
  throttlingCode: "Throttling",
  handlers: {
    CreateLoadBalancer,
    DescribeLoadBalancers,
    DescribeLoadBalancerAttributes,
    ModifyLoadBalancerAttributes,
    DeleteLoadBalancer,
    SetSecurityGroups,
    SetSubnets,
    SetIpAddressType,
    CreateTargetGroup,
    DescribeTargetGroups,
    ModifyTargetGroup,
    DescribeTargetGroupAttributes,
    ModifyTargetGroupAttributes,
    DeleteTargetGroup,
    RegisterTargets,
    DeregisterTargets,
    DescribeTargetHealth,
    CreateListener,
    DescribeListeners,
    ModifyListener,
    DeleteListener,
    DescribeSSLPolicies,
    DescribeTags,
    AddTags,
    RemoveTags,
  },
});
