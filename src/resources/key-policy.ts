/**
 * Resource kind `key-policy`.
 * Tests: test/resources/key-policy.test.ts.
 * Sandbox: src/sandbox/services/kms.ts.
 */
import { GetKeyPolicyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { orUndefined } from "./toolkit.js";
import { canonicalPolicy, type PolicyDocument } from "./policy.js";

/**
 * KMS-01, second half: the key policy that names the roles (and the development user) that use a
 * key. It cannot be set when the key is created — the roles' own IAM policies name the key, so
 * they come after it, and KMS refuses a principal that does not exist yet — so it is a node of its
 * own that depends on the key and on those roles. The `kms-key` node leaves the policy to it
 * (`policyOwnedElsewhere`).
 */
export interface KeyPolicySpec {
  /** Key id or ARN. */
  keyId: string;
  region: string;
  policy: PolicyDocument;
}

/** The key's `default` policy as KMS returns it. */
export interface KeyPolicyActual {
  keyId: string;
  region: string;
  policy: string;
}

/** The statement that names the key's users (see `keyPolicy` in kms-key.ts): its Sid starts so. */
const USERS_SID = "UseOfTheKey";

/** The principals of the users statement(s); empty when there is none (or the policy is not JSON). */
const usersOf = (policy: string): string[] => {
  try {
    const doc = JSON.parse(policy) as { Statement?: { Sid?: string; Principal?: { AWS?: string | string[] } }[] | { Sid?: string; Principal?: { AWS?: string | string[] } } };
    return [doc.Statement ?? []].flat().filter((s) => s.Sid?.startsWith(USERS_SID)).flatMap((s) => [s.Principal?.AWS ?? []].flat());
  } catch {
    return [];
  }
};

async function read(ctx: ResourceContext, keyId: string, region: string): Promise<KeyPolicyActual | undefined> {
  const kms = await ctx.aws.get("kms", region);
  const r = await orUndefined(kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" })));
  return r?.Policy ? { keyId, region, policy: r.Policy } : undefined;
}

async function put(ctx: ResourceContext, spec: KeyPolicySpec): Promise<void> {
  const kms = await ctx.aws.get("kms", spec.region);
  try {
    await kms.send(new PutKeyPolicyCommand({ KeyId: spec.keyId, PolicyName: "default", Policy: JSON.stringify(spec.policy) }));
  } catch (e) {
    // A role created a moment ago is not known to KMS until IAM has propagated it (seconds).
    if (isCode(e, "MalformedPolicyDocumentException") && /invalid principal/i.test((e as Error).message)) {
      throw new TryAgainLater(`key ${spec.keyId}: a role or user it names is not known to KMS yet (IAM propagation)`, 5_000);
    }
    throw e;
  }
}

export const keyPolicyKind: ResourceKind<KeyPolicySpec, KeyPolicyActual, ResourceContext, { keyId: string }> = {
  kind: "key-policy",
  // IAM propagation can take a while; the call itself is quick.
  budget: { create: 5 * 60_000, delete: 0 },
  typicalCreateMs: typicalMs("kms.key.create") / 10,

  /** The policy once it names the key's users; before that (a new key's first policy) there is nothing of this node's. */
  async find(ctx, spec) {
    // `down`: the policy goes with the key (scheduled for deletion by its own node).
    if (!spec) return undefined;
    const a = await read(ctx, spec.keyId, spec.region);
    return a && usersOf(a.policy).length > 0 ? a : undefined;
  },
  diff(spec, a): FieldChange[] {
    return canonicalPolicy(a.policy) === canonicalPolicy(spec.policy) ? [] : [{ field: "Policy", from: usersOf(a.policy), to: usersOf(JSON.stringify(spec.policy)) }];
  },
  async create(ctx, spec) {
    await put(ctx, spec);
    return { keyId: spec.keyId, region: spec.region, policy: JSON.stringify(spec.policy) };
  },
  async update(ctx, spec, a) {
    await put(ctx, spec);
    return (await read(ctx, a.keyId, a.region)) ?? a;
  },
  delete: async () => {},
  refresh: (ctx, a) => read(ctx, a.keyId, a.region),
  describe: (a) => ({ id: a.keyId, state: "applied", healthy: true, details: { users: usersOf(a.policy) } }),
  outputs: (a) => ({ keyId: a.keyId }),
};

