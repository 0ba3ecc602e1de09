/**
 * Resource kinds `security-group`, `security-group-rule`, `default-security-group`.
 * Tests: test/resources/security-group.test.ts, test/resources/security-group-rule.test.ts, test/resources/default-security-group.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-compute.ts.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
  type SecurityGroup,
  type SecurityGroupRule,
  paginateDescribeSecurityGroupRules,
} from "@aws-sdk/client-ec2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, deleted, envFilter, orUndefined, ownedBy, retryOn, tagSpec } from "./toolkit.js";

/** One security group rule: protocol "-1" (all) or "tcp"/"udp" with ports, and one source/destination. */
export interface SgRuleSpec {
  protocol: string;
  from?: number;
  to?: number;
  cidr?: string;
  groupId?: string;
  description?: string;
}

/** SG-01..SG-05: a security group and its complete rule set (anything else is drift and is revoked). */
export interface SecurityGroupSpec {
  vpcId: string;
  groupName: string;
  description: string;
  ingress: SgRuleSpec[];
  egress: SgRuleSpec[];
  /**
   * Rules naming another group belong to this group's `security-group-rule` node (see
   * {@link securityGroupRules}), so that the group itself waits for no other group.
   */
  peerRulesElsewhere?: boolean;
}

/** Rules whose source or destination is another security group. */
const isPeerRule = (r: SecurityGroupRule) => Boolean(r.ReferencedGroupInfo?.GroupId);

/** A group and its rules. */
export interface SecurityGroupActual {
  group: SecurityGroup;
  rules: SecurityGroupRule[];
}

/** Identity of a rule, independent of its description. */
export function ruleKey(r: SgRuleSpec): string {
  const ports = r.protocol === "-1" ? "all" : `${r.protocol}:${r.from}-${r.to}`;
  return `${ports} ${r.cidr ?? r.groupId}`;
}

function fromAws(r: SecurityGroupRule): SgRuleSpec {
  const all = r.IpProtocol === "-1";
  return {
    protocol: r.IpProtocol!,
    from: all ? undefined : r.FromPort,
    to: all ? undefined : r.ToPort,
    cidr: r.CidrIpv4 ?? r.CidrIpv6,
    groupId: r.ReferencedGroupInfo?.GroupId,
  };
}

/** The rules as `status` shows them: one key per rule, by direction. */
function ruleDetails(rules: SecurityGroupRule[]): { ingress: string[]; egress: string[] } {
  return { ingress: rules.filter((r) => !r.IsEgress).map((r) => ruleKey(fromAws(r))), egress: rules.filter((r) => r.IsEgress).map((r) => ruleKey(fromAws(r))) };
}

function permission(r: SgRuleSpec): IpPermission {
  const p: IpPermission = { IpProtocol: r.protocol };
  if (r.protocol !== "-1") {
    p.FromPort = r.from;
    p.ToPort = r.to;
  }
  if (r.groupId) p.UserIdGroupPairs = [{ GroupId: r.groupId, Description: r.description }];
  else if (r.cidr?.includes(":")) p.Ipv6Ranges = [{ CidrIpv6: r.cidr, Description: r.description }];
  else p.IpRanges = [{ CidrIp: r.cidr, Description: r.description }];
  return p;
}

/** All groups of the env and all their rules: two calls per run, whatever the number of groups. */
function envGroups(ctx: ResourceContext): Promise<SecurityGroupActual[]> {
  return ctx.once("ec2:sgs", async () => {
    const ec2 = await ctx.aws.get("ec2");
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: envFilter(ctx) }))).SecurityGroups ?? [];
    if (groups.length === 0) return [];
    const rules = await describeRules(ctx, groups.map((g) => g.GroupId!));
    return groups.map((group) => ({ group, rules: rules.filter((r) => r.GroupId === group.GroupId) }));
  });
}

async function describeRules(ctx: ResourceContext, groupIds: string[]): Promise<SecurityGroupRule[]> {
  const ec2 = await ctx.aws.get("ec2");
  return collect(paginateDescribeSecurityGroupRules({ client: ec2 }, { Filters: [{ Name: "group-id", Values: groupIds }] }), (p) => p.SecurityGroupRules);
}

/** Rules to add and to revoke so that a group has exactly `spec`'s rules. */
export function ruleChanges(spec: Pick<SecurityGroupSpec, "ingress" | "egress">, rules: SecurityGroupRule[]): FieldChange[] {
  const c: FieldChange[] = [];
  for (const [dir, wanted] of [["ingress", spec.ingress], ["egress", spec.egress]] as const) {
    const have = rules.filter((r) => Boolean(r.IsEgress) === (dir === "egress"));
    const haveKeys = have.map((r) => ruleKey(fromAws(r)));
    for (const w of wanted) if (!haveKeys.includes(ruleKey(w))) c.push({ field: `${dir} ${ruleKey(w)}`, from: undefined, to: "allow" });
    for (const r of have) {
      const k = ruleKey(fromAws(r));
      if (!wanted.some((w) => ruleKey(w) === k)) c.push({ field: `${dir} ${k}`, from: r.SecurityGroupRuleId, to: undefined });
    }
  }
  return c;
}

/** Applies {@link ruleChanges}: authorizes missing rules, revokes extra ones by rule id. */
export async function applyRuleChanges(ctx: ResourceContext, groupId: string, spec: Pick<SecurityGroupSpec, "ingress" | "egress">, changes: FieldChange[]): Promise<void> {
  const ec2 = await ctx.aws.get("ec2");
  const what = `security group ${groupId}`;
  for (const dir of ["ingress", "egress"] as const) {
    const mine = changes.filter((c) => c.field.startsWith(`${dir} `));
    const add = mine.filter((c) => c.from === undefined).map((c) => (dir === "ingress" ? spec.ingress : spec.egress).find((w) => `${dir} ${ruleKey(w)}` === c.field)!);
    const revoke = mine.filter((c) => c.from !== undefined).map((c) => String(c.from));
    if (add.length) {
      const input = { GroupId: groupId, IpPermissions: add.map(permission), TagSpecifications: tagSpec(ctx, "security-group-rule") };
      try {
        await retryOn(["InvalidGroup.NotFound"], what, () =>
          dir === "ingress" ? ec2.send(new AuthorizeSecurityGroupIngressCommand(input)) : ec2.send(new AuthorizeSecurityGroupEgressCommand(input)),
        );
      } catch (e) {
        // One rule of the batch already exists (e.g. written by a run that crashed): add them one by one.
        if (!isCode(e, "InvalidPermission.Duplicate")) throw e;
        for (const rule of add) {
          const one = { ...input, IpPermissions: [permission(rule)] };
          try {
            if (dir === "ingress") await ec2.send(new AuthorizeSecurityGroupIngressCommand(one));
            else await ec2.send(new AuthorizeSecurityGroupEgressCommand(one));
          } catch (e2) {
            if (!isCode(e2, "InvalidPermission.Duplicate")) throw e2;
          }
        }
      }
    }
    if (revoke.length) {
      try {
        if (dir === "ingress") await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: revoke }));
        else await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, SecurityGroupRuleIds: revoke }));
      } catch (e) {
        if (!isCode(e, "InvalidPermission.NotFound", "InvalidSecurityGroupRuleId.NotFound")) throw e;
      }
    }
  }
}

/** The security-group controls of SPEC.md: a rule drift fails the one the group's node carries. */
const SG_CONTROLS = ["SG-01", "SG-02", "SG-03", "SG-04", "SG-05", "SG-06"] as const;

export const securityGroup: ResourceKind<SecurityGroupSpec, SecurityGroupActual, ResourceContext, { id: string }> = {
  kind: "security-group",
  budget: { create: slowMs("ec2.security-group.create") * 6, delete: 20 * 60_000 },
  typicalCreateMs: typicalMs("ec2.security-group.create"),
  // A rule drift fails the group's SG control (SG-01..06), not the instance's BAS-01 it also carries.
  fieldControls: { "ingress*": SG_CONTROLS, "egress*": SG_CONTROLS },

  async find(ctx) {
    return (await envGroups(ctx)).find((g) => ownedBy(ctx, g.group.Tags));
  },
  async findAll(ctx) {
    return (await envGroups(ctx)).filter((g) => ownedBy(ctx, g.group.Tags));
  },
  diff(spec, a) {
    const c: FieldChange[] = [];
    if (a.group.VpcId !== spec.vpcId) c.push({ field: "VpcId", from: a.group.VpcId, to: spec.vpcId, replace: true });
    if (a.group.GroupName !== spec.groupName) c.push({ field: "GroupName", from: a.group.GroupName, to: spec.groupName, replace: true });
    return [...c, ...ruleChanges(spec, spec.peerRulesElsewhere ? a.rules.filter((r) => !isPeerRule(r)) : a.rules)];
  },
  async create(ctx, spec) {
    const ec2 = await ctx.aws.get("ec2");
    try {
      const r = await retryOn(["InvalidVpcID.NotFound"], ctx.node, () =>
        ec2.send(new CreateSecurityGroupCommand({ GroupName: spec.groupName, Description: spec.description, VpcId: spec.vpcId, TagSpecifications: tagSpec(ctx, "security-group") })),
      );
      // Rules are applied by the post-create diff (which also revokes AWS's default egress where the plan has none).
      return { group: { GroupId: r.GroupId, GroupName: spec.groupName, VpcId: spec.vpcId, Tags: ctx.tags() }, rules: [] };
    } catch (e) {
      // Names are unique per VPC (no ClientToken): a duplicate is our own group from a run that crashed.
      if (isCode(e, "InvalidGroup.Duplicate")) {
        const r = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [spec.vpcId] }, { Name: "group-name", Values: [spec.groupName] }] }));
        const g = r.SecurityGroups?.[0];
        if (!g) throw new TryAgainLater(`security group ${spec.groupName} exists but is not visible yet`, 2_000);
        return { group: g, rules: await describeRules(ctx, [g.GroupId!]) };
      }
      throw e;
    }
  },
  async update(ctx, spec, a, changes) {
    await applyRuleChanges(ctx, a.group.GroupId!, spec, changes);
    return (await this.refresh(ctx, a)) ?? a;
  },
  async delete(ctx, a) {
    const ec2 = await ctx.aws.get("ec2");
    // DependencyViolation while another group's rule references it or an ENI still uses it.
    await retryOn(["DependencyViolation"], `security group ${a.group.GroupId}`, () => deleted(ec2.send(new DeleteSecurityGroupCommand({ GroupId: a.group.GroupId }))), 10_000);
  },
  async blockers(ctx, a) {
    const ec2 = await ctx.aws.get("ec2");
    const r = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "group-id", Values: [a.group.GroupId!] }] }));
    return (r.NetworkInterfaces ?? []).map((n) => `${n.NetworkInterfaceId} (${n.Description || n.InterfaceType || "network interface"})`);
  },
  async refresh(ctx, a) {
    const ec2 = await ctx.aws.get("ec2");
    const g = (await orUndefined(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [a.group.GroupId!] }))))?.SecurityGroups?.[0];
    return g ? { group: g, rules: await describeRules(ctx, [g.GroupId!]) } : undefined;
  },
  describe: (a) => ({
    id: a.group.GroupId!,
    state: "active",
    healthy: true,
    details: { name: a.group.GroupName, ...ruleDetails(a.rules) },
  }),
  outputs: (a) => ({ id: a.group.GroupId! }),
};

/** The group-to-group rules of one security group (all of them: any other one is drift). */
export interface SecurityGroupRulesSpec {
  groupId: string;
  ingress: SgRuleSpec[];
  egress: SgRuleSpec[];
}

/** The group and its rules that name another group. */
async function peerRulesOf(ctx: ResourceContext, spec: SecurityGroupRulesSpec | undefined): Promise<SecurityGroupActual | undefined> {
  const groups = await envGroups(ctx);
  // Without a spec (down), the group is the one holding rules tagged with this node.
  const g = spec ? groups.find((x) => x.group.GroupId === spec.groupId) : groups.find((x) => x.rules.some((r) => ownedBy(ctx, r.Tags)));
  const rules = g?.rules.filter(isPeerRule) ?? [];
  return g && rules.length ? { group: g.group, rules } : undefined;
}

/**
 * SG-02..SG-04: the rules that admit one security group from another, as their own node. The
 * groups are then created side by side, and RDS, ElastiCache and the ALB wait only for their
 * own group; what needs the traffic to flow (the bootstrap task, the ECS service) waits for these.
 * Found by the `opsctl:node` tag applied to each rule in the authorize call.
 */
export const securityGroupRules: ResourceKind<SecurityGroupRulesSpec, SecurityGroupActual, ResourceContext, { groupId: string }> = {
  kind: "security-group-rule",
  budget: { create: slowMs("ec2.security-group.create") * 6, delete: 20 * 60_000 },
  typicalCreateMs: typicalMs("ec2.security-group.create"),

  find: (ctx, spec) => peerRulesOf(ctx, spec),
  diff: (spec, a) => ruleChanges(spec, a.rules),
  async create(ctx, spec) {
    await applyRuleChanges(ctx, spec.groupId, spec, ruleChanges(spec, []));
    return { group: { GroupId: spec.groupId }, rules: [] };
  },
  async update(ctx, spec, a, changes) {
    await applyRuleChanges(ctx, a.group.GroupId!, spec, changes);
    return (await this.refresh(ctx, a)) ?? a;
  },
  async delete(ctx, a) {
    // Revoke them all: the same path as an update to an empty rule set.
    const none = { ingress: [], egress: [] };
    await applyRuleChanges(ctx, a.group.GroupId!, none, ruleChanges(none, a.rules));
  },
  async refresh(ctx, a) {
    const rules = (await describeRules(ctx, [a.group.GroupId!])).filter(isPeerRule);
    return rules.length ? { group: a.group, rules } : undefined;
  },
  describe: (a) => ({
    id: a.rules.map((r) => r.SecurityGroupRuleId).join(","),
    state: "active",
    healthy: true,
    details: { group: a.group.GroupId, ...ruleDetails(a.rules) },
  }),
  outputs: (a) => ({ groupId: a.group.GroupId! }),
};

/** SG-06: the VPC's default security group, kept without any rule. Created and deleted by AWS with the VPC. */
export interface DefaultSecurityGroupSpec {
  vpcId: string;
}

export const defaultSecurityGroup: ResourceKind<DefaultSecurityGroupSpec, SecurityGroupActual, ResourceContext, { id: string }> = {
  kind: "default-security-group",
  budget: { create: slowMs("ec2.vpc.create"), delete: 0 },
  typicalCreateMs: 0,

  async find(ctx, spec) {
    if (!spec) return undefined; // nothing to delete: it goes with the VPC
    const ec2 = await ctx.aws.get("ec2");
    const r = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [spec.vpcId] }, { Name: "group-name", Values: ["default"] }] }));
    const g = r.SecurityGroups?.[0];
    return g ? { group: g, rules: await describeRules(ctx, [g.GroupId!]) } : undefined;
  },
  diff: (_spec, a) => ruleChanges({ ingress: [], egress: [] }, a.rules),
  async create(_ctx, spec) {
    throw new TryAgainLater(`the default security group of ${spec.vpcId} is not visible yet`, 2_000);
  },
  async update(ctx, _spec, a, changes) {
    await applyRuleChanges(ctx, a.group.GroupId!, { ingress: [], egress: [] }, changes);
    return (await securityGroup.refresh(ctx, a)) ?? a;
  },
  delete: async () => {},
  refresh: (ctx, a) => securityGroup.refresh(ctx, a),
  describe: (a) => ({ id: a.group.GroupId!, state: a.rules.length ? `${a.rules.length} rules` : "no rules", healthy: a.rules.length === 0 }),
  outputs: (a) => ({ id: a.group.GroupId! }),
};
