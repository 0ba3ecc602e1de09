/** target-group (src/resources/target-group.ts) against the sandbox (src/sandbox/services/elbv2.ts): find, create, rerun, drift, delete. */
import { ModifyTargetGroupCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("target-group:api", {
  drift: async (s, id) => (await s.aws.get("elbv2")).send(new ModifyTargetGroupCommand({ TargetGroupArn: id, HealthCheckPath: "/elsewhere" })),
  expectDriftFields: ["HealthCheckPath"],
});
