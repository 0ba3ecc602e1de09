/** Simulated EC2: security groups, key pairs, instances, volumes, flow logs (behaviour: ec2.md). */
import type { EC2 } from "@aws-sdk/client-ec2";
import { handler, type Handler, type Handlers, type Inputs, type SimRecord } from "../types.js";
import {
  type Ctx, addSgRule, describe, find, get, idempotent, list, newEni, newPublicIp, newSecurityGroup, normProto, privateDnsName,
  publicDnsName, required, setEniAssociation, setInstanceState, sgView,
} from "./ec2-core.js";
import { generateKey, importPublicKey } from "./ec2-keys.js";
import { keyValueTags } from "../tags.js";
import { iso, out, parse4, parse6, requestHash, tagsFor } from "./ec2-util.js";

// ---------------------------------------------------------------- security groups

/**
 * Characters EC2 allows in a security group's description and in a rule's description (EC2 API
 * reference: CreateSecurityGroup GroupDescription; IpRange, Ipv6Range, PrefixListId, UserIdGroupPair
 * and SecurityGroupRuleRequest Description — "Up to 255 characters in length. Allowed characters are
 * a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"). The SDK's model carries no pattern for them.
 */
const SG_TEXT = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;
const SG_TEXT_SET = "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*";

function checkRuleDescription(ctx: Ctx, d: unknown): void {
  if (d === undefined) return;
  if (typeof d !== "string" || d.length > 255 || !SG_TEXT.test(d)) {
    ctx.fail("InvalidParameterValue", `Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  ${SG_TEXT_SET}`);
  }
}

const CreateSecurityGroup = handler<EC2, "CreateSecurityGroup">((input, ctx) => {
  const name: string = required(ctx, input, "GroupName");
  const description: string = required(ctx, input, "Description");
  if (description.length > 255 || !SG_TEXT.test(description)) {
    return ctx.fail("InvalidParameterValue", `Value (${description}) for parameter GroupDescription is invalid. Valid descriptions are strings less than 256 characters from the following set:  ${SG_TEXT_SET}`);
  }
  if (!input.VpcId) return ctx.fail("VPCIdNotSpecified", "No default VPC for this user");
  const vpc = get(ctx, "vpcs", input.VpcId);
  if (name.startsWith("sg-")) return ctx.fail("InvalidParameterValue", `Value (${name}) for parameter GroupName is invalid. Group names may not be in the format sg-*.`);
  if (Object.values(ctx.table("securityGroups")).some((g) => g.VpcId === vpc.VpcId && g.GroupName === name)) {
    return ctx.fail("InvalidGroup.Duplicate", `The security group '${name}' already exists for VPC '${vpc.VpcId}'`);
  }
  const sg = newSecurityGroup(ctx, vpc, name, description, tagsFor(input.TagSpecifications, "security-group"));
  return { GroupId: sg.GroupId, Tags: keyValueTags(sg), SecurityGroupArn: sg.SecurityGroupArn };
});

const DescribeSecurityGroups = handler<EC2, "DescribeSecurityGroups">((input, ctx) => {
  const rules = () => Object.values(ctx.table("securityGroupRules"));
  const ofGroup = (g: SimRecord, egress: boolean) => rules().filter((r) => r.GroupId === g.GroupId && r.IsEgress === egress);
  let ids: string[] | undefined = input.GroupIds;
  if (input.GroupNames?.length) {
    // EC2 resolves GroupNames in the default VPC only; the sandbox has none.
    return ctx.fail("InvalidGroup.NotFound", `The security group '${input.GroupNames[0]}' does not exist in default VPC 'none'`);
  }
  if (ids) ids = [...ids];
  const { items, next } = describe(ctx, "securityGroups", input, ids, {
    "group-id": (g) => g.GroupId,
    "group-name": (g) => g.GroupName,
    description: (g) => g.Description,
    "vpc-id": (g) => g.VpcId,
    "owner-id": (g) => g.OwnerId,
    "ip-permission.cidr": (g) => ofGroup(g, false).map((r) => r.CidrIpv4),
    "ip-permission.ipv6-cidr": (g) => ofGroup(g, false).map((r) => r.CidrIpv6),
    "ip-permission.from-port": (g) => ofGroup(g, false).map((r) => String(r.FromPort)),
    "ip-permission.to-port": (g) => ofGroup(g, false).map((r) => String(r.ToPort)),
    "ip-permission.protocol": (g) => ofGroup(g, false).map((r) => r.IpProtocol),
    "ip-permission.group-id": (g) => ofGroup(g, false).map((r) => r.ReferencedGroupInfo?.GroupId),
    "egress.ip-permission.cidr": (g) => ofGroup(g, true).map((r) => r.CidrIpv4),
    "egress.ip-permission.group-id": (g) => ofGroup(g, true).map((r) => r.ReferencedGroupInfo?.GroupId),
  });
  return { SecurityGroups: items.map((g) => sgView(ctx, g)), NextToken: next };
});

const DescribeSecurityGroupRules = handler<EC2, "DescribeSecurityGroupRules">((input, ctx) => {
  const { items, next } = describe(ctx, "securityGroupRules", input, input.SecurityGroupRuleIds, {
    "group-id": (r) => r.GroupId,
    "security-group-rule-id": (r) => r.SecurityGroupRuleId,
  });
  return { SecurityGroupRules: items.map(out), NextToken: next };
});

/** Expands IpPermissions into one rule per peer (AWS's SecurityGroupRule granularity), validated. */
function expandPermissions(ctx: Ctx, sg: SimRecord, perms: any[] | undefined, egress: boolean): SimRecord[] {
  const rules: SimRecord[] = [];
  for (const p of perms ?? []) {
    const proto = normProto(p.IpProtocol);
    let from = p.FromPort;
    let to = p.ToPort;
    if (proto === "-1") {
      from = -1;
      to = -1;
    } else if (proto === "tcp" || proto === "udp") {
      if (from === undefined || to === undefined) return ctx.fail("InvalidParameterValue", `Invalid value for portRange. Must specify both from and to ports with TCP/UDP.`);
      if (from > to || from < 0 || to > 65535) return ctx.fail("InvalidParameterValue", `Invalid value for portRange. Must specify both from and to ports with TCP/UDP.`);
    } else {
      from ??= -1;
      to ??= -1;
    }
    const base = { IsEgress: egress, IpProtocol: proto, FromPort: from, ToPort: to };
    for (const r of [...(p.IpRanges ?? []), ...(p.Ipv6Ranges ?? []), ...(p.PrefixListIds ?? []), ...(p.UserIdGroupPairs ?? [])]) checkRuleDescription(ctx, r.Description);
    for (const r of p.IpRanges ?? []) {
      if (!parse4(r.CidrIp)) return ctx.fail("InvalidParameterValue", `CIDR block ${r.CidrIp} is malformed`);
      rules.push({ ...base, CidrIpv4: r.CidrIp, Description: r.Description });
    }
    for (const r of p.Ipv6Ranges ?? []) {
      if (!parse6(r.CidrIpv6)) return ctx.fail("InvalidParameterValue", `CIDR block ${r.CidrIpv6} is malformed`);
      rules.push({ ...base, CidrIpv6: r.CidrIpv6, Description: r.Description });
    }
    for (const r of p.PrefixListIds ?? []) rules.push({ ...base, PrefixListId: r.PrefixListId, Description: r.Description });
    for (const r of p.UserIdGroupPairs ?? []) {
      const peer = find(ctx, "securityGroups", r.GroupId);
      if (!peer) return ctx.fail("InvalidGroup.NotFound", `The security group '${r.GroupId}' does not exist`);
      if (peer.VpcId !== sg.VpcId) return ctx.fail("InvalidGroup.NotFound", `You have specified two resources that belong to different networks.`);
      rules.push({ ...base, ReferencedGroupInfo: { GroupId: r.GroupId, UserId: ctx.accountId }, Description: r.Description });
    }
  }
  return rules;
}

function sameRule(a: SimRecord, b: SimRecord): boolean {
  return (
    a.IsEgress === b.IsEgress && a.IpProtocol === b.IpProtocol && a.FromPort === b.FromPort && a.ToPort === b.ToPort &&
    a.CidrIpv4 === b.CidrIpv4 && a.CidrIpv6 === b.CidrIpv6 && a.PrefixListId === b.PrefixListId &&
    a.ReferencedGroupInfo?.GroupId === b.ReferencedGroupInfo?.GroupId
  );
}

function ruleLabel(r: SimRecord): string {
  const peer = r.CidrIpv4 ?? r.CidrIpv6 ?? r.PrefixListId ?? r.ReferencedGroupInfo?.GroupId;
  if (r.IpProtocol === "-1") return `peer: ${peer}, ALL, ALLOW`;
  return `peer: ${peer}, ${r.IpProtocol.toUpperCase()}, from port: ${r.FromPort}, to port: ${r.ToPort}, ALLOW`;
}

function authorize(egress: boolean): Handler<Inputs<EC2>["AuthorizeSecurityGroupIngress"] | Inputs<EC2>["AuthorizeSecurityGroupEgress"]> {
  return (input, ctx) => {
    const sg = get(ctx, "securityGroups", required(ctx, input, "GroupId"));
    const wanted = expandPermissions(ctx, sg, input.IpPermissions, egress);
    const existing = Object.values(ctx.table("securityGroupRules")).filter((r) => r.GroupId === sg.GroupId);
    for (const [i, w] of wanted.entries()) {
      if (existing.some((e) => sameRule(e, w)) || wanted.slice(0, i).some((x) => sameRule(x, w))) {
        return ctx.fail("InvalidPermission.Duplicate", `the specified rule "${ruleLabel(w)}" already exists`);
      }
    }
    const tags = tagsFor(input.TagSpecifications, "security-group-rule");
    const added = wanted.map((w) => addSgRule(ctx, sg, w, tags));
    return { Return: true, SecurityGroupRules: added.map(out) };
  };
}

/**
 * A revoked rule as Revoke* answers it: EC2's RevokedSecurityGroupRule is narrower than
 * SecurityGroupRule (no owner, ARN or tags; the referenced group as ReferencedGroupId).
 */
function revokedView(r: SimRecord): SimRecord {
  const v = out(r);
  return {
    SecurityGroupRuleId: v.SecurityGroupRuleId,
    GroupId: v.GroupId,
    IsEgress: v.IsEgress,
    IpProtocol: v.IpProtocol,
    FromPort: v.FromPort,
    ToPort: v.ToPort,
    CidrIpv4: v.CidrIpv4,
    CidrIpv6: v.CidrIpv6,
    PrefixListId: v.PrefixListId,
    ReferencedGroupId: v.ReferencedGroupInfo?.GroupId,
    Description: v.Description,
  };
}

function revoke(egress: boolean): Handler<Inputs<EC2>["RevokeSecurityGroupIngress"] | Inputs<EC2>["RevokeSecurityGroupEgress"]> {
  return (input, ctx) => {
    const sg = get(ctx, "securityGroups", required(ctx, input, "GroupId"));
    const table = ctx.table("securityGroupRules");
    const mine = Object.values(table).filter((r) => r.GroupId === sg.GroupId && r.IsEgress === egress);
    let doomed: SimRecord[];
    if (input.SecurityGroupRuleIds?.length) {
      doomed = input.SecurityGroupRuleIds.map((id: string) => {
        const r = mine.find((x) => x.SecurityGroupRuleId === id);
        if (!r) return ctx.fail("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${id}' does not exist`);
        return r;
      });
    } else {
      doomed = expandPermissions(ctx, sg, input.IpPermissions, egress).map((w) => {
        const r = mine.find((x) => sameRule(x, w));
        if (!r) return ctx.fail("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
        return r;
      });
    }
    for (const r of doomed) delete table[r.SecurityGroupRuleId];
    return { Return: true, RevokedSecurityGroupRules: doomed.map(revokedView) };
  };
}

const ModifySecurityGroupRules = handler<EC2, "ModifySecurityGroupRules">((input, ctx) => {
  const sg = get(ctx, "securityGroups", required(ctx, input, "GroupId"));
  const table = ctx.table("securityGroupRules");
  for (const u of input.SecurityGroupRules ?? []) {
    const r = table[u.SecurityGroupRuleId ?? ""];
    if (!r || r.GroupId !== sg.GroupId) return ctx.fail("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${u.SecurityGroupRuleId}' does not exist`);
    const s = u.SecurityGroupRule ?? {};
    checkRuleDescription(ctx, s.Description);
    const proto = normProto(s.IpProtocol ?? r.IpProtocol);
    Object.assign(r, { IpProtocol: proto, FromPort: proto === "-1" ? -1 : (s.FromPort ?? r.FromPort), ToPort: proto === "-1" ? -1 : (s.ToPort ?? r.ToPort) });
    for (const k of ["CidrIpv4", "CidrIpv6", "PrefixListId", "ReferencedGroupInfo"]) delete r[k];
    if (s.CidrIpv4) r.CidrIpv4 = s.CidrIpv4;
    if (s.CidrIpv6) r.CidrIpv6 = s.CidrIpv6;
    if (s.PrefixListId) r.PrefixListId = s.PrefixListId;
    if (s.ReferencedGroupId) r.ReferencedGroupInfo = { GroupId: s.ReferencedGroupId, UserId: ctx.accountId };
    if (s.Description !== undefined) r.Description = s.Description;
  }
  return { Return: true };
});

const DeleteSecurityGroup = handler<EC2, "DeleteSecurityGroup">((input, ctx) => {
  const sg = get(ctx, "securityGroups", required(ctx, input, "GroupId"));
  if (sg._default) return ctx.fail("CannotDelete", `the specified group: "${sg.GroupId}" name: "default" cannot be deleted by a user`);
  const rules = ctx.table("securityGroupRules");
  const referenced = Object.values(rules).some((r) => r.GroupId !== sg.GroupId && r.ReferencedGroupInfo?.GroupId === sg.GroupId);
  const used =
    Object.values(ctx.table("networkInterfaces")).some((e) => e.Groups.some((g: SimRecord) => g.GroupId === sg.GroupId)) ||
    Object.values(ctx.table("instances")).some((i) => i.State.Name !== "terminated" && i.SecurityGroups.some((g: SimRecord) => g.GroupId === sg.GroupId));
  if (referenced || used) return ctx.fail("DependencyViolation", `resource ${sg.GroupId} has a dependent object`);
  for (const r of Object.values(rules)) if (r.GroupId === sg.GroupId) delete rules[r.SecurityGroupRuleId];
  delete ctx.table("securityGroups")[sg.GroupId];
  return { Return: true, GroupId: sg.GroupId };
});

// ---------------------------------------------------------------- key pairs

function keyByName(ctx: Ctx, name: string): SimRecord | undefined {
  return list(ctx, "keyPairs").find((k) => k.KeyName === name);
}

const CreateKeyPair = handler<EC2, "CreateKeyPair">((input, ctx) => {
  const name: string = required(ctx, input, "KeyName");
  const type = input.KeyType ?? "rsa";
  if (type !== "rsa" && type !== "ed25519") return ctx.fail("InvalidParameterValue", `Value (${type}) for parameter keyType is invalid.`);
  if (input.KeyFormat && input.KeyFormat !== "pem") return ctx.fail("InvalidParameterValue", `The sandbox only produces KeyFormat pem (asked: ${input.KeyFormat}).`);
  if (Object.values(ctx.table("keyPairs")).some((k) => k.KeyName === name)) return ctx.fail("InvalidKeyPair.Duplicate", `The keypair '${name}' already exists.`);
  const key = generateKey(type, name);
  const id = ctx.newId("key");
  const rec = ctx.born({
    KeyPairId: id,
    KeyFingerprint: key.fingerprint,
    KeyName: name,
    KeyType: type,
    _tags: tagsFor(input.TagSpecifications, "key-pair"),
    CreateTime: iso(ctx),
    _publicKey: key.publicKey,
  });
  ctx.table("keyPairs")[id] = rec;
  return { KeyFingerprint: key.fingerprint, KeyMaterial: key.material, KeyName: name, KeyPairId: id, Tags: keyValueTags(rec) };
});

const ImportKeyPair = handler<EC2, "ImportKeyPair">((input, ctx) => {
  const name: string = required(ctx, input, "KeyName");
  const parsed = importPublicKey(required(ctx, input, "PublicKeyMaterial"));
  if (!parsed) return ctx.fail("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
  if (Object.values(ctx.table("keyPairs")).some((k) => k.KeyName === name)) return ctx.fail("InvalidKeyPair.Duplicate", `The keypair '${name}' already exists.`);
  const id = ctx.newId("key");
  const rec = ctx.born({
    KeyPairId: id,
    KeyFingerprint: parsed.fingerprint,
    KeyName: name,
    KeyType: parsed.type,
    _tags: tagsFor(input.TagSpecifications, "key-pair"),
    CreateTime: iso(ctx),
    _publicKey: parsed.publicKey,
  });
  ctx.table("keyPairs")[id] = rec;
  return { KeyFingerprint: rec.KeyFingerprint, KeyName: name, KeyPairId: id, Tags: keyValueTags(rec) };
});

const DescribeKeyPairs = handler<EC2, "DescribeKeyPairs">((input, ctx) => {
  const ids: string[] = [...(input.KeyPairIds ?? [])];
  for (const n of input.KeyNames ?? []) {
    const k = keyByName(ctx, n);
    if (!k) return ctx.fail("InvalidKeyPair.NotFound", `The key pair '${n}' does not exist`);
    ids.push(k.KeyPairId);
  }
  const { items } = describe(ctx, "keyPairs", input, ids.length ? ids : undefined, {
    "key-name": (k) => k.KeyName,
    "key-pair-id": (k) => k.KeyPairId,
    fingerprint: (k) => k.KeyFingerprint,
  }, { page: false });
  return { KeyPairs: items.map((k) => ({ ...out(k), ...(input.IncludePublicKey ? { PublicKey: `${k._publicKey} ${k.KeyName}\n` } : {}) })) };
});

const DeleteKeyPair = handler<EC2, "DeleteKeyPair">((input, ctx) => {
  const k = input.KeyPairId ? find(ctx, "keyPairs", input.KeyPairId) : input.KeyName ? keyByName(ctx, input.KeyName) : undefined;
  if (!input.KeyPairId && !input.KeyName) return ctx.fail("MissingParameter", "The request must contain the parameter KeyName or KeyPairId");
  if (k) delete ctx.table("keyPairs")[k.KeyPairId];
  return { Return: true, KeyPairId: k?.KeyPairId };
});

// ---------------------------------------------------------------- instances

function instanceProfile(ctx: Ctx, spec: any): SimRecord | undefined {
  if (!spec || (!spec.Arn && !spec.Name)) return undefined;
  const profiles = Object.values(ctx.tableOf("iam", "instanceProfiles", "us-east-1"));
  const p = spec.Arn ? profiles.find((x) => x.Arn === spec.Arn) : profiles.find((x) => x.InstanceProfileName === spec.Name);
  // A profile younger than the IAM propagation delay is not yet visible to EC2.
  const created = p ? (p._createdAt ?? Date.parse(p.CreateDate ?? "")) : NaN;
  if (!p || !(ctx.now() - created >= ctx.duration("iam.propagation"))) {
    if (spec.Arn) return ctx.fail("InvalidParameterValue", `Value (${spec.Arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`);
    return ctx.fail("InvalidParameterValue", `Value (${spec.Name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`);
  }
  return { Arn: p.Arn, Id: p.InstanceProfileId };
}

function reservationView(ctx: Ctx, rid: string, insts: SimRecord[]): SimRecord {
  return { ReservationId: rid, OwnerId: ctx.accountId, Groups: [], Instances: insts.map(instanceView) };
}

function instanceView(i: SimRecord): SimRecord {
  return out(i);
}

const RunInstances = handler<EC2, "RunInstances">((input, ctx) => {
  const idem = idempotent(ctx, "RunInstances", input.ClientToken, requestHash(input));
  if (idem.replay) {
    // The token answers its instances as they are now, terminated ones included (for 24 h after termination).
    const live = Object.values(ctx.table("instances")).filter((i) => i._reservationId === idem.replay);
    const insts = live.length ? live : Object.values(ctx.table("terminatedInstances")).filter((i) => i._reservationId === idem.replay);
    if (!insts.length) return ctx.fail("IdempotentParameterMismatch", "The client token you have provided is associated with a resource that is already deleted or a request with different parameters. Please provide a different client token.");
    return reservationView(ctx, idem.replay, insts);
  }
  const imageId: string = required(ctx, input, "ImageId");
  if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) return ctx.fail("InvalidAMIID.Malformed", `Invalid id: "${imageId}" (expecting "ami-...")`);
  const min = input.MinCount ?? 1;
  const max = input.MaxCount ?? min;
  if (min < 1 || max < min) return ctx.fail("InvalidParameterValue", `Value (${max}) for parameter maxCount is invalid. Must be greater than or equal to minCount.`);
  const nic = input.NetworkInterfaces?.[0];
  const subnetId = input.SubnetId ?? nic?.SubnetId;
  if (!subnetId) return ctx.fail("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.");
  const subnet = get(ctx, "subnets", subnetId);
  const vpc = ctx.table("vpcs")[subnet.VpcId];
  const groupIds: string[] = input.SecurityGroupIds?.length ? input.SecurityGroupIds : nic?.Groups?.length ? nic.Groups : [vpc._defaultSg];
  const groups = groupIds.map((g) => {
    const sg = get(ctx, "securityGroups", g);
    if (sg.VpcId !== subnet.VpcId) return ctx.fail("InvalidParameter", `Security group ${g} and subnet ${subnet.SubnetId} belong to different networks.`);
    return sg;
  });
  if (input.KeyName && !keyByName(ctx, input.KeyName)) return ctx.fail("InvalidKeyPair.NotFound", `The key pair '${input.KeyName}' does not exist`);
  const profile = instanceProfile(ctx, input.IamInstanceProfile);
  const publicIp = nic?.AssociatePublicIpAddress ?? subnet.MapPublicIpOnLaunch;
  const rid = ctx.newId("r");
  const md = input.MetadataOptions ?? {};
  const instTags = tagsFor(input.TagSpecifications, "instance");
  const volTags = tagsFor(input.TagSpecifications, "volume");
  const eniTags = tagsFor(input.TagSpecifications, "network-interface");
  const launched: SimRecord[] = [];
  for (let n = 0; n < max; n++) {
    const id = ctx.newId("i");
    const eni = newEni(ctx, subnet, { description: "", type: "interface", requesterManaged: false, groups, instanceId: id, tags: eniTags });
    eni._visibleAt = eni._createdAt;
    let pub: string | undefined;
    if (publicIp) {
      pub = newPublicIp(ctx);
      setEniAssociation(eni, { IpOwnerId: "amazon", PublicIp: pub, PublicDnsName: publicDnsName(ctx, pub) });
    }
    const bdms: SimRecord[] = [];
    const mappings: any[] = [...(input.BlockDeviceMappings ?? [])];
    if (!mappings.some((m) => m.DeviceName === "/dev/xvda")) mappings.unshift({ DeviceName: "/dev/xvda", Ebs: {} });
    for (const m of mappings) {
      if (!m.Ebs) continue;
      const volId = ctx.newId("vol");
      const type = m.Ebs.VolumeType ?? "gp3";
      const encrypted = !!m.Ebs.Encrypted || !!m.Ebs.KmsKeyId;
      const deleteOnTermination = m.Ebs.DeleteOnTermination ?? true;
      const vol = ctx.born({
        Attachments: [{ AttachTime: iso(ctx), Device: m.DeviceName, InstanceId: id, State: "attached", VolumeId: volId, DeleteOnTermination: deleteOnTermination }],
        AvailabilityZone: subnet.AvailabilityZone,
        CreateTime: iso(ctx),
        Encrypted: encrypted,
        ...(encrypted ? { KmsKeyId: m.Ebs.KmsKeyId ?? `arn:aws:kms:${ctx.region}:${ctx.accountId}:key/aws-ebs-default-sandbox` } : {}),
        Size: m.Ebs.VolumeSize ?? 8,
        SnapshotId: m.Ebs.SnapshotId ?? "",
        State: "in-use",
        VolumeId: volId,
        VolumeType: type,
        ...(type === "gp3" ? { Iops: m.Ebs.Iops ?? 3000, Throughput: m.Ebs.Throughput ?? 125 } : type === "io1" || type === "io2" ? { Iops: m.Ebs.Iops } : {}),
        MultiAttachEnabled: false,
        _tags: volTags,
      });
      vol._visibleAt = vol._createdAt;
      ctx.table("volumes")[volId] = vol;
      bdms.push({ DeviceName: m.DeviceName, Ebs: { AttachTime: iso(ctx), DeleteOnTermination: deleteOnTermination, Status: "attached", VolumeId: volId } });
    }
    const inst: SimRecord = ctx.born({
      AmiLaunchIndex: n,
      ImageId: imageId,
      InstanceId: id,
      InstanceType: input.InstanceType ?? "m1.small",
      ...(input.KeyName ? { KeyName: input.KeyName } : {}),
      LaunchTime: iso(ctx),
      Monitoring: { State: input.Monitoring?.Enabled ? "enabled" : "disabled" },
      Placement: { AvailabilityZone: subnet.AvailabilityZone, GroupName: "", Tenancy: "default" },
      PrivateDnsName: privateDnsName(ctx, eni.PrivateIpAddress),
      PrivateIpAddress: eni.PrivateIpAddress,
      ProductCodes: [],
      PublicDnsName: pub ? publicDnsName(ctx, pub) : "",
      ...(pub ? { PublicIpAddress: pub } : {}),
      State: { Code: 0, Name: "pending" },
      StateTransitionReason: "",
      SubnetId: subnet.SubnetId,
      VpcId: subnet.VpcId,
      Architecture: "x86_64",
      BlockDeviceMappings: bdms,
      ClientToken: input.ClientToken ?? "",
      EbsOptimized: !!input.EbsOptimized,
      EnaSupport: true,
      Hypervisor: "xen",
      ...(profile ? { IamInstanceProfile: profile } : {}),
      NetworkInterfaces: [],
      RootDeviceName: "/dev/xvda",
      RootDeviceType: "ebs",
      SecurityGroups: groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName })),
      SourceDestCheck: true,
      _tags: instTags,
      VirtualizationType: "hvm",
      CpuOptions: { CoreCount: 1, ThreadsPerCore: 2 },
      MetadataOptions: {
        State: "applied",
        HttpTokens: md.HttpTokens ?? "optional",
        HttpPutResponseHopLimit: md.HttpPutResponseHopLimit ?? 1,
        HttpEndpoint: md.HttpEndpoint ?? "enabled",
        HttpProtocolIpv6: md.HttpProtocolIpv6 ?? "disabled",
        InstanceMetadataTags: md.InstanceMetadataTags ?? "disabled",
      },
      PlatformDetails: "Linux/UNIX",
      UsageOperation: "RunInstances",
      _reservationId: rid,
      _eniId: eni.NetworkInterfaceId,
      _publicOnLaunch: !!publicIp,
      _next: { state: "running", at: ctx.now() + ctx.duration("ec2.instance.run") },
    });
    ctx.table("instances")[id] = inst;
    launched.push(inst);
  }
  idem.remember(rid);
  return reservationView(ctx, rid, launched);
});

/** The instance with its NetworkInterfaces as DescribeInstances shows them (from the live ENI). */
function withNics(ctx: Ctx, i: SimRecord): SimRecord {
  const eni = ctx.table("networkInterfaces")[i._eniId];
  if (!eni) return { ...i, NetworkInterfaces: [] };
  // An instance's view of its interface uses narrower shapes than DescribeNetworkInterfaces
  // (EC2 API reference: InstanceNetworkInterfaceAttachment has no InstanceId/InstanceOwnerId,
  // InstanceNetworkInterfaceAssociation no AllocationId/AssociationId).
  const { InstanceId: _i, InstanceOwnerId: _o, ...attachment } = eni.Attachment ?? {};
  const association = (a: SimRecord | undefined) => {
    if (!a) return undefined;
    const { AllocationId: _a, AssociationId: _b, ...rest } = a;
    return rest;
  };
  const nic = {
    Attachment: eni.Attachment ? attachment : undefined,
    Description: eni.Description,
    Groups: eni.Groups,
    Ipv6Addresses: eni.Ipv6Addresses,
    MacAddress: eni.MacAddress,
    NetworkInterfaceId: eni.NetworkInterfaceId,
    OwnerId: eni.OwnerId,
    PrivateDnsName: eni.PrivateDnsName,
    PrivateIpAddress: eni.PrivateIpAddress,
    PrivateIpAddresses: eni.PrivateIpAddresses?.map((p: SimRecord) => (p.Association ? { ...p, Association: association(p.Association) } : p)),
    SourceDestCheck: eni.SourceDestCheck,
    Status: eni.Status,
    SubnetId: eni.SubnetId,
    VpcId: eni.VpcId,
    InterfaceType: eni.InterfaceType,
    ...(eni.Association ? { Association: association(eni.Association) } : {}),
  };
  return { ...i, NetworkInterfaces: [nic] };
}

const INSTANCE_FIELDS: Record<string, (i: SimRecord) => unknown> = {
  "instance-id": (i) => i.InstanceId,
  "instance-state-name": (i) => i.State.Name,
  "instance-state-code": (i) => String(i.State.Code),
  "instance-type": (i) => i.InstanceType,
  "image-id": (i) => i.ImageId,
  "vpc-id": (i) => i.VpcId,
  "subnet-id": (i) => i.SubnetId,
  "availability-zone": (i) => i.Placement.AvailabilityZone,
  "client-token": (i) => i.ClientToken,
  "key-name": (i) => i.KeyName,
  "reservation-id": (i) => i._reservationId,
  "private-ip-address": (i) => i.PrivateIpAddress,
  "ip-address": (i) => i.PublicIpAddress,
  "instance.group-id": (i) => i.SecurityGroups.map((g: SimRecord) => g.GroupId),
  "group-id": (i) => i.SecurityGroups.map((g: SimRecord) => g.GroupId),
  "iam-instance-profile.arn": (i) => i.IamInstanceProfile?.Arn,
  "network-interface.network-interface-id": (i) => i._eniId,
  "metadata-options.http-tokens": (i) => i.MetadataOptions.HttpTokens,
};

function instanceIdsMustExist(ctx: Ctx, ids: string[] | undefined): void {
  const missing = (ids ?? []).filter((id) => !find(ctx, "instances", id));
  if (missing.length === 1) ctx.fail("InvalidInstanceID.NotFound", `The instance ID '${missing[0]}' does not exist`);
  if (missing.length > 1) ctx.fail("InvalidInstanceID.NotFound", `The instance IDs '${missing.join(", ")}' do not exist`);
}

const DescribeInstances = handler<EC2, "DescribeInstances">((input, ctx) => {
  instanceIdsMustExist(ctx, input.InstanceIds);
  const { items, next } = describe(ctx, "instances", input, input.InstanceIds, INSTANCE_FIELDS);
  const byRes = new Map<string, SimRecord[]>();
  for (const i of items) {
    const l = byRes.get(i._reservationId) ?? [];
    l.push(withNics(ctx, i));
    byRes.set(i._reservationId, l);
  }
  return { Reservations: [...byRes].map(([rid, insts]) => reservationView(ctx, rid, insts)), NextToken: next };
});

const DescribeInstanceStatus = handler<EC2, "DescribeInstanceStatus">((input, ctx) => {
  instanceIdsMustExist(ctx, input.InstanceIds);
  const { items, next } = describe(ctx, "instances", input, input.InstanceIds, {
    ...INSTANCE_FIELDS,
    "instance-state-name": (i) => i.State.Name,
  }, { keep: (i) => !!input.IncludeAllInstances || i.State.Name === "running" });
  return {
    InstanceStatuses: items.map((i) => {
      const running = i.State.Name === "running";
      const st = running ? { Status: "ok", Details: [{ Name: "reachability", Status: "passed" }] } : { Status: "not-applicable" };
      return { AvailabilityZone: i.Placement.AvailabilityZone, InstanceId: i.InstanceId, InstanceState: { ...i.State }, InstanceStatus: st, SystemStatus: st, Events: [] };
    }),
    NextToken: next,
  };
});

function stateChange(i: SimRecord, prev: SimRecord): SimRecord {
  return { InstanceId: i.InstanceId, CurrentState: { ...i.State }, PreviousState: { ...prev } };
}

function instancesFor(ctx: Ctx, input: any): SimRecord[] {
  const ids: string[] = required(ctx, input, "InstanceIds");
  instanceIdsMustExist(ctx, ids);
  return ids.map((id) => get(ctx, "instances", id));
}

const StopInstances = handler<EC2, "StopInstances">((input, ctx) => {
  const insts = instancesFor(ctx, input);
  for (const i of insts) {
    if (["shutting-down", "terminated"].includes(i.State.Name)) {
      return ctx.fail("IncorrectInstanceState", `This instance '${i.InstanceId}' is not in a state from which it can be stopped.`);
    }
  }
  return {
    StoppingInstances: insts.map((i) => {
      const prev = { ...i.State };
      if (i.State.Name === "pending" || i.State.Name === "running") {
        setInstanceState(i, "stopping");
        i._next = { state: "stopped", at: ctx.now() + ctx.duration("ec2.instance.stop") };
      }
      return stateChange(i, prev);
    }),
  };
});

const StartInstances = handler<EC2, "StartInstances">((input, ctx) => {
  const insts = instancesFor(ctx, input);
  for (const i of insts) {
    if (!["stopped", "pending", "running"].includes(i.State.Name)) {
      return ctx.fail("IncorrectInstanceState", `The instance '${i.InstanceId}' is not in a state from which it can be started.`);
    }
  }
  return {
    StartingInstances: insts.map((i) => {
      const prev = { ...i.State };
      if (i.State.Name === "stopped") {
        setInstanceState(i, "pending");
        i._next = { state: "running", at: ctx.now() + ctx.duration("ec2.instance.start") };
        const eni = ctx.table("networkInterfaces")[i._eniId];
        if (i._publicOnLaunch && eni && !eni.Association) {
          const pub = newPublicIp(ctx);
          setEniAssociation(eni, { IpOwnerId: "amazon", PublicIp: pub, PublicDnsName: publicDnsName(ctx, pub) });
          i.PublicIpAddress = pub;
          i.PublicDnsName = publicDnsName(ctx, pub);
        }
        i.StateTransitionReason = "";
      }
      return stateChange(i, prev);
    }),
  };
});

const TerminateInstances = handler<EC2, "TerminateInstances">((input, ctx) => {
  const insts = instancesFor(ctx, input);
  return {
    TerminatingInstances: insts.map((i) => {
      const prev = { ...i.State };
      if (!["shutting-down", "terminated"].includes(i.State.Name)) {
        setInstanceState(i, "shutting-down");
        // No figure for termination in aws-durations.json: the stop duration stands in for it.
        i._next = { state: "terminated", at: ctx.now() + ctx.duration("ec2.instance.stop") };
      }
      return stateChange(i, prev);
    }),
  };
});

const ModifyInstanceMetadataOptions = handler<EC2, "ModifyInstanceMetadataOptions">((input, ctx) => {
  const i = get(ctx, "instances", required(ctx, input, "InstanceId"));
  if (i.State.Name === "terminated") return ctx.fail("IncorrectInstanceState", `The instance '${i.InstanceId}' is not in a valid state for this operation.`);
  const md = i.MetadataOptions;
  for (const k of ["HttpTokens", "HttpPutResponseHopLimit", "HttpEndpoint", "HttpProtocolIpv6", "InstanceMetadataTags"]) {
    if ((input as SimRecord)[k] !== undefined) md[k] = (input as SimRecord)[k];
  }
  md.State = "pending";
  i._metadataAt = ctx.now();
  return { InstanceId: i.InstanceId, InstanceMetadataOptions: out(md) };
});

const ModifyInstanceAttribute = handler<EC2, "ModifyInstanceAttribute">((input, ctx) => {
  const i = get(ctx, "instances", required(ctx, input, "InstanceId"));
  if (i.State.Name === "terminated") return ctx.fail("IncorrectInstanceState", `The instance '${i.InstanceId}' is not in a valid state for this operation.`);
  const given = ["Groups", "SourceDestCheck", "InstanceType", "DisableApiTermination", "DisableApiStop", "EbsOptimized", "Attribute"].filter((k) => (input as SimRecord)[k] !== undefined);
  if (given.length !== 1) return ctx.fail("InvalidParameterCombination", "Exactly one attribute must be specified per ModifyInstanceAttribute call.");
  const eni = ctx.table("networkInterfaces")[i._eniId];
  if (input.Groups) {
    if (!input.Groups.length) return ctx.fail("InvalidParameterValue", "Value () for parameter groupId is invalid. The value cannot be empty");
    const groups = input.Groups.map((g: string) => {
      const sg = get(ctx, "securityGroups", g);
      if (sg.VpcId !== i.VpcId) return ctx.fail("InvalidGroup.NotFound", `The security group '${g}' does not exist in VPC '${i.VpcId}'`);
      return { GroupId: sg.GroupId, GroupName: sg.GroupName };
    });
    i.SecurityGroups = groups;
    if (eni) eni.Groups = groups.map((g: SimRecord) => ({ ...g }));
  }
  if (input.SourceDestCheck) {
    i.SourceDestCheck = !!input.SourceDestCheck.Value;
    if (eni) eni.SourceDestCheck = i.SourceDestCheck;
  }
  if (input.InstanceType) {
    if (i.State.Name !== "stopped") return ctx.fail("IncorrectInstanceState", `The instance '${i.InstanceId}' is not in the 'stopped' state.`);
    i.InstanceType = input.InstanceType.Value;
  }
  if (input.DisableApiTermination) i._disableApiTermination = !!input.DisableApiTermination.Value;
  if (input.EbsOptimized) i.EbsOptimized = !!input.EbsOptimized.Value;
  return {};
});

const DescribeVolumes = handler<EC2, "DescribeVolumes">((input, ctx) => {
  const { items, next } = describe(ctx, "volumes", input, input.VolumeIds, {
    "volume-id": (v) => v.VolumeId,
    "attachment.instance-id": (v) => v.Attachments.map((a: SimRecord) => a.InstanceId),
    "attachment.device": (v) => v.Attachments.map((a: SimRecord) => a.Device),
    "attachment.status": (v) => v.Attachments.map((a: SimRecord) => a.State),
    "attachment.delete-on-termination": (v) => v.Attachments.map((a: SimRecord) => String(a.DeleteOnTermination)),
    "availability-zone": (v) => v.AvailabilityZone,
    encrypted: (v) => String(v.Encrypted),
    status: (v) => v.State,
    size: (v) => String(v.Size),
    "volume-type": (v) => v.VolumeType,
  });
  return { Volumes: items.map(out), NextToken: next };
});

const DescribeImages = handler<EC2, "DescribeImages">((input, ctx) => {
  const images = [
    { ImageId: "ami-0a1b2c3d4e5f60718", Name: "al2023-ami-2023.6.20250115.0-kernel-6.1-x86_64", Architecture: "x86_64" },
    { ImageId: "ami-0f1e2d3c4b5a69788", Name: "al2023-ami-2023.6.20250115.0-kernel-6.1-arm64", Architecture: "arm64" },
  ].map((i) => ({
    ...i,
    CreationDate: "2025-01-15T20:00:00.000Z",
    ImageLocation: `amazon/${i.Name}`,
    ImageType: "machine",
    Public: true,
    OwnerId: "137112412989",
    ImageOwnerAlias: "amazon",
    PlatformDetails: "Linux/UNIX",
    UsageOperation: "RunInstances",
    State: "available",
    RootDeviceName: "/dev/xvda",
    RootDeviceType: "ebs",
    VirtualizationType: "hvm",
    EnaSupport: true,
    Hypervisor: "xen",
    BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { DeleteOnTermination: true, VolumeSize: 8, VolumeType: "gp3", Encrypted: false } }],
  }));
  let sel = images;
  const owners = input.Owners ?? [];
  const imageIds = input.ImageIds ?? [];
  if (owners.length) sel = sel.filter((i) => owners.includes("amazon") || owners.includes(i.OwnerId));
  if (imageIds.length) {
    for (const id of imageIds) if (!images.some((i) => i.ImageId === id)) return ctx.fail("InvalidAMIID.NotFound", `The image id '[${id}]' does not exist`);
    sel = sel.filter((i) => imageIds.includes(i.ImageId));
  }
  const fake = { table: () => Object.fromEntries(sel.map((r, i) => [String(i), r])), visible: () => true } as unknown as Ctx;
  const { items } = describe(fake, "images", input, undefined, {
    name: (i) => i.Name, architecture: (i) => i.Architecture, "image-id": (i) => i.ImageId, state: (i) => i.State, "owner-alias": (i) => i.ImageOwnerAlias,
  }, { page: false });
  return { Images: items };
});

// ---------------------------------------------------------------- flow logs

const FLOW_LOG_FORMAT =
  "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

const CreateFlowLogs = handler<EC2, "CreateFlowLogs">((input, ctx) => {
  const idem = idempotent(ctx, "CreateFlowLogs", input.ClientToken, requestHash(input));
  if (idem.replay) return { ClientToken: input.ClientToken, ...JSON.parse(idem.replay) };
  const resourceType = required(ctx, input, "ResourceType");
  const ids: string[] = required(ctx, input, "ResourceIds");
  const traffic = input.TrafficType ?? (resourceType === "TransitGateway" ? undefined : "ALL");
  const destType = input.LogDestinationType ?? "cloud-watch-logs";
  const table: Record<string, string> = { VPC: "vpcs", Subnet: "subnets", NetworkInterface: "networkInterfaces" };
  if (!table[resourceType]) return ctx.fail("InvalidParameterValue", `Value (${resourceType}) for parameter resourceType is invalid.`);
  if (!["ACCEPT", "REJECT", "ALL"].includes(String(traffic))) return ctx.fail("InvalidParameterValue", `Value (${traffic}) for parameter trafficType is invalid.`);
  let logGroup: string | undefined = input.LogGroupName;
  let destination: string | undefined = input.LogDestination;
  if (destType === "cloud-watch-logs") {
    if (!logGroup && !destination) return ctx.fail("InvalidParameter", "Either LogGroupName or LogDestination must be specified for cloud-watch-logs.");
    if (!input.DeliverLogsPermissionArn) return ctx.fail("InvalidParameter", "DeliverLogsPermissionArn is required for cloud-watch-logs destination.");
    logGroup ??= destination!.split(":log-group:")[1]?.replace(/:\*$/, "");
    destination ??= `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${logGroup}`;
  } else if (!destination) return ctx.fail("InvalidParameter", "LogDestination is required for this destination type.");
  const maxAgg = input.MaxAggregationInterval ?? 600;
  if (![60, 600].includes(maxAgg)) return ctx.fail("InvalidParameter", `Invalid MaxAggregationInterval ${maxAgg}: must be 60 or 600.`);
  const FlowLogIds: string[] = [];
  const Unsuccessful: SimRecord[] = [];
  const tags = tagsFor(input.TagSpecifications, "vpc-flow-log");
  for (const rid of ids) {
    if (!find(ctx, table[resourceType], rid)) {
      const code = { VPC: "InvalidVpcID.NotFound", Subnet: "InvalidSubnetID.NotFound", NetworkInterface: "InvalidNetworkInterfaceID.NotFound" }[resourceType as "VPC"];
      Unsuccessful.push({ Error: { Code: code, Message: `${resourceType === "VPC" ? "VPC" : resourceType} ${rid} does not exist` }, ResourceId: rid });
      continue;
    }
    const dup = list(ctx, "flowLogs").some((f) => f.ResourceId === rid && f.TrafficType === traffic && f.LogDestination === destination);
    if (dup) {
      Unsuccessful.push({ Error: { Code: "FlowLogAlreadyExists", Message: "Error. There is an existing Flow Log with the same configuration and log destination." }, ResourceId: rid });
      continue;
    }
    const id = ctx.newId("fl");
    const rec = ctx.born({
      CreationTime: iso(ctx),
      DeliverLogsPermissionArn: input.DeliverLogsPermissionArn,
      DeliverLogsStatus: "SUCCESS",
      FlowLogId: id,
      FlowLogStatus: "ACTIVE",
      ...(logGroup ? { LogGroupName: logGroup } : {}),
      ResourceId: rid,
      TrafficType: traffic,
      LogDestinationType: destType,
      LogDestination: destination,
      LogFormat: input.LogFormat ?? FLOW_LOG_FORMAT,
      MaxAggregationInterval: maxAgg,
      _tags: tags,
      ...(input.DestinationOptions ? { DestinationOptions: input.DestinationOptions } : {}),
    });
    ctx.table("flowLogs")[id] = rec;
    FlowLogIds.push(id);
  }
  const result = { FlowLogIds, Unsuccessful };
  idem.remember(JSON.stringify(result));
  return { ClientToken: input.ClientToken, ...result };
});

const DescribeFlowLogs = handler<EC2, "DescribeFlowLogs">((input, ctx) => {
  const ids: string[] | undefined = input.FlowLogIds?.length ? input.FlowLogIds.filter((id: string) => find(ctx, "flowLogs", id)) : undefined;
  if (input.FlowLogIds?.length && !ids?.length) return { FlowLogs: [] };
  const { items, next } = describe(ctx, "flowLogs", input, ids, {
    "deliver-log-status": (f) => f.DeliverLogsStatus,
    "log-destination-type": (f) => f.LogDestinationType,
    "flow-log-id": (f) => f.FlowLogId,
    "log-group-name": (f) => f.LogGroupName,
    "resource-id": (f) => f.ResourceId,
    "traffic-type": (f) => f.TrafficType,
  });
  return { FlowLogs: items.map(out), NextToken: next };
});

const DeleteFlowLogs = handler<EC2, "DeleteFlowLogs">((input, ctx) => {
  const Unsuccessful: SimRecord[] = [];
  for (const id of required(ctx, input, "FlowLogIds") as string[]) {
    if (!find(ctx, "flowLogs", id)) {
      Unsuccessful.push({ Error: { Code: "InvalidFlowLogId.NotFound", Message: `These flow log ids in the input list are not found: [TotalCount: 1] ${id}` }, ResourceId: id });
      continue;
    }
    delete ctx.table("flowLogs")[id];
  }
  return { Unsuccessful };
});

export const computeHandlers: Handlers<EC2> = {
  CreateSecurityGroup, DescribeSecurityGroups, DescribeSecurityGroupRules,
  AuthorizeSecurityGroupIngress: authorize(false), AuthorizeSecurityGroupEgress: authorize(true),
  RevokeSecurityGroupIngress: revoke(false), RevokeSecurityGroupEgress: revoke(true),
  ModifySecurityGroupRules, DeleteSecurityGroup,
  CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPair,
  RunInstances, DescribeInstances, DescribeInstanceStatus, StopInstances, StartInstances, TerminateInstances, ModifyInstanceMetadataOptions,
  ModifyInstanceAttribute,
  DescribeVolumes, DescribeImages,
  CreateFlowLogs, DescribeFlowLogs, DeleteFlowLogs,
};
