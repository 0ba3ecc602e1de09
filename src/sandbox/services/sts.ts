import { STSServiceException, type STS } from "@aws-sdk/client-sts";
import { defineService, type SimService } from "../types.js";

/** The IAM user the sandbox's fixed credentials belong to. */
export const SANDBOX_USER_ID = "AIDASANDBOX0000000000";

/** Simulated STS (behaviour: sts.md beside this file). */
export const stsService: SimService = defineService<STS>({
  clientName: "STSClient",
  key: "sts",
  exception: STSServiceException as any,
  throttlingCode: "Throttling",
  handlers: {
    GetCallerIdentity(_input, ctx) {
      return { UserId: SANDBOX_USER_ID, Account: ctx.accountId, Arn: `arn:aws:iam::${ctx.accountId}:user/sandbox` };
    },
  },
});
