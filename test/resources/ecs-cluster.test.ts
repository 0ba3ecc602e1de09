/** ecs-cluster (src/resources/ecs-cluster.ts) against the sandbox (src/sandbox/services/ecs.ts): find, create, rerun, drift, delete. */
import { UpdateClusterSettingsCommand } from "@aws-sdk/client-ecs";
import { lifecycle } from "../helpers/kind.js";

lifecycle("ecs-cluster:main", {
  drift: async (s, id) => (await s.aws.get("ecs")).send(new UpdateClusterSettingsCommand({ cluster: id, settings: [{ name: "containerInsights", value: "disabled" }] })),
  expectDriftFields: ["containerInsights"],
});
