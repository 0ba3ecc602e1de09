/** key-pair (src/resources/key-pair.ts) against the sandbox (src/sandbox/services/ec2.ts, src/sandbox/services/ec2-keys.ts): find, create, rerun, drift, delete. */
import { DeleteKeyPairCommand } from "@aws-sdk/client-ec2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("key-pair:bastion", {
  // A key pair has nothing to change in place: deleted, it is imported again from the secret's public key.
  drift: async (s, id) => (await s.aws.get("ec2")).send(new DeleteKeyPairCommand({ KeyPairId: id })),
  driftDeletes: true,
});
