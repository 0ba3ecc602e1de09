import { WAFV2ServiceException } from "@aws-sdk/client-wafv2";
import type { SimService } from "../types.js";

/** Simulated WAFV2 (behaviour: wafv2.md beside this file). */
export const wafv2Service: SimService = {
  clientName: "WAFV2Client",
  key: "wafv2",
  exception: WAFV2ServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {},
};
