/** instance (src/resources/instance.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-compute.ts): find, create, rerun, drift, delete. */
import { ModifyInstanceMetadataOptionsCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("instance:bastion", {
  // IMDSv1 allowed again.
  drift: async (s, id) => (await s.aws.get("ec2")).send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: "optional" })),
  expectDriftFields: ["MetadataOptions.HttpTokens"],
});
