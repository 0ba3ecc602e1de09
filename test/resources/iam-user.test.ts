/** iam-user (src/resources/iam-user.ts) against the sandbox (src/sandbox/services/iam.ts): find, create, rerun, drift, delete. */
import { PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { lifecycle } from "../helpers/kind.js";

lifecycle("iam-user:dev", {
  // IAM-04: an inline admin policy on the dev user.
  drift: async (s, id) =>
    (await s.aws.get("iam")).send(
      new PutUserPolicyCommand({ UserName: id.split("/").pop()!, PolicyName: "admin", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }),
    ),
});
