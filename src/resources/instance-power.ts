/**
 * Resource kind `instance-power`.
 * Tests: test/resources/instance-power.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-compute.ts.
 */
import { DescribeInstancesCommand, StartInstancesCommand, StopInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import type { ResourceKind } from "../engine/resource.js";
import { OpsError, TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { orUndefined } from "./toolkit.js";

/** Whether an EC2 instance (the bastion) runs (restore) or is stopped (pause). */
export interface InstancePowerSpec {
  instanceId: string;
  state: "running" | "stopped";
}

async function read(ctx: ResourceContext, id: string): Promise<Instance | undefined> {
  const ec2 = await ctx.aws.get("ec2");
  return (await orUndefined(ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))))?.Reservations?.[0]?.Instances?.[0];
}

export const instancePower: ResourceKind<InstancePowerSpec, Instance, ResourceContext, { id: string; state: string | undefined }> = {
  kind: "instance-power",
  budget: { create: slowMs("ec2.instance.start"), delete: 0 },
  typicalCreateMs: typicalMs("ec2.instance.start"),

  async find(ctx, spec) {
    if (!spec) return undefined;
    const i = await read(ctx, spec.instanceId);
    if (!i) throw new OpsError("not_found", `${ctx.node}: instance ${spec.instanceId} does not exist: run \`opsctl up\` first`, { fault: "user" });
    return i;
  },
  diff(spec, i) {
    const s = i.State?.Name ?? "unknown";
    if (spec.state === "running" && (s === "stopped" || s === "stopping")) return [{ field: "State", from: s, to: "running" }];
    if (spec.state === "stopped" && (s === "running" || s === "pending")) return [{ field: "State", from: s, to: "stopped" }];
    return [];
  },
  async create(_ctx, spec) {
    throw new OpsError("not_found", `instance ${spec.instanceId} does not exist: run \`opsctl up\` first`, { fault: "user" });
  },
  async update(ctx, spec, i) {
    const ec2 = await ctx.aws.get("ec2");
    try {
      if (spec.state === "running") await ec2.send(new StartInstancesCommand({ InstanceIds: [spec.instanceId] }));
      else await ec2.send(new StopInstancesCommand({ InstanceIds: [spec.instanceId] }));
    } catch (e) {
      // StartInstances on an instance still stopping answers IncorrectInstanceState: wait and look again.
      if (isCode(e, "IncorrectInstanceState")) throw new TryAgainLater(`${spec.instanceId}: ${(e as Error).message}`, 10_000);
      throw e;
    }
    const after = (await read(ctx, spec.instanceId)) ?? i;
    return after;
  },
  delete: async () => {},
  refresh: (ctx, i) => read(ctx, i.InstanceId!),
  // Settled: not pending or stopping (after a Start/Stop call, the wanted state).
  isReady: (i) => !["pending", "stopping", "shutting-down"].includes(i.State?.Name ?? ""),
  describe: (i) => ({ id: i.InstanceId!, state: i.State?.Name ?? "unknown", healthy: i.State?.Name === "running" }),
  outputs: (i) => ({ id: i.InstanceId!, state: i.State?.Name }),
};
