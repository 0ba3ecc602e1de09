import type { Config } from "../src/config/schema.js";
import type { Plan } from "../src/engine/plan.js";
import type { Facts, ResourceContext } from "../src/resources/context.js";
import { networkNodes } from "./network.js";

export { bucketName, sshKeySecretName, APP_PORT } from "./network.js";

/** The whole environment: the network layer, then the data, compute and edge layers. */
export function environmentPlan(config: Config, facts: Facts): Plan<ResourceContext> {
  return { name: "environment", nodes: [...networkNodes(config, facts)] };
}
