/** db-option-group (src/resources/db-option-group.ts) against the sandbox (src/sandbox/services/rds.ts, src/sandbox/services/rds-groups.ts): find, create, rerun, drift, delete. */
import { ModifyOptionGroupCommand } from "@aws-sdk/client-rds";
import { lifecycle } from "../helpers/kind.js";

lifecycle("db-option-group:main", {
  // RDS-09: the audit plugin removed.
  drift: async (s, id) => (await s.aws.get("rds")).send(new ModifyOptionGroupCommand({ OptionGroupName: id, OptionsToRemove: ["MARIADB_AUDIT_PLUGIN"], ApplyImmediately: true })),
  expectDriftFields: ["Options"],
});
