import { describe, expect, it } from "vitest";
import {
  CloudFrontServiceException,
  CreateDistributionWithTagsCommand,
  CreateInvalidationCommand,
  CreateOriginAccessControlCommand,
  DeleteDistributionCommand,
  DeleteOriginAccessControlCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  GetOriginAccessControlCommand,
  ListDistributionsCommand,
  ListOriginAccessControlsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateDistributionCommand,
  UpdateOriginAccessControlCommand,
  type DistributionConfig,
} from "@aws-sdk/client-cloudfront";
import { CreateWebACLCommand } from "@aws-sdk/client-wafv2";
import { newSandbox } from "../helpers/sandbox.js";
import { typicalMs } from "../../src/aws/durations.js";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
const DEPLOY = typicalMs("cloudfront.distribution.deploy");

async function setup() {
  const { sandbox, aws } = newSandbox();
  // Any region: CloudFront is global.
  const cf = await aws.get("cloudfront");
  return { sandbox, aws, cf };
}

async function failure(p: Promise<unknown>): Promise<CloudFrontServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CloudFrontServiceException);
  return e as CloudFrontServiceException;
}

async function oac(cf: Awaited<ReturnType<typeof setup>>["cf"], name = "web-oac") {
  const r = await cf.send(
    new CreateOriginAccessControlCommand({
      OriginAccessControlConfig: { Name: name, Description: "web", SigningProtocol: "sigv4", SigningBehavior: "always", OriginAccessControlOriginType: "s3" },
    }),
  );
  return { id: r.OriginAccessControl!.Id!, etag: r.ETag! };
}

function config(oacId: string, over: Partial<DistributionConfig> = {}): DistributionConfig {
  return {
    CallerReference: "ref-1",
    Comment: "web",
    Enabled: true,
    DefaultRootObject: "index.html",
    Origins: {
      Quantity: 1,
      Items: [{ Id: "web", DomainName: "demo-web.s3.eu-west-1.amazonaws.com", OriginAccessControlId: oacId, S3OriginConfig: { OriginAccessIdentity: "" } }],
    },
    DefaultCacheBehavior: { TargetOriginId: "web", ViewerProtocolPolicy: "redirect-to-https", CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6", Compress: true },
    Aliases: { Quantity: 1, Items: ["www.example.com"] },
    ViewerCertificate: { ACMCertificateArn: CERT, SSLSupportMethod: "sni-only", MinimumProtocolVersion: "TLSv1.2_2021" },
    PriceClass: "PriceClass_100",
    HttpVersion: "http2and3",
    IsIPV6Enabled: true,
    ...over,
  };
}

const tags = { Items: [{ Key: "opsctl:env", Value: "demo" }] };

describe("CloudFront: origin access controls", () => {
  it("creates, reads, lists and updates with IfMatch", async () => {
    const { cf } = await setup();
    const { id, etag } = await oac(cf);
    expect(id).toMatch(/^E[A-Z0-9]{13}$/);
    const got = await cf.send(new GetOriginAccessControlCommand({ Id: id }));
    expect(got.ETag).toBe(etag);
    expect(got.OriginAccessControl!.OriginAccessControlConfig).toMatchObject({ Name: "web-oac", SigningProtocol: "sigv4", SigningBehavior: "always", OriginAccessControlOriginType: "s3" });
    const list = await cf.send(new ListOriginAccessControlsCommand({}));
    expect(list.OriginAccessControlList!.Items!.map((o) => o.Name)).toEqual(["web-oac"]);
    expect(list.OriginAccessControlList!.Quantity).toBe(1);

    const cfg = { Name: "web-oac", Description: "changed", SigningProtocol: "sigv4" as const, SigningBehavior: "no-override" as const, OriginAccessControlOriginType: "s3" as const };
    expect((await failure(cf.send(new UpdateOriginAccessControlCommand({ Id: id, OriginAccessControlConfig: cfg })))).name).toBe("InvalidIfMatchVersion");
    expect((await failure(cf.send(new UpdateOriginAccessControlCommand({ Id: id, IfMatch: "EWRONG", OriginAccessControlConfig: cfg })))).name).toBe("PreconditionFailed");
    const up = await cf.send(new UpdateOriginAccessControlCommand({ Id: id, IfMatch: etag, OriginAccessControlConfig: cfg }));
    expect(up.ETag).not.toBe(etag);
    expect(up.OriginAccessControl!.OriginAccessControlConfig!.SigningBehavior).toBe("no-override");
  });

  it("refuses a duplicate name, a bad signing protocol, and an unknown id", async () => {
    const { cf } = await setup();
    await oac(cf);
    expect((await failure(oac(cf))).name).toBe("OriginAccessControlAlreadyExists");
    const bad = cf.send(new CreateOriginAccessControlCommand({ OriginAccessControlConfig: { Name: "x", SigningProtocol: "sigv2" as never, SigningBehavior: "always", OriginAccessControlOriginType: "s3" } }));
    expect((await failure(bad)).name).toBe("InvalidArgument");
    const missing = await failure(cf.send(new GetOriginAccessControlCommand({ Id: "E0000000000000" })));
    expect(missing.name).toBe("NoSuchOriginAccessControl");
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it("cannot be deleted while a distribution uses it", async () => {
    const { cf } = await setup();
    const o = await oac(cf);
    await cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config(o.id), Tags: tags } }));
    expect((await failure(cf.send(new DeleteOriginAccessControlCommand({ Id: o.id, IfMatch: o.etag })))).name).toBe("OriginAccessControlInUse");
  });
});

describe("CloudFront: distributions", () => {
  it("creates with tags: InProgress, then Deployed after the typical deploy time", async () => {
    const { sandbox, cf } = await setup();
    const o = await oac(cf);
    const r = await cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config(o.id), Tags: tags } }));
    const d = r.Distribution!;
    expect(d.Id).toMatch(/^E[A-Z0-9]{13}$/);
    expect(d.ARN).toBe(`arn:aws:cloudfront::123456789012:distribution/${d.Id}`);
    expect(d.DomainName).toMatch(/^d[a-z0-9]{13}\.cloudfront\.net$/);
    expect(d.Status).toBe("InProgress");
    expect(r.ETag).toBeTruthy();
    expect(r.Location).toContain(`/distribution/${d.Id}`);
    // CloudFront fills its defaults in.
    expect(d.DistributionConfig!.ViewerCertificate).toMatchObject({ ACMCertificateArn: CERT, CertificateSource: "acm", SSLSupportMethod: "sni-only" });
    expect(d.DistributionConfig!.WebACLId).toBe("");

    sandbox.clock.advance(DEPLOY - 1);
    expect((await cf.send(new GetDistributionCommand({ Id: d.Id }))).Distribution!.Status).toBe("InProgress");
    sandbox.clock.advance(1);
    const after = await cf.send(new GetDistributionCommand({ Id: d.Id }));
    expect(after.Distribution!.Status).toBe("Deployed");
    expect(after.Distribution!.LastModifiedTime).toBeInstanceOf(Date);

    const t = await cf.send(new ListTagsForResourceCommand({ Resource: d.ARN }));
    expect(t.Tags!.Items).toEqual(tags.Items);
    await cf.send(new TagResourceCommand({ Resource: d.ARN, Tags: { Items: [{ Key: "Name", Value: "web" }] } }));
    expect((await cf.send(new ListTagsForResourceCommand({ Resource: d.ARN }))).Tags!.Items!.map((x) => x.Key)).toEqual(["opsctl:env", "Name"]);

    const list = await cf.send(new ListDistributionsCommand({}));
    expect(list.DistributionList!.Items!.map((x) => x.Id)).toEqual([d.Id]);
    expect(list.DistributionList!.Items![0].Aliases!.Items).toEqual(["www.example.com"]);
  });

  it("answers DistributionAlreadyExists for a caller reference already used, even with the same config", async () => {
    const { cf } = await setup();
    const o = await oac(cf);
    const first = await cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config(o.id), Tags: tags } }));
    const again = await failure(cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config(o.id), Tags: tags } })));
    expect(again.name).toBe("DistributionAlreadyExists");
    expect(again.$metadata.httpStatusCode).toBe(409);
    expect(again.message).toContain(`Already exists: ${first.Distribution!.Id}`);
  });

  it("refuses a certificate outside us-east-1, an alias without a certificate, an unknown OAC, cache policy or web ACL", async () => {
    const { cf } = await setup();
    const o = await oac(cf);
    const create = (c: DistributionConfig) => cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: c, Tags: tags } }));
    const euCert = CERT.replace("us-east-1", "eu-west-1");
    expect((await failure(create(config(o.id, { ViewerCertificate: { ACMCertificateArn: euCert, SSLSupportMethod: "sni-only", MinimumProtocolVersion: "TLSv1.2_2021" } })))).name).toBe("InvalidViewerCertificate");
    expect((await failure(create(config(o.id, { ViewerCertificate: { CloudFrontDefaultCertificate: true } })))).name).toBe("InvalidViewerCertificate");
    expect((await failure(create(config("E0000000000000")))).name).toBe("InvalidOriginAccessControl");
    const c = config(o.id);
    c.DefaultCacheBehavior!.CachePolicyId = "00000000-0000-0000-0000-000000000000";
    expect((await failure(create(c))).name).toBe("NoSuchCachePolicy");
    expect((await failure(create(config(o.id, { WebACLId: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/00000000-0000-0000-0000-000000000000" })))).name).toBe("InvalidWebACLId");
    const d = config(o.id);
    d.DefaultCacheBehavior!.TargetOriginId = "nope";
    expect((await failure(create(d))).name).toBe("NoSuchOrigin");
    const q = config(o.id, { Aliases: { Quantity: 2, Items: ["a.example.com"] } });
    expect((await failure(create(q))).name).toBe("InconsistentQuantities");
  });

  it("accepts a CLOUDFRONT-scope web ACL and refuses a second distribution with the same alias", async () => {
    const { aws, cf } = await setup();
    const waf = await aws.get("wafv2", "us-east-1");
    const acl = await waf.send(
      new CreateWebACLCommand({ Name: "web", Scope: "CLOUDFRONT", DefaultAction: { Allow: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "web" } }),
    );
    const o = await oac(cf);
    const r = await cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config(o.id, { WebACLId: acl.Summary!.ARN }), Tags: tags } }));
    expect(r.Distribution!.DistributionConfig!.WebACLId).toBe(acl.Summary!.ARN);
    const dup = await failure(cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config(o.id, { CallerReference: "ref-2" }), Tags: tags } })));
    expect(dup.name).toBe("CNAMEAlreadyExists");
  });

  it("updates with IfMatch (InProgress again) and deletes only once disabled and Deployed", async () => {
    const { sandbox, cf } = await setup();
    const o = await oac(cf);
    const r = await cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config(o.id), Tags: tags } }));
    const Id = r.Distribution!.Id!;
    sandbox.clock.advance(DEPLOY);
    const got = await cf.send(new GetDistributionConfigCommand({ Id }));
    expect(got.ETag).toBe(r.ETag);
    expect((await failure(cf.send(new UpdateDistributionCommand({ Id, DistributionConfig: got.DistributionConfig })))).name).toBe("InvalidIfMatchVersion");
    expect((await failure(cf.send(new UpdateDistributionCommand({ Id, IfMatch: "EBAD", DistributionConfig: got.DistributionConfig })))).name).toBe("PreconditionFailed");
    expect((await failure(cf.send(new UpdateDistributionCommand({ Id, IfMatch: got.ETag, DistributionConfig: { ...got.DistributionConfig!, CallerReference: "other" } })))).name).toBe("IllegalUpdate");

    // Deleting an enabled distribution is refused.
    const enabled = await failure(cf.send(new DeleteDistributionCommand({ Id, IfMatch: got.ETag })));
    expect(enabled.name).toBe("DistributionNotDisabled");

    const off = await cf.send(new UpdateDistributionCommand({ Id, IfMatch: got.ETag, DistributionConfig: { ...got.DistributionConfig!, Enabled: false } }));
    expect(off.Distribution!.Status).toBe("InProgress");
    expect(off.ETag).not.toBe(got.ETag);
    // Disabled but not yet Deployed: still refused.
    expect((await failure(cf.send(new DeleteDistributionCommand({ Id, IfMatch: off.ETag })))).name).toBe("DistributionNotDisabled");
    sandbox.clock.advance(DEPLOY);
    expect((await failure(cf.send(new DeleteDistributionCommand({ Id, IfMatch: got.ETag })))).name).toBe("PreconditionFailed");
    await cf.send(new DeleteDistributionCommand({ Id, IfMatch: off.ETag }));
    expect((await failure(cf.send(new GetDistributionCommand({ Id })))).name).toBe("NoSuchDistribution");
    // The OAC is free again.
    const cur = await cf.send(new GetOriginAccessControlCommand({ Id: o.id }));
    await cf.send(new DeleteOriginAccessControlCommand({ Id: o.id, IfMatch: cur.ETag }));
  });

  it("invalidations go InProgress → Completed; the same reference answers the same invalidation", async () => {
    const { sandbox, cf } = await setup();
    const o = await oac(cf);
    const Id = (await cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config(o.id), Tags: tags } }))).Distribution!.Id!;
    const batch = { Paths: { Quantity: 1, Items: ["/*"] }, CallerReference: "deploy-1" };
    const inv = await cf.send(new CreateInvalidationCommand({ DistributionId: Id, InvalidationBatch: batch }));
    expect(inv.Invalidation!.Status).toBe("InProgress");
    expect((await cf.send(new GetDistributionCommand({ Id }))).Distribution!.InProgressInvalidationBatches).toBe(1);
    const same = await cf.send(new CreateInvalidationCommand({ DistributionId: Id, InvalidationBatch: batch }));
    expect(same.Invalidation!.Id).toBe(inv.Invalidation!.Id);
    const other = await failure(cf.send(new CreateInvalidationCommand({ DistributionId: Id, InvalidationBatch: { ...batch, Paths: { Quantity: 1, Items: ["/index.html"] } } })));
    expect(other.name).toBe("InvalidationBatchAlreadyExists");
    sandbox.clock.advance(120_000);
    expect((await cf.send(new GetInvalidationCommand({ DistributionId: Id, Id: inv.Invalidation!.Id }))).Invalidation!.Status).toBe("Completed");
    expect((await failure(cf.send(new GetInvalidationCommand({ DistributionId: Id, Id: "I0000000000000" })))).name).toBe("NoSuchInvalidation");
  });
});
