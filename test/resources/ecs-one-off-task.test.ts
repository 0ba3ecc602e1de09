/** ecs-one-off-task (src/resources/ecs-one-off-task.ts) against the sandbox (src/sandbox/services/ecs.ts, src/sandbox/services/ecs-tasks.ts): find, create, rerun, drift, delete. */
import { lifecycle } from "../helpers/kind.js";

lifecycle("ecs-one-off-task:db-bootstrap", {
  noDrift: "a task that ran to completion is history: there is nothing to change behind opsctl's back",
});
