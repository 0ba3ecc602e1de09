import { describe, expect, it } from "vitest";
import { CreateVpcCommand } from "@aws-sdk/client-ec2";
import { opsctl, sandboxWrites, workdir } from "../helpers/cli.js";
import { newSandbox } from "../helpers/sandbox.js";
import { seedHostedZone } from "../../src/sandbox/services/route53.js";

const IMAGE = `public.ecr.aws/opsctl/api@sha256:${"5a".repeat(32)}`;
const base = { env: "demo", region: "eu-west-1", secondaryRegion: "eu-central-1", bastion: { allowedCidrs: ["203.0.113.0/24"] }, dns: { domain: "opsctl-demo.example.com" }, compute: { image: IMAGE } };

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

  // Data layer (issue 3)
  it("a database class that is not memory-optimized", () => expectRejected({ ...base, database: { instanceClass: "db.t3.micro" } }, /database\.instanceClass: must be memory-optimized/, /db\.r7g\.large/));
  it("a MySQL version pin that does not exist", () => expectRejected({ ...base, database: { engineVersion: "8.4.99" } }, /database\.engineVersion/, /8\.4\.\d+/));
  it("a bucket prefix that makes an invalid bucket name", () => expectRejected({ ...base, storage: { bucketPrefix: "Bad_Prefix" } }, /storage\.bucketPrefix/, /lowercase/));
  // Compute and edge (issue 4)
  it("no domain", () => expectRejected({ ...base, dns: {} }, /dns\.domain: is required/, /example\.com/));
  it("an api host outside the domain", () => expectRejected({ ...base, dns: { domain: "opsctl-demo.example.com", apiHost: "api.other.org" } }, /dns\.apiHost: api\.other\.org is not in dns\.domain/, /api\.opsctl-demo\.example\.com/));
  it("an image URI that is not a valid reference", () => expectRejected({ ...base, compute: { image: "Not A Valid:ref!" } }, /compute\.image/, /sha256/));
  it("an --image that is not a valid reference", () => expectRejected(base, /--image: "http:\/\/nope" is not a container image reference/, /sha256/, ["--image", "http://nope"]));
  it("an image tag that is not pinned by digest", () => expectRejected({ ...base, compute: { image: "docker.io/library/node:22" } }, /compute\.image: docker\.io\/library\/node:22 is not pinned by digest/, /sha256/));
  it("desired count below 1", () => expectRejected({ ...base, compute: { image: IMAGE, desiredCount: 0 } }, /compute\.desiredCount: must be at least 1/, /./));
  it("CPU and memory that are not a Fargate pair", () => expectRejected({ ...base, compute: { image: IMAGE, cpu: 256, memory: 4096 } }, /compute\.memory: 4096 MiB is not valid with cpu 256/, /512, 1024, 2048/));

  it("a domain that is not in the pinned hosted zone", async () => {
    const w = workdir();
    const { sandbox } = newSandbox();
    const zone = seedHostedZone(sandbox, "other.example.org");
    sandbox.save(w.state);
    w.writeConfig({ ...base, dns: { domain: "opsctl-demo.example.com", hostedZoneId: zone } });
    const r = opsctl(["up", "--sandbox", "--yes"], w);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error: .*dns\.(domain|hostedZoneId)/);
    expect(sandboxWrites(w.state)).toBe(0);
  });

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

describe("usage errors exit 2 with one line naming the problem (issue 10, item 8)", () => {
  const cases: [string, string[], RegExp][] = [
    ["unknown flag on a command", ["up", "--bogus"], /error: unknown option '--bogus'/],
    ["unknown global flag", ["--bogus"], /error: unknown option '--bogus'/],
    ["unknown command", ["nosuch"], /error: unknown command 'nosuch'/],
    ["flag without its value", ["ssh-key", "--out"], /error: option '--out <file>' argument missing/],
    ["missing argument", ["secrets", "set"], /error: missing required argument 'name'/],
    ["unknown option of a subcommand", ["secrets", "set", "smtp", "--nope"], /error: unknown option '--nope'/],
    ["command group without its subcommand", ["secrets"], /Usage: opsctl secrets/],
    ["config group without its subcommand", ["config"], /Usage: opsctl config/],
  ];
  it.each(cases)("%s: exit 2", (_name, args, message) => {
    const w = workdir();
    const r = opsctl(args, w);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it("--help and --version still exit 0", () => {
    const w = workdir();
    expect(opsctl(["--help"], w).code).toBe(0);
    expect(opsctl(["up", "--help"], w).code).toBe(0);
    expect(opsctl(["--version"], w).code).toBe(0);
  });
});
