/**
 * Resource kind `distribution`.
 * Tests: test/resources/distribution.test.ts.
 * Sandbox: src/sandbox/services/cloudfront.ts.
 */
import {
  CreateDistributionWithTagsCommand,
  DeleteDistributionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  paginateListDistributions,
  ListTagsForResourceCommand,
  UpdateDistributionCommand,
  type Distribution,
  type DistributionConfig,
} from "@aws-sdk/client-cloudfront";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { InputError, TryAgainLater } from "../engine/errors.js";
import { errorCode, isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { pollDelay } from "../engine/poll.js";
import { createWithToken, unseenLongEnough, type ResourceContext } from "./context.js";
import { collect, deleted, envTagged, orUndefined, ownedBy, retryOn, sameSet } from "./toolkit.js";

/** CDN-01, CDN-02: the CloudFront distribution in front of the web bucket (OAC, TLS, WAF). */
export interface DistributionSpec {
  comment: string;
  /** The bucket's regional domain: `<bucket>.s3.<region>.amazonaws.com`. */
  originBucketDomainName: string;
  originAccessControlId: string;
  /** Alternate domain names (the site host name). */
  aliases: string[];
  /** ACM certificate for the aliases; CloudFront only accepts certificates from us-east-1. */
  certificateArn: string;
  /** ARN of a CLOUDFRONT-scope WAFv2 web ACL (CDN-03). */
  webAclArn: string;
  /** "index.html". */
  defaultRootObject: string;
  priceClass: "PriceClass_100" | "PriceClass_200" | "PriceClass_All";
}

/** A distribution as read with GetDistribution, and the ETag that goes into IfMatch. */
export interface DistributionActual {
  distribution: Distribution;
  etag: string;
}

/** CloudFront's fixed hosted zone for alias records (Route 53 API reference, AliasTarget HostedZoneId). */
export const CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2";
/** Managed cache policy "CachingOptimized" (Developer Guide, "Use managed cache policies"). */
export const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const ORIGIN_ID = "web-bucket";

/**
 * S3-02: the web bucket policy statement admitting only this distribution, through its OAC
 * (Developer Guide, "Restrict access to an Amazon S3 origin": service principal
 * cloudfront.amazonaws.com, s3:GetObject, AWS:SourceArn = the distribution ARN). The plan puts it
 * in the bucket policy once the distribution exists (OAC → distribution → bucket policy).
 */
export function webBucketPolicyStatement(bucketArn: string, distributionArn: string): Record<string, unknown> {
  return {
    Sid: "AllowCloudFrontServicePrincipalReadOnly",
    Effect: "Allow",
    Principal: { Service: "cloudfront.amazonaws.com" },
    Action: "s3:GetObject",
    Resource: `${bucketArn}/*`,
    Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
  };
}

/**
 * Refuses a viewer certificate that CloudFront cannot use: it must be an ACM certificate in
 * us-east-1 (Developer Guide, "Requirements for using SSL/TLS certificates with CloudFront").
 * @throws InputError otherwise (exit code 2; meant to run before anything is written).
 */
export function checkCloudFrontCertificate(arn: string): void {
  const m = /^arn:aws:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]+$/.exec(arn);
  if (!m) throw new InputError("certificateArn", `${arn} is not an ACM certificate ARN`);
  if (m[1] !== "us-east-1") throw new InputError("certificateArn", `${arn} is in ${m[1]}; CloudFront only uses ACM certificates from us-east-1`, "request the site certificate in us-east-1");
}

/** The parts of a DistributionConfig that opsctl decides (everything else keeps CloudFront's value). */
function apply(cfg: DistributionConfig, spec: DistributionSpec): DistributionConfig {
  const origin = cfg.Origins?.Items?.find((o) => o.Id === ORIGIN_ID);
  return {
    ...cfg,
    Comment: spec.comment,
    Enabled: true,
    DefaultRootObject: spec.defaultRootObject,
    PriceClass: spec.priceClass,
    HttpVersion: "http2and3",
    IsIPV6Enabled: true,
    Aliases: spec.aliases.length ? { Quantity: spec.aliases.length, Items: [...spec.aliases] } : { Quantity: 0 },
    Origins: {
      Quantity: 1,
      Items: [
        {
          ...origin,
          Id: ORIGIN_ID,
          DomainName: spec.originBucketDomainName,
          OriginAccessControlId: spec.originAccessControlId,
          // With an OAC the S3 origin keeps an empty OriginAccessIdentity (API reference, S3OriginConfig).
          S3OriginConfig: { ...origin?.S3OriginConfig, OriginAccessIdentity: "" },
        },
      ],
    },
    DefaultCacheBehavior: {
      ...cfg.DefaultCacheBehavior,
      TargetOriginId: ORIGIN_ID,
      ViewerProtocolPolicy: "redirect-to-https",
      CachePolicyId: CACHING_OPTIMIZED,
      Compress: true,
    },
    ViewerCertificate: { ACMCertificateArn: spec.certificateArn, SSLSupportMethod: "sni-only", MinimumProtocolVersion: "TLSv1.2_2021" },
    WebACLId: spec.webAclArn,
  };
}

/** The distributions of this environment: ListDistributions carries no tags, so one ListTagsForResource per distribution of the account. */
async function envDistributions(ctx: ResourceContext) {
  const cf = await ctx.aws.get("cloudfront");
  const list = () => collect(paginateListDistributions({ client: cf }, { MaxItems: 100 }), (p) => p.DistributionList?.Items);
  return envTagged(ctx, "cloudfront:distributions", list, async (d) => (await orUndefined(cf.send(new ListTagsForResourceCommand({ Resource: d.ARN }))))?.Tags?.Items ?? []);
}

async function read(ctx: ResourceContext, id: string): Promise<DistributionActual | undefined> {
  const cf = await ctx.aws.get("cloudfront");
  const r = await orUndefined(cf.send(new GetDistributionCommand({ Id: id })));
  return r?.Distribution ? { distribution: r.Distribution, etag: r.ETag! } : undefined;
}

async function ofNode(ctx: ResourceContext): Promise<DistributionActual[]> {
  const mine = (await envDistributions(ctx)).filter((d) => ownedBy(ctx, d.tags));
  const read1 = await Promise.all(mine.map((d) => read(ctx, d.item.Id!)));
  return read1.filter((d): d is DistributionActual => d !== undefined);
}

const cfgOf = (a: DistributionActual) => a.distribution.DistributionConfig!;

/**
 * When `delete` disabled each distribution (clock ms), by id: the wait for the disable to deploy polls
 * from there. Kept in the run's memo, not at module level: a process (a test worker) runs many runs.
 */
const disabledAt = (ctx: ResourceContext) => ctx.run("distribution:disabled-at", () => new Map<string, number>());

/**
 * Delay before the next look at a distribution whose disable is deploying. AWS's deploy time varies
 * several-fold around the typical figure (DeleteDistribution reference: disable, wait for Deployed,
 * then delete), so the wait follows the poll schedule of every other wait (engine/poll.ts) from the
 * moment of the disable, instead of first looking at the typical duration.
 */
function disableDeployDelay(ctx: ResourceContext, id: string): number {
  const since = disabledAt(ctx).get(id) ?? ctx.clock.now();
  if (!disabledAt(ctx).has(id)) disabledAt(ctx).set(id, since);
  return pollDelay(ctx.clock.now() - since, typicalMs("cloudfront.distribution.deploy"));
}

export const distribution: ResourceKind<DistributionSpec, DistributionActual, ResourceContext, { id: string; arn: string; domainName: string; hostedZoneId: string }> = {
  kind: "distribution",
  // SPEC.md CDN-01 (OAC origin, caching), CDN-02 (HTTPS redirect, certificate, host name), CDN-03 (WAF).
  fieldControls: {
    Enabled: ["CDN-01", "CDN-02", "CDN-03"],
    Origins: ["CDN-01"],
    DefaultRootObject: ["CDN-01"],
    // The default behaviour holds both the cache policy (CDN-01) and the viewer protocol policy (CDN-02).
    DefaultCacheBehavior: ["CDN-01", "CDN-02"],
    ViewerCertificate: ["CDN-02"],
    Aliases: ["CDN-02"],
    WebACLId: ["CDN-03"],
    Comment: [],
    PriceClass: [],
    HttpVersion: [],
    IsIPV6Enabled: [],
  },
  // Delete = disable, wait for that change to deploy, then delete: two deployments at worst.
  budget: { create: slowMs("cloudfront.distribution.deploy"), delete: 2 * slowMs("cloudfront.distribution.deploy") },
  typicalCreateMs: typicalMs("cloudfront.distribution.deploy"),
  typicalDeleteMs: typicalMs("cloudfront.distribution.deploy"),

  find: async (ctx) => (await ofNode(ctx))[0],
  findAll: ofNode,
  diff(spec, a) {
    const have = cfgOf(a);
    const want = apply(have, spec);
    const c: FieldChange[] = [];
    const add = (field: string, from: unknown, to: unknown) => {
      if (JSON.stringify(from ?? null) !== JSON.stringify(to ?? null)) c.push({ field, from, to });
    };
    add("Comment", have.Comment, want.Comment);
    add("Enabled", have.Enabled, want.Enabled);
    add("DefaultRootObject", have.DefaultRootObject, want.DefaultRootObject);
    add("PriceClass", have.PriceClass, want.PriceClass);
    add("HttpVersion", have.HttpVersion, want.HttpVersion);
    add("IsIPV6Enabled", have.IsIPV6Enabled, want.IsIPV6Enabled);
    const aliases = have.Aliases?.Items ?? [];
    if (!sameSet(aliases, spec.aliases)) c.push({ field: "Aliases", from: aliases, to: spec.aliases });
    const o = have.Origins?.Items ?? [];
    const origin = (x: typeof o) => x.map((i) => ({ id: i.Id, domain: i.DomainName, oac: i.OriginAccessControlId || undefined, oai: i.S3OriginConfig?.OriginAccessIdentity ?? null }));
    add("Origins", origin(o), origin(want.Origins!.Items!));
    const b = (x: DistributionConfig) => {
      const d = x.DefaultCacheBehavior;
      return { target: d?.TargetOriginId, viewer: d?.ViewerProtocolPolicy, cachePolicy: d?.CachePolicyId, compress: d?.Compress };
    };
    add("DefaultCacheBehavior", b(have), b(want));
    const v = (x: DistributionConfig) => ({ acm: x.ViewerCertificate?.ACMCertificateArn, ssl: x.ViewerCertificate?.SSLSupportMethod, tls: x.ViewerCertificate?.MinimumProtocolVersion });
    add("ViewerCertificate", v(have), v(want));
    add("WebACLId", have.WebACLId || undefined, want.WebACLId || undefined);
    return c;
  },
  async create(ctx, spec) {
    checkCloudFrontCertificate(spec.certificateArn);
    const cf = await ctx.aws.get("cloudfront");
    // The reference changes with the OAC (recreated after a `down`), so a re-create after a delete
    // gets a fresh reference while a retried create reuses it. A reference that names a distribution
    // deleted out of band moves on to the next generation (createWithToken).
    const gone = Symbol("gone");
    const r = await createWithToken<DistributionActual | typeof gone>(ctx, [spec.originAccessControlId, spec.originBucketDomainName], async (CallerReference) => {
      const base = { CallerReference, Comment: "", Enabled: true, Origins: { Quantity: 0, Items: [] }, DefaultCacheBehavior: undefined } as unknown as DistributionConfig;
      const DistributionConfig = apply(base, spec);
      try {
        const r = await retryOn(["InvalidOriginAccessControl", "InvalidWebACLId"], `distribution ${ctx.name} (dependency not visible yet)`, () =>
          cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig, Tags: { Items: ctx.tags() } } })),
          5_000,
        );
        return { distribution: r.Distribution!, etag: r.ETag! };
      } catch (e) {
        if (!isCode(e, "DistributionAlreadyExists")) throw e;
        // A crashed run created it with this reference; CloudFront names it in the message
        // ("… Already exists: E…", aws-sdk-js-v3 issue 2618).
        const id = /Already exists: ([A-Z0-9]+)/.exec((e as Error).message)?.[1];
        if (!id) throw new TryAgainLater(`distribution with reference ${CallerReference} exists but is not named yet`, 5_000);
        const found = await read(ctx, id);
        if (found) return found;
        unseenLongEnough(ctx, id);
        return gone;
      }
    }, (x) => x === gone);
    return r as DistributionActual;
  },
  async update(ctx, spec, a) {
    checkCloudFrontCertificate(spec.certificateArn);
    const cf = await ctx.aws.get("cloudfront");
    const Id = a.distribution.Id!;
    // Read-modify-write with the current ETag; a concurrent change answers PreconditionFailed.
    const r = await retryOn(["PreconditionFailed"], `distribution ${Id}`, async () => {
      const cur = await cf.send(new GetDistributionConfigCommand({ Id }));
      return cf.send(new UpdateDistributionCommand({ Id, IfMatch: cur.ETag, DistributionConfig: apply(cur.DistributionConfig!, spec) }));
    }, 1_000);
    return { distribution: r.Distribution!, etag: r.ETag! };
  },
  async delete(ctx, a) {
    const cf = await ctx.aws.get("cloudfront");
    const Id = a.distribution.Id!;
    const cur = await orUndefined(cf.send(new GetDistributionConfigCommand({ Id })));
    if (!cur) return;
    // DeleteDistribution reference: disable it, wait until Status is Deployed, then delete with the ETag.
    if (cur.DistributionConfig!.Enabled) {
      await retryOn(["PreconditionFailed"], `distribution ${Id}`, () => cf.send(new UpdateDistributionCommand({ Id, IfMatch: cur.ETag, DistributionConfig: { ...cur.DistributionConfig!, Enabled: false } })), 1_000);
      disabledAt(ctx).set(Id, ctx.clock.now());
      throw new TryAgainLater(`distribution ${Id} disabled; waiting for the change to deploy`, disableDeployDelay(ctx, Id));
    }
    const now = await read(ctx, Id);
    if (!now) return;
    if (now.distribution.Status !== "Deployed") throw new TryAgainLater(`distribution ${Id} is ${now.distribution.Status}; waiting for Deployed`, disableDeployDelay(ctx, Id));
    disabledAt(ctx).delete(Id);
    try {
      await deleted(cf.send(new DeleteDistributionCommand({ Id, IfMatch: now.etag })));
    } catch (e) {
      if (isCode(e, "DistributionNotDisabled", "PreconditionFailed")) throw new TryAgainLater(`distribution ${Id}: ${errorCode(e)}`, 15_000);
      throw e;
    }
  },
  refresh: (ctx, a) => read(ctx, a.distribution.Id!),
  isReady: (a) => a.distribution.Status === "Deployed",
  describe: (a) => {
    const d = a.distribution;
    const c = cfgOf(a);
    return {
      id: d.Id!,
      state: c.Enabled ? d.Status ?? "unknown" : `${d.Status ?? "unknown"} (disabled)`,
      healthy: d.Status === "Deployed" && c.Enabled === true,
      details: {
        domainName: d.DomainName,
        aliases: c.Aliases?.Items ?? [],
        originAccessControl: c.Origins?.Items?.[0]?.OriginAccessControlId || undefined,
        viewerProtocolPolicy: c.DefaultCacheBehavior?.ViewerProtocolPolicy,
        certificate: c.ViewerCertificate?.ACMCertificateArn,
        minimumProtocolVersion: c.ViewerCertificate?.MinimumProtocolVersion,
        webAcl: c.WebACLId || undefined,
      },
    };
  },
  outputs: (a) => ({ id: a.distribution.Id!, arn: a.distribution.ARN!, domainName: a.distribution.DomainName!, hostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID }),
};
