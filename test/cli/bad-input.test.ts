import { describe, expect, it } from "vitest";
import { CreateVpcCommand } from "@aws-sdk/client-ec2";
import { opsctl, sandboxWrites, workdir } from "../helpers/cli.js";
import { newSandbox } from "../helpers/sandbox.js";

const base = { env: "demo", region: "eu-west-1", secondaryRegion: "eu-central-1", bastion: { allowedCidrs: ["203.0.113.0/24"] } };

/** Runs `up --sandbox` and checks: exit 2, one line naming the field and the fix, no write. */
function expectRejected(config: unknown, field: RegExp, fix: RegExp, args: string[] = []) {
  const w = workdir();
  w.writeConfig(config);
  const before = sandboxWrites(w.state);
  const r = opsctl(["up", "--sandbox", "--yes", ...args], w);
  const errorLines = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  expect(r.code, r.stderr).toBe(2);
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0]).toMatch(field);
  expect(errorLines[0]).toMatch(fix);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
  expect(sandboxWrites(w.state) - before).toBe(0);
  return r;
}

describe("bad input: exit 2, one line naming the field and the fix, 0 AWS writes", () => {
  it("malformed JSON", () => expectRejected("{ \"env\": \"demo\",", /opsctl\.config\.json.*not valid JSON/, /fix the syntax/));
  it("unknown field", () => expectRejected({ ...base, netwrk: {} }, /netwrk: unknown field/, /check its spelling/));
  it("unknown nested field", () => expectRejected({ ...base, network: { vpcCidrr: "10.0.0.0/16" } }, /network\.vpcCidrr: unknown field/, /opsctl config schema/));
  it("public CIDR", () => expectRejected({ ...base, network: { vpcCidr: "8.8.0.0/16" } }, /network\.vpcCidr: 8\.8\.0\.0\/16 is not a private \(RFC 1918\) range/, /10\.0\.0\.0\/8/));
  it("CIDR too small for 6 subnets", () => expectRejected({ ...base, network: { vpcCidr: "10.0.0.0/26" } }, /network\.vpcCidr: 10\.0\.0\.0\/26 is too small for 6 subnets/, /between \/16 and \/25/));
  it("malformed VPC CIDR", () => expectRejected({ ...base, network: { vpcCidr: "10.0.0/16" } }, /network\.vpcCidr/, /10\.0\.0\.0\/16/));
  it("unknown region", () => expectRejected({ ...base, region: "eu-westt-1" }, /region: unknown AWS region/, /eu-west-1/));
  it("unknown region on the command line", () => expectRejected(base, /--region: unknown AWS region "mars-1"/, /eu-west-1/, ["--region", "mars-1"]));
  it("secondary region equal to the primary", () => expectRejected({ ...base, secondaryRegion: "eu-west-1" }, /secondaryRegion: must differ from region/, /another region/));
  it("malformed bastion CIDR", () => expectRejected({ ...base, bastion: { allowedCidrs: ["203.0.113.300/32"] } }, /bastion\.allowedCidrs\[0\]: "203\.0\.113\.300\/32" is not a CIDR block/, /203\.0\.113\.10\/32/));
  it("bad --concurrency flag", () => expectRejected(base, /--concurrency/, /./, ["--concurrency", "zero"]));

  it("overlap with an existing VPC of the account (checked live, before any write)", async () => {
    const w = workdir();
    const { sandbox, aws } = newSandbox();
    const ec2 = await aws.get("ec2");
    const other = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.40.128.0/17", TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "Name", Value: "legacy" }] }] }));
    sandbox.save(w.state);
    w.writeConfig({ ...base, network: { vpcCidr: "10.40.0.0/16" } });
    const before = sandboxWrites(w.state);
    const r = opsctl(["up", "--sandbox", "--yes"], w);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`network.vpcCidr: 10.40.0.0/16 overlaps 10.40.128.0/17 of ${other.Vpc!.VpcId} (legacy) in eu-west-1`);
    expect(sandboxWrites(w.state) - before).toBe(0);
  });

  it("a bastion open to 0.0.0.0/0 is a loud warning, not an error", () => {
    const w = workdir();
    w.writeConfig({ ...base, bastion: { allowedCidrs: ["0.0.0.0/0"] } });
    const r = opsctl(["plan", "--sandbox"], w);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/WARNING: bastion\.allowedCidrs\[0\]: SSH \(port 22\) is open to the whole internet/);
  });

  it("--debug adds the stack trace", () => {
    const w = workdir();
    w.writeConfig({ ...base, region: "nowhere-1" });
    const r = opsctl(["up", "--sandbox", "--debug"], w);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
