/** Simulated RDS DB subnet groups, DB parameter groups and option groups (behaviour: rds.md). */
import type { RDS } from "@aws-sdk/client-rds";
import { handler, type HandlerContext, type Handlers, type SimRecord } from "../types.js";
import { INVALID_COMBINATION, INVALID_VALUE, fault, lower, page, rdsArn, tagList, view } from "./rds-common.js";
import { MYSQL_OPTIONS, MYSQL_PARAMETERS, families } from "./rds-engine-versions.js";

// ---------------------------------------------------------------- DB subnet groups

/** The EC2 subnets named by a request, checked: they exist, share one VPC and span two AZs. */
function subnetsOf(ctx: HandlerContext, ids: unknown): SimRecord[] {
  const list: string[] = Array.isArray(ids) ? ids : [];
  if (list.length === 0) fault(ctx, INVALID_VALUE, "The parameter SubnetIds must be provided and must not be empty.");
  const table = ctx.tableOf("ec2", "subnets");
  const subnets = list.map((id) => {
    const s = table[id];
    if (!s || !ctx.visible(s)) fault(ctx, "InvalidSubnet", `Some input subnets in :[${list.join(", ")}] are invalid.`);
    return s;
  });
  const vpcs = new Set(subnets.map((s) => s.VpcId));
  if (vpcs.size > 1) fault(ctx, "InvalidSubnet", `Subnets must be in the same VPC: [${list.join(", ")}]`);
  if (new Set(subnets.map((s) => s.AvailabilityZone)).size < 2) {
    fault(ctx, "DBSubnetGroupDoesNotCoverEnoughAZs", "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: " + [...new Set(subnets.map((s) => s.AvailabilityZone))].join(", ") + ". Add subnets to cover at least 2 AZs.");
  }
  return subnets;
}

/** DUAL only when every subnet has an associated IPv6 CIDR block (RDS User Guide, "Working with a DB instance in a VPC"). */
function networkTypes(subnets: SimRecord[]): string[] {
  const dual = subnets.every((s) => (s.Ipv6CidrBlockAssociationSet ?? []).some((a: SimRecord) => a.Ipv6CidrBlockState?.State === "associated"));
  return dual ? ["IPV4", "DUAL"] : ["IPV4"];
}

function subnetEntries(subnets: SimRecord[]): SimRecord[] {
  return subnets.map((s) => ({ SubnetIdentifier: s.SubnetId, SubnetAvailabilityZone: { Name: s.AvailabilityZone }, SubnetOutpost: {}, SubnetStatus: "Active" }));
}

/** The subnet group named `name` (DBSubnetGroupNotFoundFault otherwise). */
export function subnetGroup(ctx: HandlerContext, name: unknown): SimRecord {
  const key = typeof name === "string" ? name.toLowerCase() : "";
  const g = ctx.table("subnetGroups")[key];
  if (!g || !ctx.visible(g)) fault(ctx, "DBSubnetGroupNotFoundFault", `DB subnet group '${String(name)}' not found.`);
  return g;
}

/** Output shape of a subnet group (the SupportedNetworkTypes recomputed from the subnets' current IPv6 state). */
export function subnetGroupView(ctx: HandlerContext, g: SimRecord): SimRecord {
  const table = ctx.tableOf("ec2", "subnets");
  const subnets = (g.Subnets as SimRecord[]).map((s) => table[s.SubnetIdentifier]).filter(Boolean);
  return { ...view(g, []), SupportedNetworkTypes: networkTypes(subnets) };
}

function instancesUsing(ctx: HandlerContext, field: (i: SimRecord) => string | undefined, name: string): SimRecord[] {
  return Object.values(ctx.table("instances")).filter((i) => field(i) === name);
}

const CreateDBSubnetGroup = handler<RDS, "CreateDBSubnetGroup">((input, ctx) => {
  const name = lower(ctx, input.DBSubnetGroupName, "DBSubnetGroupName");
  if (name === "default") fault(ctx, INVALID_VALUE, "DBSubnetGroupName must not be default.");
  if (!input.DBSubnetGroupDescription) fault(ctx, INVALID_VALUE, "The parameter DBSubnetGroupDescription must be provided and must not be blank.");
  const table = ctx.table("subnetGroups");
  if (table[name]) fault(ctx, "DBSubnetGroupAlreadyExistsFault", `The DB subnet group '${name}' already exists.`);
  const subnets = subnetsOf(ctx, input.SubnetIds);
  const g = ctx.born({
    DBSubnetGroupName: name,
    DBSubnetGroupDescription: input.DBSubnetGroupDescription,
    VpcId: subnets[0].VpcId,
    SubnetGroupStatus: "Complete",
    Subnets: subnetEntries(subnets),
    DBSubnetGroupArn: rdsArn(ctx, "subgrp", name),
    _tags: tagList(input.Tags),
  });
  table[name] = g;
  return { DBSubnetGroup: subnetGroupView(ctx, g) };
});

const DescribeDBSubnetGroups = handler<RDS, "DescribeDBSubnetGroups">((input, ctx) => {
  const list = input.DBSubnetGroupName
    ? [subnetGroup(ctx, input.DBSubnetGroupName)]
    : Object.values(ctx.table("subnetGroups")).filter((g) => ctx.visible(g)).sort((a, b) => a.DBSubnetGroupName.localeCompare(b.DBSubnetGroupName));
  const { items, Marker } = page(ctx, list, input);
  return { DBSubnetGroups: items.map((g) => subnetGroupView(ctx, g)), Marker };
});

const ModifyDBSubnetGroup = handler<RDS, "ModifyDBSubnetGroup">((input, ctx) => {
  const g = subnetGroup(ctx, input.DBSubnetGroupName);
  const subnets = subnetsOf(ctx, input.SubnetIds);
  if (subnets[0].VpcId !== g.VpcId) fault(ctx, "InvalidSubnet", "The new subnets are not in the same VPC as the DB subnet group.");
  const using = instancesUsing(ctx, (i) => i._subnetGroup, g.DBSubnetGroupName);
  if (using.some((i) => i.NetworkType === "DUAL") && !networkTypes(subnets).includes("DUAL")) {
    fault(ctx, INVALID_COMBINATION, `The DB subnet group '${g.DBSubnetGroupName}' is used by a DUAL network type DB instance; every subnet must have an IPv6 CIDR block.`);
  }
  g.Subnets = subnetEntries(subnets);
  if (input.DBSubnetGroupDescription !== undefined) g.DBSubnetGroupDescription = input.DBSubnetGroupDescription;
  return { DBSubnetGroup: subnetGroupView(ctx, g) };
});

const DeleteDBSubnetGroup = handler<RDS, "DeleteDBSubnetGroup">((input, ctx) => {
  const g = subnetGroup(ctx, input.DBSubnetGroupName);
  if (instancesUsing(ctx, (i) => i._subnetGroup, g.DBSubnetGroupName).length) {
    fault(ctx, "InvalidDBSubnetGroupStateFault", `Cannot delete the subnet group '${g.DBSubnetGroupName}' because at least one database instance: ${instancesUsing(ctx, (i) => i._subnetGroup, g.DBSubnetGroupName)[0].DBInstanceIdentifier} is still using it.`);
  }
  delete ctx.table("subnetGroups")[g.DBSubnetGroupName];
  return {};
});

// ---------------------------------------------------------------- DB parameter groups

/** The parameter group named `name` (DBParameterGroupNotFoundFault otherwise). */
export function parameterGroup(ctx: HandlerContext, name: unknown): SimRecord {
  const key = typeof name === "string" ? name.toLowerCase() : "";
  const g = ctx.table("parameterGroups")[key];
  if (!g || !ctx.visible(g)) fault(ctx, "DBParameterGroupNotFoundFault", `DBParameterGroup not found: ${String(name)}`);
  return g;
}

const CreateDBParameterGroup = handler<RDS, "CreateDBParameterGroup">((input, ctx) => {
  const name = lower(ctx, input.DBParameterGroupName, "DBParameterGroupName");
  if (!input.Description) fault(ctx, INVALID_VALUE, "The parameter Description must be provided and must not be blank.");
  if (!families(ctx).includes(input.DBParameterGroupFamily!)) {
    fault(ctx, INVALID_VALUE, `ParameterGroupFamily ${String(input.DBParameterGroupFamily)} is not a valid parameter group family`);
  }
  const table = ctx.table("parameterGroups");
  if (table[name]) fault(ctx, "DBParameterGroupAlreadyExistsFault", `Parameter group ${name} already exists`);
  table[name] = ctx.born({
    DBParameterGroupName: name,
    DBParameterGroupFamily: input.DBParameterGroupFamily,
    Description: input.Description,
    DBParameterGroupArn: rdsArn(ctx, "pg", name),
    _params: {},
    _tags: tagList(input.Tags),
  });
  return { DBParameterGroup: view(table[name], []) };
});

const DescribeDBParameterGroups = handler<RDS, "DescribeDBParameterGroups">((input, ctx) => {
  const list = input.DBParameterGroupName
    ? [parameterGroup(ctx, input.DBParameterGroupName)]
    : Object.values(ctx.table("parameterGroups")).filter((g) => ctx.visible(g)).sort((a, b) => a.DBParameterGroupName.localeCompare(b.DBParameterGroupName));
  const { items, Marker } = page(ctx, list, input);
  return { DBParameterGroups: items.map((g) => view(g, [])), Marker };
});

const ModifyDBParameterGroup = handler<RDS, "ModifyDBParameterGroup">((input, ctx) => {
  const g = parameterGroup(ctx, input.DBParameterGroupName);
  const params: SimRecord[] = input.Parameters ?? [];
  if (params.length === 0 || params.length > 20) fault(ctx, INVALID_VALUE, "You must specify between 1 and 20 parameters.");
  for (const p of params) {
    const def = MYSQL_PARAMETERS.find((d) => d.ParameterName === p.ParameterName);
    if (!def) fault(ctx, INVALID_VALUE, `Could not find parameter with name: ${String(p.ParameterName)}`);
    if (!def.IsModifiable) fault(ctx, INVALID_VALUE, `The parameter ${def.ParameterName} cannot be modified.`);
    if (p.ApplyMethod !== "immediate" && p.ApplyMethod !== "pending-reboot") fault(ctx, INVALID_VALUE, `Invalid apply method ${String(p.ApplyMethod)} for parameter ${def.ParameterName}.`);
    // A static parameter takes effect only after a reboot: RDS refuses `immediate` for it.
    if (def.ApplyType === "static" && p.ApplyMethod === "immediate") fault(ctx, INVALID_COMBINATION, `cannot use immediate apply method for static parameter`);
    if (def.AllowedValues.includes(",") && !def.AllowedValues.split(",").includes(String(p.ParameterValue))) {
      fault(ctx, INVALID_VALUE, `Value: ${String(p.ParameterValue)} is not allowed for source: user, parameter: ${def.ParameterName}`);
    }
  }
  for (const p of params) g._params[p.ParameterName] = { value: String(p.ParameterValue), method: p.ApplyMethod };
  // Instances using the group: a static change waits for a reboot.
  for (const i of instancesUsing(ctx, (x) => x.DBParameterGroups?.[0]?.DBParameterGroupName, g.DBParameterGroupName)) {
    if (params.some((p) => p.ApplyMethod === "pending-reboot")) i.DBParameterGroups[0].ParameterApplyStatus = "pending-reboot";
  }
  return { DBParameterGroupName: g.DBParameterGroupName };
});

const DescribeDBParameters = handler<RDS, "DescribeDBParameters">((input, ctx) => {
  const g = parameterGroup(ctx, input.DBParameterGroupName);
  if (input.Source !== undefined && !["user", "system", "engine-default"].includes(input.Source)) fault(ctx, INVALID_VALUE, `Invalid source: ${String(input.Source)}`);
  const all = MYSQL_PARAMETERS.map((d) => {
    const set = g._params[d.ParameterName];
    const out: SimRecord = { ...d, Source: set ? "user" : d.ParameterValue === undefined ? "engine-default" : "system", ApplyMethod: set?.method ?? "pending-reboot" };
    if (set) out.ParameterValue = set.value;
    return out;
  });
  const list = input.Source ? all.filter((p) => p.Source === input.Source) : all;
  const { items, Marker } = page(ctx, list, input);
  return { Parameters: items, Marker };
});

const DeleteDBParameterGroup = handler<RDS, "DeleteDBParameterGroup">((input, ctx) => {
  const g = parameterGroup(ctx, input.DBParameterGroupName);
  if (instancesUsing(ctx, (i) => i.DBParameterGroups?.[0]?.DBParameterGroupName, g.DBParameterGroupName).length) {
    fault(ctx, "InvalidDBParameterGroupStateFault", `One or more database instances are still members of this parameter group ${g.DBParameterGroupName}, so the group cannot be deleted`);
  }
  delete ctx.table("parameterGroups")[g.DBParameterGroupName];
  return {};
});

// ---------------------------------------------------------------- option groups

/** The option group named `name` (OptionGroupNotFoundFault otherwise). */
export function optionGroup(ctx: HandlerContext, name: unknown): SimRecord {
  const key = typeof name === "string" ? name.toLowerCase() : "";
  const g = ctx.table("optionGroups")[key];
  if (!g || !ctx.visible(g)) fault(ctx, "OptionGroupNotFoundFault", `Specified OptionGroupName: ${String(name)} not found.`);
  return g;
}

const CreateOptionGroup = handler<RDS, "CreateOptionGroup">((input, ctx) => {
  const name = lower(ctx, input.OptionGroupName, "OptionGroupName");
  if (input.EngineName !== "mysql") fault(ctx, INVALID_VALUE, `Invalid DB engine: ${String(input.EngineName)}`);
  if (!["8.0", "8.4"].includes(input.MajorEngineVersion!)) fault(ctx, INVALID_VALUE, `Cannot find major version ${String(input.MajorEngineVersion)} for ${input.EngineName}`);
  if (!input.OptionGroupDescription) fault(ctx, INVALID_VALUE, "The parameter OptionGroupDescription must be provided and must not be blank.");
  const table = ctx.table("optionGroups");
  if (table[name]) fault(ctx, "OptionGroupAlreadyExistsFault", `Option Group ${name} already exists.`);
  table[name] = ctx.born({
    OptionGroupName: name,
    OptionGroupDescription: input.OptionGroupDescription,
    EngineName: input.EngineName,
    MajorEngineVersion: input.MajorEngineVersion,
    Options: [],
    AllowsVpcAndNonVpcInstanceMemberships: true,
    OptionGroupArn: rdsArn(ctx, "og", name),
    _tags: tagList(input.Tags),
  });
  return { OptionGroup: optionGroupView(table[name]) };
});

const ModifyOptionGroup = handler<RDS, "ModifyOptionGroup">((input, ctx) => {
  const g = optionGroup(ctx, input.OptionGroupName);
  for (const o of input.OptionsToInclude ?? []) {
    const def = MYSQL_OPTIONS[o.OptionName!];
    if (!def || !def.majors.includes(g.MajorEngineVersion)) {
      fault(ctx, INVALID_VALUE, `Option ${String(o.OptionName)} is not available for engine ${g.EngineName} ${g.MajorEngineVersion}`);
    }
    const settings = { ...def.settings };
    for (const s of o.OptionSettings ?? []) {
      if (!(s.Name! in settings)) fault(ctx, INVALID_VALUE, `Invalid option setting ${String(s.Name)} for option ${o.OptionName}`);
      settings[s.Name!] = String(s.Value);
    }
    const entry = {
      OptionName: o.OptionName,
      OptionDescription: def.description,
      Persistent: false,
      Permanent: false,
      OptionSettings: Object.entries(settings).map(([Name, Value]) => ({ Name, Value, IsModifiable: true, IsCollection: false })),
      DBSecurityGroupMemberships: [],
      VpcSecurityGroupMemberships: [],
    };
    g.Options = [...(g.Options as SimRecord[]).filter((x) => x.OptionName !== o.OptionName), entry];
  }
  const remove = new Set<string>(input.OptionsToRemove ?? []);
  g.Options = (g.Options as SimRecord[]).filter((x) => !remove.has(x.OptionName));
  return { OptionGroup: optionGroupView(g) };
});

const DescribeOptionGroups = handler<RDS, "DescribeOptionGroups">((input, ctx) => {
  let list = input.OptionGroupName
    ? [optionGroup(ctx, input.OptionGroupName)]
    : Object.values(ctx.table("optionGroups")).filter((g) => ctx.visible(g)).sort((a, b) => a.OptionGroupName.localeCompare(b.OptionGroupName));
  if (input.EngineName) list = list.filter((g) => g.EngineName === input.EngineName);
  if (input.MajorEngineVersion) list = list.filter((g) => g.MajorEngineVersion === input.MajorEngineVersion);
  const { items, Marker } = page(ctx, list, input);
  return { OptionGroupsList: items.map((g) => optionGroupView(g)), Marker };
});

const DeleteOptionGroup = handler<RDS, "DeleteOptionGroup">((input, ctx) => {
  const g = optionGroup(ctx, input.OptionGroupName);
  // A DB snapshot keeps its option group: the group cannot be deleted while a snapshot uses it.
  const bySnapshot = Object.values(ctx.table("snapshots")).some((s) => s.OptionGroupName === g.OptionGroupName);
  if (bySnapshot || instancesUsing(ctx, (i) => i.OptionGroupMemberships?.[0]?.OptionGroupName, g.OptionGroupName).length) {
    fault(ctx, "InvalidOptionGroupStateFault", `The option group '${g.OptionGroupName}' cannot be deleted because it is in use.`);
  }
  delete ctx.table("optionGroups")[g.OptionGroupName];
  return {};
});

/** The group handlers. */
export const groupHandlers: Handlers<RDS> = {
  CreateDBSubnetGroup, DescribeDBSubnetGroups, ModifyDBSubnetGroup, DeleteDBSubnetGroup,
  CreateDBParameterGroup, DescribeDBParameterGroups, ModifyDBParameterGroup, DescribeDBParameters, DeleteDBParameterGroup,
  CreateOptionGroup, ModifyOptionGroup, DescribeOptionGroups, DeleteOptionGroup,
};

/**
 * An option group as RDS answers it. RDS's OptionGroup shape has no creation time (RDS API reference,
 * OptionGroup); states saved by earlier sandboxes may still hold one, which is never shown.
 */
function optionGroupView(g: SimRecord): SimRecord {
  const { OptionGroupCreateTime: _created, ...shown } = view(g, []);
  return shown;
}
