import { ECRServiceException } from "@aws-sdk/client-ecr";
import type { SimService } from "../types.js";

/** Simulated ECR (behaviour: ecr.md beside this file). */
export const ecrService: SimService = {
  clientName: "ECRClient",
  key: "ecr",
  exception: ECRServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {},
};
