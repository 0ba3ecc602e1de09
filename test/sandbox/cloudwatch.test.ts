import { describe, expect, it } from "vitest";
import { CloudWatchServiceException, DeleteAlarmsCommand, DescribeAlarmsCommand, ListTagsForResourceCommand, PutMetricAlarmCommand, type PutMetricAlarmCommandInput } from "@aws-sdk/client-cloudwatch";
import { newSandbox } from "../helpers/sandbox.js";

async function setup() {
  const { sandbox, aws } = newSandbox();
  return { sandbox, cw: await aws.get("cloudwatch") };
}

async function failure(p: Promise<unknown>): Promise<CloudWatchServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CloudWatchServiceException);
  return e as CloudWatchServiceException;
}

const alarm: PutMetricAlarmCommandInput = {
  AlarmName: "demo-unhealthy-targets",
  Namespace: "AWS/ApplicationELB",
  MetricName: "UnHealthyHostCount",
  Dimensions: [{ Name: "TargetGroup", Value: "targetgroup/api/0123" }, { Name: "LoadBalancer", Value: "app/demo/0123" }],
  Statistic: "Maximum",
  Period: 60,
  EvaluationPeriods: 2,
  Threshold: 0,
  ComparisonOperator: "GreaterThanThreshold",
  TreatMissingData: "notBreaching",
  Tags: [{ Key: "opsctl:env", Value: "demo" }],
};

describe("CloudWatch metric alarms", () => {
  it("creates an alarm in INSUFFICIENT_DATA, then OK after one evaluation window; tags only at creation", async () => {
    const { sandbox, cw } = await setup();
    await cw.send(new PutMetricAlarmCommand(alarm));
    let a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["demo-unhealthy-targets"] }))).MetricAlarms![0];
    expect(a).toMatchObject({ AlarmArn: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:demo-unhealthy-targets", StateValue: "INSUFFICIENT_DATA", Threshold: 0, Period: 60, ActionsEnabled: true });
    expect(a.StateUpdatedTimestamp).toBeInstanceOf(Date);
    await sandbox.clock.sleep(120_000);
    a = (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "demo-" }))).MetricAlarms![0];
    expect(a.StateValue).toBe("OK");
    await cw.send(new PutMetricAlarmCommand({ ...alarm, Threshold: 1, Tags: [{ Key: "other", Value: "x" }] }));
    a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["demo-unhealthy-targets"] }))).MetricAlarms![0];
    expect(a).toMatchObject({ Threshold: 1, StateValue: "OK" });
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: a.AlarmArn }))).Tags).toEqual([{ Key: "opsctl:env", Value: "demo" }]);
    expect((await cw.send(new DescribeAlarmsCommand({ StateValue: "ALARM" }))).MetricAlarms).toEqual([]);
  });

  it("breaching missing data goes to ALARM", async () => {
    const { sandbox, cw } = await setup();
    await cw.send(new PutMetricAlarmCommand({ ...alarm, AlarmName: "running", TreatMissingData: "breaching" }));
    await sandbox.clock.sleep(120_000);
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["running"] }))).MetricAlarms![0].StateValue).toBe("ALARM");
  });

  it("validates parameters and deletes", async () => {
    const { cw } = await setup();
    expect((await failure(cw.send(new PutMetricAlarmCommand({ ...alarm, Period: 45 })))).name).toBe("InvalidParameterValue");
    expect((await failure(cw.send(new PutMetricAlarmCommand({ ...alarm, Statistic: undefined })))).name).toBe("InvalidParameterValue");
    expect((await failure(cw.send(new PutMetricAlarmCommand({ ...alarm, EvaluationPeriods: undefined })))).name).toBe("MissingParameter");
    expect((await failure(cw.send(new PutMetricAlarmCommand({ ...alarm, AlarmActions: ["not-an-arn"] })))).name).toBe("InvalidParameterValue");
    expect((await failure(cw.send(new DescribeAlarmsCommand({ AlarmNames: ["a"], AlarmNamePrefix: "a" })))).name).toBe("InvalidParameterCombination");
    await cw.send(new PutMetricAlarmCommand(alarm));
    expect((await failure(cw.send(new DeleteAlarmsCommand({ AlarmNames: ["demo-unhealthy-targets", "nope"] })))).name).toBe("ResourceNotFound");
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms).toHaveLength(1);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ["demo-unhealthy-targets"] }));
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
  });
});
