/** default-security-group (src/resources/security-group.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-compute.ts): find, create, rerun, drift, delete. */
import { AuthorizeSecurityGroupIngressCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("default-security-group:main", {
  // The VPC's default group exists with the VPC: the first up takes it over (an update, not a create).
  createAction: "update",
  // SG-06: the default group lets HTTPS in from anywhere.
  drift: async (s, id) => (await s.aws.get("ec2")).send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] })),
});
