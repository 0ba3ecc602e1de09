import { describe, expect, it } from "vitest";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { CreateVpcCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { opsctl, workdir } from "../helpers/cli.js";
import { newSandbox } from "../helpers/sandbox.js";
import { TEST_CONFIG } from "../helpers/env.js";
import { AwsClients } from "../../src/aws/clients.js";
import { Sandbox, SandboxStateError, parseState } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";
import { generateSigningKey, PURPOSES, signingSecretName } from "../../src/resources/signing-keys.js";

/** A state file holding the three signing-key secrets, as `up` leaves them. */
async function withKeys(state: string): Promise<void> {
  const { sandbox, aws } = newSandbox();
  const sm = await aws.get("secrets");
  for (const p of PURPOSES) await sm.send(new CreateSecretCommand({ Name: signingSecretName("demo", p), SecretString: JSON.stringify(generateSigningKey(new Date(sandbox.clock.now()))) }));
  sandbox.save(state);
  await aws.destroy();
}

describe("shared sandbox state file (Sandbox.open): one AWS for every process", () => {
  it("a write is on disk at once; another opener sees it, and the clock only moves forward", async () => {
    const w = workdir();
    const a = Sandbox.open(w.state, { services: allServices() });
    const b = Sandbox.open(w.state, { services: allServices() });
    const awsA = new AwsClients({ region: "eu-west-1", sandbox: a });
    const awsB = new AwsClients({ region: "eu-west-1", sandbox: b });
    a.clock.advance(3_600_000);
    const { Vpc } = await (await awsA.get("ec2")).send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }));
    // No save(): the write itself reached the file (a killed process keeps it).
    const disk = JSON.parse(readFileSync(w.state, "utf8"));
    expect(Object.keys(disk.regions["eu-west-1"].ec2.vpcs)).toContain(Vpc!.VpcId);
    expect(disk.calls.write).toBe(1);
    const seen = await (await awsB.get("ec2")).send(new DescribeVpcsCommand({ VpcIds: [Vpc!.VpcId!] }));
    expect(seen.Vpcs?.[0]?.VpcId).toBe(Vpc!.VpcId);
    expect(b.clock.now()).toBe(a.clock.now());
    // b's read is kept when b saves at exit, on top of a's write.
    b.save(w.state);
    expect(JSON.parse(readFileSync(w.state, "utf8")).calls).toEqual({ read: 1, write: 1 });
    await awsA.destroy();
    await awsB.destroy();
  });
});

/** Runs `args` on an unusable state: exit 2, one line naming the file and the fix; the file is untouched. */
function expectStateRefused(w: ReturnType<typeof workdir>, args: string[], problem: RegExp) {
  const before = statSync(w.state, { bigint: true });
  const bytes = statSync(w.state).isFile() ? readFileSync(w.state) : undefined;
  const r = opsctl([...args, "--sandbox"], w);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  expect(r.code, r.stderr).toBe(2);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(`sandbox state ${w.state}`);
  expect(errors[0]).toMatch(problem);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const after = statSync(w.state, { bigint: true });
  expect(after.mtimeNs).toBe(before.mtimeNs);
  if (bytes) expect(readFileSync(w.state).equals(bytes)).toBe(true);
  return errors[0];
}

describe("opsctl --sandbox with a state file it cannot use: exit 2, nothing overwritten", () => {
  it("a state saved before tags moved to `_tags` (version 1) is refused, not read with its tags lost", () => {
    const old = { version: 1, clockMs: 0, accountId: "123456789012", seq: 0, regions: { "eu-west-1": { ec2: { vpcs: { "vpc-1": { VpcId: "vpc-1", Tags: [{ Key: "opsctl:env", Value: "demo" }] } } } } } };
    expect(() => parseState("/x/state.json", JSON.stringify(old))).toThrow(SandboxStateError);
    expect(() => parseState("/x/state.json", JSON.stringify(old))).toThrow(/sandbox state \/x\/state.json: wrong shape: unknown state version 1 \(expected 2\)/);
    expect(parseState("/x/state.json", JSON.stringify({ ...old, version: 2 })).version).toBe(2);
  });

  it("corrupt JSON, empty, wrong shape and unreadable each name the file and the fix", () => {
    const w = workdir();
    w.writeConfig(TEST_CONFIG);
    writeFileSync(w.state, '{"version":1,"clockMs":');
    expect(expectStateRefused(w, ["status"], /not valid JSON/)).toMatch(/--reset-sandbox.*or delete the file/);
    writeFileSync(w.state, "");
    expectStateRefused(w, ["up"], /the file is empty/);
    writeFileSync(w.state, JSON.stringify({ version: 2, clockMs: 0, accountId: "123456789012", seq: 0, regions: [] }));
    expectStateRefused(w, ["plan"], /wrong shape: regions is missing or not an object/);
    writeFileSync(w.state, JSON.stringify([1, 2]));
    expectStateRefused(w, ["audit"], /wrong shape: not a sandbox state/);
    const dir = workdir();
    dir.writeConfig(TEST_CONFIG);
    mkdirSync(dir.state);
    expectStateRefused(dir, ["status"], /cannot be read \(EISDIR\)/);
  }, 60_000);

  it("--reset-sandbox replaces a corrupt state with a fresh simulated AWS", () => {
    const w = workdir();
    w.writeConfig(TEST_CONFIG);
    writeFileSync(w.state, "not json");
    const r = opsctl(["plan", "--sandbox", "--reset-sandbox"], w);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(w.state, "utf8"));
    expect(s.version).toBe(2);
    expect(s.calls.write).toBe(0);
  }, 60_000);
});

describe("a read-only state file: read-only commands work, writing commands refuse before the first write", () => {
  it("rotate-keys is refused (exit 2, file untouched); --dry-run and plan still answer", async () => {
    const w = workdir();
    w.writeConfig(TEST_CONFIG);
    await withKeys(w.state);
    chmodSync(w.state, 0o444);
    const bytes = readFileSync(w.state);
    const line = expectStateRefused(w, ["rotate-keys", "--force"], /the file is read-only, and `rotate-keys` would change the simulated AWS/);
    expect(line).toMatch(/chmod u\+w/);
    const dry = opsctl(["rotate-keys", "--sandbox", "--dry-run"], w);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would rotate/);
    const plan = opsctl(["plan", "--sandbox"], w);
    expect(plan.code, plan.stderr).toBe(0);
    expect(readFileSync(w.state).equals(bytes)).toBe(true);
  }, 60_000);
});
