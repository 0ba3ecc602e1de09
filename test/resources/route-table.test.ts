/** route-table (src/resources/route-table.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-routes.ts): find, create, rerun, drift, delete. */
import { DeleteRouteCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("route-table:private-a", {
  // NET-05: the private default route deleted.
  drift: async (s, id) => (await s.aws.get("ec2")).send(new DeleteRouteCommand({ RouteTableId: id, DestinationCidrBlock: "0.0.0.0/0" })),
});
