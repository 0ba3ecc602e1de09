import { SecretsManagerServiceException } from "@aws-sdk/client-secrets-manager";
import type { SimService } from "../types.js";

/** Simulated SecretsManager (behaviour: secretsmanager.md beside this file). */
export const secretsmanagerService: SimService = {
  clientName: "SecretsManagerClient",
  key: "secretsmanager",
  exception: SecretsManagerServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {},
};
