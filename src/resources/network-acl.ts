/**
 * Resource kind `network-acl`.
 * Tests: test/resources/network-acl.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-acls.ts.
 */
import {
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
  type NetworkAcl,
  type NetworkAclEntry,
  paginateDescribeNetworkAcls,
} from "@aws-sdk/client-ec2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { createWithToken, type ResourceContext } from "./context.js";
import { deleted, envFilter, foundByTags, listOnce, orUndefined, retryOn, sameSet, tagSpec } from "./toolkit.js";

/** One NACL rule. `protocol` is "-1" (all), "6" (tcp), "17" (udp); ports only for tcp/udp. */
export interface AclEntrySpec {
  ruleNumber: number;
  egress: boolean;
  protocol: string;
  allow: boolean;
  cidr: string;
  from?: number;
  to?: number;
}

/** NET-08: a network ACL for one tier and the subnets it guards. */
export interface NetworkAclSpec {
  vpcId: string;
  subnetIds: string[];
  entries: AclEntrySpec[];
}

/** The default `*` rules AWS keeps in every ACL: 32767 (IPv4) and 32768 (IPv6); they cannot be changed. */
const DEFAULT_RULE = 32767;
const isDefaultRule = (e: NetworkAclEntry) => (e.RuleNumber ?? 0) >= DEFAULT_RULE;

const keyOf = (egress: boolean, rule: number) => `${egress ? "egress" : "ingress"} #${rule}`;
const render = (e: AclEntrySpec) => `${e.allow ? "allow" : "deny"} ${e.protocol === "-1" ? "all" : e.protocol === "6" ? "tcp" : e.protocol === "17" ? "udp" : e.protocol}${e.from !== undefined ? ` ${e.from}-${e.to}` : ""} ${e.cidr}`;
const fromAws = (e: NetworkAclEntry): AclEntrySpec => ({
  ruleNumber: e.RuleNumber!,
  egress: Boolean(e.Egress),
  protocol: String(e.Protocol),
  allow: e.RuleAction === "allow",
  cidr: (e.CidrBlock ?? e.Ipv6CidrBlock)!,
  from: e.Protocol === "6" || e.Protocol === "17" ? e.PortRange?.From : undefined,
  to: e.Protocol === "6" || e.Protocol === "17" ? e.PortRange?.To : undefined,
});

function envAcls(ctx: ResourceContext): Promise<NetworkAcl[]> {
  return listOnce(ctx, "ec2:acls", "ec2", paginateDescribeNetworkAcls, { Filters: envFilter(ctx) }, (p) => p.NetworkAcls);
}

function entryInput(aclId: string, e: AclEntrySpec) {
  const v6 = e.cidr.includes(":");
  return {
    NetworkAclId: aclId,
    RuleNumber: e.ruleNumber,
    Egress: e.egress,
    Protocol: e.protocol,
    RuleAction: e.allow ? ("allow" as const) : ("deny" as const),
    ...(v6 ? { Ipv6CidrBlock: e.cidr } : { CidrBlock: e.cidr }),
    ...(e.from !== undefined ? { PortRange: { From: e.from, To: e.to } } : {}),
  };
}

export const networkAcl: ResourceKind<NetworkAclSpec, NetworkAcl, ResourceContext, { id: string }> = {
  kind: "network-acl",
  budget: { create: slowMs("ec2.network-acl.create") * 6, delete: 20 * 60_000 },
  typicalCreateMs: typicalMs("ec2.network-acl.create"),

  ...foundByTags(envAcls),
  diff(spec, acl) {
    const c: FieldChange[] = [];
    if (acl.VpcId !== spec.vpcId) c.push({ field: "VpcId", from: acl.VpcId, to: spec.vpcId, replace: true });
    const actual = (acl.Entries ?? []).filter((e) => !isDefaultRule(e)).map(fromAws);
    for (const want of spec.entries) {
      const have = actual.find((a) => a.egress === want.egress && a.ruleNumber === want.ruleNumber);
      if (!have || render(have) !== render(want)) c.push({ field: keyOf(want.egress, want.ruleNumber), from: have ? render(have) : undefined, to: render(want) });
    }
    for (const have of actual) {
      if (!spec.entries.some((w) => w.egress === have.egress && w.ruleNumber === have.ruleNumber)) c.push({ field: keyOf(have.egress, have.ruleNumber), from: render(have), to: undefined });
    }
    const subnets = (acl.Associations ?? []).map((a) => a.SubnetId!);
    if (!sameSet(subnets, spec.subnetIds)) c.push({ field: "associations", from: subnets.sort(), to: [...spec.subnetIds].sort() });
    return c;
  },
  async create(ctx, spec) {
    const ec2 = await ctx.aws.get("ec2");
    // A deleted ACL's token is refused (IdempotentParameterMismatch): createWithToken takes the next one.
    const r = await createWithToken(ctx, [spec.vpcId], (ClientToken) =>
      retryOn(["InvalidVpcID.NotFound"], ctx.node, () => ec2.send(new CreateNetworkAclCommand({ VpcId: spec.vpcId, ClientToken, TagSpecifications: tagSpec(ctx, "network-acl") }))),
      () => false,
    );
    // Entries and associations are applied by the post-create diff.
    return r.NetworkAcl!;
  },
  async update(ctx, spec, acl, changes) {
    const ec2 = await ctx.aws.get("ec2");
    const id = acl.NetworkAclId!;
    const what = `network acl ${id}`;
    await Promise.all(
      changes
        .filter((c) => c.field !== "associations" && c.field !== "VpcId")
        .map(async (c) => {
          const egress = c.field.startsWith("egress");
          const rule = Number(c.field.slice(c.field.indexOf("#") + 1));
          const want = spec.entries.find((e) => e.egress === egress && e.ruleNumber === rule);
          if (!want) return deleted(ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: id, RuleNumber: rule, Egress: egress })));
          const input = entryInput(id, want);
          if (c.from === undefined) {
            try {
              return await retryOn(["InvalidNetworkAclID.NotFound"], what, () => ec2.send(new CreateNetworkAclEntryCommand(input)));
            } catch (e) {
              // Created by an earlier attempt that we did not see finish: make it what we want.
              if (!isCode(e, "NetworkAclEntryAlreadyExists")) throw e;
            }
          }
          await ec2.send(new ReplaceNetworkAclEntryCommand(input));
        }),
    );
    if (changes.some((c) => c.field === "associations")) {
      const missing = spec.subnetIds.filter((s) => !(acl.Associations ?? []).some((a) => a.SubnetId === s));
      if (missing.length) await moveSubnets(ctx, missing, id);
    }
    return (await this.refresh(ctx, acl)) ?? acl;
  },
  async delete(ctx, acl) {
    const ec2 = await ctx.aws.get("ec2");
    const subnets = (acl.Associations ?? []).map((a) => a.SubnetId!);
    if (subnets.length) {
      // A subnet always has an ACL: hand ours back to the VPC's default ACL first.
      const def = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "vpc-id", Values: [acl.VpcId!] }, { Name: "default", Values: ["true"] }] }));
      const defaultId = def.NetworkAcls?.[0]?.NetworkAclId;
      if (defaultId) await moveSubnets(ctx, subnets, defaultId);
    }
    await retryOn(["DependencyViolation"], `network acl ${acl.NetworkAclId}`, () => deleted(ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: acl.NetworkAclId }))));
  },
  async refresh(ctx, acl) {
    const ec2 = await ctx.aws.get("ec2");
    return (await orUndefined(ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [acl.NetworkAclId!] }))))?.NetworkAcls?.[0];
  },
  describe: (acl) => ({
    id: acl.NetworkAclId!,
    state: "active",
    healthy: true,
    details: { rules: (acl.Entries ?? []).filter((e) => !isDefaultRule(e)).length, subnets: (acl.Associations ?? []).map((a) => a.SubnetId) },
  }),
  outputs: (acl) => ({ id: acl.NetworkAclId! }),
};

/** Moves subnets to `aclId` (ReplaceNetworkAclAssociation needs each subnet's current association id). */
async function moveSubnets(ctx: ResourceContext, subnetIds: string[], aclId: string): Promise<void> {
  const ec2 = await ctx.aws.get("ec2");
  const r = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "association.subnet-id", Values: subnetIds }] }));
  const assocs = (r.NetworkAcls ?? []).flatMap((a) => a.Associations ?? []).filter((a) => subnetIds.includes(a.SubnetId!) && a.NetworkAclId !== aclId);
  await Promise.all(assocs.map((a) => ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: a.NetworkAclAssociationId, NetworkAclId: aclId }))));
}
