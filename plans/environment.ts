import type { Config } from "../src/config/schema.js";
import { checkRefs, type Plan } from "../src/engine/plan.js";
import type { ResourceContext } from "../src/resources/context.js";
import { networkNodes } from "./network.js";
import { dataNodes } from "./data.js";
import { computeNodes } from "./compute.js";
import { edgeNodes } from "./edge.js";
import { rotationNodes } from "./rotate-keys.js";
import { keyPolicyNodes } from "./key-policies.js";

export { bucketName, sshKeySecretName, APP_PORT } from "./names.js";
import type { EnvironmentFacts } from "./facts.js";

export type { EnvironmentFacts } from "./facts.js";

/** The whole environment: the network, data, compute and edge layers, the key rotation (SM-04) and the key policies naming their users (KMS-01), one graph. */
export function environmentPlan(config: Config, facts: EnvironmentFacts): Plan<ResourceContext> {
  const nodes = [...networkNodes(config, facts), ...dataNodes(config, facts), ...computeNodes(config, facts), ...edgeNodes(config, facts), ...rotationNodes(config, facts), ...keyPolicyNodes(config, facts)];
  // Every node named by a typed handle exists and is of the kind its outputs were typed by.
  checkRefs(nodes);
  return { name: "environment", nodes };
}
