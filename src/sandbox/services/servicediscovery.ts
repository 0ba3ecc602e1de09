import { ServiceDiscoveryServiceException } from "@aws-sdk/client-servicediscovery";
import type { SimService } from "../types.js";

/** Simulated ServiceDiscovery (behaviour: servicediscovery.md beside this file). */
export const servicediscoveryService: SimService = {
  clientName: "ServiceDiscoveryClient",
  key: "servicediscovery",
  exception: ServiceDiscoveryServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {},
};
