/**
 * Resource kind `iam-role`.
 * Tests: test/resources/iam-role.test.ts.
 * Sandbox: src/sandbox/services/iam.ts.
 */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListRolePoliciesCommand,
  ListAttachedRolePoliciesCommand,
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type Role,
} from "@aws-sdk/client-iam";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, orUndefined } from "./toolkit.js";
import { canonicalPolicy, type PolicyDocument } from "./policy.js";

/** IAM-0x: a role with a trust policy and inline policies generated from the plan (real ARNs, no `*`). */
export interface IamRoleSpec {
  name: string;
  description: string;
  assumeRolePolicy: PolicyDocument;
  inlinePolicies: Record<string, PolicyDocument>;
  /** AWS managed policies to attach (by ARN). */
  managedPolicyArns?: string[];
}

/** A role and its inline policies (decoded). */
export interface IamRoleActual {
  role: Role;
  inline: Record<string, string>;
  attached: string[];
}

const PATH = "/opsctl/";

async function read(ctx: ResourceContext, name: string): Promise<IamRoleActual | undefined> {
  const iam = await ctx.aws.get("iam");
  const r = await orUndefined(iam.send(new GetRoleCommand({ RoleName: name })));
  if (!r?.Role) return undefined;
  const [names, attached] = await Promise.all([
    iam.send(new ListRolePoliciesCommand({ RoleName: name })).then((x) => x.PolicyNames ?? []),
    iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name })).then((x) => (x.AttachedPolicies ?? []).map((p) => p.PolicyArn!)),
  ]);
  const docs = await Promise.all(names.map((p) => iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: p }))));
  return { role: r.Role, inline: Object.fromEntries(docs.map((d) => [d.PolicyName!, d.PolicyDocument!])), attached };
}

export const iamRole: ResourceKind<IamRoleSpec, IamRoleActual, ResourceContext, { id: string; arn: string }> = {
  kind: "iam-role",
  budget: { create: slowMs("iam.role.create") + slowMs("iam.propagation"), delete: 5 * 60_000 },
  typicalCreateMs: typicalMs("iam.role.create"),

  find: (ctx, spec) => read(ctx, spec?.name ?? ctx.name),
  diff(spec, a) {
    const c: FieldChange[] = [];
    if (canonicalPolicy(a.role.AssumeRolePolicyDocument) !== canonicalPolicy(spec.assumeRolePolicy)) c.push({ field: "AssumeRolePolicyDocument", from: "(other trust policy)", to: "(plan)" });
    for (const [name, doc] of Object.entries(spec.inlinePolicies)) {
      if (!(name in a.inline)) c.push({ field: `policy ${name}`, from: undefined, to: "(plan)" });
      else if (canonicalPolicy(a.inline[name]) !== canonicalPolicy(doc)) c.push({ field: `policy ${name}`, from: "(other document)", to: "(plan)" });
    }
    for (const name of Object.keys(a.inline)) if (!(name in spec.inlinePolicies)) c.push({ field: `policy ${name}`, from: "(present)", to: undefined });
    const want = spec.managedPolicyArns ?? [];
    for (const arn of want) if (!a.attached.includes(arn)) c.push({ field: `attached ${arn}`, from: undefined, to: "attached" });
    for (const arn of a.attached) if (!want.includes(arn)) c.push({ field: `attached ${arn}`, from: "attached", to: undefined });
    return c;
  },
  async create(ctx, spec) {
    const iam = await ctx.aws.get("iam");
    try {
      const r = await iam.send(
        new CreateRoleCommand({
          RoleName: spec.name,
          Path: PATH,
          Description: spec.description,
          AssumeRolePolicyDocument: JSON.stringify(spec.assumeRolePolicy),
          Tags: ctx.tags(),
        }),
      );
      // Inline policies are put by the post-create diff.
      return { role: r.Role!, inline: {}, attached: [] };
    } catch (e) {
      // Created by a run that crashed, but GetRole does not see it yet (IAM is eventually consistent).
      if (isCode(e, "EntityAlreadyExists")) throw new TryAgainLater(`role ${spec.name} exists but is not visible yet`, 2_000);
      throw e;
    }
  },
  async update(ctx, spec, a, changes) {
    const iam = await ctx.aws.get("iam");
    const RoleName = a.role.RoleName!;
    const notYet = ["NoSuchEntity"];
    await Promise.all(
      changes.map(async (c) => {
        if (c.field === "AssumeRolePolicyDocument") {
          try {
            await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: JSON.stringify(spec.assumeRolePolicy) }));
          } catch (e) {
            if (isCode(e, ...notYet)) throw new TryAgainLater(`role ${RoleName} not visible yet`, 2_000);
            throw e;
          }
          return;
        }
        if (c.field.startsWith("attached ")) {
          const PolicyArn = c.field.slice("attached ".length);
          try {
            if (c.to) await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn }));
            else await deleted(iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn })));
          } catch (e) {
            if (isCode(e, ...notYet) && c.to) throw new TryAgainLater(`role ${RoleName} not visible yet`, 2_000);
            throw e;
          }
          return;
        }
        const name = c.field.slice("policy ".length);
        const doc = spec.inlinePolicies[name];
        if (!doc) return deleted(iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: name })));
        try {
          await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: name, PolicyDocument: JSON.stringify(doc) }));
        } catch (e) {
          if (isCode(e, ...notYet)) throw new TryAgainLater(`role ${RoleName} not visible yet`, 2_000);
          throw e;
        }
      }),
    );
    return (await read(ctx, RoleName)) ?? a;
  },
  async delete(ctx, a) {
    const iam = await ctx.aws.get("iam");
    const RoleName = a.role.RoleName!;
    for (const name of Object.keys(a.inline)) await deleted(iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: name })));
    for (const arn of a.attached ?? []) await deleted(iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: arn })));
    await deleted(iam.send(new DeleteRoleCommand({ RoleName })));
  },
  refresh: (ctx, a) => read(ctx, a.role.RoleName!),
  describe: (a) => ({ id: a.role.RoleName!, state: "active", healthy: true, details: { arn: a.role.Arn, policies: Object.keys(a.inline), managed: a.attached } }),
  outputs: (a) => ({ id: a.role.RoleName!, arn: a.role.Arn! }),
};
