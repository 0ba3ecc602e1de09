/** internet-gateway (src/resources/internet-gateway.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-gateways.ts): find, create, rerun, drift, delete. */
import { DetachInternetGatewayCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("internet-gateway:main", {
  drift: async (s, id, idOf) => (await s.aws.get("ec2")).send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: idOf("vpc:main") })),
  expectDriftFields: ["Attachment.VpcId"],
});
