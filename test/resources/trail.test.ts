/** trail (src/resources/trail.ts) against the sandbox (src/sandbox/services/cloudtrail.ts): find, create, rerun, drift, delete. */
import { StopLoggingCommand } from "@aws-sdk/client-cloudtrail";
import { lifecycle } from "../helpers/kind.js";

lifecycle("trail:audit", {
  // MON-02: logging stopped.
  drift: async (s, id) => (await s.aws.get("cloudtrail")).send(new StopLoggingCommand({ Name: id })),
  expectDriftFields: ["IsLogging"],
});
