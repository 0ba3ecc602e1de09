import type { Config } from "../src/config/schema.js";
import type { Refs } from "../src/engine/plan.js";
import type { Facts } from "../src/resources/context.js";
import { keyPolicy, viaService } from "../src/resources/kms-key.js";
import { keyPolicyKind, type KeyPolicySpec } from "../src/resources/key-policy.js";
import { KEY_FAMILIES, keyServices, type KeyFamily } from "./data.js";
import { node, type Node } from "./network.js";

/**
 * KMS-01: who uses each key, by the plan. The same principals get kms:Decrypt on the key in their
 * own IAM policies (IAM-01, IAM-04, the bootstrap and rotation roles); the key policy names them too.
 */
export const KEY_USERS: Readonly<Record<KeyFamily, readonly string[]>> = {
  database: ["iam-role:app-task", "iam-user:dev", "iam-role:bootstrap-task"],
  smtp: ["iam-role:app-task", "iam-user:dev"],
  signing: ["iam-role:app-task", "iam-user:dev", "iam-role:secret-rotation"],
};

/** One `key-policy` node per key family (primary region), after the key and the principals it names. */
export function keyPolicyNodes(_config: Config, facts: Facts): Node[] {
  return KEY_FAMILIES.map((family) =>
    node(`key-policy:${family}`, [`kms-key:${family}`, ...KEY_USERS[family]], keyPolicyKind, (r: Refs): KeyPolicySpec => ({
      keyId: String(r.out(`kms-key:${family}`).arn),
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
