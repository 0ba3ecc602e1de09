import type { Config } from "../src/config/schema.js";
import type { Plan } from "../src/engine/plan.js";
import type { Facts, ResourceContext } from "../src/resources/context.js";
import { networkNodes } from "./network.js";
import { dataNodes, type DataFacts } from "./data.js";

export { bucketName, sshKeySecretName, APP_PORT } from "./network.js";

/** Everything read before planning. */
export type EnvironmentFacts = Facts & DataFacts;

/** The whole environment: the network layer, then the data, compute and edge layers. */
export function environmentPlan(config: Config, facts: EnvironmentFacts): Plan<ResourceContext> {
  return { name: "environment", nodes: [...networkNodes(config, facts), ...dataNodes(config, facts)] };
}
