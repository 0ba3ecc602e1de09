import { CloudFrontServiceException, type CloudFront } from "@aws-sdk/client-cloudfront";
import { publicView } from "../filters.js";
import { keyValueTags, mergeTags, removeTags } from "../tags.js";
import { defineService, type HandlerContext, type Handlers, type SimRecord, type SimService } from "../types.js";

/*
 * Simulated CloudFront (behaviour: cloudfront.md beside this file).
 *
 * CloudFront is global: whatever region the client is configured with, records live in the
 * us-east-1 tables (ctx.tableOf("cloudfront", …, "us-east-1")):
 * - "oacs": Id -> { Id, OriginAccessControlConfig, _etag }
 * - "distributions": Id -> Distribution's shape (LastModifiedTime as ISO string) with the full
 *   DistributionConfig; private: _etag, _tags ([{Key, Value}], read by the test inventory),
 *   _deployAt (ms: Status is InProgress before, Deployed from then on)
 * - "invalidations": `<distributionId>/<invalidationId>` -> Invalidation's shape; private:
 *   _distributionId, _doneAt (ms: InProgress before, Completed from then on)
 */

const GLOBAL = "us-east-1";
const API = "https://cloudfront.amazonaws.com/2020-05-31";
/** Invalidations typically complete within a minute or two; the durations table has no entry for them. */
const INVALIDATION_MS = 60_000;

/** Managed cache policies (Developer Guide, "Use managed cache policies"): name by id. */
export const MANAGED_CACHE_POLICIES: Record<string, string> = {
  "658327ea-f89d-4fab-a63d-7e88639e58f6": "Managed-CachingOptimized",
  "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": "Managed-CachingDisabled",
  "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": "Managed-CachingOptimizedForUncompressedObjects",
  "08627262-05a9-4f76-9ded-b50ca2e3a84f": "Managed-Elemental-MediaPackage",
  "2e54312d-136d-493c-8eb9-b001f22f67d2": "Managed-Amplify",
};

const SIGNING_BEHAVIORS = ["never", "always", "no-override"];
const OAC_ORIGIN_TYPES = ["s3", "mediastore", "mediapackagev2", "lambda"];
const VIEWER_POLICIES = ["allow-all", "https-only", "redirect-to-https"];
const PRICE_CLASSES = ["PriceClass_100", "PriceClass_200", "PriceClass_All", "None"];
const HTTP_VERSIONS = ["http1.1", "http2", "http3", "http2and3"];
const SSL_METHODS = ["sni-only", "vip", "static-ip"];
const MIN_PROTOCOLS = ["SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.3_2025", "TLSv1.2_2025"];
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const iso = (ms: number) => new Date(ms).toISOString();
const oacs = (ctx: HandlerContext) => ctx.tableOf("cloudfront", "oacs", GLOBAL);
const distributions = (ctx: HandlerContext) => ctx.tableOf("cloudfront", "distributions", GLOBAL);
const invalidations = (ctx: HandlerContext) => ctx.tableOf("cloudfront", "invalidations", GLOBAL);

/** CloudFront-style id: a letter and 13 upper-case base-36 characters (E2QWRUHAPOMQZL). */
function cfId(ctx: HandlerContext, letter: string): string {
  const n = BigInt("0x" + ctx.newId("", 16));
  return letter + n.toString(36).toUpperCase().padStart(13, "0").slice(-13);
}

const etag = (ctx: HandlerContext) => cfId(ctx, "E");

/** Checks IfMatch against the current ETag (InvalidIfMatchVersion when absent, PreconditionFailed when stale). */
function checkIfMatch(ctx: HandlerContext, ifMatch: unknown, current: string): void {
  if (!ifMatch) ctx.fail("InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.", 400);
  if (ifMatch !== current) ctx.fail("PreconditionFailed", "The request failed because it didn't meet the preconditions in one or more request-header fields.", 412);
}

function quantityList(ctx: HandlerContext, v: SimRecord | undefined, what: string): any[] {
  if (v === undefined) return [];
  const items: any[] = v.Items ?? [];
  if (v.Quantity === undefined || Number(v.Quantity) !== items.length) ctx.fail("InconsistentQuantities", `The value of Quantity and the size of Items don't match (${what}).`);
  return items;
}

/* ---------------- origin access controls ---------------- */

function oacConfig(ctx: HandlerContext, c: SimRecord | undefined): SimRecord {
  if (!c) ctx.fail("MissingBody", "This operation requires a body. Ensure that the body is present and the Content-Type header is set.");
  const name = String(c.Name ?? "");
  if (!name || name.length > 64) ctx.fail("InvalidArgument", "The parameter Name is required and must be at most 64 characters.");
  if (c.Description !== undefined && String(c.Description).length > 256) ctx.fail("InvalidArgument", "The parameter Description is too long.");
  if (c.SigningProtocol !== "sigv4") ctx.fail("InvalidArgument", "The parameter SigningProtocol must be sigv4.");
  if (!SIGNING_BEHAVIORS.includes(c.SigningBehavior)) ctx.fail("InvalidArgument", "The parameter SigningBehavior is not valid.");
  if (!OAC_ORIGIN_TYPES.includes(c.OriginAccessControlOriginType)) ctx.fail("InvalidArgument", "The parameter OriginAccessControlOriginType is not valid.");
  return {
    Name: name,
    Description: c.Description ?? "",
    SigningProtocol: c.SigningProtocol,
    SigningBehavior: c.SigningBehavior,
    OriginAccessControlOriginType: c.OriginAccessControlOriginType,
  };
}

function oacOf(ctx: HandlerContext, id: unknown): SimRecord {
  const rec = oacs(ctx)[String(id ?? "")];
  if (!rec || !ctx.visible(rec)) ctx.fail("NoSuchOriginAccessControl", "The origin access control does not exist.", 404);
  return rec;
}

function nameTaken(ctx: HandlerContext, name: string, except?: string): boolean {
  return Object.values(oacs(ctx)).some((o) => o.Id !== except && o.OriginAccessControlConfig.Name === name);
}

/** Distributions that have an origin using the OAC. */
function oacUsers(ctx: HandlerContext, id: string): string[] {
  return Object.values(distributions(ctx))
    .filter((d) => (d.DistributionConfig.Origins.Items as SimRecord[]).some((o) => o.OriginAccessControlId === id))
    .map((d) => d.Id);
}

/* ---------------- distributions ---------------- */

/** Settles the deployment state for "now". */
function settle(ctx: HandlerContext, d: SimRecord): SimRecord {
  d.Status = ctx.now() >= d._deployAt ? "Deployed" : "InProgress";
  return d;
}

function distOf(ctx: HandlerContext, id: unknown): SimRecord {
  const d = distributions(ctx)[String(id ?? "")];
  if (!d || !ctx.visible(d)) ctx.fail("NoSuchDistribution", "The specified distribution does not exist.", 404);
  return settle(ctx, d);
}

function inProgressInvalidations(ctx: HandlerContext, distId: string): number {
  return Object.values(invalidations(ctx)).filter((i) => i._distributionId === distId && ctx.now() < i._doneAt).length;
}

function distributionOut(ctx: HandlerContext, d: SimRecord): SimRecord {
  const out = publicView(settle(ctx, d));
  out.LastModifiedTime = new Date(out.LastModifiedTime);
  out.InProgressInvalidationBatches = inProgressInvalidations(ctx, d.Id);
  return out;
}

function validateTags(ctx: HandlerContext, tags: SimRecord[]): { Key: string; Value: string }[] {
  for (const t of tags) {
    const k = String(t.Key ?? "");
    const v = String(t.Value ?? "");
    if (!k || k.length > 128 || v.length > 256 || !TAG_CHARS.test(k) || !TAG_CHARS.test(v)) ctx.fail("InvalidTagging", "The tagging specified is not valid.");
  }
  if (tags.length > 50) ctx.fail("InvalidTagging", "The number of tags specified exceeds the limit of 50.");
  return tags.map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? "") }));
}

const S3_DOMAIN = /^[a-z0-9][a-z0-9.-]*\.s3(\.[a-z0-9-]+)?\.amazonaws\.com$/;

/**
 * Validates a DistributionConfig the way CloudFront does for the fields opsctl uses, and returns
 * it with CloudFront's defaults filled in (GetDistributionConfig answers the full document).
 */
function distributionConfig(ctx: HandlerContext, c: SimRecord | undefined, selfId?: string): SimRecord {
  if (!c) ctx.fail("MissingBody", "This operation requires a body. Ensure that the body is present and the Content-Type header is set.");
  const cfg: SimRecord = JSON.parse(JSON.stringify(c));
  if (!cfg.CallerReference) ctx.fail("InvalidArgument", "The parameter CallerReference is required.");
  if (cfg.Comment === undefined) ctx.fail("InvalidArgument", "The parameter Comment is required.");
  if (String(cfg.Comment).length > 128) ctx.fail("InvalidArgument", "The parameter Comment is too long.");
  if (typeof cfg.Enabled !== "boolean") ctx.fail("InvalidArgument", "The parameter Enabled is required.");

  const origins = quantityList(ctx, cfg.Origins, "Origins");
  if (origins.length === 0) ctx.fail("InvalidArgument", "The parameter Origins must contain at least one origin.");
  const ids = new Set<string>();
  for (const o of origins) {
    if (!o.Id || !o.DomainName) ctx.fail("InvalidArgument", "The parameters Origin Id and DomainName are required.");
    if (ids.has(o.Id)) ctx.fail("InvalidArgument", `The parameter Origin Id must be unique: ${o.Id}.`);
    ids.add(o.Id);
    const oai = o.S3OriginConfig?.OriginAccessIdentity;
    if (o.OriginAccessControlId) {
      // An origin may use an OAC or an OAI, never both (IllegalOriginAccessConfiguration).
      if (oai) ctx.fail("IllegalOriginAccessConfiguration", "An origin cannot contain both an origin access control (OAC) and an origin access identity (OAI).");
      const oac = oacs(ctx)[o.OriginAccessControlId];
      if (!oac) ctx.fail("InvalidOriginAccessControl", "The origin access control is not valid.");
      if (oac.OriginAccessControlConfig.OriginAccessControlOriginType === "s3" && !S3_DOMAIN.test(String(o.DomainName))) {
        ctx.fail("InvalidDomainNameForOriginAccessControl", "An origin access control with an incorrect origin type was specified.");
      }
    }
    if (!o.S3OriginConfig && !o.CustomOriginConfig && !o.VpcOriginConfig) {
      // An S3 origin needs S3OriginConfig even with an OAC (its OriginAccessIdentity is then "").
      ctx.fail("InvalidOrigin", "The specified origin server does not exist or is not valid.");
    }
    o.OriginPath ??= "";
    o.CustomHeaders ??= { Quantity: 0 };
    o.ConnectionAttempts ??= 3;
    o.ConnectionTimeout ??= 10;
    o.OriginShield ??= { Enabled: false };
    o.OriginAccessControlId ??= "";
  }

  const b = cfg.DefaultCacheBehavior;
  if (!b) ctx.fail("InvalidArgument", "The parameter DefaultCacheBehavior is required.");
  if (!ids.has(b.TargetOriginId)) ctx.fail("NoSuchOrigin", "One or more of your origins or origin groups do not exist.", 404);
  if (!VIEWER_POLICIES.includes(b.ViewerProtocolPolicy)) ctx.fail("InvalidArgument", "The parameter ViewerProtocolPolicy is not valid.");
  if (b.CachePolicyId) {
    if (!MANAGED_CACHE_POLICIES[b.CachePolicyId]) ctx.fail("NoSuchCachePolicy", "The cache policy does not exist.", 404);
    if (b.ForwardedValues || b.MinTTL !== undefined || b.DefaultTTL !== undefined || b.MaxTTL !== undefined) {
      ctx.fail("InvalidArgument", "The parameters ForwardedValues, MinTTL, DefaultTTL and MaxTTL cannot be used with a cache policy.");
    }
  } else if (!b.ForwardedValues) {
    ctx.fail("InvalidArgument", "The parameter ForwardedValues is required.");
  }
  b.AllowedMethods ??= { Quantity: 2, Items: ["HEAD", "GET"], CachedMethods: { Quantity: 2, Items: ["HEAD", "GET"] } };
  b.SmoothStreaming ??= false;
  b.Compress ??= false;
  b.TrustedSigners ??= { Enabled: false, Quantity: 0 };
  b.TrustedKeyGroups ??= { Enabled: false, Quantity: 0 };
  b.LambdaFunctionAssociations ??= { Quantity: 0 };
  b.FunctionAssociations ??= { Quantity: 0 };
  b.FieldLevelEncryptionId ??= "";

  if (cfg.DefaultRootObject !== undefined) {
    const r = String(cfg.DefaultRootObject);
    if (r.length > 255 || r.startsWith("/") || !/^[\x21-\x7e]*$/.test(r)) ctx.fail("InvalidDefaultRootObject", "The default root object you specified is invalid.");
  }
  cfg.DefaultRootObject ??= "";
  if (cfg.PriceClass !== undefined && !PRICE_CLASSES.includes(cfg.PriceClass)) ctx.fail("InvalidArgument", "The parameter PriceClass is not valid.");
  cfg.PriceClass ??= "PriceClass_All";
  if (cfg.HttpVersion !== undefined && !HTTP_VERSIONS.includes(cfg.HttpVersion)) ctx.fail("InvalidArgument", "The parameter HttpVersion is not valid.");
  cfg.HttpVersion ??= "http2";
  cfg.IsIPV6Enabled ??= false;

  const aliases = quantityList(ctx, cfg.Aliases, "Aliases").map(String);
  cfg.Aliases = aliases.length ? { Quantity: aliases.length, Items: aliases } : { Quantity: 0 };

  const vc: SimRecord = cfg.ViewerCertificate ?? { CloudFrontDefaultCertificate: true };
  const badCert = "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain.";
  if (vc.ACMCertificateArn) {
    // A distribution's ACM certificate must be requested in us-east-1 (Developer Guide, "Requirements for using SSL/TLS certificates with CloudFront").
    if (!/^arn:aws:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/.test(String(vc.ACMCertificateArn))) ctx.fail("InvalidViewerCertificate", badCert);
    if (!SSL_METHODS.includes(vc.SSLSupportMethod)) ctx.fail("InvalidViewerCertificate", "The parameter SSLSupportMethod is required with a custom certificate.");
    if (vc.CloudFrontDefaultCertificate) ctx.fail("InvalidViewerCertificate", "You cannot use the CloudFront default certificate together with a custom certificate.");
    vc.CertificateSource = "acm";
    vc.Certificate = vc.ACMCertificateArn;
    vc.MinimumProtocolVersion ??= "TLSv1";
  } else if (vc.IAMCertificateId) {
    vc.CertificateSource = "iam";
    vc.Certificate = vc.IAMCertificateId;
  } else {
    if (aliases.length) {
      ctx.fail("InvalidViewerCertificate", "To add an alternate domain name (CNAME) to a CloudFront distribution, you must attach a trusted certificate that validates your authorization to use the domain name.");
    }
    vc.CloudFrontDefaultCertificate = true;
    vc.SSLSupportMethod ??= "vip";
    vc.MinimumProtocolVersion ??= "TLSv1";
    vc.CertificateSource = "cloudfront";
  }
  if (!MIN_PROTOCOLS.includes(vc.MinimumProtocolVersion)) ctx.fail("InvalidMinimumProtocolVersion", "The minimum protocol version specified is not valid.");
  cfg.ViewerCertificate = vc;

  for (const alias of aliases) {
    const other = Object.values(distributions(ctx)).find((d) => d.Id !== selfId && (d.DistributionConfig.Aliases.Items ?? []).includes(alias));
    if (other) ctx.fail("CNAMEAlreadyExists", `One or more of the CNAMEs you provided are already associated with a different resource.`, 409);
  }

  if (cfg.WebACLId) {
    // A WAFv2 web ACL must be of CLOUDFRONT scope (global, created in us-east-1) and exist.
    const acl = Object.values(ctx.tableOf("wafv2", "webacls", GLOBAL)).find((w) => w.ARN === cfg.WebACLId);
    if (!acl || !String(cfg.WebACLId).includes(":global/webacl/")) ctx.fail("InvalidWebACLId", "Web ACL is not accessible by the requester.");
  }
  cfg.WebACLId ??= "";
  cfg.CacheBehaviors ??= { Quantity: 0 };
  cfg.CustomErrorResponses ??= { Quantity: 0 };
  cfg.OriginGroups ??= { Quantity: 0 };
  cfg.Restrictions ??= { GeoRestriction: { RestrictionType: "none", Quantity: 0 } };
  cfg.Logging ??= { Enabled: false, IncludeCookies: false, Bucket: "", Prefix: "" };
  cfg.Staging ??= false;
  return cfg;
}

function createDistribution(ctx: HandlerContext, config: SimRecord | undefined, tags: SimRecord[]): SimRecord {
  const table = distributions(ctx);
  // The reference (DistributionConfig.CallerReference): a reference already sent answers
  // DistributionAlreadyExists whatever the config; the message names the existing distribution.
  // Checked before the config, so a replayed request is not reported as a CNAME conflict with itself.
  const same = config?.CallerReference ? Object.values(table).find((d) => d.DistributionConfig.CallerReference === config.CallerReference) : undefined;
  if (same) ctx.fail("DistributionAlreadyExists", `The caller reference that you are using to create a distribution is associated with another distribution. Already exists: ${same.Id}`, 409);
  const cfg = distributionConfig(ctx, config);
  const valid = validateTags(ctx, tags);
  const id = cfId(ctx, "E");
  const domain = "d" + BigInt("0x" + ctx.newId("", 16)).toString(36).padStart(13, "0").slice(-13) + ".cloudfront.net";
  const d = ctx.born({
    Id: id,
    ARN: `arn:aws:cloudfront::${ctx.accountId}:distribution/${id}`,
    Status: "InProgress",
    LastModifiedTime: iso(ctx.now()),
    InProgressInvalidationBatches: 0,
    DomainName: domain,
    ActiveTrustedSigners: { Enabled: false, Quantity: 0 },
    ActiveTrustedKeyGroups: { Enabled: false, Quantity: 0 },
    DistributionConfig: cfg,
    _etag: etag(ctx),
    _tags: valid,
    _deployAt: ctx.now() + ctx.duration("cloudfront.distribution.deploy"),
  });
  table[id] = d;
  return { Distribution: distributionOut(ctx, d), Location: `${API}/distribution/${id}`, ETag: d._etag };
}

function resourceOf(ctx: HandlerContext, arn: unknown): SimRecord {
  const m = /^arn:aws:cloudfront::(\d{12}):distribution\/([A-Z0-9]+)$/.exec(String(arn ?? ""));
  if (!/^arn:aws(-cn)?:cloudfront::[0-9]+:.*/.test(String(arn ?? ""))) ctx.fail("InvalidArgument", "The parameter Resource is not a valid CloudFront ARN.");
  const d = m && m[1] === ctx.accountId ? distributions(ctx)[m[2]] : undefined;
  if (!d) ctx.fail("NoSuchResource", "A resource that was specified is not valid.", 404);
  return d;
}

function summary(ctx: HandlerContext, d: SimRecord): SimRecord {
  const out = distributionOut(ctx, d);
  const c = out.DistributionConfig;
  return {
    Id: out.Id,
    ARN: out.ARN,
    ETag: d._etag,
    Status: out.Status,
    LastModifiedTime: out.LastModifiedTime,
    DomainName: out.DomainName,
    Aliases: c.Aliases,
    Origins: c.Origins,
    OriginGroups: c.OriginGroups,
    DefaultCacheBehavior: c.DefaultCacheBehavior,
    CacheBehaviors: c.CacheBehaviors,
    CustomErrorResponses: c.CustomErrorResponses,
    Comment: c.Comment,
    PriceClass: c.PriceClass,
    Enabled: c.Enabled,
    ViewerCertificate: c.ViewerCertificate,
    Restrictions: c.Restrictions,
    WebACLId: c.WebACLId,
    HttpVersion: c.HttpVersion,
    IsIPV6Enabled: c.IsIPV6Enabled,
    Staging: c.Staging,
  };
}

/** Marker paging of CloudFront lists: Marker is the last id of the previous page. */
function page<T extends SimRecord>(items: T[], marker: unknown, maxItems: unknown, key: (t: T) => string): { list: T[]; head: SimRecord } {
  const max = Math.max(1, Math.min(1000, Number(maxItems ?? 100) || 100));
  const start = marker ? items.findIndex((i) => key(i) === String(marker)) + 1 : 0;
  const list = items.slice(start, start + max);
  const truncated = start + max < items.length;
  return {
    list,
    head: { Marker: marker ? String(marker) : "", MaxItems: max, IsTruncated: truncated, Quantity: list.length, ...(truncated ? { NextMarker: key(list[list.length - 1]) } : {}) },
  };
}

/* ---------------- invalidations ---------------- */

function invalidationOut(ctx: HandlerContext, i: SimRecord): SimRecord {
  const out = publicView(i);
  out.Status = ctx.now() >= i._doneAt ? "Completed" : "InProgress";
  out.CreateTime = new Date(out.CreateTime);
  return out;
}

const handlers: Handlers<CloudFront> = {
  CreateOriginAccessControl(input, ctx) {
    const cfg = oacConfig(ctx, input.OriginAccessControlConfig);
    if (nameTaken(ctx, cfg.Name)) ctx.fail("OriginAccessControlAlreadyExists", "An origin access control with the same name already exists.", 409);
    const id = cfId(ctx, "E");
    const rec = ctx.born({ Id: id, OriginAccessControlConfig: cfg, _etag: etag(ctx) });
    oacs(ctx)[id] = rec;
    return { OriginAccessControl: publicView(rec), Location: `${API}/origin-access-control/${id}`, ETag: rec._etag };
  },
  GetOriginAccessControl(input, ctx) {
    const rec = oacOf(ctx, input.Id);
    return { OriginAccessControl: publicView(rec), ETag: rec._etag };
  },
  GetOriginAccessControlConfig(input, ctx) {
    const rec = oacOf(ctx, input.Id);
    return { OriginAccessControlConfig: publicView(rec.OriginAccessControlConfig), ETag: rec._etag };
  },
  ListOriginAccessControls(input, ctx) {
    const all = Object.values(oacs(ctx)).filter((o) => ctx.visible(o));
    const { list, head } = page(all, input.Marker, input.MaxItems, (o) => o.Id);
    const items = list.map((o) => ({ Id: o.Id, ...publicView(o.OriginAccessControlConfig) }));
    return { OriginAccessControlList: { ...head, ...(items.length ? { Items: items } : {}) } };
  },
  UpdateOriginAccessControl(input, ctx) {
    const rec = oacOf(ctx, input.Id);
    checkIfMatch(ctx, input.IfMatch, rec._etag);
    const cfg = oacConfig(ctx, input.OriginAccessControlConfig);
    if (nameTaken(ctx, cfg.Name, rec.Id)) ctx.fail("OriginAccessControlAlreadyExists", "An origin access control with the same name already exists.", 409);
    rec.OriginAccessControlConfig = cfg;
    rec._etag = etag(ctx);
    return { OriginAccessControl: publicView(rec), ETag: rec._etag };
  },
  DeleteOriginAccessControl(input, ctx) {
    const rec = oacOf(ctx, input.Id);
    checkIfMatch(ctx, input.IfMatch, rec._etag);
    if (oacUsers(ctx, rec.Id).length) ctx.fail("OriginAccessControlInUse", "Cannot delete the origin access control because it's in use by one or more distributions.", 409);
    delete oacs(ctx)[rec.Id];
    return {};
  },

  CreateDistribution(input, ctx) {
    return createDistribution(ctx, input.DistributionConfig, []);
  },
  CreateDistributionWithTags(input, ctx) {
    const w = input.DistributionConfigWithTags;
    if (!w) return ctx.fail("MissingBody", "This operation requires a body. Ensure that the body is present and the Content-Type header is set.");
    return createDistribution(ctx, w.DistributionConfig, w.Tags?.Items ?? []);
  },
  GetDistribution(input, ctx) {
    const d = distOf(ctx, input.Id);
    return { Distribution: distributionOut(ctx, d), ETag: d._etag };
  },
  GetDistributionConfig(input, ctx) {
    const d = distOf(ctx, input.Id);
    return { DistributionConfig: publicView(d.DistributionConfig), ETag: d._etag };
  },
  UpdateDistribution(input, ctx) {
    const d = distOf(ctx, input.Id);
    checkIfMatch(ctx, input.IfMatch, d._etag);
    if (input.DistributionConfig && input.DistributionConfig.CallerReference !== d.DistributionConfig.CallerReference) {
      ctx.fail("IllegalUpdate", "The update contains modifications that are not allowed: CallerReference cannot be changed.");
    }
    d.DistributionConfig = distributionConfig(ctx, input.DistributionConfig, d.Id);
    d.LastModifiedTime = iso(ctx.now());
    d._etag = etag(ctx);
    // Every accepted update is propagated to the edge locations again.
    d._deployAt = ctx.now() + ctx.duration("cloudfront.distribution.deploy");
    return { Distribution: distributionOut(ctx, d), ETag: d._etag };
  },
  DeleteDistribution(input, ctx) {
    const d = distOf(ctx, input.Id);
    checkIfMatch(ctx, input.IfMatch, d._etag);
    // The reference: disable it (UpdateDistribution Enabled=false) and wait until Status is Deployed.
    if (d.DistributionConfig.Enabled || d.Status !== "Deployed") {
      ctx.fail("DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.", 409);
    }
    delete distributions(ctx)[d.Id];
    const inv = invalidations(ctx);
    for (const [k, i] of Object.entries(inv)) if (i._distributionId === d.Id) delete inv[k];
    return {};
  },
  ListDistributions(input, ctx) {
    const all = Object.values(distributions(ctx)).filter((d) => ctx.visible(d));
    const { list, head } = page(all, input.Marker, input.MaxItems, (d) => d.Id);
    const items = list.map((d) => summary(ctx, d));
    return { DistributionList: { ...head, ...(items.length ? { Items: items } : {}) } };
  },

  ListTagsForResource(input, ctx) {
    const d = resourceOf(ctx, input.Resource);
    return { Tags: { Items: keyValueTags(d) } };
  },
  TagResource(input, ctx) {
    const d = resourceOf(ctx, input.Resource);
    const add = validateTags(ctx, input.Tags?.Items ?? []);
    mergeTags(d, add);
    return {};
  },
  UntagResource(input, ctx) {
    const d = resourceOf(ctx, input.Resource);
    const keys: string[] = input.TagKeys?.Items ?? [];
    removeTags(d, keys);
    return {};
  },

  CreateInvalidation(input, ctx) {
    const d = distOf(ctx, input.DistributionId);
    const batch = input.InvalidationBatch;
    if (!batch?.CallerReference) return ctx.fail("InvalidArgument", "The parameter CallerReference is required.");
    const paths = quantityList(ctx, batch.Paths, "Paths").map(String);
    if (paths.length === 0 || paths.some((p) => !p.startsWith("/"))) ctx.fail("InvalidArgument", "Every invalidation path must start with /.");
    const table = invalidations(ctx);
    const prior = Object.values(table).find((i) => i._distributionId === d.Id && i.InvalidationBatch.CallerReference === batch.CallerReference);
    if (prior) {
      // Same reference and same paths: the earlier invalidation is answered (InvalidationBatch.CallerReference).
      if (JSON.stringify(prior.InvalidationBatch.Paths.Items) !== JSON.stringify(paths)) {
        ctx.fail("InvalidationBatchAlreadyExists", "Your request contains a caller reference that was used for a previous invalidation batch for the same distribution.", 409);
      }
      return { Location: `${API}/distribution/${d.Id}/invalidation/${prior.Id}`, Invalidation: invalidationOut(ctx, prior) };
    }
    const id = cfId(ctx, "I");
    const rec = {
      Id: id,
      Status: "InProgress",
      CreateTime: iso(ctx.now()),
      InvalidationBatch: { Paths: { Quantity: paths.length, Items: paths }, CallerReference: String(batch.CallerReference) },
      _distributionId: d.Id,
      _doneAt: ctx.now() + INVALIDATION_MS,
    };
    table[`${d.Id}/${id}`] = rec;
    return { Location: `${API}/distribution/${d.Id}/invalidation/${id}`, Invalidation: invalidationOut(ctx, rec) };
  },
  GetInvalidation(input, ctx) {
    const d = distOf(ctx, input.DistributionId);
    const rec = invalidations(ctx)[`${d.Id}/${String(input.Id ?? "")}`];
    if (!rec) ctx.fail("NoSuchInvalidation", "The specified invalidation does not exist.", 404);
    return { Invalidation: invalidationOut(ctx, rec) };
  },
  ListInvalidations(input, ctx) {
    const d = distOf(ctx, input.DistributionId);
    const all = Object.values(invalidations(ctx))
      .filter((i) => i._distributionId === d.Id)
      .reverse();
    const { list, head } = page(all, input.Marker, input.MaxItems, (i) => i.Id);
    const items = list.map((i) => {
      const o = invalidationOut(ctx, i);
      return { Id: o.Id, CreateTime: o.CreateTime, Status: o.Status };
    });
    return { InvalidationList: { ...head, ...(items.length ? { Items: items } : {}) } };
  },
};

/** Simulated CloudFront (behaviour: cloudfront.md beside this file). */
export const cloudfrontService: SimService = defineService<CloudFront>({
  clientName: "CloudFrontClient",
  key: "cloudfront",
  exception: CloudFrontServiceException as any,
  throttlingCode: "Throttling",
  handlers,
});
