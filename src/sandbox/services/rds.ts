import { RDSServiceException } from "@aws-sdk/client-rds";
import type { SimService } from "../types.js";

/** Simulated RDS (behaviour: rds.md beside this file). */
export const rdsService: SimService = {
  clientName: "RDSClient",
  key: "rds",
  exception: RDSServiceException as any,
  throttlingCode: "Throttling",
  handlers: {},
};
