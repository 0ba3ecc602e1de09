/** ecr-repository (src/resources/ecr-repository.ts) against the sandbox (src/sandbox/services/ecr.ts): find, create, rerun, drift, delete. */
import { PutImageTagMutabilityCommand } from "@aws-sdk/client-ecr";
import { lifecycle } from "../helpers/kind.js";

lifecycle("ecr-repository:api", {
  // ECS-05: tags made mutable.
  drift: async (s, id) => (await s.aws.get("ecr")).send(new PutImageTagMutabilityCommand({ repositoryName: id, imageTagMutability: "MUTABLE" })),
  expectDriftFields: ["imageTagMutability"],
});
