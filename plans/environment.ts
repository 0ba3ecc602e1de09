import type { Config } from "../src/config/schema.js";
import type { Plan } from "../src/engine/plan.js";
import type { Facts, ResourceContext } from "../src/resources/context.js";
import { networkNodes } from "./network.js";
import { dataNodes, type DataFacts } from "./data.js";
import { computeNodes, type ComputeFacts } from "./compute.js";
import { edgeNodes, type EdgeFacts } from "./edge.js";
import { rotationNodes } from "./rotate-keys.js";
import { keyPolicyNodes } from "./key-policies.js";

export { bucketName, sshKeySecretName, APP_PORT } from "./network.js";

/** Everything read before planning. */
export type EnvironmentFacts = Facts & DataFacts & ComputeFacts & EdgeFacts;

/** The whole environment: the network, data, compute and edge layers, the key rotation (SM-04) and the key policies naming their users (KMS-01), one graph. */
export function environmentPlan(config: Config, facts: EnvironmentFacts): Plan<ResourceContext> {
  return { name: "environment", nodes: [...networkNodes(config, facts), ...dataNodes(config, facts), ...computeNodes(config, facts), ...edgeNodes(config, facts), ...rotationNodes(config, facts), ...keyPolicyNodes(config, facts)] };
}
