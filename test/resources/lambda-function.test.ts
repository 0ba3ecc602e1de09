/** lambda-function (src/resources/lambda-function.ts) against the sandbox (src/sandbox/services/lambda.ts): find, create, rerun, drift, delete. */
import { UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { lifecycle } from "../helpers/kind.js";

lifecycle("lambda-function:secret-rotation", {
  drift: async (s, id) => (await s.aws.get("lambda")).send(new UpdateFunctionConfigurationCommand({ FunctionName: id, Timeout: 3 })),
  expectDriftFields: ["Timeout"],
});
