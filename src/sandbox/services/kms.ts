import { KMSServiceException } from "@aws-sdk/client-kms";
import type { SimService } from "../types.js";

/** Simulated KMS (behaviour: kms.md beside this file). */
export const kmsService: SimService = {
  clientName: "KMSClient",
  key: "kms",
  exception: KMSServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {},
};
