import { ECSServiceException } from "@aws-sdk/client-ecs";
import type { SimService } from "../types.js";

/** Simulated ECS (behaviour: ecs.md beside this file). */
export const ecsService: SimService = {
  clientName: "ECSClient",
  key: "ecs",
  exception: ECSServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {},
};
