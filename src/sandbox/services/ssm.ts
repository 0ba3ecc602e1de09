import { SSMServiceException } from "@aws-sdk/client-ssm";
import type { SimService } from "../types.js";

/** Simulated SSM (behaviour: ssm.md beside this file). */
export const ssmService: SimService = {
  clientName: "SSMClient",
  key: "ssm",
  exception: SSMServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {},
};
