/**
 * Resource kind `vpc-endpoint`.
 * Tests: test/resources/vpc-endpoint.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-endpoints.ts.
 */
import { CreateVpcEndpointCommand, DeleteVpcEndpointsCommand, DescribeVpcEndpointsCommand, ModifyVpcEndpointCommand, type VpcEndpoint, paginateDescribeVpcEndpoints } from "@aws-sdk/client-ec2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { OpsError } from "../engine/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { createWithToken, type ResourceContext } from "./context.js";
import { envFilter, foundByTags, listOnce, orUndefined, retryOn, sameSet, tagSpec } from "./toolkit.js";
import { canonicalPolicy, type PolicyDocument } from "./policy.js";

/** NET-07: a gateway endpoint (S3) on the given route tables, with its endpoint policy. */
export interface VpcEndpointSpec {
  vpcId: string;
  serviceName: string;
  routeTableIds: string[];
  policy: PolicyDocument;
}

// EC2 documents lowercase states for endpoints (pending, available …); the SDK enum is capitalised.
const state = (e: VpcEndpoint) => String(e.State ?? "").toLowerCase();

function envEndpoints(ctx: ResourceContext): Promise<VpcEndpoint[]> {
  return listOnce(ctx, "ec2:vpces", "ec2", paginateDescribeVpcEndpoints, { Filters: envFilter(ctx) }, (p) => p.VpcEndpoints);
}

export const vpcEndpoint: ResourceKind<VpcEndpointSpec, VpcEndpoint, ResourceContext, { id: string }> = {
  kind: "vpc-endpoint",
  budget: { create: slowMs("ec2.vpc-endpoint.gateway.create"), delete: slowMs("ec2.vpc-endpoint.gateway.create") },
  typicalCreateMs: typicalMs("ec2.vpc-endpoint.gateway.create"),
  typicalDeleteMs: typicalMs("ec2.vpc-endpoint.gateway.create"),

  ...foundByTags(envEndpoints, (e) => !["deleting", "deleted"].includes(state(e)), (e) => state(e) === "deleted"),
  diff(spec, e) {
    const c: FieldChange[] = [];
    if (e.VpcId !== spec.vpcId) c.push({ field: "VpcId", from: e.VpcId, to: spec.vpcId, replace: true });
    if (e.ServiceName !== spec.serviceName) c.push({ field: "ServiceName", from: e.ServiceName, to: spec.serviceName, replace: true });
    if (!sameSet(e.RouteTableIds ?? [], spec.routeTableIds)) c.push({ field: "RouteTableIds", from: e.RouteTableIds, to: spec.routeTableIds });
    if (canonicalPolicy(e.PolicyDocument) !== canonicalPolicy(spec.policy)) c.push({ field: "PolicyDocument", from: "(other policy)", to: "(project buckets only)" });
    return c;
  },
  async create(ctx, spec) {
    const ec2 = await ctx.aws.get("ec2");
    const send = (ClientToken: string) => retryOn(["InvalidVpcID.NotFound", "InvalidRouteTableId.NotFound", "InvalidRouteTableID.NotFound"], ctx.node, () =>
      ec2.send(
        new CreateVpcEndpointCommand({
          VpcEndpointType: "Gateway",
          VpcId: spec.vpcId,
          ServiceName: spec.serviceName,
          RouteTableIds: spec.routeTableIds,
          PolicyDocument: JSON.stringify(spec.policy),
          ClientToken,
          TagSpecifications: tagSpec(ctx, "vpc-endpoint"),
        }),
      ),
    );
    // An endpoint deleted out of band is answered (deleting / deleted) for the old token: take the next one.
    const r = await createWithToken(ctx, [spec.vpcId, spec.serviceName], send, (x) => ["deleting", "deleted"].includes(state(x.VpcEndpoint ?? {})));
    return r.VpcEndpoint!;
  },
  async update(ctx, spec, e, changes) {
    const ec2 = await ctx.aws.get("ec2");
    const have = e.RouteTableIds ?? [];
    const fields = new Set(changes.map((c) => c.field));
    const add = spec.routeTableIds.filter((r) => !have.includes(r));
    const remove = have.filter((r) => !spec.routeTableIds.includes(r));
    await ec2.send(
      new ModifyVpcEndpointCommand({
        VpcEndpointId: e.VpcEndpointId,
        AddRouteTableIds: add.length ? add : undefined,
        RemoveRouteTableIds: remove.length ? remove : undefined,
        PolicyDocument: fields.has("PolicyDocument") ? JSON.stringify(spec.policy) : undefined,
      }),
    );
    return (await this.refresh(ctx, e)) ?? e;
  },
  async delete(ctx, e) {
    const ec2 = await ctx.aws.get("ec2");
    const r = await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [e.VpcEndpointId!] }));
    const failed = (r.Unsuccessful ?? []).filter((u) => !String(u.Error?.Code).includes("NotFound"));
    if (failed.length) throw new OpsError("delete_failed", `vpc endpoint ${e.VpcEndpointId}: ${failed[0].Error?.Code}: ${failed[0].Error?.Message}`, { fault: "aws" });
  },
  async refresh(ctx, e) {
    const ec2 = await ctx.aws.get("ec2");
    return (await orUndefined(ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [e.VpcEndpointId!] }))))?.VpcEndpoints?.[0];
  },
  isReady: (e) => state(e) === "available",
  failure: (e) => (["failed", "rejected", "expired"].includes(state(e)) ? `state ${state(e)}` : undefined),
  isGone: (e) => state(e) === "deleted",
  describe: (e) => ({ id: e.VpcEndpointId!, state: state(e) || "unknown", healthy: state(e) === "available", details: { service: e.ServiceName, routeTables: e.RouteTableIds } }),
  outputs: (e) => ({ id: e.VpcEndpointId! }),
};
