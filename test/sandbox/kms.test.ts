import { describe, expect, it } from "vitest";
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSServiceException,
  ListAliasesCommand,
  ListKeyPoliciesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
} from "@aws-sdk/client-kms";
import { createDecipheriv } from "node:crypto";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { newSandbox } from "../helpers/sandbox.js";

const DAY = 86_400_000;
const ACCOUNT = "123456789012";
const ROOT_POLICY = {
  Version: "2012-10-17",
  Statement: [{ Sid: "Enable IAM policies", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
};

async function setup(opts: Parameters<typeof newSandbox>[0] = {}) {
  const { sandbox, aws } = newSandbox(opts);
  const kms = await aws.get("kms");
  const newKey = async (extra: Record<string, unknown> = {}) => (await kms.send(new CreateKeyCommand({ Description: "test key", ...extra }))).KeyMetadata!;
  return { sandbox, aws, kms, newKey };
}

/** Creates an IAM role (key policies may only name principals that exist). */
async function createRole(aws: Awaited<ReturnType<typeof setup>>["aws"], name: string): Promise<void> {
  const iam = await aws.get("iam");
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] };
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
}

/** The rejection of `p`, asserting it is a KMS service exception. */
async function failure(p: Promise<unknown>): Promise<KMSServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KMSServiceException);
  return e as KMSServiceException;
}

describe("KMS: keys", () => {
  it("creates a symmetric customer managed key with AWS's metadata shape, tags and policy", async () => {
    const { kms, sandbox } = await setup();
    const out = await kms.send(
      new CreateKeyCommand({
        Description: "db credentials",
        KeyUsage: "ENCRYPT_DECRYPT",
        KeySpec: "SYMMETRIC_DEFAULT",
        Policy: JSON.stringify(ROOT_POLICY),
        Tags: [
          { TagKey: "opsctl:env", TagValue: "demo" },
          { TagKey: "Name", TagValue: "demo-db" },
        ],
      }),
    );
    const m = out.KeyMetadata!;
    expect(m.KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(m.Arn).toBe(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/${m.KeyId}`);
    expect(m).toMatchObject({ KeyState: "Enabled", Enabled: true, KeyManager: "CUSTOMER", KeyUsage: "ENCRYPT_DECRYPT", KeySpec: "SYMMETRIC_DEFAULT", Origin: "AWS_KMS", MultiRegion: false, Description: "db credentials", AWSAccountId: ACCOUNT });
    expect(m.CreationDate).toBeInstanceOf(Date);
    expect(m.CreationDate!.getTime()).toBe(sandbox.clock.now());
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId: m.KeyId }));
    expect(tags.Tags).toEqual([
      { TagKey: "opsctl:env", TagValue: "demo" },
      { TagKey: "Name", TagValue: "demo-db" },
    ]);
    const pol = await kms.send(new GetKeyPolicyCommand({ KeyId: m.Arn }));
    expect(JSON.parse(pol.Policy!)).toEqual(ROOT_POLICY);
    expect(pol.PolicyName).toBe("default");
    expect((await kms.send(new ListKeyPoliciesCommand({ KeyId: m.KeyId }))).PolicyNames).toEqual(["default"]);
  });

  it("gives a key without a policy the default key policy (account root, kms:*)", async () => {
    const { kms, newKey } = await setup();
    const k = await newKey();
    const doc = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }))).Policy!);
    expect(doc.Statement).toEqual([expect.objectContaining({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*" })]);
  });

  it("creates multi-Region primary keys with an mrk- id", async () => {
    const { newKey } = await setup();
    const k = await newKey({ MultiRegion: true });
    expect(k.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
    expect(k.MultiRegion).toBe(true);
    expect(k.MultiRegionConfiguration?.MultiRegionKeyType).toBe("PRIMARY");
  });

  it("refuses a malformed policy, a policy that locks the account out, an unknown principal and reserved tag keys", async () => {
    const { kms, aws } = await setup();
    expect((await failure(kms.send(new CreateKeyCommand({ Policy: "{not json" })))).name).toBe("MalformedPolicyDocumentException");
    const lockout = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: "kms:Decrypt", Resource: "*" }] };
    const e = await failure(kms.send(new CreateKeyCommand({ Policy: JSON.stringify(lockout) })));
    expect(e.name).toBe("MalformedPolicyDocumentException");
    expect(e.message).toMatch(/will not allow you to update the key policy/);
    // The safety check can be bypassed, as the reference says; the role it names must exist, though.
    const missing = await failure(kms.send(new CreateKeyCommand({ Policy: JSON.stringify(lockout), BypassPolicyLockoutSafetyCheck: true })));
    expect([missing.name, missing.message]).toEqual(["MalformedPolicyDocumentException", "Policy contains a statement with one or more invalid principals."]);
    await createRole(aws, "app");
    await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(lockout), BypassPolicyLockoutSafetyCheck: true }));
    expect((await failure(kms.send(new CreateKeyCommand({ Tags: [{ TagKey: "aws:x", TagValue: "y" }] })))).name).toBe("TagException");
    // Nothing of the refused calls was created.
    expect((await kms.send(new ListKeysCommand({}))).Keys).toHaveLength(1);
  });

  it("does not pretend to support asymmetric keys", async () => {
    const { kms } = await setup();
    expect((await failure(kms.send(new CreateKeyCommand({ KeyUsage: "SIGN_VERIFY", KeySpec: "ECC_NIST_P256" })))).name).toBe("UnsupportedOperation");
  });

  it("describes a key by id, ARN, alias name and alias ARN; NotFoundException otherwise", async () => {
    const { kms, newKey } = await setup();
    const k = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: "alias/demo/db", TargetKeyId: k.KeyId }));
    for (const id of [k.KeyId!, k.Arn!, "alias/demo/db", `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/demo/db`]) {
      expect((await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyId).toBe(k.KeyId);
    }
    expect((await failure(kms.send(new DescribeKeyCommand({ KeyId: "alias/nope" })))).name).toBe("NotFoundException");
    expect((await failure(kms.send(new DescribeKeyCommand({ KeyId: "00000000-0000-0000-0000-000000000000" })))).name).toBe("NotFoundException");
    expect((await failure(kms.send(new DescribeKeyCommand({ KeyId: "garbage" })))).name).toBe("NotFoundException");
  });

  it("lists keys with Marker/Limit paging", async () => {
    const { kms, newKey } = await setup();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await newKey()).KeyId);
    const p1 = await kms.send(new ListKeysCommand({ Limit: 2 }));
    expect(p1.Keys).toHaveLength(2);
    expect(p1.Truncated).toBe(true);
    const p2 = await kms.send(new ListKeysCommand({ Limit: 2, Marker: p1.NextMarker }));
    const p3 = await kms.send(new ListKeysCommand({ Limit: 2, Marker: p2.NextMarker }));
    expect(p3.Truncated).toBe(false);
    expect(p3.NextMarker).toBeUndefined();
    expect([...p1.Keys!, ...p2.Keys!, ...p3.Keys!].map((k) => k.KeyId)).toEqual(ids);
    expect(p1.Keys![0].KeyArn).toBe(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/${ids[0]}`);
    expect((await failure(kms.send(new ListKeysCommand({ Marker: "bogus" })))).name).toBe("InvalidMarkerException");
    expect((await failure(kms.send(new ListKeysCommand({ Limit: 0 })))).name).toBe("ValidationException");
  });

  it("updates the description, disables and enables a key", async () => {
    const { kms, newKey } = await setup();
    const k = await newKey();
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: k.KeyId, Description: "new" }));
    await kms.send(new DisableKeyCommand({ KeyId: k.KeyId }));
    let m = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!;
    expect(m).toMatchObject({ Description: "new", KeyState: "Disabled", Enabled: false });
    expect((await failure(kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from("x") })))).name).toBe("DisabledException");
    await kms.send(new EnableKeyCommand({ KeyId: k.KeyId }));
    m = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!;
    expect(m).toMatchObject({ KeyState: "Enabled", Enabled: true });
  });

  it("tags and untags keys; TagResource does not take an alias", async () => {
    const { kms, newKey } = await setup();
    const k = await newKey({ Tags: [{ TagKey: "a", TagValue: "1" }] });
    await kms.send(new TagResourceCommand({ KeyId: k.Arn, Tags: [{ TagKey: "a", TagValue: "2" }, { TagKey: "b", TagValue: "3" }] }));
    await kms.send(new UntagResourceCommand({ KeyId: k.KeyId, TagKeys: ["b"] }));
    expect((await kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId }))).Tags).toEqual([{ TagKey: "a", TagValue: "2" }]);
    await kms.send(new CreateAliasCommand({ AliasName: "alias/t", TargetKeyId: k.KeyId }));
    expect((await failure(kms.send(new TagResourceCommand({ KeyId: "alias/t", Tags: [{ TagKey: "c", TagValue: "4" }] })))).name).toBe("NotFoundException");
  });

  it("replaces the key policy; only the policy name `default` exists", async () => {
    const { kms, newKey, aws } = await setup();
    const k = await newKey();
    await createRole(aws, "app");
    const doc = { ...ROOT_POLICY, Statement: [...ROOT_POLICY.Statement, { Sid: "use", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: ["kms:Decrypt"], Resource: "*" }] };
    await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: JSON.stringify(doc) }));
    expect(JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: "default" }))).Policy!)).toEqual(doc);
    expect((await failure(kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: "[" })))).name).toBe("MalformedPolicyDocumentException");
    expect((await failure(kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: "other" })))).name).toBe("NotFoundException");
  });
});

describe("KMS: aliases", () => {
  it("creates, lists (KeyId filter, paging), updates and deletes aliases", async () => {
    const { kms, newKey, sandbox } = await setup();
    const a = await newKey();
    const b = await newKey();
    for (const n of ["alias/x1", "alias/x2", "alias/x3"]) await kms.send(new CreateAliasCommand({ AliasName: n, TargetKeyId: a.KeyId }));
    await kms.send(new CreateAliasCommand({ AliasName: "alias/y", TargetKeyId: b.Arn }));
    const all = await kms.send(new ListAliasesCommand({}));
    expect(all.Aliases!.map((x) => x.AliasName)).toEqual(["alias/x1", "alias/x2", "alias/x3", "alias/y"]);
    const y = all.Aliases!.find((x) => x.AliasName === "alias/y")!;
    expect(y).toMatchObject({ AliasArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/y`, TargetKeyId: b.KeyId });
    expect(y.CreationDate).toBeInstanceOf(Date);
    const p1 = await kms.send(new ListAliasesCommand({ KeyId: a.KeyId, Limit: 2 }));
    expect(p1.Aliases!.map((x) => x.AliasName)).toEqual(["alias/x1", "alias/x2"]);
    expect(p1.Truncated).toBe(true);
    const p2 = await kms.send(new ListAliasesCommand({ KeyId: a.Arn, Limit: 2, Marker: p1.NextMarker }));
    expect(p2.Aliases!.map((x) => x.AliasName)).toEqual(["alias/x3"]);
    expect(p2.Truncated).toBe(false);

    await sandbox.clock.sleep(1000);
    await kms.send(new UpdateAliasCommand({ AliasName: "alias/y", TargetKeyId: a.KeyId }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: "alias/y" }))).KeyMetadata!.KeyId).toBe(a.KeyId);
    await kms.send(new DeleteAliasCommand({ AliasName: "alias/y" }));
    expect((await kms.send(new ListAliasesCommand({ KeyId: b.KeyId }))).Aliases).toEqual([]);
    expect((await failure(kms.send(new DeleteAliasCommand({ AliasName: "alias/y" })))).name).toBe("NotFoundException");
    expect((await failure(kms.send(new UpdateAliasCommand({ AliasName: "alias/none", TargetKeyId: a.KeyId })))).name).toBe("NotFoundException");
  });

  it("refuses bad alias names, the reserved alias/aws/ prefix, duplicates and unknown targets", async () => {
    const { kms, newKey } = await setup();
    const k = await newKey();
    for (const bad of ["demo/db", "alias/", "alias/has space", "alias/aws/secretsmanager", "alias/ü"]) {
      expect((await failure(kms.send(new CreateAliasCommand({ AliasName: bad, TargetKeyId: k.KeyId })))).name).toBe("InvalidAliasNameException");
    }
    await kms.send(new CreateAliasCommand({ AliasName: "alias/demo/db", TargetKeyId: k.KeyId }));
    const dup = await failure(kms.send(new CreateAliasCommand({ AliasName: "alias/demo/db", TargetKeyId: k.KeyId })));
    expect(dup.name).toBe("AlreadyExistsException");
    expect(dup.message).toContain(`arn:aws:kms:eu-west-1:${ACCOUNT}:alias/demo/db`);
    expect((await failure(kms.send(new CreateAliasCommand({ AliasName: "alias/other", TargetKeyId: "11111111-1111-1111-1111-111111111111" })))).name).toBe("NotFoundException");
    // The target must be a key id or ARN, not another alias.
    expect((await failure(kms.send(new CreateAliasCommand({ AliasName: "alias/other", TargetKeyId: "alias/demo/db" })))).name).toBe("NotFoundException");
  });
});

describe("KMS: rotation", () => {
  it("enables rotation with the default 365-day period, custom periods 90-2560, and disables it", async () => {
    const { kms, newKey, sandbox } = await setup();
    const k = await newKey();
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))).toMatchObject({ KeyRotationEnabled: false });
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))).NextRotationDate).toBeUndefined();
    await kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId }));
    const s = await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.Arn }));
    expect(s).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365, KeyId: k.Arn });
    expect(s.NextRotationDate!.getTime()).toBe(sandbox.clock.now() + 365 * DAY);
    await kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 90 }));
    const s2 = await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }));
    expect(s2.RotationPeriodInDays).toBe(90);
    expect(s2.NextRotationDate!.getTime()).toBe(sandbox.clock.now() + 90 * DAY);
    for (const bad of [89, 2561]) {
      expect((await failure(kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: bad })))).name).toBe("ValidationException");
    }
    await kms.send(new DisableKeyRotationCommand({ KeyId: k.KeyId }));
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))).toMatchObject({ KeyRotationEnabled: false });
  });

  it("rotates key material on the simulated clock; old ciphertexts still decrypt", async () => {
    const { kms, newKey, sandbox } = await setup();
    const k = await newKey();
    await kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 90 }));
    const before = await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from("old") }));
    const t0 = sandbox.clock.now();
    await sandbox.clock.sleep(91 * DAY);
    const s = await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }));
    expect(s.NextRotationDate!.getTime()).toBe(t0 + 180 * DAY);
    const rec = sandbox.records("eu-west-1", "kms", "keys")[0];
    expect(rec._materials).toHaveLength(2);
    const after = await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from("new") }));
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }))).Plaintext!).toString()).toBe("old");
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: after.CiphertextBlob }))).Plaintext!).toString()).toBe("new");
  });

  it("does not rotate a disabled key; enabling it after the rotation date rotates at once", async () => {
    const { kms, newKey, sandbox } = await setup();
    const k = await newKey();
    await kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 90 }));
    const t0 = sandbox.clock.now();
    await kms.send(new DisableKeyCommand({ KeyId: k.KeyId }));
    await sandbox.clock.sleep(100 * DAY);
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))).NextRotationDate!.getTime()).toBe(t0 + 90 * DAY);
    const rec = () => sandbox.records("eu-west-1", "kms", "keys")[0];
    expect(rec()._materials).toHaveLength(1);
    await kms.send(new EnableKeyCommand({ KeyId: k.KeyId }));
    expect(rec()._materials).toHaveLength(2);
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))).NextRotationDate!.getTime()).toBe(sandbox.clock.now() + 90 * DAY);
  });

  it("refuses rotation changes on a disabled key (DisabledException)", async () => {
    const { kms, newKey } = await setup();
    const k = await newKey();
    await kms.send(new DisableKeyCommand({ KeyId: k.KeyId }));
    expect((await failure(kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId })))).name).toBe("DisabledException");
  });
});

describe("KMS: deletion", () => {
  it("schedules deletion (default 30 days), refuses operations while pending, cancels to Disabled", async () => {
    const { kms, newKey, sandbox } = await setup();
    const k = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: "alias/demo/db", TargetKeyId: k.KeyId }));
    const out = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId }));
    expect(out).toMatchObject({ KeyId: k.Arn, KeyState: "PendingDeletion", PendingWindowInDays: 30 });
    expect(out.DeletionDate!.getTime()).toBe(sandbox.clock.now() + 30 * DAY);
    const m = (await kms.send(new DescribeKeyCommand({ KeyId: "alias/demo/db" }))).KeyMetadata!;
    expect(m).toMatchObject({ KeyState: "PendingDeletion", Enabled: false });
    expect(m.DeletionDate!.getTime()).toBe(out.DeletionDate!.getTime());
    // The reference's key state table: KMSInvalidStateException for a key pending deletion.
    for (const call of [
      () => kms.send(new CreateAliasCommand({ AliasName: "alias/other", TargetKeyId: k.KeyId })),
      () => kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from("x") })),
      () => kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId })),
      () => kms.send(new EnableKeyCommand({ KeyId: k.KeyId })),
      () => kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: "a", TagValue: "b" }] })),
      () => kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId })),
    ]) {
      const e = await failure(call());
      expect(e.name).toBe("KMSInvalidStateException");
      expect(e.message).toBe(`${k.Arn} is pending deletion.`);
    }
    // Reads still work on a key pending deletion.
    await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }));
    await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }));
    expect((await kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId }))).Tags).toEqual([]);

    expect(await kms.send(new CancelKeyDeletionCommand({ KeyId: k.KeyId }))).toMatchObject({ KeyId: k.Arn });
    const c = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!;
    expect(c.KeyState).toBe("Disabled");
    expect(c.DeletionDate).toBeUndefined();
    expect((await failure(kms.send(new CancelKeyDeletionCommand({ KeyId: k.KeyId })))).message).toBe(`${k.Arn} is not pending deletion.`);
    await kms.send(new EnableKeyCommand({ KeyId: k.KeyId }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.KeyState).toBe("Enabled");
  });

  it("checks the waiting period (7-30 days) and removes the key and its aliases once DeletionDate passes", async () => {
    const { kms, newKey, sandbox } = await setup();
    const k = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: "alias/gone", TargetKeyId: k.KeyId }));
    for (const bad of [6, 31]) {
      expect((await failure(kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: bad })))).name).toBe("ValidationException");
    }
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
    await sandbox.clock.sleep(7 * DAY - 1);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.KeyState).toBe("PendingDeletion");
    await sandbox.clock.sleep(1);
    expect((await failure(kms.send(new DescribeKeyCommand({ KeyId: k.KeyId })))).name).toBe("NotFoundException");
    expect((await kms.send(new ListKeysCommand({}))).Keys).toEqual([]);
    expect((await kms.send(new ListAliasesCommand({}))).Aliases).toEqual([]);
  });
});

describe("KMS: cryptography", () => {
  it("encrypts and decrypts with AES-GCM; Decrypt finds the key from the ciphertext", async () => {
    const { kms, newKey } = await setup();
    const k = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: "alias/demo/db", TargetKeyId: k.KeyId }));
    const enc = await kms.send(new EncryptCommand({ KeyId: "alias/demo/db", Plaintext: Buffer.from("hello"), EncryptionContext: { purpose: "db" } }));
    expect(enc.KeyId).toBe(k.Arn);
    expect(enc.EncryptionAlgorithm).toBe("SYMMETRIC_DEFAULT");
    expect(Buffer.from(enc.CiphertextBlob!).includes(Buffer.from("hello"))).toBe(false);
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: "db" } }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe("hello");
    expect(dec.KeyId).toBe(k.Arn);
    // Same key named explicitly (alias) is fine.
    await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: "alias/demo/db", EncryptionContext: { purpose: "db" } }));
    // A different encryption context fails the authentication tag.
    expect((await failure(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: "smtp" } })))).name).toBe("InvalidCiphertextException");
  });

  it("Decrypt with another key → IncorrectKeyException; tampered or foreign blobs → InvalidCiphertextException", async () => {
    const { kms, newKey } = await setup();
    const a = await newKey();
    const b = await newKey();
    const enc = await kms.send(new EncryptCommand({ KeyId: a.KeyId, Plaintext: Buffer.from("secret") }));
    expect((await failure(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: b.KeyId })))).name).toBe("IncorrectKeyException");
    const tampered = Buffer.from(enc.CiphertextBlob!);
    tampered[tampered.length - 1] ^= 0xff;
    expect((await failure(kms.send(new DecryptCommand({ CiphertextBlob: tampered })))).name).toBe("InvalidCiphertextException");
    expect((await failure(kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from("not a kms blob at all, really") })))).name).toBe("InvalidCiphertextException");
    expect((await failure(kms.send(new EncryptCommand({ KeyId: a.KeyId, Plaintext: Buffer.alloc(4097) })))).name).toBe("ValidationException");
  });

  it("GenerateDataKey returns a plaintext key and its encrypted copy (envelope encryption round trip)", async () => {
    const { kms, newKey } = await setup();
    const k = await newKey();
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: k.Arn, KeySpec: "AES_256", EncryptionContext: { SecretARN: "x" } }));
    expect(dk.Plaintext).toHaveLength(32);
    expect(dk.KeyId).toBe(k.Arn);
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { SecretARN: "x" } }));
    expect(Buffer.from(back.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true);
    // The data key really is an AES key: what a client seals with it opens with the decrypted copy.
    const { createCipheriv, randomBytes } = await import("node:crypto");
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", Buffer.from(dk.Plaintext!), iv);
    const sealed = Buffer.concat([c.update("payload"), c.final()]);
    const d = createDecipheriv("aes-256-gcm", Buffer.from(back.Plaintext!), iv);
    d.setAuthTag(c.getAuthTag());
    expect(Buffer.concat([d.update(sealed), d.final()]).toString()).toBe("payload");
    expect((await kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, NumberOfBytes: 16 }))).Plaintext).toHaveLength(16);
    expect((await failure(kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId })))).name).toBe("ValidationException");
    expect((await failure(kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: "AES_256", NumberOfBytes: 32 })))).name).toBe("ValidationException");
  });

  it("keys are regional: another region's client does not see them", async () => {
    const { aws, newKey } = await setup();
    const k = await newKey();
    const other = await aws.get("kms", "eu-central-1");
    expect((await failure(other.send(new DescribeKeyCommand({ KeyId: k.KeyId })))).name).toBe("NotFoundException");
    expect((await failure(other.send(new DescribeKeyCommand({ KeyId: k.Arn })))).name).toBe("NotFoundException");
  });
});

describe("KMS: faults", () => {
  it("hides a new key from describes and lists during the NotFound lag", async () => {
    const { kms, newKey, sandbox } = await setup({ faults: { notFoundLagMs: 5_000 } });
    const k = await newKey();
    expect((await failure(kms.send(new DescribeKeyCommand({ KeyId: k.KeyId })))).name).toBe("NotFoundException");
    expect((await kms.send(new ListKeysCommand({}))).Keys).toEqual([]);
    await sandbox.clock.sleep(5_000);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.KeyId).toBe(k.KeyId);
  });

  it("retries throttling through the SDK's own retry strategy", async () => {
    const { kms, newKey, sandbox } = await setup({ faults: { throttleRate: 0.5, seed: 7 } });
    for (let i = 0; i < 5; i++) await newKey();
    expect((await kms.send(new ListKeysCommand({}))).Keys).toHaveLength(5);
    expect(sandbox.journal.some((j) => j.error === "ThrottlingException")).toBe(true);
  });
});
