/** log-group (src/resources/log-group.ts) against the sandbox (src/sandbox/services/logs.ts): find, create, rerun, drift, delete. */
import { PutRetentionPolicyCommand } from "@aws-sdk/client-cloudwatch-logs";
import { lifecycle } from "../helpers/kind.js";

lifecycle("log-group:flow-logs", {
  drift: async (s, id) => (await s.aws.get("logs")).send(new PutRetentionPolicyCommand({ logGroupName: id, retentionInDays: 1 })),
  expectDriftFields: ["retentionInDays"],
});
