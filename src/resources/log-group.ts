/**
 * Resource kind `log-group`.
 * Tests: test/resources/log-group.test.ts.
 * Sandbox: src/sandbox/services/logs.ts.
 */
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
  type LogGroup,
} from "@aws-sdk/client-cloudwatch-logs";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted } from "./toolkit.js";

/** MON-01/NET-09: a CloudWatch log group with a retention period; found by its deterministic name. */
export interface LogGroupSpec {
  name: string;
  retentionDays: number;
}

async function byName(ctx: ResourceContext, name: string): Promise<LogGroup | undefined> {
  const logs = await ctx.aws.get("logs");
  const r = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  return r.logGroups?.find((g) => g.logGroupName === name);
}

/** The deterministic log group name of a node: `/opsctl/<env>/<name>`. */
export function logGroupName(env: string, name: string): string {
  return `/opsctl/${env}/${name}`;
}

export const logGroup: ResourceKind<LogGroupSpec, LogGroup, ResourceContext, { id: string; name: string; arn: string | undefined }> = {
  kind: "log-group",
  budget: { create: slowMs("logs.log-group.create") * 4, delete: slowMs("logs.log-group.create") * 4 },
  typicalCreateMs: typicalMs("logs.log-group.create"),

  async find(ctx, spec) {
    return byName(ctx, spec?.name ?? logGroupName(ctx.env, ctx.name.slice(ctx.env.length + 1)));
  },
  diff(spec, g) {
    const c: FieldChange[] = [];
    if (g.retentionInDays !== spec.retentionDays) c.push({ field: "retentionInDays", from: g.retentionInDays, to: spec.retentionDays });
    return c;
  },
  async create(ctx, spec) {
    const logs = await ctx.aws.get("logs");
    try {
      await logs.send(new CreateLogGroupCommand({ logGroupName: spec.name, tags: ctx.tagMap() }));
    } catch (e) {
      if (!isCode(e, "ResourceAlreadyExistsException")) throw e;
    }
    // Retention cannot be set in CreateLogGroup: the post-create diff applies it.
    const g = await byName(ctx, spec.name);
    if (!g) throw new TryAgainLater(`log group ${spec.name} not visible yet`, 1_000);
    return g;
  },
  async update(ctx, spec, g) {
    const logs = await ctx.aws.get("logs");
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: g.logGroupName, retentionInDays: spec.retentionDays }));
    return (await this.refresh(ctx, g)) ?? g;
  },
  async delete(ctx, g) {
    const logs = await ctx.aws.get("logs");
    await deleted(logs.send(new DeleteLogGroupCommand({ logGroupName: g.logGroupName })));
  },
  refresh: (ctx, g) => byName(ctx, g.logGroupName!),
  describe: (g) => ({ id: g.logGroupName!, state: "active", healthy: g.retentionInDays !== undefined, details: { retentionDays: g.retentionInDays } }),
  outputs: (g) => ({ id: g.logGroupName!, name: g.logGroupName!, arn: g.logGroupArn ?? g.arn?.replace(/:\*$/, "") }),
};
