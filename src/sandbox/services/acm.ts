import { ACMServiceException } from "@aws-sdk/client-acm";
import type { SimService } from "../types.js";

/** Simulated ACM (behaviour: acm.md beside this file). */
export const acmService: SimService = {
  clientName: "ACMClient",
  key: "acm",
  exception: ACMServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {},
};
