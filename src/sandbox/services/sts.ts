import { STSServiceException } from "@aws-sdk/client-sts";
import type { SimService } from "../types.js";

/** Simulated STS (behaviour: sts.md beside this file). */
export const stsService: SimService = {
  clientName: "STSClient",
  key: "sts",
  exception: STSServiceException as any,
  throttlingCode: "Throttling",
  handlers: {},
};
