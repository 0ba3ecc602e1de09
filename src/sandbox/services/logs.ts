import { CloudWatchLogsServiceException } from "@aws-sdk/client-cloudwatch-logs";
import type { SimService } from "../types.js";

/** Simulated CloudWatchLogs (behaviour: logs.md beside this file). */
export const logsService: SimService = {
  clientName: "CloudWatchLogsClient",
  key: "logs",
  exception: CloudWatchLogsServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {},
};
