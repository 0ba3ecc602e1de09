/** key-policy (src/resources/key-policy.ts) against the sandbox (src/sandbox/services/kms.ts): find, create, rerun, drift, delete. */
import { GetKeyPolicyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { lifecycle } from "../helpers/kind.js";

lifecycle("key-policy:smtp", {
  // A statement added to the key policy in the console (decrypt for the whole account, outside Secrets Manager).
  drift: async (s, _id, idOf) => {
    const kms = await s.aws.get("kms");
    const keyId = idOf("kms-key:smtp");
    const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }))).Policy!) as { Statement: Record<string, unknown>[] };
    const root = (policy.Statement.find((st) => JSON.stringify(st.Principal).includes(":root")) as { Principal: { AWS: string } }).Principal.AWS;
    policy.Statement.push({ Sid: "AddedInTheConsole", Effect: "Allow", Principal: { AWS: root }, Action: "kms:Decrypt", Resource: "*" });
    return kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: JSON.stringify(policy) }));
  },
  expectDriftFields: ["Policy"],
});
