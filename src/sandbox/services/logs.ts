import { CloudWatchLogsServiceException, type CloudWatchLogs } from "@aws-sdk/client-cloudwatch-logs";
import { paginate, publicView } from "../filters.js";
import { fromMap, mergeTags, removeTags, tagMap, tagsOf } from "../tags.js";
import { defineService, type HandlerContext, type SimRecord, type SimService } from "../types.js";

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
  mergeTags(rec, fromMap(tags));
}

function untag(rec: SimRecord, keys: string[] | undefined): void {
  removeTags(rec, keys);
}

/** Log streams of a region, keyed `<group>\u0000<stream>`; events in `_events` (oldest first). */
function streams(ctx: HandlerContext, region = ctx.region): Record<string, SimRecord> {
  return ctx.tableOf("logs", "logStreams", region);
}

/** True when the log group exists in `region` (the simulated ECS checks an awslogs group before a task starts). */
export function logGroupExists(ctx: HandlerContext, region: string, name: string | undefined): boolean {
  return !!name && !!ctx.tableOf("logs", "logGroups", region)[name];
}

/**
 * Appends events to a stream, creating the stream (as the awslogs driver does); used by the
 * simulated ECS to write its tasks' output. Does nothing when the group does not exist.
 */
export function appendLogEvents(ctx: HandlerContext, region: string, group: string, stream: string, events: { timestamp: number; message: string }[]): void {
  if (!logGroupExists(ctx, region, group)) return;
  const table = streams(ctx, region);
  const key = `${group}\u0000${stream}`;
  const rec = (table[key] ??= newStream(ctx, region, group, stream, events[0]?.timestamp ?? ctx.now()));
  for (const e of events) rec._events.push({ timestamp: e.timestamp, message: e.message, ingestionTime: ctx.now() });
  rec._events.sort((a: SimRecord, b: SimRecord) => a.timestamp - b.timestamp);
  touchStream(rec, ctx.now());
}

function newStream(ctx: HandlerContext, region: string, group: string, stream: string, at: number): SimRecord {
  return {
    logStreamName: stream,
    creationTime: at,
    arn: `arn:aws:logs:${region}:${ctx.accountId}:log-group:${group}:log-stream:${stream}`,
    storedBytes: 0,
    _group: group,
    _events: [],
  };
}

function touchStream(rec: SimRecord, now: number): void {
  const ev: SimRecord[] = rec._events;
  if (!ev.length) return;
  rec.firstEventTimestamp = ev[0].timestamp;
  rec.lastEventTimestamp = ev[ev.length - 1].timestamp;
  rec.lastIngestionTime = now;
}

function stream(ctx: HandlerContext, groupName: string | undefined, name: string | undefined): SimRecord {
  const g = group(ctx, groupName);
  const rec = streams(ctx)[`${g.logGroupName}\u0000${name ?? ""}`];
  if (!rec) ctx.fail("ResourceNotFoundException", "The specified log stream does not exist.");
  return rec;
}

/** Simulated CloudWatchLogs (behaviour: logs.md beside this file). */
export const logsService: SimService = defineService<CloudWatchLogs>({
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
        _tags: [],
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
      if (!RETENTION_DAYS.includes(input.retentionInDays!)) {
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
      const table = streams(ctx);
      for (const [k, s] of Object.entries(table)) if (s._group === rec.logGroupName) delete table[k];
      return {};
    },

    CreateLogStream(input, ctx) {
      const g = group(ctx, input.logGroupName);
      const name: string = input.logStreamName ?? "";
      if (!name || name.length > 512 || /[:*]/.test(name)) ctx.fail("InvalidParameterException", "Log stream name must be 1–512 characters and cannot contain ':' or '*'.");
      const table = streams(ctx);
      const key = `${g.logGroupName}\u0000${name}`;
      if (table[key]) ctx.fail("ResourceAlreadyExistsException", "The specified log stream already exists");
      table[key] = newStream(ctx, ctx.region, g.logGroupName, name, ctx.now());
      return {};
    },

    DescribeLogStreams(input, ctx) {
      const g = group(ctx, input.logGroupName ?? input.logGroupIdentifier);
      const list = Object.values(streams(ctx))
        .filter((s) => s._group === g.logGroupName && (!input.logStreamNamePrefix || s.logStreamName.startsWith(input.logStreamNamePrefix)))
        .sort((a, b) => (input.orderBy === "LastEventTime" ? (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) : a.logStreamName < b.logStreamName ? -1 : 1));
      if (input.descending) list.reverse();
      const { page, next } = paginate(list, input.limit, input.nextToken, 50);
      return { logStreams: page.map((s) => publicView(s)), nextToken: next };
    },

    PutLogEvents(input, ctx) {
      const rec = stream(ctx, input.logGroupName, input.logStreamName);
      const events: SimRecord[] = input.logEvents ?? [];
      if (!events.length) ctx.fail("InvalidParameterException", "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1");
      for (let i = 1; i < events.length; i++) {
        if (events[i].timestamp < events[i - 1].timestamp) ctx.fail("InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order.");
      }
      for (const e of events) rec._events.push({ timestamp: e.timestamp, message: e.message, ingestionTime: ctx.now() });
      rec._events.sort((a: SimRecord, b: SimRecord) => a.timestamp - b.timestamp);
      touchStream(rec, ctx.now());
      return { nextSequenceToken: String(rec._events.length).padStart(56, "0") };
    },

    GetLogEvents(input, ctx) {
      const rec = stream(ctx, input.logGroupName ?? input.logGroupIdentifier, input.logStreamName);
      const limit = Math.min(input.limit ?? 10_000, 10_000);
      const all: SimRecord[] = rec._events.filter(
        (e: SimRecord) => (input.startTime === undefined || e.timestamp >= input.startTime) && (input.endTime === undefined || e.timestamp < input.endTime),
      );
      // Tokens are `f/<index>` (forward from index) and `b/<index>` (backward ending before index).
      const tok = /^([fb])\/(\d+)$/.exec(input.nextToken ?? "");
      const fromHead = tok ? tok[1] === "f" : !!input.startFromHead;
      let start: number;
      let end: number;
      if (fromHead) {
        start = tok ? Number(tok[2]) : 0;
        end = Math.min(all.length, start + limit);
      } else {
        end = tok ? Number(tok[2]) : all.length;
        start = Math.max(0, end - limit);
      }
      const page = all.slice(start, end).map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime }));
      return { events: page, nextForwardToken: `f/${end}`, nextBackwardToken: `b/${start}` };
    },

    ListTagsForResource(input, ctx) {
      const rec = groupByArn(ctx, input.resourceArn);
      if (!ctx.visible(rec)) ctx.fail("ResourceNotFoundException", NOT_FOUND);
      return { tags: tagMap(rec) };
    },

    ListTagsLogGroup(input, ctx) {
      const rec = group(ctx, input.logGroupName);
      if (!ctx.visible(rec)) ctx.fail("ResourceNotFoundException", NOT_FOUND);
      return { tags: tagMap(rec) };
    },

    TagResource(input, ctx) {
      const rec = groupByArn(ctx, input.resourceArn);
      setTags(rec, input.tags);
      if (tagsOf(rec).length > 50) ctx.fail("TooManyTagsException", "A resource can have no more than 50 tags.");
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
      delete table[input.policyName!];
      return {};
    },
  },
});
