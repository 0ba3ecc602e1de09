/** secret (src/resources/secret.ts) against the sandbox (src/sandbox/services/secretsmanager.ts): find, create, rerun, drift, delete. */
import { UpdateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { lifecycle } from "../helpers/kind.js";

lifecycle("secret:bastion-ssh-key", {
  drift: async (s, id) => (await s.aws.get("secrets")).send(new UpdateSecretCommand({ SecretId: id, Description: "changed in the console" })),
  expectDriftFields: ["Description"],
});
