import { EC2ServiceException, type EC2 } from "@aws-sdk/client-ec2";
import { defineService, type SimService } from "../types.js";
import { settle } from "./ec2-core.js";
import { vpcHandlers } from "./ec2-vpcs.js";
import { gatewayHandlers } from "./ec2-gateways.js";
import { routeHandlers } from "./ec2-routes.js";
import { endpointHandlers } from "./ec2-endpoints.js";
import { aclHandlers } from "./ec2-acls.js";
import { tagHandlers } from "./ec2-tags.js";
import { computeHandlers } from "./ec2-compute.js";

/**
 * Simulated EC2 (behaviour: ec2.md beside this file), the one entry of the service; its handlers live
 * by resource in ec2-vpcs, ec2-gateways, ec2-routes, ec2-endpoints, ec2-acls, ec2-tags and ec2-compute.
 * Every handler first brings the region's records to "now" (states move with simulated time, no timers).
 */
export const ec2Service: SimService = defineService<EC2>({
  clientName: "EC2Client",
  key: "ec2",
  exception: EC2ServiceException as any,
  throttlingCode: "RequestLimitExceeded",
  before: settle,
  handlers: { ...vpcHandlers, ...gatewayHandlers, ...routeHandlers, ...endpointHandlers, ...aclHandlers, ...tagHandlers, ...computeHandlers },
});
