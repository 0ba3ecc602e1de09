import { CloudTrailServiceException } from "@aws-sdk/client-cloudtrail";
import type { SimService } from "../types.js";

/** Simulated CloudTrail (behaviour: cloudtrail.md beside this file). */
export const cloudtrailService: SimService = {
  clientName: "CloudTrailClient",
  key: "cloudtrail",
  exception: CloudTrailServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {},
};
