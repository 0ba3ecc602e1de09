/** db-instance (src/resources/db-instance.ts) against the sandbox (src/sandbox/services/rds.ts, src/sandbox/services/rds-instances.ts): find, create, rerun, drift, delete. */
import { ModifyDBInstanceCommand } from "@aws-sdk/client-rds";
import { lifecycle } from "../helpers/kind.js";

lifecycle("db-instance:main", {
  // RDS-12: deletion protection off.
  drift: async (s, id) => (await s.aws.get("rds")).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true })),
});
