/** metric-alarm (src/resources/metric-alarm.ts) against the sandbox (src/sandbox/services/cloudwatch.ts): find, create, rerun, drift, delete. */
import { DescribeAlarmsCommand, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { lifecycle } from "../helpers/kind.js";

lifecycle("metric-alarm:alb-5xx", {
  // The threshold raised by hand (PutMetricAlarm replaces the whole alarm).
  drift: async (s, id) => {
    const cw = await s.aws.get("cloudwatch");
    const a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [id] }))).MetricAlarms![0];
    return cw.send(
      new PutMetricAlarmCommand({
        AlarmName: a.AlarmName,
        AlarmDescription: a.AlarmDescription,
        Namespace: a.Namespace,
        MetricName: a.MetricName,
        Dimensions: a.Dimensions,
        Statistic: a.Statistic,
        Period: a.Period,
        EvaluationPeriods: a.EvaluationPeriods,
        Threshold: (a.Threshold ?? 0) + 1000,
        ComparisonOperator: a.ComparisonOperator,
        TreatMissingData: a.TreatMissingData,
        AlarmActions: a.AlarmActions,
      }),
    );
  },
  expectDriftFields: ["Threshold"],
});
