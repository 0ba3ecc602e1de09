import { RDSServiceException, type RDS } from "@aws-sdk/client-rds";
import { defineService, type SimService } from "../types.js";
import { DescribeDBEngineVersions } from "./rds-engine-versions.js";
import { groupHandlers } from "./rds-groups.js";
import { instanceHandlers } from "./rds-instances.js";

/** Simulated RDS (behaviour: rds.md beside this file). */
export const rdsService: SimService = defineService<RDS>({
  clientName: "RDSClient",
  key: "rds",
  exception: RDSServiceException as any,
  throttlingCode: "Throttling",
  handlers: { DescribeDBEngineVersions, ...groupHandlers, ...instanceHandlers },
});
