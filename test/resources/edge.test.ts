import { describe, expect, it } from "vitest";
import { StopLoggingCommand } from "@aws-sdk/client-cloudtrail";
import { CreateBucketCommand, GetBucketPolicyStatusCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { CreateKeyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { down, up } from "../../src/engine/reconcile.js";
import type { Plan, PlanNode } from "../../src/engine/plan.js";
import type { EngineEvent } from "../../src/engine/events.js";
import { OpsError } from "../../src/engine/errors.js";
import { AwsClients } from "../../src/aws/clients.js";
import { typicalMs } from "../../src/aws/durations.js";
import { contextFactory, type Facts, type ResourceContext } from "../../src/resources/context.js";
import { originAccessControl } from "../../src/resources/origin-access-control.js";
import { checkCloudFrontCertificate, distribution, webBucketPolicyStatement } from "../../src/resources/distribution.js";
import { webAcl } from "../../src/resources/web-acl.js";
import { trail } from "../../src/resources/trail.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import type { Faults } from "../../src/sandbox/types.js";
import { newSandbox } from "../helpers/sandbox.js";
import { taggedInventory, expectNoopRerun, effectiveWrites } from "../helpers/env.js";

const ACCOUNT = "123456789012";
const CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0a1b2c3d-1111-2222-3333-444455556666`;
const DEPLOY = typicalMs("cloudfront.distribution.deploy");
const FACTS: Facts = { accountId: ACCOUNT, region: "eu-west-1", azs: ["eu-west-1a", "eu-west-1b"], bastionAmi: "ami-0123456789abcdef0" };

/** OAC → distribution (with the web ACL), and the trail: the edge nodes of issue 4, built directly. */
function edgePlan(opts: { kmsKeyArn: string; certificateArn?: string; withTrail?: boolean }): Plan<ResourceContext> {
  const nodes: PlanNode<ResourceContext>[] = [
    { id: "origin-access-control:web", deps: [], resource: originAccessControl, spec: () => ({ name: "demo-web", description: "web bucket (CDN-01)" }), controls: ["CDN-01"] },
    { id: "web-acl:web", deps: [], resource: webAcl, spec: () => ({ name: "demo-web", rateLimit: 2000 }), controls: ["CDN-03"] },
    {
      id: "distribution:web",
      deps: ["origin-access-control:web", "web-acl:web"],
      resource: distribution,
      controls: ["CDN-01", "CDN-02"],
      spec: (refs) => ({
        comment: "demo web",
        originBucketDomainName: "demo-web.s3.eu-west-1.amazonaws.com",
        originAccessControlId: refs.id("origin-access-control:web"),
        aliases: ["www.example.com"],
        certificateArn: opts.certificateArn ?? CERT,
        webAclArn: String(refs.out("web-acl:web").arn),
        defaultRootObject: "index.html",
        priceClass: "PriceClass_100",
      }),
    },
  ];
  if (opts.withTrail !== false) {
    nodes.push({ id: "trail:main", deps: [], resource: trail, spec: () => ({ name: "demo-main", bucketName: "demo-logs", kmsKeyArn: opts.kmsKeyArn }), controls: ["MON-02"] });
  }
  return { name: "edge", nodes };
}

/** The logs bucket and the trail's key, as the data layer would leave them (not tagged by this plan). */
async function prerequisites(aws: AwsClients): Promise<string> {
  const s3 = await aws.get("s3");
  await s3.send(new CreateBucketCommand({ Bucket: "demo-logs", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: "demo-logs",
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:PutObject", Resource: `arn:aws:s3:::demo-logs/AWSLogs/${ACCOUNT}/*` }],
      }),
    }),
  );
  const kms = await aws.get("kms");
  const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  await kms.send(
    new PutKeyPolicyCommand({
      KeyId: key.KeyId,
      PolicyName: "default",
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
          { Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "kms:GenerateDataKey*", Resource: "*" },
        ],
      }),
    }),
  );
  return key.Arn!;
}

async function setup(faults?: Faults) {
  const { sandbox, aws } = newSandbox({ faults });
  const kmsKeyArn = await prerequisites(aws);
  return { sandbox, aws, kmsKeyArn };
}

/** Run options as a fresh CLI invocation would have them (new clients, no cached reads). */
function run(sandbox: Sandbox, events: EngineEvent[] = []) {
  const aws = new AwsClients({ region: "eu-west-1", sandbox });
  const make = contextFactory({ env: "demo", region: "eu-west-1", aws, clock: sandbox.clock, facts: FACTS, flags: { deleteData: false } });
  return { clock: sandbox.clock, makeContext: (n: PlanNode<ResourceContext>) => make(n.id), emit: (e: EngineEvent) => void events.push(e) };
}

const writes = effectiveWrites;
const edgeRecords = (sandbox: Sandbox) => ({
  oacs: sandbox.records("us-east-1", "cloudfront", "oacs"),
  distributions: sandbox.records("us-east-1", "cloudfront", "distributions"),
  acls: sandbox.records("us-east-1", "wafv2", "webacls"),
  trails: sandbox.records("eu-west-1", "cloudtrail", "trails"),
});

describe("edge modules: origin-access-control, distribution, web-acl, trail", () => {
  it("up creates all four (distribution InProgress → Deployed), run again writes nothing, down leaves nothing", async () => {
    const { sandbox, kmsKeyArn } = await setup();
    const plan = edgePlan({ kmsKeyArn });
    const events: EngineEvent[] = [];
    const t0 = sandbox.clock.now();
    const first = await up(plan, run(sandbox, events));
    expect(first.ok).toBe(true);
    for (const o of first.outcomes) {
      expect(o.action, o.node).toBe("create");
      expect(o.description?.healthy, o.node).toBe(true);
    }
    const dist = first.outcomes.find((o) => o.node === "distribution:web")!;
    expect(dist.description!.state).toBe("Deployed");
    // It was created InProgress and waited on until Deployed.
    expect(sandbox.journal.find((j) => j.operation === "CreateDistributionWithTags")).toBeTruthy();
    expect(events.some((e) => e.type === "node-wait" && e.node === "distribution:web")).toBe(true);
    expect(sandbox.clock.now() - t0).toBeGreaterThanOrEqual(DEPLOY);

    // Tags are applied in the create calls themselves.
    const tagWrites = sandbox.journal.filter((j) => j.write && /^(Tag|AddTags)/.test(j.operation));
    expect(tagWrites).toEqual([]);
    const create = sandbox.journal.find((j) => j.operation === "CreateDistributionWithTags")!.input as any;
    const cfg = create.DistributionConfigWithTags.DistributionConfig;
    expect(cfg.CallerReference).toMatch(/^opsctl-[0-9a-f]{40}$/);
    expect(cfg.DefaultCacheBehavior).toMatchObject({ ViewerProtocolPolicy: "redirect-to-https", CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6", Compress: true });
    expect(cfg.ViewerCertificate).toMatchObject({ ACMCertificateArn: CERT, SSLSupportMethod: "sni-only", MinimumProtocolVersion: "TLSv1.2_2021" });
    expect(cfg.Origins.Items[0]).toMatchObject({ OriginAccessControlId: first.outcomes[0].id, S3OriginConfig: { OriginAccessIdentity: "" } });
    expect(create.DistributionConfigWithTags.Tags.Items).toEqual(expect.arrayContaining([{ Key: "opsctl:node", Value: "distribution:web" }]));
    const tagged = taggedInventory(sandbox, "demo").map((r) => r.node).sort();
    expect(tagged).toEqual(["distribution:web", "trail:main", "web-acl:web"]);
    // MON-02: the trail logs (StartLogging in the post-create diff).
    const tr = first.outcomes.find((o) => o.node === "trail:main")!;
    expect(tr.description!.details).toMatchObject({ logging: true, multiRegion: true, logFileValidation: true, kmsKeyId: kmsKeyArn });
    expect(sandbox.journal.filter((j) => j.operation === "StartLogging").length).toBe(1);
    expect(first.outcomes.find((o) => o.node === "web-acl:web")!.description!.details!.rules).toEqual(["aws-common", "aws-known-bad-inputs", "rate-limit"]);

    await expectNoopRerun(plan, run(sandbox), sandbox);

    const gone = await down(plan, run(sandbox));
    expect(gone.ok, String((gone.outcomes.find((o) => o.error)?.error as Error)?.message)).toBe(true);
    expect(taggedInventory(sandbox, "demo")).toEqual([]);
    const left = edgeRecords(sandbox);
    expect([left.oacs.length, left.distributions.length, left.acls.length, left.trails.length]).toEqual([0, 0, 0, 0]);
    const b2 = writes(sandbox);
    await down(plan, run(sandbox));
    expect(writes(sandbox) - b2).toBe(0);
  }, 60_000);

  it("down disables the distribution, waits for Deployed, deletes it with the ETag, then frees the web ACL and the OAC", async () => {
    const { sandbox, kmsKeyArn } = await setup();
    const plan = edgePlan({ kmsKeyArn, withTrail: false });
    expect((await up(plan, run(sandbox))).ok).toBe(true);
    const from = sandbox.journal.length;
    const times: Record<string, number> = {};
    const events: EngineEvent[] = [];
    const t0 = sandbox.clock.now();
    const opts = run(sandbox, events);
    const report = await down(plan, { ...opts, emit: (e) => (opts.emit(e), e.type === "node-done" && (times[e.node] = e.at)) });
    expect(report.ok).toBe(true);
    const calls = sandbox.journal.slice(from).filter((j) => j.service !== "CloudFront" || j.operation !== "ListTagsForResource");
    const writesInOrder = calls.filter((j) => j.write).map((j) => `${j.operation}${j.error ? `!${j.error}` : ""}`);
    expect(writesInOrder[0]).toBe("UpdateDistribution");
    expect(writesInOrder[1]).toBe("DeleteDistribution");
    expect(writesInOrder.slice(2).sort()).toEqual(["DeleteOriginAccessControl", "DeleteWebACL"]);
    const disable = calls.find((j) => j.operation === "UpdateDistribution")!.input as any;
    expect(disable.DistributionConfig.Enabled).toBe(false);
    expect(disable.IfMatch).toBeTruthy();
    // The delete presented the ETag of the disabled config, read after the change deployed.
    const del = calls.find((j) => j.operation === "DeleteDistribution")!.input as any;
    const readBefore = calls.slice(0, calls.indexOf(calls.find((j) => j.operation === "DeleteDistribution")!)).filter((j) => j.operation === "GetDistribution");
    expect(readBefore.length).toBeGreaterThan(0);
    expect(del.IfMatch).toBeTruthy();
    expect(del.IfMatch).not.toBe(disable.IfMatch);
    // Waiting for the disabled config to deploy takes the typical deploy time.
    expect(times["distribution:web"] - t0).toBeGreaterThanOrEqual(DEPLOY);
    expect(times["web-acl:web"]).toBeGreaterThanOrEqual(times["distribution:web"]);
  }, 60_000);

  it("down notices a disable that deploys sooner than typical within max(5 s, 10 % of the wait), not at the typical deploy time", async () => {
    // A seed whose draw (σ 0.5 around the typical figure) deploys the disable in under half the typical time.
    let seed = 1;
    const drawOf = (s: number) => newSandbox({ faults: { durationJitter: { sigma: 0.5, seed: s } } }).sandbox.durationMs("cloudfront.distribution.deploy");
    while (drawOf(seed) >= DEPLOY / 2) seed++;
    const drawn = drawOf(seed);
    const { sandbox, kmsKeyArn } = await setup({ durationJitter: { sigma: 0.5, seed } });
    const plan = edgePlan({ kmsKeyArn, withTrail: false });
    expect((await up(plan, run(sandbox))).ok).toBe(true);
    const from = sandbox.journal.length;
    let done = 0;
    const opts = run(sandbox);
    const t0 = sandbox.clock.now();
    const report = await down(plan, { ...opts, emit: (e) => (opts.emit(e), e.type === "node-done" && e.node === "distribution:web" && (done = e.at)) });
    expect(report.ok).toBe(true);
    expect(sandbox.journal.slice(from).some((j) => j.operation === "DeleteDistribution" && !j.error)).toBe(true);
    // Deployed at about t0 + drawn; the old wait first looked again only at t0 + DEPLOY.
    expect(done - t0).toBeGreaterThanOrEqual(drawn);
    expect(done - t0).toBeLessThanOrEqual(drawn + Math.max(5_000, 0.1 * drawn) + 1_000);
  }, 60_000);

  it("refuses a CloudFront certificate outside us-east-1 before any CloudFront write", async () => {
    const { sandbox, kmsKeyArn } = await setup();
    const eu = CERT.replace("us-east-1", "eu-west-1");
    expect(() => checkCloudFrontCertificate(eu)).toThrow(/us-east-1/);
    expect(() => checkCloudFrontCertificate(CERT)).not.toThrow();
    const report = await up(edgePlan({ kmsKeyArn, certificateArn: eu, withTrail: false }), run(sandbox));
    expect(report.ok).toBe(false);
    const err = report.outcomes.find((o) => o.node === "distribution:web")!.error;
    expect(err).toBeInstanceOf(OpsError);
    expect((err as OpsError).fault).toBe("user");
    expect(sandbox.journal.filter((j) => j.operation.startsWith("CreateDistribution"))).toEqual([]);
  });

  it("up again after a stopped trail restarts logging with one write", async () => {
    const { sandbox, aws, kmsKeyArn } = await setup();
    const plan = edgePlan({ kmsKeyArn });
    expect((await up(plan, run(sandbox))).ok).toBe(true);
    await (await aws.get("cloudtrail")).send(new StopLoggingCommand({ Name: "demo-main" }));
    const before = writes(sandbox);
    const again = await up(plan, run(sandbox));
    expect(again.outcomes.find((o) => o.node === "trail:main")).toMatchObject({ action: "update", changes: [{ field: "IsLogging", from: false, to: true }] });
    expect(writes(sandbox) - before).toBe(1);
  }, 60_000);

  it("S3-02: the web bucket policy statement admits only the distribution and is not public", async () => {
    const { aws } = await setup();
    const s3 = await aws.get("s3");
    await s3.send(new CreateBucketCommand({ Bucket: "demo-web", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    const distArn = `arn:aws:cloudfront::${ACCOUNT}:distribution/E2QWRUHAPOMQZL`;
    const st = webBucketPolicyStatement("arn:aws:s3:::demo-web", distArn);
    expect(st).toEqual({
      Sid: "AllowCloudFrontServicePrincipalReadOnly",
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::demo-web/*",
      Condition: { StringEquals: { "AWS:SourceArn": distArn } },
    });
    // Accepted with Block Public Access on (the bucket's default).
    await s3.send(new PutBucketPolicyCommand({ Bucket: "demo-web", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [st] }) }));
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: "demo-web" }))).PolicyStatus!.IsPublic).toBe(false);
  });

  it("crash after each write of a from-zero up, then up again: exactly one OAC, web ACL, distribution and trail", async () => {
    const clean = await setup();
    const plan = edgePlan({ kmsKeyArn: clean.kmsKeyArn });
    const start = writes(clean.sandbox);
    expect((await up(plan, run(clean.sandbox))).ok).toBe(true);
    const total = writes(clean.sandbox) - start;
    // OAC, web ACL, distribution, trail, StartLogging.
    expect(total).toBe(5);

    const failures: string[] = [];
    for (let k = 1; k <= total; k++) {
      const { sandbox, kmsKeyArn } = await setup();
      const p = edgePlan({ kmsKeyArn });
      // The prerequisites' writes are done: count from here.
      sandbox.reset({ crashAfterWrites: k });
      const crashed = await up(p, run(sandbox));
      if (crashed.ok) failures.push(`k=${k}: the crash did not stop the run`);
      sandbox.reset({});
      const resumed = await up(p, run(sandbox));
      if (!resumed.ok) {
        const f = resumed.outcomes.find((o) => o.status === "failed");
        failures.push(`k=${k}: resume failed at ${f?.node}: ${String((f?.error as Error)?.message)}`);
        continue;
      }
      const r = edgeRecords(sandbox);
      const counts = [r.oacs.length, r.acls.length, r.distributions.length, r.trails.length];
      if (JSON.stringify(counts) !== "[1,1,1,1]") failures.push(`k=${k}: OAC/ACL/distribution/trail counts ${JSON.stringify(counts)}`);
      const before = writes(sandbox);
      const third = await up(p, run(sandbox));
      if (!third.ok) failures.push(`k=${k}: a third up failed: ${String((third.outcomes.find((o) => o.error)?.error as Error)?.message)}`);
      else if (writes(sandbox) !== before) failures.push(`k=${k}: a third up wrote ${writes(sandbox) - before} times`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
