import { ElastiCacheServiceException } from "@aws-sdk/client-elasticache";
import type { SimService } from "../types.js";

/** Simulated ElastiCache (behaviour: elasticache.md beside this file). */
export const elasticacheService: SimService = {
  clientName: "ElastiCacheClient",
  key: "elasticache",
  exception: ElastiCacheServiceException as any,
  throttlingCode: "Throttling",
  handlers: {},
};
