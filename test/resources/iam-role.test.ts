/** iam-role (src/resources/iam-role.ts) against the sandbox (src/sandbox/services/iam.ts): find, create, rerun, drift, delete. */
import { UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { lifecycle } from "../helpers/kind.js";

lifecycle("iam-role:flow-logs", {
  // Anyone in EC2 may assume the role now.
  drift: async (s, id) =>
    (await s.aws.get("iam")).send(
      new UpdateAssumeRolePolicyCommand({ RoleName: id.split("/").pop()!, PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }),
    ),
  expectDriftFields: ["AssumeRolePolicyDocument"],
});
