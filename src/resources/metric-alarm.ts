/**
 * Resource kind `metric-alarm`.
 * Tests: test/resources/metric-alarm.test.ts.
 * Sandbox: src/sandbox/services/cloudwatch.ts.
 */
import { DeleteAlarmsCommand, DescribeAlarmsCommand, ListTagsForResourceCommand, PutMetricAlarmCommand, paginateDescribeAlarms, type ComparisonOperator, type MetricAlarm, type Statistic } from "@aws-sdk/client-cloudwatch";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { isCode } from "../aws/errors.js";
import type { ResourceContext } from "./context.js";
import { collect, envTagged, ownedBy } from "./toolkit.js";

/** MON-01: a CloudWatch metric alarm (unhealthy targets, ALB 5xx, ECS running below desired …). */
export interface MetricAlarmSpec {
  name: string;
  description?: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: Statistic;
  period: number;
  evaluationPeriods: number;
  threshold: number;
  comparison: ComparisonOperator;
  treatMissingData: "breaching" | "notBreaching" | "ignore" | "missing";
  /** SNS topic ARNs to notify (none by default). */
  alarmActions?: string[];
}

async function byName(ctx: ResourceContext, name: string): Promise<MetricAlarm | undefined> {
  const cw = await ctx.aws.get("cloudwatch");
  return (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0];
}

/** Alarms named `<env>-…` with their tags (alarm names are opsctl's deterministic names; tags need one read each). */
async function envAlarms(ctx: ResourceContext) {
  const cw = await ctx.aws.get("cloudwatch");
  const list = () => collect(paginateDescribeAlarms({ client: cw }, { AlarmNamePrefix: `${ctx.env}-` }), (p) => p.MetricAlarms);
  return envTagged(ctx, "cloudwatch:alarms", list, async (alarm) => (await cw.send(new ListTagsForResourceCommand({ ResourceARN: alarm.AlarmArn }))).Tags);
}

const dims = (d: { Name?: string; Value?: string }[] | undefined) => JSON.stringify((d ?? []).map((x) => `${x.Name}=${x.Value}`).sort());
const specDims = (s: MetricAlarmSpec) => Object.entries(s.dimensions).map(([Name, Value]) => ({ Name, Value }));

export const metricAlarm: ResourceKind<MetricAlarmSpec, MetricAlarm, ResourceContext, { id: string; arn: string | undefined }> = {
  kind: "metric-alarm",
  budget: { create: 60_000, delete: 60_000 },
  typicalCreateMs: 1_000,

  async find(ctx, spec) {
    if (spec) return byName(ctx, spec.name);
    return (await envAlarms(ctx)).find((a) => ownedBy(ctx, a.tags))?.item;
  },
  diff(spec, a) {
    const c: FieldChange[] = [];
    const cmp = (field: string, from: unknown, to: unknown) => {
      if (JSON.stringify(from) !== JSON.stringify(to)) c.push({ field, from, to });
    };
    cmp("Namespace", a.Namespace, spec.namespace);
    cmp("MetricName", a.MetricName, spec.metricName);
    if (dims(a.Dimensions) !== dims(specDims(spec))) c.push({ field: "Dimensions", from: a.Dimensions, to: specDims(spec) });
    cmp("Statistic", a.Statistic, spec.statistic);
    cmp("Period", a.Period, spec.period);
    cmp("EvaluationPeriods", a.EvaluationPeriods, spec.evaluationPeriods);
    cmp("Threshold", a.Threshold, spec.threshold);
    cmp("ComparisonOperator", a.ComparisonOperator, spec.comparison);
    cmp("TreatMissingData", a.TreatMissingData, spec.treatMissingData);
    cmp("AlarmActions", [...(a.AlarmActions ?? [])].sort(), [...(spec.alarmActions ?? [])].sort());
    if (spec.description !== undefined) cmp("AlarmDescription", a.AlarmDescription, spec.description);
    return c;
  },
  create(ctx, spec) {
    return this.update(ctx, spec, { AlarmName: spec.name }, []);
  },
  async update(ctx, spec) {
    const cw = await ctx.aws.get("cloudwatch");
    // PutMetricAlarm replaces the whole alarm; its Tags count only when it creates one (the reference), so
    // the same call creates (tagged) and updates. It takes no token: the alarm name is the identity.
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: spec.name,
        AlarmDescription: spec.description,
        Namespace: spec.namespace,
        MetricName: spec.metricName,
        Dimensions: specDims(spec),
        Statistic: spec.statistic,
        Period: spec.period,
        EvaluationPeriods: spec.evaluationPeriods,
        Threshold: spec.threshold,
        ComparisonOperator: spec.comparison,
        TreatMissingData: spec.treatMissingData,
        AlarmActions: spec.alarmActions ?? [],
        ActionsEnabled: true,
        Tags: ctx.tags(),
      }),
    );
    return (await byName(ctx, spec.name)) ?? { AlarmName: spec.name };
  },
  async delete(ctx, a) {
    const cw = await ctx.aws.get("cloudwatch");
    try {
      await cw.send(new DeleteAlarmsCommand({ AlarmNames: [a.AlarmName!] }));
    } catch (e) {
      if (!isCode(e, "ResourceNotFound")) throw e;
    }
  },
  refresh: (ctx, a) => byName(ctx, a.AlarmName!),
  describe: (a) => ({
    id: a.AlarmName!,
    state: (a.StateValue ?? "unknown").toLowerCase().replace("_", " "),
    // An alarm that is set up and watching is healthy; ALARM is the condition it reports, shown as the state.
    healthy: a.StateValue !== undefined,
    details: { metric: `${a.Namespace}/${a.MetricName}`, threshold: `${a.ComparisonOperator} ${a.Threshold}`, state: a.StateValue },
  }),
  outputs: (a) => ({ id: a.AlarmName!, arn: a.AlarmArn }),
};
