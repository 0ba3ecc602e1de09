/** target-health (src/resources/target-health.ts) against the sandbox (src/sandbox/services/elbv2.ts, src/sandbox/services/ecs.ts): find, create, rerun, drift, delete. */
import { lifecycle } from "../helpers/kind.js";

lifecycle("target-health:api", {
  // The first up only waits for the targets.
  createAction: "noop",
  noDrift: "the node owns nothing: it waits for the service's targets to pass their health checks",
});
