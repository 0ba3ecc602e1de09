/** vpc-endpoint (src/resources/vpc-endpoint.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-endpoints.ts): find, create, rerun, drift, delete. */
import { ModifyVpcEndpointCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("vpc-endpoint:s3", {
  // NET-07: the endpoint removed from a private route table.
  drift: async (s, id, idOf) => (await s.aws.get("ec2")).send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, RemoveRouteTableIds: [idOf("route-table:private-a")] })),
  expectDriftFields: ["RouteTableIds"],
});
