/** task-definition (src/resources/task-definition.ts) against the sandbox (src/sandbox/services/ecs.ts, src/sandbox/services/ecs-task-definitions.ts): find, create, rerun, drift, delete. */
import { DeregisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { lifecycle } from "../helpers/kind.js";

lifecycle("task-definition:api", {
  // The revision deregistered (INACTIVE): a new one is registered.
  drift: async (s, id) => (await s.aws.get("ecs")).send(new DeregisterTaskDefinitionCommand({ taskDefinition: id })),
  driftDeletes: true,
});
