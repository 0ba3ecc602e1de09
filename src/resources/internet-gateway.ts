/**
 * Resource kind `internet-gateway`.
 * Tests: test/resources/internet-gateway.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-gateways.ts.
 */
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  DeleteInternetGatewayCommand,
  DescribeInternetGatewaysCommand,
  DetachInternetGatewayCommand,
  type InternetGateway,
  paginateDescribeInternetGateways,
} from "@aws-sdk/client-ec2";
import type { ResourceKind } from "../engine/resource.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, envFilter, foundByTags, listOnce, orUndefined, retryOn, tagSpec } from "./toolkit.js";

/** NET-04: the internet gateway, attached to the VPC. */
export interface InternetGatewaySpec {
  vpcId: string;
}

const attachedTo = (g: InternetGateway) => g.Attachments?.find((a) => ["available", "attached", "attaching"].includes(String(a.State)))?.VpcId;

function envGateways(ctx: ResourceContext): Promise<InternetGateway[]> {
  return listOnce(ctx, "ec2:igws", "ec2", paginateDescribeInternetGateways, { Filters: envFilter(ctx) }, (p) => p.InternetGateways);
}

export const internetGateway: ResourceKind<InternetGatewaySpec, InternetGateway, ResourceContext, { id: string }> = {
  kind: "internet-gateway",
  budget: { create: slowMs("ec2.internet-gateway.create"), delete: 20 * 60_000 },
  typicalCreateMs: typicalMs("ec2.internet-gateway.create"),

  ...foundByTags(envGateways),
  diff(spec, g) {
    const vpc = attachedTo(g);
    return vpc === spec.vpcId ? [] : [{ field: "Attachment.VpcId", from: vpc, to: spec.vpcId, replace: vpc !== undefined }];
  },
  async create(ctx) {
    const ec2 = await ctx.aws.get("ec2");
    // The attachment is applied by the post-create diff (AttachInternetGateway).
    return (await ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: tagSpec(ctx, "internet-gateway") }))).InternetGateway!;
  },
  async update(ctx, spec, g) {
    const ec2 = await ctx.aws.get("ec2");
    try {
      await retryOn(["InvalidInternetGatewayID.NotFound", "InvalidVpcID.NotFound"], `internet gateway ${g.InternetGatewayId}`, () =>
        ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: g.InternetGatewayId, VpcId: spec.vpcId })),
      );
    } catch (e) {
      if (!isCode(e, "Resource.AlreadyAssociated")) throw e;
    }
    return (await this.refresh(ctx, g)) ?? g;
  },
  async delete(ctx, g) {
    const ec2 = await ctx.aws.get("ec2");
    const vpc = attachedTo(g);
    if (vpc) {
      // Fails with DependencyViolation while the VPC still has mapped public addresses (NAT EIP, instances).
      await retryOn(["DependencyViolation"], `detach internet gateway ${g.InternetGatewayId}`, async () => {
        try {
          await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: g.InternetGatewayId, VpcId: vpc }));
        } catch (e) {
          if (!isCode(e, "Gateway.NotAttached") && !isCode(e, "InvalidInternetGatewayID.NotFound")) throw e;
        }
      }, 10_000);
    }
    await retryOn(["DependencyViolation"], `internet gateway ${g.InternetGatewayId}`, () => deleted(ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: g.InternetGatewayId }))));
  },
  async refresh(ctx, g) {
    const ec2 = await ctx.aws.get("ec2");
    return (await orUndefined(ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [g.InternetGatewayId!] }))))?.InternetGateways?.[0];
  },
  describe: (g) => ({ id: g.InternetGatewayId!, state: attachedTo(g) ? "attached" : "detached", healthy: attachedTo(g) !== undefined, details: { vpc: attachedTo(g) } }),
  outputs: (g) => ({ id: g.InternetGatewayId! }),
};
