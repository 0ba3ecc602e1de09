/** service-discovery-service (src/resources/service-discovery.ts) against the sandbox (src/sandbox/services/servicediscovery.ts): find, create, rerun, drift, delete. */
import { DeleteServiceCommand } from "@aws-sdk/client-servicediscovery";
import { lifecycle } from "../helpers/kind.js";

lifecycle("service-discovery-service:api", {
  drift: async (s, id) => (await s.aws.get("servicediscovery")).send(new DeleteServiceCommand({ Id: id })),
  driftDeletes: true,
});
