import { LambdaServiceException } from "@aws-sdk/client-lambda";
import type { SimService } from "../types.js";

/** Simulated Lambda (behaviour: lambda.md beside this file). */
export const lambdaService: SimService = {
  clientName: "LambdaClient",
  key: "lambda",
  exception: LambdaServiceException as any,
  throttlingCode: "TooManyRequestsException",
  handlers: {},
};
