import { IAMServiceException } from "@aws-sdk/client-iam";
import type { SimService } from "../types.js";

/** Simulated IAM (behaviour: iam.md beside this file). */
export const iamService: SimService = {
  clientName: "IAMClient",
  key: "iam",
  exception: IAMServiceException as any,
  throttlingCode: "Throttling",
  handlers: {},
};
