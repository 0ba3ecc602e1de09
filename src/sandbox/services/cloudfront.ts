import { CloudFrontServiceException } from "@aws-sdk/client-cloudfront";
import type { SimService } from "../types.js";

/** Simulated CloudFront (behaviour: cloudfront.md beside this file). */
export const cloudfrontService: SimService = {
  clientName: "CloudFrontClient",
  key: "cloudfront",
  exception: CloudFrontServiceException as any,
  throttlingCode: "Throttling",
  handlers: {},
};
