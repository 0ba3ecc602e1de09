/**
 * Resource kind `elastic-ip`.
 * Tests: test/resources/elastic-ip.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-gateways.ts.
 */
import { AllocateAddressCommand, DescribeAddressesCommand, ReleaseAddressCommand, type Address } from "@aws-sdk/client-ec2";
import type { ResourceKind } from "../engine/resource.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, envFilter, foundByTags, orUndefined, retryOn, tagSpec } from "./toolkit.js";

/** NET-05: the Elastic IP of a NAT gateway. */
export type ElasticIpSpec = Record<string, never>;

function envAddresses(ctx: ResourceContext): Promise<Address[]> {
  return ctx.once("ec2:eips", async () => {
    const ec2 = await ctx.aws.get("ec2");
    return (await ec2.send(new DescribeAddressesCommand({ Filters: envFilter(ctx) }))).Addresses ?? [];
  });
}

export const elasticIp: ResourceKind<ElasticIpSpec, Address, ResourceContext, { id: string; publicIp: string | undefined }> = {
  kind: "elastic-ip",
  budget: { create: slowMs("ec2.elastic-ip.allocate"), delete: slowMs("ec2.nat-gateway.delete") },
  typicalCreateMs: typicalMs("ec2.elastic-ip.allocate"),

  ...foundByTags(envAddresses),
  diff: () => [],
  async create(ctx) {
    const ec2 = await ctx.aws.get("ec2");
    const r = await ec2.send(new AllocateAddressCommand({ Domain: "vpc", TagSpecifications: tagSpec(ctx, "elastic-ip") }));
    return { AllocationId: r.AllocationId, PublicIp: r.PublicIp, Domain: r.Domain, Tags: ctx.tags() };
  },
  update: async (_ctx, _spec, a) => a,
  async delete(ctx, a) {
    const ec2 = await ctx.aws.get("ec2");
    // Releasing while the NAT gateway still holds it fails with InvalidIPAddress.InUse (or AuthFailure):
    // retry until the NAT gateway is `deleted`.
    await retryOn(["InvalidIPAddress.InUse", "AuthFailure"], `release ${a.PublicIp} (${a.AllocationId})`, () => deleted(ec2.send(new ReleaseAddressCommand({ AllocationId: a.AllocationId }))), 10_000);
  },
  async blockers(_ctx, a) {
    return a.AssociationId ? [`${a.AssociationId} (${a.NetworkInterfaceId ?? "associated"})`] : [];
  },
  async refresh(ctx, a) {
    const ec2 = await ctx.aws.get("ec2");
    return (await orUndefined(ec2.send(new DescribeAddressesCommand({ AllocationIds: [a.AllocationId!] }))))?.Addresses?.[0];
  },
  describe: (a) => ({ id: a.AllocationId!, state: a.AssociationId ? "associated" : "allocated", healthy: true, details: { publicIp: a.PublicIp } }),
  outputs: (a) => ({ id: a.AllocationId!, publicIp: a.PublicIp }),
};
