/**
 * Resource kind `nat-gateway`.
 * Tests: test/resources/nat-gateway.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-gateways.ts.
 */
import { CreateNatGatewayCommand, DeleteNatGatewayCommand, DescribeNatGatewaysCommand, type NatGateway, paginateDescribeNatGateways } from "@aws-sdk/client-ec2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { TryAgainLater } from "../engine/errors.js";
import { createWithToken, type ResourceContext } from "./context.js";
import { deleted, envFilter, foundByTags, listOnce, orUndefined, retryOn, tagSpec } from "./toolkit.js";

/** NET-05: a public NAT gateway in a public subnet with its Elastic IP. */
export interface NatGatewaySpec {
  subnetId: string;
  allocationId: string;
}

const LIVE = ["pending", "available"];

function envNats(ctx: ResourceContext): Promise<NatGateway[]> {
  // DescribeNatGateways names its filter parameter `Filter` (singular).
  return listOnce(ctx, "ec2:nats", "ec2", paginateDescribeNatGateways, { Filter: envFilter(ctx) }, (p) => p.NatGateways);
}

export const natGateway: ResourceKind<NatGatewaySpec, NatGateway, ResourceContext, { id: string }> = {
  kind: "nat-gateway",
  budget: { create: slowMs("ec2.nat-gateway.create"), delete: slowMs("ec2.nat-gateway.delete") },
  typicalCreateMs: typicalMs("ec2.nat-gateway.create"),
  typicalDeleteMs: typicalMs("ec2.nat-gateway.delete"),

  ...foundByTags(envNats, (n) => LIVE.includes(n.State!), (n) => n.State === "deleted"),
  diff(spec, n) {
    const c: FieldChange[] = [];
    if (n.SubnetId !== spec.subnetId) c.push({ field: "SubnetId", from: n.SubnetId, to: spec.subnetId, replace: true });
    const alloc = n.NatGatewayAddresses?.[0]?.AllocationId;
    if (alloc !== spec.allocationId) c.push({ field: "AllocationId", from: alloc, to: spec.allocationId, replace: true });
    return c;
  },
  async create(ctx, spec) {
    const ec2 = await ctx.aws.get("ec2");
    // A NAT gateway deleted out of band keeps its Elastic IP until it reaches `deleted`; a new one on
    // that EIP would fail (Resource.AlreadyAssociated). Wait for the release (a fresh read, not the run's memo).
    const releasing = ((await ec2.send(new DescribeNatGatewaysCommand({ Filter: [...envFilter(ctx), { Name: "state", Values: ["deleting"] }] }))).NatGateways ?? []).find((n) =>
      n.NatGatewayAddresses?.some((x) => x.AllocationId === spec.allocationId),
    );
    if (releasing) throw new TryAgainLater(`${ctx.node}: waiting for NAT gateway ${releasing.NatGatewayId} (deleting) to release Elastic IP ${spec.allocationId}`, 15_000);
    const send = (ClientToken: string) => retryOn(["InvalidSubnetID.NotFound", "InvalidAllocationID.NotFound", "Resource.AlreadyAssociated"], ctx.node, () =>
      ec2.send(
        new CreateNatGatewayCommand({
          SubnetId: spec.subnetId,
          AllocationId: spec.allocationId,
          ConnectivityType: "public",
          // Same request → same token → the same NAT gateway if this call is repeated after a crash.
          ClientToken,
          TagSpecifications: tagSpec(ctx, "natgateway"),
        }),
      ),
    );
    // A NAT gateway deleted (or failed) is answered for the old token for an hour: take the next one.
    const r = await createWithToken(ctx, [spec.subnetId, spec.allocationId], send, (x) => ["deleting", "deleted", "failed"].includes(x.NatGateway?.State ?? ""));
    return r.NatGateway!;
  },
  update: async (_ctx, _spec, n) => n,
  async delete(ctx, n) {
    const ec2 = await ctx.aws.get("ec2");
    if (n.State === "deleting") return;
    await deleted(ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: n.NatGatewayId })));
  },
  async refresh(ctx, n) {
    const ec2 = await ctx.aws.get("ec2");
    return (await orUndefined(ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [n.NatGatewayId!] }))))?.NatGateways?.[0];
  },
  isReady: (n) => n.State === "available",
  failure: (n) => (n.State === "failed" ? `${n.FailureCode ?? "failed"}: ${n.FailureMessage ?? ""} (delete it and run up again)` : n.State === "deleted" || n.State === "deleting" ? `it is ${n.State}` : undefined),
  isGone: (n) => n.State === "deleted",
  describe: (n) => ({
    id: n.NatGatewayId!,
    state: n.State ?? "unknown",
    healthy: n.State === "available",
    details: { subnet: n.SubnetId, publicIp: n.NatGatewayAddresses?.[0]?.PublicIp },
  }),
  outputs: (n) => ({ id: n.NatGatewayId! }),
};
