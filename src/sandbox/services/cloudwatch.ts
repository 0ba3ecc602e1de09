import { CloudWatchServiceException, type CloudWatch } from "@aws-sdk/client-cloudwatch";
import { paginate, publicView } from "../filters.js";
import { keyValueTags, mergeTags, removeTags } from "../tags.js";
import { advance, type Step } from "../transitions.js";
import { defineService, type HandlerContext, type SimRecord, type SimService } from "../types.js";

/*
 * Simulated CloudWatch metric alarms (behaviour: cloudwatch.md beside this file). The region's `alarms`
 * table keyed by AlarmName, in DescribeAlarms' MetricAlarms shape (timestamps epoch ms, returned as Date);
 * tags in `_tags`. No metric data exists in the sandbox: a new alarm is INSUFFICIENT_DATA, then OK once
 * one evaluation window (Period × EvaluationPeriods) has passed (missing data is not breaching for the
 * alarms opsctl makes; `breaching` alarms go ALARM instead).
 */

type Ctx = HandlerContext;

const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
const COMPARISONS = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
  "LessThanLowerOrGreaterThanUpperThreshold",
  "LessThanLowerThreshold",
  "GreaterThanUpperThreshold",
];
const MISSING = ["breaching", "notBreaching", "ignore", "missing"];

function alarms(ctx: Ctx): Record<string, SimRecord> {
  return ctx.table("alarms");
}

/** A new alarm has no data: once evaluated, missing data makes it ALARM (breaching) or OK. */
const ALARM_STEPS: Step[] = [
  {
    from: "INSUFFICIENT_DATA",
    at: "_evaluatedAt",
    to: (a) => (a.TreatMissingData === "breaching" ? "ALARM" : "OK"),
    then: (a, at) => {
      const treated = a.StateValue === "ALARM" ? "Breaching" : "NonBreaching";
      a.StateReason = `Threshold Crossed: no datapoints were received for ${a.EvaluationPeriods} periods and ${a.EvaluationPeriods} missing datapoints were treated as [${treated}].`;
      a.StateUpdatedTimestamp = at;
      a.StateTransitionedTimestamp = at;
    },
  },
];

function settle(ctx: Ctx, a: SimRecord): void {
  advance(a, ctx.now(), "StateValue", ALARM_STEPS);
}

function view(a: SimRecord): SimRecord {
  const v = publicView(a);
  for (const k of ["StateUpdatedTimestamp", "StateTransitionedTimestamp", "AlarmConfigurationUpdatedTimestamp"]) if (typeof v[k] === "number") v[k] = new Date(v[k]);
  return v;
}

function invalid(ctx: Ctx, message: string): never {
  return ctx.fail("InvalidParameterValue", message);
}

function validate(ctx: Ctx, input: any): void {
  for (const p of ["AlarmName", "EvaluationPeriods", "ComparisonOperator"]) {
    if (input[p] === undefined || input[p] === "") ctx.fail("MissingParameter", `The parameter ${p} is required.`);
  }
  if (String(input.AlarmName).length > 255) invalid(ctx, "The parameter AlarmName must be shorter than 256 characters.");
  if (!input.Metrics) {
    for (const p of ["MetricName", "Namespace", "Period"]) if (input[p] === undefined) ctx.fail("MissingParameter", `The parameter ${p} is required.`);
    if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined)) invalid(ctx, "Exactly one of the parameters Statistic and ExtendedStatistic must be specified.");
    if (input.Statistic !== undefined && !STATISTICS.includes(input.Statistic)) invalid(ctx, `The parameter Statistic must be one of ${STATISTICS.join(", ")}.`);
  }
  if (input.Period !== undefined && !([10, 20, 30].includes(input.Period) || (input.Period >= 60 && input.Period % 60 === 0))) {
    invalid(ctx, "The parameter Period must be 10, 20, 30 or a multiple of 60.");
  }
  if (!(Number.isInteger(input.EvaluationPeriods) && input.EvaluationPeriods >= 1)) invalid(ctx, "The parameter EvaluationPeriods must be greater than or equal to 1.");
  if (input.Period && input.Period * input.EvaluationPeriods > 7 * 86_400) invalid(ctx, "The evaluation period (Period × EvaluationPeriods) cannot exceed 7 days.");
  if (input.DatapointsToAlarm !== undefined && input.DatapointsToAlarm > input.EvaluationPeriods) invalid(ctx, "DatapointsToAlarm must be less than or equal to EvaluationPeriods.");
  if (!COMPARISONS.includes(input.ComparisonOperator)) invalid(ctx, `The parameter ComparisonOperator must be one of ${COMPARISONS.join(", ")}.`);
  if (input.Threshold === undefined && !input.ThresholdMetricId) invalid(ctx, "The parameter Threshold is required.");
  if (input.TreatMissingData !== undefined && !MISSING.includes(input.TreatMissingData)) invalid(ctx, `The parameter TreatMissingData must be one of ${MISSING.join(", ")}.`);
  if ((input.Dimensions ?? []).length > 30) invalid(ctx, "The collection Dimensions must not have a size greater than 30.");
  for (const arn of [...(input.AlarmActions ?? []), ...(input.OKActions ?? []), ...(input.InsufficientDataActions ?? [])]) {
    if (!/^arn:aws[\w-]*:(sns|autoscaling|ec2|ssm|ssm-incidents|lambda|swf):/.test(arn) && !/^arn:aws[\w-]*:automate:/.test(arn)) invalid(ctx, `Invalid arn syntax: ${arn}`);
  }
}

function byArn(ctx: Ctx, arn: string | undefined): SimRecord {
  const m = /^arn:aws[\w-]*:cloudwatch:[\w-]+:\d{12}:alarm:(.+)$/.exec(arn ?? "");
  if (!m) invalid(ctx, `Invalid ARN: ${arn}`);
  const a = alarms(ctx)[m[1]];
  if (!a) ctx.fail("ResourceNotFoundException", `The alarm ${m[1]} does not exist.`);
  return a;
}

/** Simulated CloudWatch (behaviour: cloudwatch.md beside this file). */
export const cloudwatchService: SimService = defineService<CloudWatch>({
  clientName: "CloudWatchClient",
  key: "cloudwatch",
  exception: CloudWatchServiceException as any,
  throttlingCode: "Throttling",
  handlers: {
    PutMetricAlarm(input, ctx) {
      validate(ctx, input);
      const table = alarms(ctx);
      const old = table[input.AlarmName!];
      const now = ctx.now();
      const a: SimRecord = {
        AlarmName: input.AlarmName,
        AlarmArn: `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${input.AlarmName}`,
        AlarmDescription: input.AlarmDescription,
        AlarmConfigurationUpdatedTimestamp: now,
        ActionsEnabled: input.ActionsEnabled ?? true,
        OKActions: input.OKActions ?? [],
        AlarmActions: input.AlarmActions ?? [],
        InsufficientDataActions: input.InsufficientDataActions ?? [],
        StateValue: "INSUFFICIENT_DATA",
        StateReason: "Unchecked: Initial alarm creation",
        StateUpdatedTimestamp: now,
        StateTransitionedTimestamp: now,
        MetricName: input.MetricName,
        Namespace: input.Namespace,
        Statistic: input.Statistic,
        ExtendedStatistic: input.ExtendedStatistic,
        Dimensions: (input.Dimensions ?? []).map((d: SimRecord) => ({ Name: d.Name, Value: d.Value })),
        Period: input.Period,
        Unit: input.Unit,
        EvaluationPeriods: input.EvaluationPeriods,
        DatapointsToAlarm: input.DatapointsToAlarm,
        Threshold: input.Threshold,
        ComparisonOperator: input.ComparisonOperator,
        TreatMissingData: input.TreatMissingData,
        Metrics: input.Metrics,
        ThresholdMetricId: input.ThresholdMetricId,
        // Tags apply at creation only: "If you are using this operation to update an existing alarm, any tags you specify in this parameter are ignored."
        _tags: old ? old._tags : (input.Tags ?? []).map((t: SimRecord) => ({ Key: t.Key, Value: t.Value })),
        _evaluatedAt: now + (input.Period ?? 60) * 1000 * input.EvaluationPeriods!,
      };
      // An update keeps the alarm's state (re-evaluated with the new configuration).
      if (old) {
        settle(ctx, old);
        for (const k of ["StateValue", "StateReason", "StateUpdatedTimestamp", "StateTransitionedTimestamp"]) a[k] = old[k];
      }
      table[input.AlarmName!] = ctx.born(a);
      return {};
    },

    DescribeAlarms(input, ctx) {
      if (input.AlarmNames?.length && input.AlarmNamePrefix) ctx.fail("InvalidParameterCombination", "AlarmNames and AlarmNamePrefix cannot be specified together.");
      if ((input.AlarmNames ?? []).length > 100) invalid(ctx, "The collection AlarmNames must not have a size greater than 100.");
      const types: string[] = input.AlarmTypes ?? ["MetricAlarm"];
      const list = Object.values(alarms(ctx))
        .filter((a) => ctx.visible(a))
        .filter((a) => !input.AlarmNames?.length || input.AlarmNames.includes(a.AlarmName))
        .filter((a) => !input.AlarmNamePrefix || a.AlarmName.startsWith(input.AlarmNamePrefix))
        .filter((a) => !input.ActionPrefix || a.AlarmActions.some((x: string) => x.startsWith(input.ActionPrefix!)))
        .map((a) => (settle(ctx, a), a))
        .filter((a) => !input.StateValue || a.StateValue === input.StateValue)
        .sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : 1));
      const { page, next } = paginate(types.includes("MetricAlarm") ? list : [], input.MaxRecords, input.NextToken, 50);
      return { MetricAlarms: page.map(view), CompositeAlarms: [], NextToken: next };
    },

    DeleteAlarms(input, ctx) {
      const names: string[] = input.AlarmNames ?? [];
      if (names.length > 100) invalid(ctx, "The collection AlarmNames must not have a size greater than 100.");
      const missing = names.filter((n) => !alarms(ctx)[n]);
      if (missing.length) ctx.fail("ResourceNotFound", `${missing.join(", ")} not found.`, 404);
      for (const n of names) delete alarms(ctx)[n];
      return {};
    },

    ListTagsForResource(input, ctx) {
      return { Tags: keyValueTags(byArn(ctx, input.ResourceARN)) };
    },

    TagResource(input, ctx) {
      mergeTags(byArn(ctx, input.ResourceARN), (input.Tags ?? []).map((t: SimRecord) => ({ Key: t.Key, Value: t.Value })));
      return {};
    },

    UntagResource(input, ctx) {
      removeTags(byArn(ctx, input.ResourceARN), input.TagKeys);
      return {};
    },
  },
});
