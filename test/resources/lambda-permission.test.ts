/** lambda-permission (src/resources/lambda-function.ts) against the sandbox (src/sandbox/services/lambda.ts): find, create, rerun, drift, delete. */
import { GetPolicyCommand, RemovePermissionCommand } from "@aws-sdk/client-lambda";
import { lifecycle } from "../helpers/kind.js";

lifecycle("lambda-permission:secret-rotation", {
  // Secrets Manager's permission to invoke the function removed.
  drift: async (s, _id, idOf) => {
    const lambda = await s.aws.get("lambda");
    const fn = idOf("lambda-function:secret-rotation");
    const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: fn }))).Policy!) as { Statement: { Sid: string }[] };
    return lambda.send(new RemovePermissionCommand({ FunctionName: fn, StatementId: policy.Statement[0].Sid }));
  },
  driftDeletes: true,
});
