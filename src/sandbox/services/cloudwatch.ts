import { CloudWatchServiceException } from "@aws-sdk/client-cloudwatch";
import type { SimService } from "../types.js";

/** Simulated CloudWatch (behaviour: cloudwatch.md beside this file). */
export const cloudwatchService: SimService = {
  clientName: "CloudWatchClient",
  key: "cloudwatch",
  exception: CloudWatchServiceException as any,
  throttlingCode: "Throttling",
  handlers: {},
};
