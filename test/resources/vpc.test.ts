/** vpc (src/resources/vpc.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-vpcs.ts): find, create, rerun, drift, delete. */
import { ModifyVpcAttributeCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("vpc:main", {
  drift: async (s, id) => (await s.aws.get("ec2")).send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsHostnames: { Value: false } })),
  expectDriftFields: ["EnableDnsHostnames"],
});
