/** security-group-rule (src/resources/security-group.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-compute.ts): find, create, rerun, drift, delete. */
import { DescribeSecurityGroupRulesCommand, RevokeSecurityGroupIngressCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("security-group-rule:rds", {
  // One of the node's rules (a peer group's access) revoked in the console.
  drift: async (s, _id, idOf) => {
    const ec2 = await s.aws.get("ec2");
    const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [idOf("security-group:rds")] }] }))).SecurityGroupRules!;
    const peer = rules.find((r) => !r.IsEgress && r.ReferencedGroupInfo?.GroupId)!;
    return ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: idOf("security-group:rds"), SecurityGroupRuleIds: [peer.SecurityGroupRuleId!] }));
  },
});
