/** db-parameter-group (src/resources/db-parameter-group.ts) against the sandbox (src/sandbox/services/rds.ts, src/sandbox/services/rds-groups.ts): find, create, rerun, drift, delete. */
import { ModifyDBParameterGroupCommand } from "@aws-sdk/client-rds";
import { lifecycle } from "../helpers/kind.js";

lifecycle("db-parameter-group:main", {
  // TLS no longer required (RDS-04's require_secure_transport).
  drift: async (s, id) =>
    (await s.aws.get("rds")).send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: id, Parameters: [{ ParameterName: "require_secure_transport", ParameterValue: "0", ApplyMethod: "immediate" }] })),
  expectDriftFields: ["parameters.require_secure_transport"],
});
