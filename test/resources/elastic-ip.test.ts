/** elastic-ip (src/resources/elastic-ip.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-gateways.ts): find, create, rerun, drift, delete. */
import { ReleaseAddressCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("elastic-ip:nat-a", {
  // An address has nothing to change in place: released behind opsctl's back, it is allocated again.
  drift: async (s, id) => (await s.aws.get("ec2")).send(new ReleaseAddressCommand({ AllocationId: id })),
  driftDeletes: true,
});
