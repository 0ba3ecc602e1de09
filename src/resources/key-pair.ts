/**
 * Resource kind `key-pair`.
 * Tests: test/resources/key-pair.test.ts.
 * Sandbox: src/sandbox/services/ec2.ts, src/sandbox/services/ec2-keys.ts.
 */
import { DeleteKeyPairCommand, DescribeKeyPairsCommand, ImportKeyPairCommand, type KeyPairInfo } from "@aws-sdk/client-ec2";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import type { ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { envFilter, foundByTags, orUndefined, tagSpec } from "./toolkit.js";

/**
 * BAS-02: the bastion's ED25519 key pair. opsctl makes the key itself and keeps
 * the private half in Secrets Manager first (secret node), then imports the
 * public half here — so a crash can never leave a key pair whose private key is lost.
 */
export interface KeyPairSpec {
  keyName: string;
  /** Secret holding `{privateKey, publicKey}`. */
  secretArn: string;
}

function envKeys(ctx: ResourceContext): Promise<KeyPairInfo[]> {
  return ctx.once("ec2:keys", async () => {
    const ec2 = await ctx.aws.get("ec2");
    return (await ec2.send(new DescribeKeyPairsCommand({ Filters: envFilter(ctx) }))).KeyPairs ?? [];
  });
}

export const keyPair: ResourceKind<KeyPairSpec, KeyPairInfo, ResourceContext, { id: string; name: string }> = {
  kind: "key-pair",
  budget: { create: slowMs("ec2.key-pair.create") * 3, delete: slowMs("ec2.key-pair.create") * 3 },
  typicalCreateMs: typicalMs("ec2.key-pair.create"),

  ...foundByTags(envKeys),
  diff: (spec, k) => (k.KeyName === spec.keyName ? [] : [{ field: "KeyName", from: k.KeyName, to: spec.keyName, replace: true }]),
  async create(ctx, spec) {
    const ec2 = await ctx.aws.get("ec2");
    const sm = await ctx.aws.get("secrets");
    const value = await orUndefined(sm.send(new GetSecretValueCommand({ SecretId: spec.secretArn })));
    if (!value?.SecretString) throw new TryAgainLater(`secret ${spec.secretArn} not readable yet`, 1_000);
    const { publicKey } = JSON.parse(value.SecretString) as { publicKey: string };
    try {
      const r = await ec2.send(new ImportKeyPairCommand({ KeyName: spec.keyName, PublicKeyMaterial: Buffer.from(publicKey), TagSpecifications: tagSpec(ctx, "key-pair") }));
      return { KeyName: r.KeyName, KeyPairId: r.KeyPairId, KeyFingerprint: r.KeyFingerprint, KeyType: "ed25519", Tags: ctx.tags() };
    } catch (e) {
      if (!isCode(e, "InvalidKeyPair.Duplicate")) throw e;
      const r = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: [spec.keyName] }));
      return r.KeyPairs![0];
    }
  },
  update: async (_ctx, _spec, k) => k,
  async delete(ctx, k) {
    const ec2 = await ctx.aws.get("ec2");
    await ec2.send(new DeleteKeyPairCommand({ KeyPairId: k.KeyPairId }));
  },
  async refresh(ctx, k) {
    const ec2 = await ctx.aws.get("ec2");
    return (await orUndefined(ec2.send(new DescribeKeyPairsCommand({ KeyPairIds: [k.KeyPairId!] }))))?.KeyPairs?.[0];
  },
  describe: (k) => ({ id: k.KeyPairId ?? k.KeyName!, state: "available", healthy: true, details: { name: k.KeyName, type: k.KeyType, fingerprint: k.KeyFingerprint } }),
  outputs: (k) => ({ id: k.KeyPairId!, name: k.KeyName! }),
};
