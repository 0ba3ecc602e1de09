import { EC2ServiceException } from "@aws-sdk/client-ec2";
import type { Handler, SimService } from "../types.js";
import { settle } from "./ec2-core.js";
import { networkHandlers } from "./ec2-network.js";
import { computeHandlers } from "./ec2-compute.js";

/** Every handler first brings the region's records to "now" (states move with simulated time, no timers). */
function settled(handlers: Record<string, Handler>): Record<string, Handler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, h]) => [
      name,
      ((input, ctx) => {
        settle(ctx);
        return h(input, ctx);
      }) as Handler,
    ]),
  );
}

/** Simulated EC2 (behaviour: ec2.md beside this file). */
export const ec2Service: SimService = {
  clientName: "EC2Client",
  key: "ec2",
  exception: EC2ServiceException as any,
  throttlingCode: "RequestLimitExceeded",
  handlers: settled({ ...networkHandlers, ...computeHandlers }),
};
