/** secret-fields (src/resources/secret-fields.ts) against the sandbox (src/sandbox/services/secretsmanager.ts): find, create, rerun, drift, delete. */
import { GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { lifecycle } from "../helpers/kind.js";

lifecycle("secret-fields:redis-endpoint", {
  // The secret exists with its generated value: the first up writes the fields into it.
  createAction: "update",
  // Someone points the Redis secret at another host (keeping the rest of the value).
  drift: async (s) => {
    const sm = await s.aws.get("secrets");
    const value = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: "demo/redis" }))).SecretString!) as Record<string, unknown>;
    return sm.send(new PutSecretValueCommand({ SecretId: "demo/redis", SecretString: JSON.stringify({ ...value, host: "elsewhere.example.com" }) }));
  },
  expectDriftFields: ["host"],
});
