/**
 * Resource kind `secret-rotation`.
 * Tests: test/resources/secret-rotation.test.ts.
 * Sandbox: src/sandbox/services/secretsmanager.ts.
 */
import { CancelRotateSecretCommand, DescribeSecretCommand, RotateSecretCommand, paginateListSecrets, type DescribeSecretResponse } from "@aws-sdk/client-secrets-manager";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import type { ResourceContext } from "./context.js";
import { collect, deleted, orUndefined, ownedBy } from "./toolkit.js";

/** SM-04 (Security Hub SecretsManager.1 / .4): Secrets Manager's own rotation schedule for a secret. */
export interface SecretRotationSpec {
  secretArn: string;
  lambdaArn: string;
  afterDays: number;
}

/**
 * The secret's rotation configuration (part of the secret: it has no tags of its own). Without a spec
 * (`down`, `status`) it is found through the secret of the matching node: `secret-rotation:<x>`
 * configures the secret tagged `opsctl:node = secret:<x>`.
 */
export type SecretRotationActual = DescribeSecretResponse;

/**
 * RotateSecret's ClientRequestToken (the id of the version a rotation would make): derived from the
 * spec and the secret's AWSCURRENT version, so a retry after a crash sends the same token, and once a
 * rotation made a new version (or the secret was re-created) the next call sends a new one.
 */
export function rotateSecretToken(ctx: ResourceContext, spec: SecretRotationSpec, s: SecretRotationActual): string {
  const current = Object.entries(s.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes("AWSCURRENT"))?.[0] ?? "";
  return ctx.token(spec.secretArn, spec.lambdaArn, String(spec.afterDays), current).replace(/^opsctl-/, "");
}

const secretNodeOf = (node: string) => `secret:${node.slice(node.indexOf(":") + 1)}`;

export const secretRotation: ResourceKind<SecretRotationSpec, SecretRotationActual, ResourceContext, { id: string; arn: string }> = {
  kind: "secret-rotation",
  budget: { create: 60_000, delete: 60_000 },
  typicalCreateMs: 1_000,

  async find(ctx, spec) {
    if (!spec) return (await this.findAll!(ctx))[0];
    const sm = await ctx.aws.get("secrets");
    const s = await orUndefined(sm.send(new DescribeSecretCommand({ SecretId: spec.secretArn })));
    return s && !s.DeletedDate ? s : undefined;
  },
  async findAll(ctx) {
    const sm = await ctx.aws.get("secrets");
    const node = secretNodeOf(ctx.node);
    const list = await collect(paginateListSecrets({ client: sm }, { Filters: [{ Key: "tag-value", Values: [node] }] }), (p) => p.SecretList);
    return list.filter((s) => ownedBy(ctx, s.Tags, node) && s.RotationEnabled) as DescribeSecretResponse[];
  },
  diff(spec, s) {
    const c: FieldChange[] = [];
    if (!s.RotationEnabled) c.push({ field: "RotationEnabled", from: false, to: true });
    if (s.RotationLambdaARN !== spec.lambdaArn) c.push({ field: "RotationLambdaARN", from: s.RotationLambdaARN, to: spec.lambdaArn });
    if (s.RotationRules?.AutomaticallyAfterDays !== spec.afterDays || s.RotationRules?.ScheduleExpression !== undefined) {
      c.push({ field: "RotationRules", from: s.RotationRules?.AutomaticallyAfterDays ?? s.RotationRules?.ScheduleExpression, to: spec.afterDays });
    }
    return c;
  },
  async create(ctx, spec) {
    // The secret comes from its own node (a dependency): not found means not visible yet.
    const s = await this.find(ctx, spec);
    if (!s) throw new TryAgainLater(`secret ${spec.secretArn} not visible yet`, 1_000);
    return s;
  },
  async update(ctx, spec, s) {
    const sm = await ctx.aws.get("secrets");
    try {
      await sm.send(
        new RotateSecretCommand({
          SecretId: s.ARN,
          RotationLambdaARN: spec.lambdaArn,
          RotationRules: { AutomaticallyAfterDays: spec.afterDays },
          // Only the schedule: the first rotation happens after `afterDays`, not now (the secret was just made).
          RotateImmediately: false,
          ClientRequestToken: rotateSecretToken(ctx, spec, s),
        }),
      );
    } catch (e) {
      // Secrets Manager checks it may invoke the function: the permission may not have propagated yet.
      if (isCode(e, "AccessDeniedException")) throw new TryAgainLater(`Secrets Manager cannot invoke ${spec.lambdaArn} yet`, 5_000);
      throw e;
    }
    return (await this.find(ctx, spec)) ?? s;
  },
  async delete(ctx, s) {
    const sm = await ctx.aws.get("secrets");
    await deleted(sm.send(new CancelRotateSecretCommand({ SecretId: s.ARN })));
  },
  async refresh(ctx, s) {
    const sm = await ctx.aws.get("secrets");
    return orUndefined(sm.send(new DescribeSecretCommand({ SecretId: s.ARN })));
  },
  isGone: (s) => !s.RotationEnabled || s.DeletedDate !== undefined,
  describe: (s) => ({
    id: s.Name!,
    state: s.RotationEnabled ? `rotation every ${s.RotationRules?.AutomaticallyAfterDays ?? "?"} days` : "no rotation",
    healthy: s.RotationEnabled === true,
    details: { lambda: s.RotationLambdaARN, nextRotation: s.NextRotationDate?.toISOString(), lastRotated: s.LastRotatedDate?.toISOString() },
  }),
  outputs: (s) => ({ id: s.Name!, arn: s.ARN! }),
};
