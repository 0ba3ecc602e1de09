/** secret-rotation (src/resources/secret-rotation.ts) against the sandbox (src/sandbox/services/secretsmanager.ts): find, create, rerun, drift, delete. */
import { CancelRotateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { lifecycle } from "../helpers/kind.js";

lifecycle("secret-rotation:signing-active-session", {
  // The secret exists (its own node): the first up turns its rotation on.
  createAction: "update",
  // SM-04: rotation turned off.
  drift: async (s) => (await s.aws.get("secrets")).send(new CancelRotateSecretCommand({ SecretId: "demo/signing/active_session" })),
  expectDriftFields: ["RotationEnabled"],
});
