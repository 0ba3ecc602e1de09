import { Route53ServiceException } from "@aws-sdk/client-route-53";
import type { SimService } from "../types.js";

/** Simulated Route53 (behaviour: route53.md beside this file). */
export const route53Service: SimService = {
  clientName: "Route53Client",
  key: "route53",
  exception: Route53ServiceException as any,
  throttlingCode: "Throttling",
  handlers: {},
};
