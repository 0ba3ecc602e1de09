/** subnet (src/resources/subnet.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-vpcs.ts): find, create, rerun, drift, delete. */
import { ModifySubnetAttributeCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("subnet:private-a", {
  // NET-02: a private subnet starts handing out public IPs.
  drift: async (s, id) => (await s.aws.get("ec2")).send(new ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: true } })),
  expectDriftFields: ["MapPublicIpOnLaunch"],
});
