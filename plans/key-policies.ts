import type { Config } from "../src/config/schema.js";
import { node, ref, type NodeRef, type PlanRefs } from "../src/engine/plan.js";
import type { Facts } from "../src/resources/context.js";
import { kmsKey, keyPolicy, viaService } from "../src/resources/kms-key.js";
import { iamRole } from "../src/resources/iam-role.js";
import { iamUser } from "../src/resources/iam-user.js";
import { keyPolicyKind, type KeyPolicySpec } from "../src/resources/key-policy.js";
import { KEY_FAMILIES, keyServices, type KeyFamily } from "./data.js";
import type { Node } from "./names.js";

/**
 * KMS-01: who uses each key, by the plan. The same principals get kms:Decrypt on the key in their
 * own IAM policies (IAM-01, IAM-04, the bootstrap and rotation roles); the key policy names them too.
 */
export const KEY_USERS: Readonly<Record<KeyFamily, readonly NodeRef<{ arn: string }>[]>> = (() => {
  const app = ref(iamRole, "iam-role:app-task");
  const dev = ref(iamUser, "iam-user:dev");
  return {
    database: [app, dev, ref(iamRole, "iam-role:bootstrap-task")],
    smtp: [app, dev],
    signing: [app, dev, ref(iamRole, "iam-role:secret-rotation")],
  };
})();

/** One `key-policy` node per key family (primary region), after the key and the principals it names. */
export function keyPolicyNodes(_config: Config, facts: Facts): Node[] {
  return KEY_FAMILIES.map((family) =>
    node(keyPolicyKind, `key-policy:${family}`, (r: PlanRefs): KeyPolicySpec => ({
      keyId: String(r.out(ref(kmsKey, `kms-key:${family}`)).arn),
      region: facts.region,
      policy: keyPolicy(
        facts.accountId,
        family,
        KEY_USERS[family].map((n) => String(r.out(n).arn)),
        keyServices(family).map((s) => viaService(s, facts.region)),
      ),
    }), ["KMS-01"]),
  );
}
