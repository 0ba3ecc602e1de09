import { EC2ServiceException } from "@aws-sdk/client-ec2";
import type { SimService } from "../types.js";

/** Simulated EC2 (behaviour: ec2.md beside this file). */
export const ec2Service: SimService = {
  clientName: "EC2Client",
  key: "ec2",
  exception: EC2ServiceException as any,
  throttlingCode: "RequestLimitExceeded",
  handlers: {},
};
