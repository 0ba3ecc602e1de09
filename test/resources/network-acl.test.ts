/** network-acl (src/resources/network-acl.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-acls.ts): find, create, rerun, drift, delete. */
import { CreateNetworkAclEntryCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("network-acl:public", {
  // NET-08: a rule that lets SSH in from anywhere, ahead of the plan's rules.
  drift: async (s, id) =>
    (await s.aws.get("ec2")).send(new CreateNetworkAclEntryCommand({ NetworkAclId: id, RuleNumber: 50, Protocol: "6", RuleAction: "allow", Egress: false, CidrBlock: "0.0.0.0/0", PortRange: { From: 22, To: 22 } })),
});
