/** service-discovery-namespace (src/resources/service-discovery.ts) against the sandbox (src/sandbox/services/servicediscovery.ts): find, create, rerun, drift, delete. */
import { DeleteNamespaceCommand } from "@aws-sdk/client-servicediscovery";
import { lifecycle } from "../helpers/kind.js";

lifecycle("service-discovery-namespace:main", {
  // A namespace has nothing opsctl sets that can change in place: deleted, it is created again.
  drift: async (s, id) => (await s.aws.get("servicediscovery")).send(new DeleteNamespaceCommand({ Id: id })),
  driftDeletes: true,
});
