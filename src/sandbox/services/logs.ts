import { CloudWatchLogsServiceException } from "@aws-sdk/client-cloudwatch-logs";
import { paginate, publicView } from "../filters.js";
import type { HandlerContext, SimRecord, SimService } from "../types.js";

/*
 * Simulated CloudWatch Logs (behaviour: logs.md beside this file). Log groups live in the
 * region's "logGroups" table keyed by name, in the DescribeLogGroups shape (times are epoch ms,
 * as in the API); tags are kept privately in `_tags` and answered by the tag operations.
 */

/** PutRetentionPolicy's allowed values (API reference). */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const NOT_FOUND = "The specified log group does not exist.";

function groups(ctx: HandlerContext): Record<string, SimRecord> {
  return ctx.table("logGroups");
}

function group(ctx: HandlerContext, name: string | undefined): SimRecord {
  const rec = name ? groups(ctx)[name] : undefined;
  if (!rec) ctx.fail("ResourceNotFoundException", NOT_FOUND);
  return rec;
}

/** The log group an ARN names (`arn:aws:logs:<region>:<account>:log-group:<name>`, optionally with `:*`). */
function groupByArn(ctx: HandlerContext, arn: string | undefined): SimRecord {
  const m = /^arn:aws[\w-]*:logs:([\w-]+):(\d{12}):log-group:(.+?)(:\*)?$/.exec(arn ?? "");
  if (!m) ctx.fail("InvalidParameterException", `Invalid resource ARN: ${arn}`);
  if (m[1] !== ctx.region || m[2] !== ctx.accountId) ctx.fail("ResourceNotFoundException", NOT_FOUND);
  return group(ctx, m[3]);
}

function checkName(ctx: HandlerContext, name: string | undefined): asserts name is string {
  if (!name || name.length > 512 || !/^[.\-_/#A-Za-z0-9]+$/.test(name)) {
    ctx.fail(
      "InvalidParameterException",
      `1 validation error detected: Value '${name ?? ""}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
    );
  }
}

function setTags(rec: SimRecord, tags: Record<string, string> | undefined): void {
  rec._tags = { ...(rec._tags ?? {}), ...(tags ?? {}) };
}

function untag(rec: SimRecord, keys: string[] | undefined): void {
  for (const k of keys ?? []) delete rec._tags[k];
}

/** Simulated CloudWatchLogs (behaviour: logs.md beside this file). */
export const logsService: SimService = {
  clientName: "CloudWatchLogsClient",
  key: "logs",
  exception: CloudWatchLogsServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {
    CreateLogGroup(input, ctx) {
      checkName(ctx, input.logGroupName);
      const table = groups(ctx);
      if (table[input.logGroupName]) ctx.fail("ResourceAlreadyExistsException", "The specified log group already exists");
      if (Object.keys(input.tags ?? {}).length > 50) ctx.fail("InvalidParameterException", "A log group can have up to 50 tags.");
      const arn = `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${input.logGroupName}`;
      const rec: SimRecord = ctx.born({
        logGroupName: input.logGroupName,
        creationTime: ctx.now(),
        metricFilterCount: 0,
        arn: `${arn}:*`,
        storedBytes: 0,
        logGroupClass: input.logGroupClass ?? "STANDARD",
        logGroupArn: arn,
        _tags: {},
      });
      if (input.kmsKeyId) rec.kmsKeyId = input.kmsKeyId;
      setTags(rec, input.tags);
      table[input.logGroupName] = rec;
      return {};
    },

    DescribeLogGroups(input, ctx) {
      if (input.logGroupNamePrefix && input.logGroupNamePattern) {
        ctx.fail("InvalidParameterException", "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
      }
      const limit = input.limit ?? 50;
      if (limit < 1 || limit > 50) {
        ctx.fail("InvalidParameterException", `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50`);
      }
      const prefix: string | undefined = input.logGroupNamePrefix;
      const pattern: string | undefined = input.logGroupNamePattern?.toLowerCase();
      const list = Object.values(groups(ctx))
        .filter((g) => ctx.visible(g))
        .filter((g) => !prefix || g.logGroupName.startsWith(prefix))
        .filter((g) => !pattern || g.logGroupName.toLowerCase().includes(pattern))
        .filter((g) => !input.logGroupClass || g.logGroupClass === input.logGroupClass)
        .sort((a, b) => (a.logGroupName < b.logGroupName ? -1 : a.logGroupName > b.logGroupName ? 1 : 0));
      const { page, next } = paginate(list, limit, input.nextToken, 50);
      return { logGroups: page.map((g) => publicView(g)), nextToken: next };
    },

    PutRetentionPolicy(input, ctx) {
      const rec = group(ctx, input.logGroupName);
      if (!RETENTION_DAYS.includes(input.retentionInDays)) {
        ctx.fail(
          "InvalidParameterException",
          `1 validation error detected: Value '${input.retentionInDays}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(", ")}]`,
        );
      }
      rec.retentionInDays = input.retentionInDays;
      return {};
    },

    DeleteRetentionPolicy(input, ctx) {
      const rec = group(ctx, input.logGroupName);
      delete rec.retentionInDays;
      return {};
    },

    DeleteLogGroup(input, ctx) {
      const rec = group(ctx, input.logGroupName);
      delete groups(ctx)[rec.logGroupName];
      return {};
    },

    ListTagsForResource(input, ctx) {
      const rec = groupByArn(ctx, input.resourceArn);
      if (!ctx.visible(rec)) ctx.fail("ResourceNotFoundException", NOT_FOUND);
      return { tags: { ...rec._tags } };
    },

    ListTagsLogGroup(input, ctx) {
      const rec = group(ctx, input.logGroupName);
      if (!ctx.visible(rec)) ctx.fail("ResourceNotFoundException", NOT_FOUND);
      return { tags: { ...rec._tags } };
    },

    TagResource(input, ctx) {
      const rec = groupByArn(ctx, input.resourceArn);
      setTags(rec, input.tags);
      if (Object.keys(rec._tags).length > 50) ctx.fail("TooManyTagsException", "A resource can have no more than 50 tags.");
      return {};
    },

    UntagResource(input, ctx) {
      untag(groupByArn(ctx, input.resourceArn), input.tagKeys);
      return {};
    },

    TagLogGroup(input, ctx) {
      const rec = group(ctx, input.logGroupName);
      setTags(rec, input.tags);
      return {};
    },

    UntagLogGroup(input, ctx) {
      untag(group(ctx, input.logGroupName), input.tags);
      return {};
    },

    PutResourcePolicy(input, ctx) {
      const name: string = input.policyName ?? "";
      try {
        JSON.parse(input.policyDocument ?? "");
      } catch {
        ctx.fail("InvalidParameterException", "Policy document is not valid JSON.");
      }
      const table = ctx.table("resourcePolicies");
      if (!table[name] && Object.keys(table).length >= 10) ctx.fail("LimitExceededException", "Resource limit exceeded.");
      table[name] = { policyName: name, policyDocument: input.policyDocument, lastUpdatedTime: ctx.now() };
      return { resourcePolicy: publicView(table[name]) };
    },

    DescribeResourcePolicies(input, ctx) {
      const list = Object.values(ctx.table("resourcePolicies")).sort((a, b) => a.policyName.localeCompare(b.policyName));
      const { page, next } = paginate(list, input.limit, input.nextToken, 50);
      return { resourcePolicies: page.map((p) => publicView(p)), nextToken: next };
    },

    DeleteResourcePolicy(input, ctx) {
      const table = ctx.table("resourcePolicies");
      if (!table[input.policyName ?? ""]) ctx.fail("ResourceNotFoundException", "Policy with name [" + input.policyName + "] does not exist");
      delete table[input.policyName];
      return {};
    },
  },
};
