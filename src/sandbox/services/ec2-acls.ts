/** Simulated EC2: network ACLs, their entries and associations (behaviour: ec2.md). */
import type { EC2 } from "@aws-sdk/client-ec2";
import { handler, type Handlers, type SimRecord } from "../types.js";
import { type Ctx, describe, get, idempotent, list, newNetworkAcl, required } from "./ec2-core.js";
import { out, parse4, parse6, requestHash, tagsFor } from "./ec2-util.js";

// ---------------------------------------------------------------- network ACLs

const CreateNetworkAcl = handler<EC2, "CreateNetworkAcl">((input, ctx) => {
  const vpc = get(ctx, "vpcs", required(ctx, input, "VpcId"));
  const idem = idempotent(ctx, "CreateNetworkAcl", input.ClientToken, requestHash(input), "networkAcls");
  if (idem.replay && ctx.table("networkAcls")[idem.replay]) return { ClientToken: input.ClientToken, NetworkAcl: out(ctx.table("networkAcls")[idem.replay]) };
  const acl = newNetworkAcl(ctx, vpc, false, tagsFor(input.TagSpecifications, "network-acl"));
  idem.remember(acl.NetworkAclId);
  return { ClientToken: input.ClientToken, NetworkAcl: out(acl) };
});

const DescribeNetworkAcls = handler<EC2, "DescribeNetworkAcls">((input, ctx) => {
  const { items, next } = describe(ctx, "networkAcls", input, input.NetworkAclIds, {
    "network-acl-id": (a) => a.NetworkAclId,
    "vpc-id": (a) => a.VpcId,
    default: (a) => String(a.IsDefault),
    "owner-id": (a) => a.OwnerId,
    "association.subnet-id": (a) => a.Associations.map((x: SimRecord) => x.SubnetId),
    "association.association-id": (a) => a.Associations.map((x: SimRecord) => x.NetworkAclAssociationId),
    "association.network-acl-id": (a) => a.Associations.map((x: SimRecord) => x.NetworkAclId),
    "entry.rule-number": (a) => a.Entries.map((e: SimRecord) => String(e.RuleNumber)),
    "entry.cidr": (a) => a.Entries.map((e: SimRecord) => e.CidrBlock),
    "entry.ipv6-cidr": (a) => a.Entries.map((e: SimRecord) => e.Ipv6CidrBlock),
    "entry.egress": (a) => a.Entries.map((e: SimRecord) => String(e.Egress)),
    "entry.protocol": (a) => a.Entries.map((e: SimRecord) => e.Protocol),
    "entry.rule-action": (a) => a.Entries.map((e: SimRecord) => e.RuleAction),
  });
  return { NetworkAcls: items.map(out), NextToken: next };
});

const ACL_PROTOCOLS: Record<string, string> = { all: "-1", tcp: "6", udp: "17", icmp: "1", icmpv6: "58" };

function aclEntryFromInput(ctx: Ctx, input: any): SimRecord {
  const n = Number(required(ctx, input, "RuleNumber"));
  if (!Number.isInteger(n) || n < 1 || n > 32766) return ctx.fail("InvalidParameterValue", `Value (${input.RuleNumber}) for parameter ruleNumber is invalid. Rule number must be between 1 and 32766.`);
  const proto = String(required(ctx, input, "Protocol")).toLowerCase();
  const p = ACL_PROTOCOLS[proto] ?? proto;
  const action = required(ctx, input, "RuleAction");
  if (!["allow", "deny"].includes(action)) return ctx.fail("InvalidParameterValue", `Value (${action}) for parameter ruleAction is invalid.`);
  if (!input.CidrBlock === !input.Ipv6CidrBlock) return ctx.fail("InvalidParameterCombination", "Exactly one of cidrBlock and ipv6CidrBlock must be specified");
  if (input.CidrBlock && !parse4(input.CidrBlock)) return ctx.fail("InvalidParameterValue", `Value (${input.CidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
  if (input.Ipv6CidrBlock && !parse6(input.Ipv6CidrBlock)) return ctx.fail("InvalidParameterValue", `Value (${input.Ipv6CidrBlock}) for parameter ipv6CidrBlock is invalid.`);
  const e: SimRecord = {
    ...(input.CidrBlock ? { CidrBlock: input.CidrBlock } : { Ipv6CidrBlock: input.Ipv6CidrBlock }),
    Egress: !!input.Egress,
    Protocol: p,
    RuleAction: action,
    RuleNumber: n,
  };
  if (p === "6" || p === "17") {
    if (input.PortRange?.From === undefined || input.PortRange?.To === undefined) return ctx.fail("InvalidParameterValue", "TCP and UDP network ACL entries must specify a port range.");
    e.PortRange = { From: input.PortRange.From, To: input.PortRange.To };
  }
  if (p === "1" || p === "58") e.IcmpTypeCode = { Code: input.IcmpTypeCode?.Code ?? -1, Type: input.IcmpTypeCode?.Type ?? -1 };
  return e;
}

const CreateNetworkAclEntry = handler<EC2, "CreateNetworkAclEntry">((input, ctx) => {
  const acl = get(ctx, "networkAcls", required(ctx, input, "NetworkAclId"));
  const e = aclEntryFromInput(ctx, input);
  if (acl.Entries.some((x: SimRecord) => x.RuleNumber === e.RuleNumber && x.Egress === e.Egress)) {
    return ctx.fail("NetworkAclEntryAlreadyExists", `The network acl entry identified by ${e.RuleNumber} already exists.`);
  }
  acl.Entries.push(e);
  acl.Entries.sort((a: SimRecord, b: SimRecord) => Number(b.Egress) - Number(a.Egress) || a.RuleNumber - b.RuleNumber);
  return {};
});

function aclEntryIndex(ctx: Ctx, acl: SimRecord, n: number, egress: boolean): number {
  const i = acl.Entries.findIndex((x: SimRecord) => x.RuleNumber === n && x.Egress === egress);
  if (i < 0 || n > 32766) {
    return ctx.fail("InvalidNetworkAclEntry.NotFound", `The network acl entry identified by ${n} (${egress ? "egress" : "ingress"}) does not exist in network acl ${acl.NetworkAclId}`);
  }
  return i;
}

const ReplaceNetworkAclEntry = handler<EC2, "ReplaceNetworkAclEntry">((input, ctx) => {
  const acl = get(ctx, "networkAcls", required(ctx, input, "NetworkAclId"));
  const e = aclEntryFromInput(ctx, input);
  acl.Entries[aclEntryIndex(ctx, acl, e.RuleNumber, e.Egress)] = e;
  return {};
});

const DeleteNetworkAclEntry = handler<EC2, "DeleteNetworkAclEntry">((input, ctx) => {
  const acl = get(ctx, "networkAcls", required(ctx, input, "NetworkAclId"));
  acl.Entries.splice(aclEntryIndex(ctx, acl, Number(required(ctx, input, "RuleNumber")), !!input.Egress), 1);
  return {};
});

const ReplaceNetworkAclAssociation = handler<EC2, "ReplaceNetworkAclAssociation">((input, ctx) => {
  const id = required(ctx, input, "AssociationId");
  const target = get(ctx, "networkAcls", required(ctx, input, "NetworkAclId"));
  for (const acl of list(ctx, "networkAcls")) {
    const a = acl.Associations.find((x: SimRecord) => x.NetworkAclAssociationId === id);
    if (!a) continue;
    if (acl.VpcId !== target.VpcId) return ctx.fail("InvalidParameterValue", `Network ACL ${target.NetworkAclId} and subnet ${a.SubnetId} belong to different networks`);
    acl.Associations = acl.Associations.filter((x: SimRecord) => x !== a);
    const n = { NetworkAclAssociationId: ctx.newId("aclassoc"), NetworkAclId: target.NetworkAclId, SubnetId: a.SubnetId };
    target.Associations.push(n);
    return { NewAssociationId: n.NetworkAclAssociationId };
  }
  return ctx.fail("InvalidAssociationID.NotFound", `The association ID '${id}' does not exist`);
});

const DeleteNetworkAcl = handler<EC2, "DeleteNetworkAcl">((input, ctx) => {
  const acl = get(ctx, "networkAcls", required(ctx, input, "NetworkAclId"));
  if (acl.IsDefault) return ctx.fail("InvalidParameterValue", `cannot delete default network ACL ${acl.NetworkAclId}`);
  if (acl.Associations.length) return ctx.fail("DependencyViolation", `The networkAcl '${acl.NetworkAclId}' has dependencies and cannot be deleted.`);
  delete ctx.table("networkAcls")[acl.NetworkAclId];
  return {};
});

/** The acls handlers of the simulated EC2. */
export const aclHandlers: Handlers<EC2> = {
  CreateNetworkAcl, DescribeNetworkAcls, CreateNetworkAclEntry, ReplaceNetworkAclEntry, DeleteNetworkAclEntry, ReplaceNetworkAclAssociation, DeleteNetworkAcl,
};
