/** instance-profile (src/resources/instance-profile.ts) against the sandbox (src/sandbox/services/iam.ts): find, create, rerun, drift, delete. */
import { RemoveRoleFromInstanceProfileCommand } from "@aws-sdk/client-iam";
import { lifecycle } from "../helpers/kind.js";

lifecycle("instance-profile:bastion", {
  drift: async (s, id, idOf) =>
    (await s.aws.get("iam")).send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: id.split("/").pop()!, RoleName: idOf("iam-role:bastion").split("/").pop()! })),
  expectDriftFields: ["Roles"],
});
