/** Shared state logic of the simulated EC2: lookups, settling states for "now", default resources (behaviour: ec2.md). */
import { matchesFilters, paginate } from "../filters.js";
import type { HandlerContext, SimRecord } from "../types.js";
import { GONE, advance, advanceAll, type Step } from "../transitions.js";
import { counter, format6, iso, numToIp, out, parse4 } from "./ec2-util.js";

export type Ctx = HandlerContext;

/** How long deleted NAT gateways and terminated instances stay visible (AWS: "about an hour"). */
export const LINGER_MS = 60 * 60 * 1000;

/** How long a RunInstances ClientToken answers a terminated instance (AWS: "at least 24 hours after termination"). */
export const TERMINATED_TOKEN_MS = 24 * 60 * 60 * 1000;

/** NotFound error code and message per collection, as EC2 words them. */
const NOT_FOUND: Record<string, [string, (id: string) => string]> = {
  vpcs: ["InvalidVpcID.NotFound", (id) => `The vpc ID '${id}' does not exist`],
  subnets: ["InvalidSubnetID.NotFound", (id) => `The subnet ID '${id}' does not exist`],
  internetGateways: ["InvalidInternetGatewayID.NotFound", (id) => `The internetGateway ID '${id}' does not exist`],
  egressOnlyInternetGateways: ["InvalidGatewayID.NotFound", (id) => `The gateway ID '${id}' does not exist`],
  addresses: ["InvalidAllocationID.NotFound", (id) => `The allocation ID '${id}' does not exist`],
  natGateways: ["NatGatewayNotFound", (id) => `NAT gateway ${id} was not found`],
  routeTables: ["InvalidRouteTableID.NotFound", (id) => `The routeTable ID '${id}' does not exist`],
  vpcEndpoints: ["InvalidVpcEndpointId.NotFound", (id) => `The Vpc Endpoint Id '${id}' does not exist`],
  networkAcls: ["InvalidNetworkAclID.NotFound", (id) => `The networkAcl ID '${id}' does not exist`],
  flowLogs: ["InvalidFlowLogId.NotFound", (id) => `Flow log ${id} does not exist`],
  securityGroups: ["InvalidGroup.NotFound", (id) => `The security group '${id}' does not exist`],
  securityGroupRules: ["InvalidSecurityGroupRuleId.NotFound", (id) => `The security group rule ID '${id}' does not exist`],
  keyPairs: ["InvalidKeyPair.NotFound", (id) => `The key pair '${id}' does not exist`],
  instances: ["InvalidInstanceID.NotFound", (id) => `The instance ID '${id}' does not exist`],
  volumes: ["InvalidVolume.NotFound", (id) => `The volume '${id}' does not exist.`],
  networkInterfaces: ["InvalidNetworkInterfaceID.NotFound", (id) => `The networkInterface ID '${id}' does not exist`],
};

/** Id prefix -> collection (CreateTags / DeleteTags / DescribeTags). */
export const PREFIX_TABLE: Record<string, [string, string]> = {
  vpc: ["vpcs", "vpc"],
  subnet: ["subnets", "subnet"],
  igw: ["internetGateways", "internet-gateway"],
  eigw: ["egressOnlyInternetGateways", "egress-only-internet-gateway"],
  eipalloc: ["addresses", "elastic-ip"],
  nat: ["natGateways", "natgateway"],
  rtb: ["routeTables", "route-table"],
  vpce: ["vpcEndpoints", "vpc-endpoint"],
  acl: ["networkAcls", "network-acl"],
  fl: ["flowLogs", "vpc-flow-log"],
  sg: ["securityGroups", "security-group"],
  sgr: ["securityGroupRules", "security-group-rule"],
  key: ["keyPairs", "key-pair"],
  i: ["instances", "instance"],
  vol: ["volumes", "volume"],
  eni: ["networkInterfaces", "network-interface"],
};

export function notFound(ctx: Ctx, table: string, id: string): never {
  const [code, msg] = NOT_FOUND[table] ?? ["InvalidID", (x: string) => `The ID '${x}' is not valid`];
  return ctx.fail(code, msg(id));
}

/** A visible record, or undefined (new records are hidden while the NotFound-lag fault holds them back). */
export function find(ctx: Ctx, table: string, id: string | undefined): SimRecord | undefined {
  if (!id) return undefined;
  const rec = ctx.table(table)[id];
  return rec && ctx.visible(rec) ? rec : undefined;
}

/** A visible record, or the collection's NotFound error. */
export function get(ctx: Ctx, table: string, id: string | undefined): SimRecord {
  const rec = find(ctx, table, id);
  if (!rec) {
    if (!id) return ctx.fail("MissingParameter", `The request must contain the parameter ${table.replace(/s$/, "")} id`);
    notFound(ctx, table, id);
  }
  return rec;
}

/** Every visible record of a collection. */
export function list(ctx: Ctx, table: string): SimRecord[] {
  return Object.values(ctx.table(table)).filter((r) => ctx.visible(r));
}

export function required(ctx: Ctx, input: any, name: string): any {
  const v = input?.[name];
  if (v === undefined || v === null || v === "") return ctx.fail("MissingParameter", `The request must contain the parameter ${name}`);
  return v;
}

/**
 * The common Describe* pattern: explicit ids (each must exist: else the NotFound error), then EC2 filters
 * (`Filters`, or `Filter` for the operations that name it so), then MaxResults/NextToken paging.
 */
export function describe(
  ctx: Ctx,
  table: string,
  input: any,
  ids: string[] | undefined,
  fields: Record<string, (r: SimRecord) => unknown>,
  opts: { page?: boolean; keep?: (r: SimRecord) => boolean } = {},
): { items: SimRecord[]; next?: string } {
  let recs = ids?.length ? ids.map((id) => get(ctx, table, id)) : list(ctx, table);
  if (opts.keep) recs = recs.filter(opts.keep);
  const filters = input.Filters ?? input.Filter;
  recs = recs.filter((r) => matchesFilters(r, filters, fields));
  if (opts.page === false) return { items: recs };
  const { page, next } = paginate(recs, input.MaxResults, input.NextToken);
  return { items: page, next };
}

/** {@link describe} over records that are not stored (zones, prefix lists, tag rows): same filter semantics, no paging. */
export function describeStatic(recs: SimRecord[], input: any, fields: Record<string, (r: SimRecord) => unknown>): { items: SimRecord[] } {
  const fake = { table: () => Object.fromEntries(recs.map((r, i) => [String(i), r])), visible: () => true } as unknown as Ctx;
  return describe(fake, "static", input, undefined, fields, { page: false });
}

const TOKEN_MISMATCH = "The client token you have provided is associated with a resource that is already deleted or a request with different parameters. Please provide a different client token.";

/**
 * Remembers a ClientToken's request; returns the earlier result id for an identical request. With
 * `table`, a token whose resource has left that table (deleted, purged) is refused with
 * IdempotentParameterMismatch, as EC2 words it ("associated with a resource that is already deleted"):
 * AWS never runs a request twice for one token, so it neither answers a resource that is gone nor makes a new one.
 */
export function idempotent(ctx: Ctx, op: string, token: string | undefined, hash: string, table?: string): { replay?: string; remember(id: string): void } {
  if (!token) return { remember: () => undefined };
  const tokens = ctx.table("clientTokens");
  const key = `${op}:${token}`;
  const prev = tokens[key];
  if (prev) {
    if (prev.hash !== hash) return ctx.fail("IdempotentParameterMismatch", TOKEN_MISMATCH);
    if (table && !ctx.table(table)[prev.id]) return ctx.fail("IdempotentParameterMismatch", TOKEN_MISMATCH);
    return { replay: prev.id, remember: () => undefined };
  }
  return { remember: (id: string) => void (tokens[key] = { hash, id, _createdAt: ctx.now() }) };
}

// ---------------------------------------------------------------- addresses

export function newPublicIp(ctx: Ctx): string {
  const n = counter(ctx, "publicIp") + 4200;
  return `52.${16 + (Math.floor(n / 65536) % 32)}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

export function newIpv6Block56(ctx: Ctx): string {
  const n = counter(ctx, "ipv6");
  const prefix56 = (0x2a05d018n << 24n) | BigInt((0x4c1a00 + n * 0x101) & 0xffffff);
  return `${format6(prefix56 << 72n)}/56`;
}

export function nextPrivateIp(ctx: Ctx, subnet: SimRecord): string {
  const c = parse4(subnet.CidrBlock)!;
  subnet._nextHost = (subnet._nextHost ?? 3) + 1;
  if (subnet._nextHost >= c.size - 1) subnet._nextHost = 4;
  return numToIp(c.base + subnet._nextHost);
}

export function macAddress(ctx: Ctx): string {
  const n = counter(ctx, "mac");
  const hex = (0x1a2b3c4d00 + n * 0x1f3).toString(16).padStart(10, "0").slice(-10);
  return `0a:${hex.match(/../g)!.join(":")}`;
}

export function privateDnsName(ctx: Ctx, ip: string): string {
  return `ip-${ip.replace(/\./g, "-")}.${ctx.region === "us-east-1" ? "ec2.internal" : `${ctx.region}.compute.internal`}`;
}

export function publicDnsName(ctx: Ctx, ip: string): string {
  return `ec2-${ip.replace(/\./g, "-")}.${ctx.region === "us-east-1" ? "compute-1" : `${ctx.region}.compute`}.amazonaws.com`;
}

/** A network interface in `subnet` (requester-managed ones for NAT gateways and interface endpoints). */
export function newEni(
  ctx: Ctx,
  subnet: SimRecord,
  o: { description: string; type: string; requesterManaged: boolean; groups?: SimRecord[]; instanceId?: string; deviceIndex?: number; tags?: any[] },
): SimRecord {
  const id = ctx.newId("eni");
  const ip = nextPrivateIp(ctx, subnet);
  const eni: SimRecord = ctx.born({
    NetworkInterfaceId: id,
    AvailabilityZone: subnet.AvailabilityZone,
    AvailabilityZoneId: subnet.AvailabilityZoneId,
    Description: o.description,
    Groups: (o.groups ?? []).map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName })),
    InterfaceType: o.type,
    Ipv6Addresses: [],
    MacAddress: macAddress(ctx),
    OwnerId: ctx.accountId,
    PrivateDnsName: privateDnsName(ctx, ip),
    PrivateIpAddress: ip,
    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: ip, PrivateDnsName: privateDnsName(ctx, ip) }],
    RequesterManaged: o.requesterManaged,
    SourceDestCheck: o.type !== "nat_gateway",
    Status: "in-use",
    SubnetId: subnet.SubnetId,
    VpcId: subnet.VpcId,
    _tags: o.tags ?? [],
  });
  if (o.requesterManaged) eni.RequesterId = "AIDAJ5N4VXH7SANDBOX";
  if (o.instanceId) {
    eni.Attachment = {
      AttachTime: iso(ctx),
      AttachmentId: ctx.newId("eni-attach"),
      DeleteOnTermination: true,
      DeviceIndex: o.deviceIndex ?? 0,
      NetworkCardIndex: 0,
      InstanceId: o.instanceId,
      InstanceOwnerId: ctx.accountId,
      Status: "attached",
    };
  }
  ctx.table("networkInterfaces")[id] = eni;
  return eni;
}

/** Sets (or clears) the public address shown on an ENI and the primary private address. */
export function setEniAssociation(eni: SimRecord | undefined, assoc: SimRecord | undefined): void {
  if (!eni) return;
  if (assoc) eni.Association = assoc;
  else delete eni.Association;
  const primary = eni.PrivateIpAddresses?.[0];
  if (primary) {
    if (assoc) primary.Association = assoc;
    else delete primary.Association;
  }
}

/** Disassociates an Elastic IP (whatever it was associated with). */
export function disassociateEip(ctx: Ctx, addr: SimRecord): void {
  const eni = ctx.table("networkInterfaces")[addr.NetworkInterfaceId];
  if (eni?.Association?.AllocationId === addr.AllocationId) setEniAssociation(eni, undefined);
  const inst = addr.InstanceId ? ctx.table("instances")[addr.InstanceId] : undefined;
  if (inst && inst.PublicIpAddress === addr.PublicIp) {
    delete inst.PublicIpAddress;
    inst.PublicDnsName = "";
  }
  for (const k of ["AssociationId", "NetworkInterfaceId", "NetworkInterfaceOwnerId", "PrivateIpAddress", "InstanceId"]) delete addr[k];
}

// ---------------------------------------------------------------- security groups

export const PROTO_NAMES: Record<string, string> = { "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", all: "-1", "-1": "-1" };

export function normProto(p: any): string {
  const s = String(p ?? "-1").toLowerCase();
  return PROTO_NAMES[s] ?? s;
}

/** Adds one security group rule (one permission x one peer) and returns it. */
export function addSgRule(ctx: Ctx, sg: SimRecord, r: SimRecord, tags: any[] = []): SimRecord {
  const id = ctx.newId("sgr");
  const rule = ctx.born({
    SecurityGroupRuleId: id,
    GroupId: sg.GroupId,
    GroupOwnerId: ctx.accountId,
    IsEgress: !!r.IsEgress,
    IpProtocol: r.IpProtocol,
    FromPort: r.FromPort,
    ToPort: r.ToPort,
    ...(r.CidrIpv4 ? { CidrIpv4: r.CidrIpv4 } : {}),
    ...(r.CidrIpv6 ? { CidrIpv6: r.CidrIpv6 } : {}),
    ...(r.PrefixListId ? { PrefixListId: r.PrefixListId } : {}),
    ...(r.ReferencedGroupInfo ? { ReferencedGroupInfo: r.ReferencedGroupInfo } : {}),
    ...(r.Description !== undefined ? { Description: r.Description } : {}),
    _tags: tags,
    SecurityGroupRuleArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group-rule/${id}`,
  });
  rule._visibleAt = rule._createdAt; // rules are part of their group: no separate lag
  ctx.table("securityGroupRules")[id] = rule;
  return rule;
}

export function newSecurityGroup(ctx: Ctx, vpc: SimRecord, name: string, description: string, tags: any[]): SimRecord {
  const id = ctx.newId("sg");
  const sg = ctx.born({
    Description: description,
    GroupName: name,
    OwnerId: ctx.accountId,
    GroupId: id,
    VpcId: vpc.VpcId,
    _tags: tags,
    SecurityGroupArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group/${id}`,
  });
  ctx.table("securityGroups")[id] = sg;
  addSgRule(ctx, sg, { IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0" });
  if (vpcHasIpv6(vpc)) addSgRule(ctx, sg, { IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv6: "::/0" });
  return sg;
}

/** A security group as DescribeSecurityGroups shows it: IpPermissions grouped from the rules. */
export function sgView(ctx: Ctx, sg: SimRecord): SimRecord {
  const rules = Object.values(ctx.table("securityGroupRules")).filter((r) => r.GroupId === sg.GroupId);
  const perms = (egress: boolean) => {
    const byKey = new Map<string, SimRecord>();
    for (const r of rules.filter((x) => x.IsEgress === egress)) {
      const key = `${r.IpProtocol}|${r.FromPort}|${r.ToPort}`;
      let p = byKey.get(key);
      if (!p) {
        p = { IpProtocol: r.IpProtocol, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
        if (r.IpProtocol !== "-1") {
          p.FromPort = r.FromPort;
          p.ToPort = r.ToPort;
        }
        byKey.set(key, p);
      }
      const d = r.Description !== undefined ? { Description: r.Description } : {};
      if (r.CidrIpv4) p.IpRanges.push({ CidrIp: r.CidrIpv4, ...d });
      if (r.CidrIpv6) p.Ipv6Ranges.push({ CidrIpv6: r.CidrIpv6, ...d });
      if (r.PrefixListId) p.PrefixListIds.push({ PrefixListId: r.PrefixListId, ...d });
      if (r.ReferencedGroupInfo) p.UserIdGroupPairs.push({ GroupId: r.ReferencedGroupInfo.GroupId, UserId: ctx.accountId, ...d });
    }
    return [...byKey.values()];
  };
  return out({ ...sg, IpPermissions: perms(false), IpPermissionsEgress: perms(true) });
}

// ---------------------------------------------------------------- VPC defaults

export function vpcHasIpv6(vpc: SimRecord): boolean {
  return (vpc.Ipv6CidrBlockAssociationSet ?? []).some((a: SimRecord) => ["associating", "associated"].includes(a.Ipv6CidrBlockState?.State));
}

export function vpcIpv4Blocks(vpc: SimRecord): string[] {
  return (vpc.CidrBlockAssociationSet ?? []).filter((a: SimRecord) => a.CidrBlockState?.State === "associated").map((a: SimRecord) => a.CidrBlock);
}

export function vpcIpv6Blocks(vpc: SimRecord): string[] {
  return (vpc.Ipv6CidrBlockAssociationSet ?? [])
    .filter((a: SimRecord) => ["associating", "associated"].includes(a.Ipv6CidrBlockState?.State))
    .map((a: SimRecord) => a.Ipv6CidrBlock);
}

export function localRoutes(vpc: SimRecord): SimRecord[] {
  return [
    ...vpcIpv4Blocks(vpc).map((c) => ({ DestinationCidrBlock: c, GatewayId: "local", Origin: "CreateRouteTable", State: "active" })),
    ...vpcIpv6Blocks(vpc).map((c) => ({ DestinationIpv6CidrBlock: c, GatewayId: "local", Origin: "CreateRouteTable", State: "active" })),
  ];
}

export function newRouteTable(ctx: Ctx, vpc: SimRecord, main: boolean, tags: any[]): SimRecord {
  const id = ctx.newId("rtb");
  const rt = ctx.born({
    Associations: main
      ? [{ Main: true, RouteTableAssociationId: ctx.newId("rtbassoc"), RouteTableId: id, AssociationState: { State: "associated" } }]
      : [],
    PropagatingVgws: [],
    RouteTableId: id,
    Routes: localRoutes(vpc),
    _tags: tags,
    VpcId: vpc.VpcId,
    OwnerId: ctx.accountId,
  });
  ctx.table("routeTables")[id] = rt;
  return rt;
}

export function aclEntry(n: number, egress: boolean, action: "allow" | "deny", v6: boolean): SimRecord {
  return { ...(v6 ? { Ipv6CidrBlock: "::/0" } : { CidrBlock: "0.0.0.0/0" }), Egress: egress, Protocol: "-1", RuleAction: action, RuleNumber: n };
}

/** Default ACL: allow-all 100 (IPv4) / 101 (IPv6) plus the `*` denies 32767 (IPv4) / 32768 (IPv6); custom ACLs only the denies. */
export function defaultAclEntries(isDefault: boolean, v6: boolean): SimRecord[] {
  const e: SimRecord[] = [];
  for (const egress of [true, false]) {
    if (isDefault) {
      e.push(aclEntry(100, egress, "allow", false));
      if (v6) e.push(aclEntry(101, egress, "allow", true));
    }
    e.push(aclEntry(32767, egress, "deny", false));
    if (v6) e.push(aclEntry(32768, egress, "deny", true));
  }
  return e;
}

export function newNetworkAcl(ctx: Ctx, vpc: SimRecord, isDefault: boolean, tags: any[]): SimRecord {
  const id = ctx.newId("acl");
  const acl = ctx.born({
    Associations: [],
    Entries: defaultAclEntries(isDefault, vpcHasIpv6(vpc)),
    IsDefault: isDefault,
    NetworkAclId: id,
    _tags: tags,
    VpcId: vpc.VpcId,
    OwnerId: ctx.accountId,
  });
  ctx.table("networkAcls")[id] = acl;
  return acl;
}

// ---------------------------------------------------------------- time: settle every record for "now"

export const INSTANCE_CODES: Record<string, number> = { pending: 0, running: 16, "shutting-down": 32, terminated: 48, stopping: 64, stopped: 80 };

export function setInstanceState(inst: SimRecord, name: string): void {
  inst.State = { Code: INSTANCE_CODES[name], Name: name };
}

/** Releases what a NAT gateway holds once it is deleted or failed: its ENI goes, its Elastic IP is disassociated. */
function releaseNat(ctx: Ctx, nat: SimRecord): void {
  const addrs = ctx.table("addresses");
  for (const a of nat.NatGatewayAddresses ?? []) {
    const addr = addrs[a.AllocationId];
    if (addr && addr.AssociationId === a.AssociationId) disassociateEip(ctx, addr);
    if (a.NetworkInterfaceId) delete ctx.table("networkInterfaces")[a.NetworkInterfaceId];
  }
}

function releasePublicIp(ctx: Ctx, inst: SimRecord): void {
  const eni = ctx.table("networkInterfaces")[inst._eniId];
  if (eni?.Association && !eni.Association.AllocationId) setEniAssociation(eni, undefined);
  if (!eni?.Association) {
    delete inst.PublicIpAddress;
    inst.PublicDnsName = "";
  }
}

function enterInstanceState(ctx: Ctx, inst: SimRecord, name: string, at: number): void {
  setInstanceState(inst, name);
  if (name === "stopped") {
    releasePublicIp(ctx, inst);
    inst.StateTransitionReason = `User initiated (${iso(ctx, at).replace("T", " ").replace(/\.\d+Z$/, " GMT")})`;
  }
  if (name === "terminated") {
    for (const a of Object.values(ctx.table("addresses"))) if (a.InstanceId === inst.InstanceId) disassociateEip(ctx, a);
    delete ctx.table("networkInterfaces")[inst._eniId];
    delete inst.PublicIpAddress;
    inst.PublicDnsName = "";
    inst.NetworkInterfaces = [];
    const vols = ctx.table("volumes");
    for (const bdm of inst.BlockDeviceMappings ?? []) {
      const v = vols[bdm.Ebs?.VolumeId];
      if (!v) continue;
      if (bdm.Ebs.DeleteOnTermination) delete vols[v.VolumeId];
      else {
        v.Attachments = [];
        v.State = "available";
      }
    }
    inst.BlockDeviceMappings = [];
    inst._purgeAt = at + LINGER_MS;
  }
}

/** The states of a NAT gateway: pending → available (or failed), deleting → deleted, then gone after {@link LINGER_MS}. */
function natSteps(ctx: Ctx): Step[] {
  return [
    {
      from: "pending",
      at: "_availableAt",
      to: (nat) => (nat._failCode ? "failed" : "available"),
      then: (nat, at) => {
        if (nat.State === "available") {
          for (const a of nat.NatGatewayAddresses ?? []) a.Status = "succeeded";
          return;
        }
        nat.FailureCode = nat._failCode;
        nat.FailureMessage = nat._failMessage;
        nat.DeleteTime = iso(ctx, at);
        for (const a of nat.NatGatewayAddresses ?? []) a.Status = "failed";
        releaseNat(ctx, nat);
        nat._purgeAt = at + LINGER_MS;
      },
    },
    {
      from: "deleting",
      at: "_deletedAt",
      to: "deleted",
      then: (nat, at) => {
        nat.DeleteTime = iso(ctx, at);
        for (const a of nat.NatGatewayAddresses ?? []) a.Status = "succeeded";
        releaseNat(ctx, nat);
        nat._purgeAt = at + LINGER_MS;
      },
    },
    { from: ["deleted", "failed"], at: "_purgeAt", to: GONE },
  ];
}

const PENDING_TO_AVAILABLE: Step[] = [{ from: "pending", at: "_availableAt", to: "available" }];

/** Brings every record of the region to the state it has at the current simulated time. */
export function settle(ctx: Ctx): void {
  const now = ctx.now();
  const cidrState = { get: (a: SimRecord) => a.Ipv6CidrBlockState?.State, set: (a: SimRecord, s: string) => (a.Ipv6CidrBlockState = { State: s }) };
  for (const vpc of Object.values(ctx.table("vpcs"))) {
    advance(vpc, now, "State", PENDING_TO_AVAILABLE);
    for (const a of vpc.Ipv6CidrBlockAssociationSet ?? []) advance(a, now, cidrState, [{ from: "associating", at: "_at", to: "associated" }]);
  }
  advanceAll(ctx.table("subnets"), now, "State", PENDING_TO_AVAILABLE);
  advanceAll(ctx.table("natGateways"), now, "State", natSteps(ctx));
  advanceAll(ctx.table("vpcEndpoints"), now, "State", [...PENDING_TO_AVAILABLE, { from: "deleting", at: "_deletedAt", to: GONE }]);
  const insts = ctx.table("instances");
  for (const inst of Object.values(insts)) {
    while (inst._next && now >= inst._next.at) {
      const { state, at } = inst._next;
      delete inst._next;
      enterInstanceState(ctx, inst, state, at);
    }
    if (inst.MetadataOptions?.State === "pending" && now > (inst._metadataAt ?? 0)) inst.MetadataOptions.State = "applied";
    if (inst.State?.Name === "terminated" && now >= inst._purgeAt) {
      // Gone from DescribeInstances, but its RunInstances token still answers it for at least 24 h after
      // the termination (EC2 API guide, "Ensuring idempotency" → RunInstances idempotency).
      ctx.table("terminatedInstances")[inst.InstanceId] = { InstanceId: inst.InstanceId, ImageId: inst.ImageId, InstanceType: inst.InstanceType, State: { ...inst.State }, _reservationId: inst._reservationId, _tokenUntil: inst._purgeAt - LINGER_MS + TERMINATED_TOKEN_MS };
      delete insts[inst.InstanceId];
    }
  }
  const tombs = ctx.table("terminatedInstances");
  for (const t of Object.values(tombs)) if (now >= t._tokenUntil) delete tombs[t.InstanceId];
}

/** Route state for now: `blackhole` when the target is gone (NAT gateway not pending/available, IGW detached, ...). */
export function routeState(ctx: Ctx, rt: SimRecord, r: SimRecord): string {
  if (r.NatGatewayId) {
    const nat = ctx.table("natGateways")[r.NatGatewayId];
    return nat && (nat.State === "pending" || nat.State === "available") ? "active" : "blackhole";
  }
  if (r.GatewayId?.startsWith("igw-")) {
    const igw = ctx.table("internetGateways")[r.GatewayId];
    return igw?.Attachments?.some((a: SimRecord) => a.VpcId === rt.VpcId) ? "active" : "blackhole";
  }
  if (r.GatewayId?.startsWith("vpce-")) return ctx.table("vpcEndpoints")[r.GatewayId] ? "active" : "blackhole";
  if (r.EgressOnlyInternetGatewayId) return ctx.table("egressOnlyInternetGateways")[r.EgressOnlyInternetGatewayId] ? "active" : "blackhole";
  if (r.InstanceId) {
    const i = ctx.table("instances")[r.InstanceId];
    return i && i.State?.Name !== "terminated" ? "active" : "blackhole";
  }
  if (r.NetworkInterfaceId) return ctx.table("networkInterfaces")[r.NetworkInterfaceId] ? "active" : "blackhole";
  return "active";
}

export function rtView(ctx: Ctx, rt: SimRecord): SimRecord {
  const v = out(rt);
  v.Routes = v.Routes.map((r: SimRecord) => ({ ...r, State: routeState(ctx, rt, r) }));
  return v;
}
