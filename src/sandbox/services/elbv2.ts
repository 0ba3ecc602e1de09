import { ElasticLoadBalancingV2ServiceException } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { SimService } from "../types.js";

/** Simulated ElasticLoadBalancingV2 (behaviour: elbv2.md beside this file). */
export const elbv2Service: SimService = {
  clientName: "ElasticLoadBalancingV2Client",
  key: "elbv2",
  exception: ElasticLoadBalancingV2ServiceException as any,
  throttlingCode: "Throttling",
  handlers: {},
};
