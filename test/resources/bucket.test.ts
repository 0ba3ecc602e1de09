/** bucket (src/resources/bucket.ts) against the sandbox (src/sandbox/services/s3.ts): find, create, rerun, drift, delete, and the bucket's own rules. */
import { gatherEnvironmentFacts } from "../../src/operations/environment.js";
import { describe, expect, it } from "vitest";
import {
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { down, preview, up, type RunOptions } from "../../src/engine/reconcile.js";
import type { Plan, PlanNode, Refs } from "../../src/engine/plan.js";
import { InputError } from "../../src/engine/errors.js";
import { contextFactory, type Facts, type ResourceContext } from "../../src/resources/context.js";
import {
  ALB_LOG_PREFIX,
  appBucketPolicy,
  bucket,
  bucketArn,
  bucketNameFor,
  logsBucketPolicy,
  tlsOnlyStatement,
  validateBucketName,
  type BucketSpec,
} from "../../src/resources/bucket.js";
import { networkNodes } from "../../plans/network.js";

/** The network layer only: these tests add their own nodes on top. */
const environmentPlan = (config: Parameters<typeof networkNodes>[0], facts: Parameters<typeof networkNodes>[1]) => ({ name: "network", nodes: networkNodes(config, facts) });
import { newSandbox } from "../helpers/sandbox.js";
import { sandboxSession, effectiveWrites } from "../helpers/env.js";
import { lifecycle } from "../helpers/kind.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import type { AwsClients } from "../../src/aws/clients.js";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const FACTS: Facts = { accountId: ACCOUNT, region: REGION, azs: ["eu-west-1a", "eu-west-1b"], bastionAmi: "ami-0123456789abcdef0" };
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const VPCE = "vpce-0123456789abcdef0";

const appName = bucketNameFor("opsctl", "demo", "app", ACCOUNT, REGION);
const logsName = bucketNameFor("opsctl", "demo", "logs", ACCOUNT, REGION);

function appSpec(extra: Partial<BucketSpec> = {}): BucketSpec {
  return { name: appName, purpose: "app", versioning: true, policy: appBucketPolicy(bucketArn(appName), VPCE), ...extra };
}
function logsSpec(): BucketSpec {
  return { name: logsName, purpose: "logs", versioning: true, policy: logsBucketPolicy(bucketArn(logsName), ACCOUNT, REGION), lifecycleExpireDays: 365 };
}

const node = (id: string, spec: (r: Refs) => BucketSpec, deps: string[] = []): PlanNode<ResourceContext> => ({ id, deps, resource: bucket, spec, controls: ["S3-01"] });
const planOf = (...nodes: PlanNode<ResourceContext>[]): Plan<ResourceContext> => ({ name: "buckets", nodes });

/** Run options as a new CLI invocation would make them (fresh memo), optionally with `--delete-data`. */
function opts(aws: AwsClients, sandbox: Sandbox, deleteData = false, facts: Facts = FACTS): RunOptions<ResourceContext> {
  const make = contextFactory({ env: "demo", region: REGION, aws, clock: sandbox.clock, facts, flags: { deleteData } });
  return { clock: sandbox.clock, makeContext: (n) => make(n.id), emit: () => {} };
}

const writes = effectiveWrites;
const writeOps = (sandbox: Sandbox, from = 0) => sandbox.journal.slice(from).filter((j) => j.write && !j.error).map((j) => j.operation);
const stored = (sandbox: Sandbox, name: string) => sandbox.state.regions.global?.s3?.buckets?.[name];

/** Asserts every protection on the stored bucket (read from the sandbox state, not through the module). */
function expectProtected(sandbox: Sandbox, spec: BucketSpec) {
  const b = stored(sandbox, spec.name);
  expect(b, spec.name).toBeDefined();
  expect(b.BucketRegion).toBe(REGION);
  expect(b._pab).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
  expect(b._ownership).toBe("BucketOwnerEnforced");
  expect(b._versioning).toBe("Enabled");
  const def = b._encryption.Rules[0].ApplyServerSideEncryptionByDefault;
  if (spec.kmsKeyId) {
    expect(def).toEqual({ SSEAlgorithm: "aws:kms", KMSMasterKeyID: spec.kmsKeyId });
    expect(b._encryption.Rules[0].BucketKeyEnabled).toBe(true);
  } else expect(def).toEqual({ SSEAlgorithm: "AES256" });
  expect(JSON.parse(b._policy)).toEqual(spec.policy);
  const tags = Object.fromEntries((b._tags ?? []).map((t: { Key: string; Value: string }) => [t.Key, t.Value]));
  expect(tags["opsctl:env"]).toBe("demo");
  expect(tags["opsctl:node"]).toMatch(/^bucket:/);
  if (spec.lifecycleExpireDays) expect(b._lifecycle.map((r: { Expiration?: { Days?: number } }) => r.Expiration?.Days)).toEqual([spec.lifecycleExpireDays]);
}

describe("bucket module: create, idempotency, drift", () => {
  it("creates with the tags and LocationConstraint in the CreateBucket call; a second up writes nothing", async () => {
    const { sandbox, aws } = newSandbox();
    const plan = planOf(node("bucket:app", () => appSpec({ kmsKeyId: KEY })), node("bucket:logs", () => logsSpec()));
    const first = await up(plan, opts(aws, sandbox));
    expect(first.ok).toBe(true);
    const create = sandbox.journal.find((j) => j.operation === "CreateBucket" && (j.input as { Bucket: string }).Bucket === appName)!.input as Record<string, any>;
    expect(create.CreateBucketConfiguration.LocationConstraint).toBe(REGION);
    expect(create.CreateBucketConfiguration.Tags).toEqual([
      { Key: "opsctl:env", Value: "demo" },
      { Key: "opsctl:node", Value: "bucket:app" },
      { Key: "Name", Value: "demo-app" },
    ]);
    expect(create.ObjectOwnership).toBe("BucketOwnerEnforced");
    // No PutBucketTagging: the tags went on in the create call.
    expect(writeOps(sandbox)).not.toContain("PutBucketTagging");
    expectProtected(sandbox, appSpec({ kmsKeyId: KEY }));
    expectProtected(sandbox, logsSpec());

    const app = first.outcomes.find((o) => o.node === "bucket:app")!;
    expect(app.action).toBe("create");
    expect(app.description?.healthy).toBe(true);
    expect(app.description?.details).toMatchObject({ encryption: `SSE-KMS (${KEY}, bucket key)`, versioning: "Enabled", publicAccessBlock: "all blocked", policyStatements: ["DenyInsecureTransport", "DenyObjectDataOutsideVpcEndpoint"] });
    const logs = first.outcomes.find((o) => o.node === "bucket:logs")!;
    expect(logs.description?.details).toMatchObject({ encryption: "SSE-S3 (AES256)", lifecycleExpireDays: 365 });

    const before = writes(sandbox);
    const second = await up(plan, opts(aws, sandbox));
    expect(second.ok).toBe(true);
    expect(second.outcomes.map((o) => o.action)).toEqual(["noop", "noop"]);
    expect(writes(sandbox) - before).toBe(0);
  });

  it("drift (versioning suspended, public access block removed, policy deleted) shows in the diff and up repairs it", async () => {
    const { sandbox, aws } = newSandbox();
    const plan = planOf(node("bucket:app", () => appSpec()));
    expect((await up(plan, opts(aws, sandbox))).ok).toBe(true);
    const s3 = await aws.get("s3");
    await s3.send(new PutBucketVersioningCommand({ Bucket: appName, VersioningConfiguration: { Status: "Suspended" } }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: appName }));
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: appName }));

    const drift = await preview(plan, opts(aws, sandbox));
    const o = drift.outcomes[0];
    expect(o.action).toBe("update");
    expect(o.changes.map((c) => c.field).sort()).toEqual(["Policy", "PublicAccessBlock", "Versioning"]);
    expect(o.changes.find((c) => c.field === "Versioning")!.from).toBe("Suspended");
    expect(o.description?.healthy).toBe(false);

    const mark = sandbox.journal.length;
    const fixed = await up(plan, opts(aws, sandbox));
    expect(fixed.ok).toBe(true);
    expect(writeOps(sandbox, mark).sort()).toEqual(["PutBucketPolicy", "PutBucketVersioning", "PutPublicAccessBlock"]);
    expectProtected(sandbox, appSpec());
    expect((await preview(plan, opts(aws, sandbox))).outcomes[0].changes).toEqual([]);
  });
});

describe("bucket module: eventual consistency", () => {
  it("waits while a new bucket is not visible yet (NotFound lag), then applies the protections", async () => {
    const { sandbox, aws } = newSandbox({ faults: { notFoundLagMs: 20_000 } });
    const r = await up(planOf(node("bucket:app", () => appSpec())), opts(aws, sandbox));
    expect(r.ok).toBe(true);
    expect(sandbox.journal.filter((j) => j.operation === "CreateBucket")).toHaveLength(1);
    expectProtected(sandbox, appSpec());
  });
});

describe("bucket module: down keeps data unless --delete-data", () => {
  it("deletes an empty bucket; a second down writes nothing", async () => {
    const { sandbox, aws } = newSandbox();
    const plan = planOf(node("bucket:app", () => appSpec()));
    expect((await up(plan, opts(aws, sandbox))).ok).toBe(true);
    const gone = await down(plan, opts(aws, sandbox));
    expect(gone.ok).toBe(true);
    expect(gone.outcomes[0].action).toBe("delete");
    expect(gone.outcomes[0].kept).toBeUndefined();
    expect(stored(sandbox, appName)).toBeUndefined();
    const before = writes(sandbox);
    const again = await down(plan, opts(aws, sandbox));
    expect(again.outcomes[0].action).toBe("noop");
    expect(writes(sandbox) - before).toBe(0);
  });

  it("keeps a bucket with objects and says so", async () => {
    const { sandbox, aws } = newSandbox();
    const plan = planOf(node("bucket:app", () => appSpec()));
    expect((await up(plan, opts(aws, sandbox))).ok).toBe(true);
    const s3 = await aws.get("s3");
    await s3.send(new PutObjectCommand({ Bucket: appName, Key: "a", Body: "1" }));
    await s3.send(new PutObjectCommand({ Bucket: appName, Key: "a", Body: "2" }));
    await s3.send(new PutObjectCommand({ Bucket: appName, Key: "b", Body: "3" }));
    const mark = sandbox.journal.length;
    const r = await down(plan, opts(aws, sandbox));
    expect(r.ok).toBe(true);
    expect(r.outcomes[0].kept).toEqual([`${appName}: holds 2 objects (3 versions); kept (\`down --delete-data\` deletes every version)`]);
    expect(r.outcomes[0].exists).toBe(true);
    expect(writeOps(sandbox, mark)).toEqual([]);
    await expect(s3.send(new HeadBucketCommand({ Bucket: appName }))).resolves.toBeDefined();
  });

  it("keeps a bucket that holds only old versions and delete markers", async () => {
    const { sandbox, aws } = newSandbox();
    const plan = planOf(node("bucket:app", () => appSpec()));
    expect((await up(plan, opts(aws, sandbox))).ok).toBe(true);
    const s3 = await aws.get("s3");
    await s3.send(new PutObjectCommand({ Bucket: appName, Key: "a", Body: "1" }));
    await s3.send(new DeleteObjectCommand({ Bucket: appName, Key: "a" }));
    const r = await down(plan, opts(aws, sandbox));
    expect(r.outcomes[0].kept?.[0]).toContain("holds 0 objects (2 versions); kept");
    expect(stored(sandbox, appName)).toBeDefined();
  });

  it("--delete-data deletes every version and delete marker (pages of 1000), then the bucket", async () => {
    const { sandbox, aws } = newSandbox();
    const plan = planOf(node("bucket:app", () => appSpec()));
    expect((await up(plan, opts(aws, sandbox))).ok).toBe(true);
    const s3 = await aws.get("s3");
    await s3.send(new PutObjectCommand({ Bucket: appName, Key: "kept-by-marker", Body: "1" }));
    await s3.send(new DeleteObjectCommand({ Bucket: appName, Key: "kept-by-marker" }));
    // Seed 2,400 more versions straight into the simulated state (PutObject one by one would only be slower).
    const objects = stored(sandbox, appName)._objects;
    for (let i = 0; i < 1200; i++) {
      objects[`bulk/${String(i).padStart(5, "0")}`] = [1, 2].map((n) => ({ VersionId: `v${i}x${n}`, DeleteMarker: false, LastModified: new Date(0).toISOString(), body: "", ETag: '"d41d8cd98f00b204e9800998ecf8427e"', Size: 0 }));
    }
    const mark = sandbox.journal.length;
    const r = await down(plan, opts(aws, sandbox, true));
    expect(r.ok).toBe(true);
    expect(r.outcomes[0].kept).toBeUndefined();
    expect(stored(sandbox, appName)).toBeUndefined();
    const deletes = sandbox.journal.slice(mark).filter((j) => j.operation === "DeleteObjects");
    const sizes = deletes.map((j) => (j.input as { Delete: { Objects: unknown[] } }).Delete.Objects.length);
    expect(sizes).toEqual([1000, 1000, 402]);
    expect(writeOps(sandbox, mark)).toEqual(["DeleteBucketPolicy", "DeleteObjects", "DeleteObjects", "DeleteObjects", "DeleteBucket"]);
  });
});

describe("bucket module: crash after every write of a from-zero up", () => {
  for (const [label, spec] of [
    ["app bucket with SSE-KMS", appSpec({ kmsKeyId: KEY })],
    ["logs bucket with lifecycle", logsSpec()],
  ] as const) {
    it(`${label}: up again converges to one bucket with every protection`, async () => {
      const clean = newSandbox();
      const plan = planOf(node(`bucket:${spec.purpose}`, () => spec));
      expect((await up(plan, opts(clean.aws, clean.sandbox))).ok).toBe(true);
      const total = writes(clean.sandbox);
      expect(total).toBeGreaterThanOrEqual(4);

      for (let k = 1; k <= total; k++) {
        const { sandbox, aws } = newSandbox({ faults: { crashAfterWrites: k } });
        const crashed = await up(plan, opts(aws, sandbox));
        expect(crashed.ok, `k=${k}`).toBe(false);
        sandbox.reset({});
        const resumed = await up(plan, opts(aws, sandbox));
        expect(resumed.ok, `k=${k}`).toBe(true);
        expect(Object.keys(sandbox.state.regions.global.s3.buckets), `k=${k}`).toEqual([spec.name]);
        expectProtected(sandbox, spec);
        const before = writes(sandbox);
        await up(plan, opts(aws, sandbox));
        expect(writes(sandbox) - before, `k=${k}: third up`).toBe(0);
      }
    });
  }
});

describe("bucket names", () => {
  it("derives <prefix>-<env>-<purpose>-<account>-<region>", () => {
    expect(bucketNameFor("opsctl", "demo", "logs", ACCOUNT, "ap-southeast-2")).toBe("opsctl-demo-logs-123456789012-ap-southeast-2");
  });

  it("rejects a prefix that makes an invalid name, naming storage.bucketPrefix and the fix", () => {
    const cases: [string, RegExp][] = [
      ["a-very-long-prefix-that-does-not-fit", /is 68 characters long; S3 allows 3 to 63/],
      ["Opsctl", /lowercase letters/],
      ["xn--opsctl", /must not start with "xn--"/],
      ["-opsctl", /begin and end with a letter or digit/],
      ["ops..ctl", /two adjacent dots/],
    ];
    for (const [prefix, why] of cases) {
      let err: unknown;
      try {
        bucketNameFor(prefix, "demo", "app", ACCOUNT, REGION);
      } catch (e) {
        err = e;
      }
      expect(err, prefix).toBeInstanceOf(InputError);
      const e = err as InputError;
      expect(e.message).toMatch(/^storage\.bucketPrefix: /);
      expect(e.message).toMatch(why);
      expect(e.fault).toBe("user");
      expect(e.hint).toContain("storage.bucketPrefix");
    }
    // The hint says how long the prefix may be for this env, purpose and region.
    expect(() => bucketNameFor("x".repeat(40), "demo", "app", ACCOUNT, REGION)).toThrow(InputError);
    try {
      bucketNameFor("x".repeat(40), "demo", "app", ACCOUNT, REGION);
    } catch (e) {
      expect((e as InputError).hint).toContain("31 characters or fewer");
    }
    expect(bucketNameFor("x".repeat(31), "demo", "app", ACCOUNT, REGION)).toHaveLength(63);
  });

  it("applies the other S3 naming rules", () => {
    for (const bad of ["192.168.5.4", "bucket-s3alias", "bucket--ol-s3", "ab", "sthree-x"]) expect(() => validateBucketName(bad), bad).toThrow(InputError);
    for (const good of ["abc", "my.bucket-1", "1bucket"]) expect(() => validateBucketName(good), good).not.toThrow();
  });

  it("an invalid name in a spec fails before any write", async () => {
    const { sandbox, aws } = newSandbox();
    const r = await up(planOf(node("bucket:app", () => appSpec({ name: "Not_A_Bucket" }))), opts(aws, sandbox));
    expect(r.ok).toBe(false);
    expect(r.outcomes[0].error).toBeInstanceOf(InputError);
    expect(String((r.outcomes[0].error as Error).message)).toContain("storage.bucketPrefix");
    expect(writes(sandbox)).toBe(0);
  });
});

describe("bucket policies that land in the sandbox", () => {
  it("app bucket: TLS-only and SourceVpce = the real NET-07 endpoint; logs bucket: CloudTrail and ALB", async () => {
    const s = sandboxSession();
    const facts = await gatherEnvironmentFacts(s.aws, s.config);
    const env = environmentPlan(s.config, facts);
    // The NET-07 endpoint and everything it depends on, then the two buckets.
    const keep = new Set<string>();
    const visit = (id: string) => {
      if (keep.has(id)) return;
      keep.add(id);
      env.nodes.find((n) => n.id === id)!.deps.forEach(visit);
    };
    visit("vpc-endpoint:s3");
    const app = bucketNameFor("opsctl", "demo", "app", facts.accountId, facts.region);
    const logs = bucketNameFor("opsctl", "demo", "logs", facts.accountId, facts.region);
    const plan = planOf(
      ...env.nodes.filter((n) => keep.has(n.id)),
      node("bucket:app", (r) => ({ name: app, purpose: "app", versioning: true, policy: appBucketPolicy(bucketArn(app), r.id("vpc-endpoint:s3")) }), ["vpc-endpoint:s3"]),
      node("bucket:logs", () => ({ name: logs, purpose: "logs", versioning: true, policy: logsBucketPolicy(bucketArn(logs), facts.accountId, facts.region), lifecycleExpireDays: 90 })),
    );
    const r = await up(plan, opts(s.aws, s.sandbox, false, facts));
    expect(r.ok).toBe(true);
    const vpceId = r.outcomes.find((o) => o.node === "vpc-endpoint:s3")!.id!;
    expect(vpceId).toMatch(/^vpce-/);

    const s3 = await s.aws.get("s3");
    const appPolicy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: app }))).Policy!);
    const arn = `arn:aws:s3:::${app}`;
    expect(appPolicy.Statement).toContainEqual(tlsOnlyStatement(arn));
    const tls = appPolicy.Statement.find((st: any) => st.Condition?.Bool?.["aws:SecureTransport"] === "false");
    expect(tls).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`] });
    const vpce = appPolicy.Statement.find((st: any) => st.Condition?.StringNotEquals?.["aws:SourceVpce"]);
    expect(vpce.Effect).toBe("Deny");
    expect(vpce.Condition.StringNotEquals["aws:SourceVpce"]).toBe(vpceId);
    expect(vpce.Resource).toBe(`${arn}/*`);
    expect(vpce.Action).toEqual(expect.arrayContaining(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]));
    // Bucket management stays reachable for administrators (and opsctl) outside the VPC.
    expect(vpce.Action).not.toContain("s3:*");
    expect(vpce.Action.some((a: string) => /Bucket/.test(a))).toBe(false);

    const logsPolicy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: logs }))).Policy!);
    const larn = `arn:aws:s3:::${logs}`;
    expect(logsPolicy.Statement).toContainEqual(tlsOnlyStatement(larn));
    const byPrincipal = (p: string) => logsPolicy.Statement.filter((st: any) => st.Principal?.Service === p);
    const ct = byPrincipal("cloudtrail.amazonaws.com");
    expect(ct.map((st: any) => st.Action).sort()).toEqual(["s3:GetBucketAcl", "s3:PutObject"]);
    const ctWrite = ct.find((st: any) => st.Action === "s3:PutObject");
    expect(ctWrite.Resource).toBe(`${larn}/AWSLogs/${facts.accountId}/*`);
    expect(ctWrite.Condition.StringEquals).toEqual({ "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": facts.accountId });
    expect(ctWrite.Condition.ArnLike["aws:SourceArn"]).toBe(`arn:aws:cloudtrail:*:${facts.accountId}:trail/*`);
    const alb = byPrincipal("logdelivery.elasticloadbalancing.amazonaws.com");
    expect(alb).toEqual([expect.objectContaining({ Effect: "Allow", Action: "s3:PutObject", Resource: `${larn}/${ALB_LOG_PREFIX}/AWSLogs/${facts.accountId}/*` })]);
    // eu-west-1 predates August 2022: its ELB account is admitted as well.
    expect(logsPolicy.Statement.find((st: any) => st.Principal?.AWS === "arn:aws:iam::156460612806:root")?.Resource).toBe(`${larn}/${ALB_LOG_PREFIX}/AWSLogs/${facts.accountId}/*`);
  });

  it("a region opened after August 2022 gets only the ELB service principal", () => {
    const doc = logsBucketPolicy("arn:aws:s3:::x", ACCOUNT, "ap-southeast-4");
    expect(doc.Statement.filter((st) => (st.Principal as { AWS?: string }).AWS)).toEqual([]);
  });

  it("status and down find the bucket by its tags without a spec", async () => {
    const { sandbox, aws } = newSandbox();
    const plan = planOf(node("bucket:app", () => appSpec()), node("bucket:logs", () => logsSpec()));
    expect((await up(plan, opts(aws, sandbox))).ok).toBe(true);
    const all = await bucket.findAll!(contextFactory({ env: "demo", region: REGION, aws, clock: sandbox.clock, facts: FACTS, flags: { deleteData: false } })("bucket:logs"));
    expect(all.map((a) => a.name)).toEqual([logsName]);
  });
});

lifecycle("bucket:app", {
  drift: async (s, id) => (await s.aws.get("s3")).send(new PutBucketVersioningCommand({ Bucket: id, VersioningConfiguration: { Status: "Suspended" } })),
  expectDriftFields: ["Versioning"],
});
