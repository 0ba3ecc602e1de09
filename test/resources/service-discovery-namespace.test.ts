/** service-discovery-namespace (src/resources/service-discovery.ts) against the sandbox (src/sandbox/services/servicediscovery.ts): find, create, rerun, drift, delete. */
import { DeleteNamespaceCommand, GetOperationCommand } from "@aws-sdk/client-servicediscovery";
import { lifecycle } from "../helpers/kind.js";

lifecycle("service-discovery-namespace:main", {
  // A namespace has nothing opsctl sets that can change in place: deleted (an asynchronous operation,
  // waited for on the simulated clock), it is created again.
  drift: async (s, id) => {
    const sd = await s.aws.get("servicediscovery");
    const { OperationId } = await sd.send(new DeleteNamespaceCommand({ Id: id }));
    while ((await sd.send(new GetOperationCommand({ OperationId }))).Operation?.Status !== "SUCCESS") await s.clock.sleep(5_000);
  },
  driftDeletes: true,
});
