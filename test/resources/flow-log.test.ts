/** flow-log (src/resources/flow-log.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-compute.ts): find, create, rerun, drift, delete. */
import { DeleteFlowLogsCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("flow-log:vpc", {
  // NET-09: the flow log deleted.
  drift: async (s, id) => (await s.aws.get("ec2")).send(new DeleteFlowLogsCommand({ FlowLogIds: [id] })),
  driftDeletes: true,
});
