/** kms-key (src/resources/kms-key.ts) against the sandbox (src/sandbox/services/kms.ts): find, create, rerun, drift, delete, and the key's own rules. */
import { describe, expect, it } from "vitest";
import { DisableKeyRotationCommand, GetKeyRotationStatusCommand, ListAliasesCommand, ListKeysCommand, ListResourceTagsCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { down, preview, up } from "../../src/engine/reconcile.js";
import type { Plan, PlanNode } from "../../src/engine/plan.js";
import { contextFactory, type Facts, type ResourceContext } from "../../src/resources/context.js";
import { keyPolicy, kmsKey, kmsKeyIn, viaService, type KmsKeySpec } from "../../src/resources/kms-key.js";
import { canonicalPolicy } from "../../src/resources/policy.js";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { newSandbox } from "../helpers/sandbox.js";
import { AwsClients } from "../../src/aws/clients.js";
import { taggedInventory } from "../helpers/env.js";
import { lifecycle } from "../helpers/kind.js";
import type { Faults } from "../../src/sandbox/types.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const SECONDARY = "eu-central-1";
const NODE = "kms-key:database";
const DAY = 86_400_000;

const spec = (over: Partial<KmsKeySpec> = {}): KmsKeySpec => ({
  description: "demo: database credentials (KMS-01)",
  policy: keyPolicy(ACCOUNT, "database", [], [viaService("secretsmanager", REGION), viaService("rds", REGION)]),
  rotationPeriodDays: 365,
  alias: "alias/demo/database",
  ...over,
});

function plan(s: KmsKeySpec = spec(), node = NODE, kind = kmsKey): Plan<ResourceContext> {
  const n: PlanNode<ResourceContext> = { id: node, deps: [], resource: kind, spec: () => s, controls: ["KMS-01"] };
  return { name: "kms", nodes: [n] };
}

/** A simulated AWS and a way to run the engine against it as separate CLI invocations would. */
function session(opts: { sandbox?: Sandbox; faults?: Faults } = {}) {
  const fresh = opts.sandbox ? undefined : newSandbox({ faults: opts.faults });
  const sandbox = opts.sandbox ?? fresh!.sandbox;
  const aws = fresh?.aws ?? new AwsClients({ region: REGION, sandbox });
  const facts: Facts = { accountId: ACCOUNT, region: REGION, azs: ["eu-west-1a", "eu-west-1b"], bastionAmi: "ami-0123456789abcdef0" };
  const run = () => {
    const make = contextFactory({ env: "demo", region: REGION, aws, clock: sandbox.clock, facts, flags: { deleteData: false } });
    return { clock: sandbox.clock, makeContext: (n: PlanNode<ResourceContext>) => make(n.id), emit: () => {} };
  };
  const writes = () => sandbox.journal.filter((j) => j.write && !j.error).length;
  const kms = (region = REGION) => aws.get("kms", region);
  return { sandbox, aws, run, writes, kms };
}

/** A second "process" over the same simulated AWS: new clients, no memo, no faults. */
function resume(s: ReturnType<typeof session>) {
  s.sandbox.reset({});
  return session({ sandbox: s.sandbox });
}

const keysOf = (sandbox: Sandbox, region = REGION) => taggedInventory(sandbox, "demo").filter((r) => r.key.startsWith(`${region}/kms/keys/`));
const aliasesOf = (sandbox: Sandbox, region = REGION) => sandbox.records(region, "kms", "aliases");

describe("kms-key module (KMS-01)", () => {
  it("creates one key with tags, policy, alias and rotation in the create path; a second up writes nothing", async () => {
    const s = session();
    const first = await up(plan(), s.run());
    expect(first.ok).toBe(true);
    const o = first.outcomes[0];
    expect(o.action).toBe("create");
    expect(o.description?.healthy).toBe(true);
    expect(o.description?.details).toMatchObject({ alias: "alias/demo/database", rotation: "every 365 days", state: "Enabled" });

    // Tags and policy went in the CreateKey call itself; alias and rotation follow in the post-create diff.
    const create = s.sandbox.journal.find((j) => j.operation === "CreateKey")!;
    const input = create.input as { Tags: { TagKey: string; TagValue: string }[]; Policy: string };
    expect(input.Tags).toEqual(
      expect.arrayContaining([
        { TagKey: "opsctl:env", TagValue: "demo" },
        { TagKey: "opsctl:node", TagValue: NODE },
        { TagKey: "Name", TagValue: "demo-database" },
      ]),
    );
    expect(canonicalPolicy(input.Policy)).toBe(canonicalPolicy(spec().policy));
    expect(s.sandbox.journal.filter((j) => j.write).map((j) => j.operation).sort()).toEqual(["CreateAlias", "CreateKey", "EnableKeyRotation"]);

    const keys = keysOf(s.sandbox);
    expect(keys).toHaveLength(1);
    expect(aliasesOf(s.sandbox).map((a) => [a.AliasName, a.TargetKeyId])).toEqual([["alias/demo/database", keys[0].rec.KeyId]]);
    const rot = await (await s.kms()).send(new GetKeyRotationStatusCommand({ KeyId: keys[0].rec.KeyId }));
    expect(rot).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    const out = (await up(plan(), s.run())).outcomes[0];
    expect(out.action).toBe("noop");
    expect(s.writes()).toBe(3);
    expect(out.description?.details?.arn).toBe(keys[0].rec.Arn);
  });

  it("down schedules the deletion (30 days, never at once) and deletes the alias; down again writes nothing", async () => {
    const s = session();
    await up(plan(), s.run());
    const keyId = keysOf(s.sandbox)[0].rec.KeyId;
    const gone = await down(plan(), s.run());
    expect(gone.ok).toBe(true);
    const o = gone.outcomes[0];
    expect(o.action).toBe("delete");
    const rec = keysOf(s.sandbox)[0].rec;
    expect(rec.KeyId).toBe(keyId);
    expect(rec.KeyState).toBe("PendingDeletion");
    expect(Date.parse(rec.DeletionDate) - s.sandbox.clock.now()).toBeGreaterThanOrEqual(30 * DAY - 60_000);
    expect(aliasesOf(s.sandbox)).toEqual([]);
    expect(o.kept).toEqual([expect.stringMatching(new RegExp(`^${keyId}: scheduled for deletion on \\d{4}-\\d{2}-\\d{2}; \`opsctl up\` before then cancels it$`))]);
    const schedule = s.sandbox.journal.find((j) => j.operation === "ScheduleKeyDeletion")!;
    expect(schedule.input).toMatchObject({ PendingWindowInDays: 30 });

    const before = s.writes();
    const again = await down(plan(), s.run());
    expect(again.ok).toBe(true);
    expect(again.outcomes[0].action).toBe("noop");
    expect(s.writes() - before).toBe(0);
  });

  it("up after down restores the same key (cancel deletion, enable, alias) and reports an update of KeyState", async () => {
    const s = session();
    await up(plan(), s.run());
    const keyId = keysOf(s.sandbox)[0].rec.KeyId;
    await down(plan(), s.run());

    const shown = (await preview(plan(), s.run())).outcomes[0];
    expect(shown.action).toBe("update");
    expect(shown.changes).toEqual(expect.arrayContaining([{ field: "KeyState", from: "PendingDeletion", to: "Enabled" }]));

    const back = await up(plan(), s.run());
    expect(back.ok).toBe(true);
    const o = back.outcomes[0];
    expect(o.action).toBe("update");
    expect(o.changes.map((c) => c.field)).toEqual(expect.arrayContaining(["KeyState", "Alias"]));
    expect(s.sandbox.journal.filter((j) => j.operation === "CreateKey")).toHaveLength(1);
    expect(s.sandbox.journal.filter((j) => j.write).map((j) => j.operation)).toEqual(expect.arrayContaining(["CancelKeyDeletion", "EnableKey", "CreateAlias"]));
    const keys = keysOf(s.sandbox);
    expect(keys).toHaveLength(1);
    expect(keys[0].rec).toMatchObject({ KeyId: keyId, KeyState: "Enabled", Enabled: true });
    expect(keys[0].rec.DeletionDate).toBeUndefined();
    expect(aliasesOf(s.sandbox).map((a) => a.TargetKeyId)).toEqual([keyId]);
    expect(o.description?.healthy).toBe(true);
    const before = s.writes();
    expect((await up(plan(), s.run())).outcomes[0].action).toBe("noop");
    expect(s.writes() - before).toBe(0);
  });

  it("drift: rotation disabled and the policy replaced behind its back → shown by plan, repaired by up", async () => {
    const s = session();
    await up(plan(), s.run());
    const keyId = keysOf(s.sandbox)[0].rec.KeyId;
    const kms = await s.kms();
    await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    const drift = (await preview(plan(), s.run())).outcomes[0];
    expect(drift.action).toBe("update");
    expect(drift.changes).toEqual([{ field: "KeyRotationEnabled", from: false, to: true }]);
    expect(drift.description?.healthy).toBe(false);

    const fixed = await up(plan(), s.run());
    expect(fixed.outcomes[0].action).toBe("update");
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });

    const wide = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }] };
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: JSON.stringify(wide) }));
    expect((await preview(plan(), s.run())).outcomes[0].changes.map((c) => c.field)).toEqual(["Policy"]);
    await up(plan(), s.run());
    expect((await preview(plan(), s.run())).outcomes[0].action).toBe("noop");
    // A new rotation period is applied in place, not by a new key.
    const longer = await up(plan(spec({ rotationPeriodDays: 730 })), s.run());
    expect(longer.outcomes[0].changes).toEqual([{ field: "RotationPeriodInDays", from: 365, to: 730 }]);
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).RotationPeriodInDays).toBe(730);
    expect(keysOf(s.sandbox)).toHaveLength(1);
  });

  it("crash after each write of a from-zero up, then up again → exactly one key with this node tag and one alias", async () => {
    const clean = session();
    await up(plan(), clean.run());
    const total = clean.writes();
    expect(total).toBe(3);
    for (let k = 1; k <= total; k++) {
      const s = session({ faults: { crashAfterWrites: k } });
      const crashed = await up(plan(), s.run());
      expect(crashed.ok, `k=${k}`).toBe(false);
      const next = resume(s);
      const again = await up(plan(), next.run());
      expect(again.ok, `k=${k}`).toBe(true);
      const keys = keysOf(s.sandbox).filter((r) => r.node === NODE);
      expect(keys, `k=${k}`).toHaveLength(1);
      expect(aliasesOf(s.sandbox).map((a) => [a.AliasName, a.TargetKeyId]), `k=${k}`).toEqual([["alias/demo/database", keys[0].rec.KeyId]]);
      expect(again.outcomes[0].description?.healthy, `k=${k}`).toBe(true);
      const before = s.writes();
      expect((await up(plan(), next.run())).outcomes[0].action, `k=${k}`).toBe("noop");
      expect(s.writes() - before, `k=${k}`).toBe(0);
    }
  });

  it("finds the key by its alias with one shared alias listing, and by tags when the alias is missing", async () => {
    const s = session();
    await up(plan(), s.run());
    const start = s.sandbox.journal.length;
    await preview(plan(), s.run());
    const ops = s.sandbox.journal.slice(start).map((j) => j.operation);
    // The steady state does not scan every key of the account.
    expect(ops).not.toContain("ListKeys");
    expect(ops.filter((o) => o === "ListResourceTags")).toHaveLength(1);
  });

  it("never takes over an alias's key that is not tagged with this node", async () => {
    const s = session();
    // Another key (not opsctl's) holds the alias name.
    const other = session({ sandbox: s.sandbox });
    await up(plan(spec(), "kms-key:other"), other.run());
    const foreign = keysOf(s.sandbox)[0].rec.KeyId;
    const r = await up(plan(), s.run());
    expect(r.ok).toBe(true);
    const mine = keysOf(s.sandbox).filter((k) => k.node === NODE);
    expect(mine).toHaveLength(1);
    expect(mine[0].rec.KeyId).not.toBe(foreign);
    // The env's alias name now points at this node's key.
    expect(aliasesOf(s.sandbox).map((a) => a.TargetKeyId)).toEqual([mine[0].rec.KeyId]);
  });

  it("puts a key in another region when the spec says so; the region-bound kind finds it for down", async () => {
    const s = session();
    const secondary = kmsKeyIn(SECONDARY);
    const sp = spec({ region: SECONDARY, alias: "alias/demo/replica", policy: keyPolicy(ACCOUNT, "replica", [], [viaService("secretsmanager", SECONDARY)]) });
    const r = await up(plan(sp, "kms-key:replica", secondary), s.run());
    expect(r.ok).toBe(true);
    expect(keysOf(s.sandbox, SECONDARY)).toHaveLength(1);
    expect(keysOf(s.sandbox, REGION)).toHaveLength(0);
    expect(r.outcomes[0].description?.details?.arn).toMatch(/^arn:aws:kms:eu-central-1:/);
    const kms = await s.kms(SECONDARY);
    expect((await kms.send(new ListAliasesCommand({}))).Aliases!.map((a) => a.AliasName)).toEqual(["alias/demo/replica"]);
    const gone = await down(plan(sp, "kms-key:replica", secondary), s.run());
    expect(gone.outcomes[0].action).toBe("delete");
    expect(keysOf(s.sandbox, SECONDARY)[0].rec.KeyState).toBe("PendingDeletion");
    expect((await kms.send(new ListKeysCommand({}))).Keys).toHaveLength(1);
    expect((await kms.send(new ListResourceTagsCommand({ KeyId: keysOf(s.sandbox, SECONDARY)[0].rec.KeyId }))).Tags).toContainEqual({ TagKey: "opsctl:node", TagValue: "kms-key:replica" });
  });
});

describe("keyPolicy (KMS-01)", () => {
  const roles = [`arn:aws:iam::${ACCOUNT}:role/demo-api`, `arn:aws:iam::${ACCOUNT}:role/demo-worker`];
  const services = [viaService("secretsmanager", REGION), viaService("rds", REGION)];
  const statements = (doc: { Statement: Record<string, any>[] }) => doc.Statement;
  const actions = (s: Record<string, any>): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

  it("never grants `*` or kms:* to anything but the account root", () => {
    for (const doc of [keyPolicy(ACCOUNT, "database", roles, services), keyPolicy(ACCOUNT, "smtp", [], services), keyPolicy(ACCOUNT, "signing", roles, [], { encrypt: true })]) {
      for (const s of statements(doc)) {
        if (actions(s).some((a) => a === "*" || a === "kms:*")) {
          expect(s.Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
          expect(s.Condition).toBeUndefined();
        }
        expect(s.Effect).toBe("Allow");
        expect(s.NotAction).toBeUndefined();
        expect(s.NotPrincipal).toBeUndefined();
      }
      // The root statement exists, so the key can never become unmanageable.
      expect(statements(doc)).toContainEqual(expect.objectContaining({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*" }));
    }
  });

  it("gives the roles that use the key only Decrypt / DescribeKey / GenerateDataKey (Encrypt on request)", () => {
    const use = statements(keyPolicy(ACCOUNT, "database", roles, services)).find((s) => s.Principal?.AWS?.includes?.(roles[0]))!;
    expect(use.Principal).toEqual({ AWS: roles });
    expect(actions(use).sort()).toEqual(["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]);
    const withEncrypt = statements(keyPolicy(ACCOUNT, "signing", roles, [], { encrypt: true })).find((s) => s.Principal?.AWS === roles || Array.isArray(s.Principal?.AWS))!;
    expect(actions(withEncrypt).sort()).toEqual(["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]);
    // The seam: no app roles yet → no statement for them (KMS refuses a statement without principals).
    expect(statements(keyPolicy(ACCOUNT, "database", [], services)).filter((s) => Array.isArray(s.Principal?.AWS))).toEqual([]);
  });

  it("lets every other principal use the key only through Secrets Manager / RDS of this account", () => {
    const others = statements(keyPolicy(ACCOUNT, "database", roles, services)).filter((s) => s.Principal?.AWS === "*");
    expect(others.length).toBeGreaterThan(0);
    for (const s of others) {
      expect(s.Condition.StringEquals["kms:CallerAccount"]).toBe(ACCOUNT);
      expect(s.Condition.StringEquals["kms:ViaService"]).toEqual(["rds.eu-west-1.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com"]);
      for (const a of actions(s)) expect(a).toMatch(/^kms:(Encrypt|Decrypt|ReEncrypt\*|GenerateDataKey\*|DescribeKey|CreateGrant|ListGrants|RevokeGrant)$/);
    }
    const grants = others.find((s) => actions(s).includes("kms:CreateGrant"))!;
    expect(grants.Condition.Bool).toEqual({ "kms:GrantIsForAWSResource": "true" });
    expect(statements(keyPolicy(ACCOUNT, "database", roles)).some((s) => s.Principal?.AWS === "*")).toBe(false);
  });

  it("is accepted by KMS's policy lockout safety check", async () => {
    const s = session();
    // KMS resolves the principals a key policy names: the roles must exist.
    const iam = await s.aws.get("iam");
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] });
    for (const arn of roles) await iam.send(new CreateRoleCommand({ RoleName: arn.split("/").pop()!, AssumeRolePolicyDocument: trust }));
    const r = await up(plan(spec({ policy: keyPolicy(ACCOUNT, "database", roles, services) })), s.run());
    expect(r.ok).toBe(true);
  });
});

lifecycle("kms-key:smtp", {
  // KMS-01: rotation off.
  drift: async (s, id) => (await s.aws.get("kms")).send(new DisableKeyRotationCommand({ KeyId: id })),
  expectDriftFields: ["KeyRotationEnabled"],
});

// The replica-region key modules.test.ts covered (created in the secondary region): create, rerun, delete.
lifecycle("kms-key:smtp-replica");
