/** ecs-service (src/resources/ecs-service.ts) against the sandbox (src/sandbox/services/ecs.ts, src/sandbox/services/ecs-services.ts): find, create, rerun, drift, delete. */
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { lifecycle } from "../helpers/kind.js";

lifecycle("ecs-service:api", {
  // Scaled in by hand.
  drift: async (s, id, idOf) => (await s.aws.get("ecs")).send(new UpdateServiceCommand({ cluster: idOf("ecs-cluster:main"), service: id, desiredCount: 1 })),
  expectDriftFields: ["desiredCount"],
  with: ["ecs-one-off-task:db-bootstrap"],
});
