/**
 * Resource kind `flow-log`.
 * Tests: test/resources/flow-log.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-compute.ts.
 */
import { CreateFlowLogsCommand, DeleteFlowLogsCommand, DescribeFlowLogsCommand, type FlowLog, paginateDescribeFlowLogs } from "@aws-sdk/client-ec2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { OpsError, TryAgainLater } from "../engine/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { envFilter, foundByTags, listOnce, ofNode, orUndefined, tagSpec } from "./toolkit.js";

/** NET-09: VPC flow logs (all traffic) into a CloudWatch log group, delivered by an IAM role. */
export interface FlowLogSpec {
  vpcId: string;
  logGroupName: string;
  roleArn: string;
}

function envFlowLogs(ctx: ResourceContext): Promise<FlowLog[]> {
  // DescribeFlowLogs names its filter parameter `Filter` (singular).
  return listOnce(ctx, "ec2:flowlogs", "ec2", paginateDescribeFlowLogs, { Filter: envFilter(ctx) }, (p) => p.FlowLogs);
}

export const flowLog: ResourceKind<FlowLogSpec, FlowLog, ResourceContext, { id: string }> = {
  kind: "flow-log",
  budget: { create: slowMs("ec2.flow-log.create") + slowMs("iam.propagation"), delete: slowMs("ec2.flow-log.create") },
  typicalCreateMs: typicalMs("ec2.flow-log.create"),

  ...foundByTags(envFlowLogs),
  diff(spec, f) {
    const c: FieldChange[] = [];
    // Flow logs cannot be modified: every difference needs a new flow log.
    if (f.ResourceId !== spec.vpcId) c.push({ field: "ResourceId", from: f.ResourceId, to: spec.vpcId, replace: true });
    if (f.LogGroupName !== spec.logGroupName) c.push({ field: "LogGroupName", from: f.LogGroupName, to: spec.logGroupName, replace: true });
    if (f.TrafficType !== "ALL") c.push({ field: "TrafficType", from: f.TrafficType, to: "ALL", replace: true });
    if (f.DeliverLogsPermissionArn !== spec.roleArn) c.push({ field: "DeliverLogsPermissionArn", from: f.DeliverLogsPermissionArn, to: spec.roleArn, replace: true });
    return c;
  },
  async create(ctx, spec) {
    const ec2 = await ctx.aws.get("ec2");
    const r = await ec2.send(
      new CreateFlowLogsCommand({
        ResourceIds: [spec.vpcId],
        ResourceType: "VPC",
        TrafficType: "ALL",
        LogDestinationType: "cloud-watch-logs",
        LogGroupName: spec.logGroupName,
        DeliverLogsPermissionArn: spec.roleArn,
        MaxAggregationInterval: 600,
        // No ClientToken: a token would keep answering a flow log deleted out of band (its ids, not a new
        // one). AWS refuses a second flow log with the same resource, traffic type and destination
        // (FlowLogAlreadyExists), which already makes a retried create safe.
        TagSpecifications: tagSpec(ctx, "vpc-flow-log"),
      }),
    );
    const bad = r.Unsuccessful?.[0];
    if (bad) {
      const code = String(bad.Error?.Code ?? "");
      // A role created seconds ago may not be usable yet (IAM propagation); the VPC may not be visible yet.
      if (/AccessDenied|NotFound/i.test(code)) throw new TryAgainLater(`flow log: ${code}: ${bad.Error?.Message}`, 5_000);
      if (code === "FlowLogAlreadyExists") {
        const existing = ofNode(ctx, (await ec2.send(new DescribeFlowLogsCommand({ Filter: envFilter(ctx) }))).FlowLogs ?? [])[0];
        if (existing) return existing;
        // Ours from a create that crashed, not listed yet (eventual consistency).
        throw new TryAgainLater(`flow log: ${code}: the existing flow log is not visible yet`, 5_000);
      }
      throw new OpsError("create_failed", `${ctx.node}: CreateFlowLogs ${code}: ${bad.Error?.Message}`, { fault: "aws" });
    }
    const id = r.FlowLogIds![0];
    return { FlowLogId: id, ResourceId: spec.vpcId, LogGroupName: spec.logGroupName, TrafficType: "ALL", DeliverLogsPermissionArn: spec.roleArn, Tags: ctx.tags() };
  },
  update: async (_ctx, _spec, f) => f,
  async delete(ctx, f) {
    const ec2 = await ctx.aws.get("ec2");
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [f.FlowLogId!] }));
  },
  async refresh(ctx, f) {
    const ec2 = await ctx.aws.get("ec2");
    return (await orUndefined(ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [f.FlowLogId!] }))))?.FlowLogs?.[0];
  },
  describe: (f) => ({ id: f.FlowLogId!, state: f.FlowLogStatus ?? "ACTIVE", healthy: (f.FlowLogStatus ?? "ACTIVE") === "ACTIVE" && !f.DeliverLogsErrorMessage, details: { logGroup: f.LogGroupName, traffic: f.TrafficType } }),
  outputs: (f) => ({ id: f.FlowLogId! }),
};
