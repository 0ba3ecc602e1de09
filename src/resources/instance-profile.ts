/**
 * Resource kind `instance-profile`.
 * Tests: test/resources/instance-profile.test.ts.
 * Sandbox: src/sandbox/services/iam.ts.
 */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  RemoveRoleFromInstanceProfileCommand,
  type InstanceProfile,
} from "@aws-sdk/client-iam";
import type { ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, orUndefined } from "./toolkit.js";

/** IAM-03: the instance profile that hands a role to an EC2 instance (the bastion). */
export interface InstanceProfileSpec {
  name: string;
  roleName: string;
}

const read = async (ctx: ResourceContext, name: string) => {
  const iam = await ctx.aws.get("iam");
  return (await orUndefined(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))))?.InstanceProfile;
};

export const instanceProfile: ResourceKind<InstanceProfileSpec, InstanceProfile, ResourceContext, { id: string; arn: string; name: string }> = {
  kind: "instance-profile",
  // IAM is eventually consistent: EC2 may refuse a brand-new profile for several seconds (iam.propagation).
  budget: { create: slowMs("iam.role.create") + slowMs("iam.propagation"), delete: 5 * 60_000 },
  typicalCreateMs: typicalMs("iam.role.create") + typicalMs("iam.propagation"),

  find: (ctx, spec) => read(ctx, spec?.name ?? ctx.name),
  diff(spec, p) {
    const roles = (p.Roles ?? []).map((r) => r.RoleName);
    return roles.length === 1 && roles[0] === spec.roleName ? [] : [{ field: "Roles", from: roles, to: [spec.roleName] }];
  },
  async create(ctx, spec) {
    const iam = await ctx.aws.get("iam");
    try {
      const r = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: spec.name, Path: "/opsctl/", Tags: ctx.tags() }));
      return r.InstanceProfile!;
    } catch (e) {
      if (isCode(e, "EntityAlreadyExists")) throw new TryAgainLater(`instance profile ${spec.name} exists but is not visible yet`, 2_000);
      throw e;
    }
  },
  async update(ctx, spec, p) {
    const iam = await ctx.aws.get("iam");
    for (const r of p.Roles ?? []) {
      if (r.RoleName !== spec.roleName) await deleted(iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: p.InstanceProfileName, RoleName: r.RoleName })));
    }
    if (!(p.Roles ?? []).some((r) => r.RoleName === spec.roleName)) {
      try {
        await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: p.InstanceProfileName, RoleName: spec.roleName }));
      } catch (e) {
        if (isCode(e, "NoSuchEntity")) throw new TryAgainLater(`role ${spec.roleName} or profile not visible yet`, 2_000);
        if (!isCode(e, "LimitExceeded")) throw e;
      }
    }
    return (await read(ctx, p.InstanceProfileName!)) ?? p;
  },
  async delete(ctx, p) {
    const iam = await ctx.aws.get("iam");
    for (const r of p.Roles ?? []) await deleted(iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: p.InstanceProfileName, RoleName: r.RoleName })));
    await deleted(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: p.InstanceProfileName })));
  },
  refresh: (ctx, p) => read(ctx, p.InstanceProfileName!),
  describe: (p) => ({ id: p.InstanceProfileName!, state: "active", healthy: (p.Roles ?? []).length === 1, details: { arn: p.Arn, role: p.Roles?.[0]?.RoleName } }),
  outputs: (p) => ({ id: p.InstanceProfileName!, arn: p.Arn!, name: p.InstanceProfileName! }),
};
