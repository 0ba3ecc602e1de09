/**
 * Resource kind `iam-user`.
 * Tests: test/resources/iam-user.test.ts.
 * Sandbox: src/sandbox/services/iam.ts.
 */
import {
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
  type User,
} from "@aws-sdk/client-iam";
import { DeleteSecretCommand, DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, orUndefined } from "./toolkit.js";
import { canonicalPolicy, type PolicyDocument } from "./policy.js";

/** IAM-04: the local-development user, with inline policies identical to the app role's. No access key is made here. */
export interface IamUserSpec {
  name: string;
  inlinePolicies: Record<string, PolicyDocument>;
}

/** A user, its inline policies (decoded) and how many access keys it has. */
export interface IamUserActual {
  user: User;
  inline: Record<string, string>;
  accessKeys: string[];
}

async function read(ctx: ResourceContext, name: string): Promise<IamUserActual | undefined> {
  const iam = await ctx.aws.get("iam");
  const u = await orUndefined(iam.send(new GetUserCommand({ UserName: name })));
  if (!u?.User) return undefined;
  const [names, keys] = await Promise.all([
    iam.send(new ListUserPoliciesCommand({ UserName: name })).then((r) => r.PolicyNames ?? []),
    iam.send(new ListAccessKeysCommand({ UserName: name })).then((r) => (r.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId!)),
  ]);
  const docs = await Promise.all(names.map((p) => iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: p }))));
  return { user: u.User, inline: Object.fromEntries(docs.map((d) => [d.PolicyName!, d.PolicyDocument!])), accessKeys: keys };
}

export const iamUser: ResourceKind<IamUserSpec, IamUserActual, ResourceContext, { id: string; arn: string }> = {
  kind: "iam-user",
  budget: { create: slowMs("iam.role.create") + slowMs("iam.propagation"), delete: 5 * 60_000 },
  typicalCreateMs: typicalMs("iam.role.create"),

  find: (ctx, spec) => read(ctx, spec?.name ?? ctx.name),
  diff(spec, a) {
    const c: FieldChange[] = [];
    for (const [name, doc] of Object.entries(spec.inlinePolicies)) {
      if (!(name in a.inline)) c.push({ field: `policy ${name}`, from: undefined, to: "(plan)" });
      else if (canonicalPolicy(a.inline[name]) !== canonicalPolicy(doc)) c.push({ field: `policy ${name}`, from: "(other document)", to: "(plan)" });
    }
    for (const name of Object.keys(a.inline)) if (!(name in spec.inlinePolicies)) c.push({ field: `policy ${name}`, from: "(present)", to: undefined });
    return c;
  },
  async create(ctx, spec) {
    const iam = await ctx.aws.get("iam");
    try {
      const r = await iam.send(new CreateUserCommand({ UserName: spec.name, Path: "/opsctl/", Tags: ctx.tags() }));
      return { user: r.User!, inline: {}, accessKeys: [] };
    } catch (e) {
      if (isCode(e, "EntityAlreadyExists")) throw new TryAgainLater(`user ${spec.name} exists but is not visible yet`, 2_000);
      throw e;
    }
  },
  async update(ctx, spec, a, changes) {
    const iam = await ctx.aws.get("iam");
    const UserName = a.user.UserName!;
    await Promise.all(
      changes.map(async (c) => {
        const name = c.field.slice("policy ".length);
        const doc = spec.inlinePolicies[name];
        if (!doc) return deleted(iam.send(new DeleteUserPolicyCommand({ UserName, PolicyName: name })));
        try {
          await iam.send(new PutUserPolicyCommand({ UserName, PolicyName: name, PolicyDocument: JSON.stringify(doc) }));
        } catch (e) {
          if (isCode(e, "NoSuchEntity")) throw new TryAgainLater(`user ${UserName} not visible yet`, 2_000);
          throw e;
        }
      }),
    );
    return (await read(ctx, UserName)) ?? a;
  },
  async delete(ctx, a) {
    const iam = await ctx.aws.get("iam");
    const UserName = a.user.UserName!;
    // DeleteUser fails with DeleteConflict while the user has access keys or policies.
    for (const id of a.accessKeys) await deleted(iam.send(new DeleteAccessKeyCommand({ UserName, AccessKeyId: id })));
    // `opsctl dev-credentials` keeps the user's key in `<env>/dev/access-key`: it goes with the user
    // (scheduled for deletion like every secret, or at once with --delete-data).
    const sm = await ctx.aws.get("secrets");
    const secretId = `${ctx.env}/dev/access-key`;
    const existing = await orUndefined(sm.send(new DescribeSecretCommand({ SecretId: secretId })));
    if (existing && !existing.DeletedDate) {
      await orUndefined(sm.send(new DeleteSecretCommand(ctx.flags.deleteData ? { SecretId: secretId, ForceDeleteWithoutRecovery: true } : { SecretId: secretId, RecoveryWindowInDays: ctx.flags.secretRecoveryDays ?? 30 })));
    }
    for (const name of Object.keys(a.inline)) await deleted(iam.send(new DeleteUserPolicyCommand({ UserName, PolicyName: name })));
    await deleted(iam.send(new DeleteUserCommand({ UserName })));
  },
  refresh: (ctx, a) => read(ctx, a.user.UserName!),
  describe: (a) => ({ id: a.user.UserName!, state: "active", healthy: true, details: { arn: a.user.Arn, policies: Object.keys(a.inline), accessKeys: a.accessKeys.length } }),
  outputs: (a) => ({ id: a.user.UserName!, arn: a.user.Arn! }),
};
