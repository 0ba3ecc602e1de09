/** security-group (src/resources/security-group.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-compute.ts): find, create, rerun, drift, delete. */
import { AuthorizeSecurityGroupIngressCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("security-group:rds", {
  // SG-03: MySQL open to the internet.
  drift: async (s, id) => (await s.aws.get("ec2")).send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [{ IpProtocol: "tcp", FromPort: 3306, ToPort: 3306, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] })),
});
