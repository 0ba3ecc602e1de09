/** nat-gateway (src/resources/nat-gateway.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-gateways.ts): find, create, rerun, drift, delete. */
import { DeleteNatGatewayCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("nat-gateway:a", {
  drift: async (s, id) => (await s.aws.get("ec2")).send(new DeleteNatGatewayCommand({ NatGatewayId: id })),
  driftDeletes: true,
});
