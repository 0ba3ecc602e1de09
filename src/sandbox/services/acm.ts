import { createHash } from "node:crypto";
import { ACMServiceException, type ACM } from "@aws-sdk/client-acm";
import { paginate, publicView } from "../filters.js";
import { mergeTags } from "../tags.js";
import { defineService, handler, type HandlerContext, type SimRecord, type SimService } from "../types.js";
import { fqdn, resolveRecord } from "./route53.js";

/*
 * Simulated ACM (behaviour: acm.md beside this file).
 *
 * Certificates live in the client region's `certificates` table keyed by ARN, in DescribeCertificate's
 * CertificateDetail shape (dates as ISO strings). Private fields: `_tags`, `_recordAt` (when the DNS
 * validation record becomes known), `_expireAt` (72 h validation window), `_validatedAt`.
 * Idempotency tokens: the `tokens` table, keyed by token, `{ arn, at }`.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** ACM publishes the validation CNAME a few seconds after RequestCertificate (estimate; not in the durations table). */
export const VALIDATION_RECORD_DELAY_MS = 5_000;
/** A DNS-validated request not validated within 72 hours times out (ACM User Guide, "DNS validation"). */
const VALIDATION_WINDOW_MS = 72 * HOUR;
const CERT_DATES = ["CreatedAt", "IssuedAt", "NotBefore", "NotAfter", "ImportedAt", "RevokedAt"];
/** ListCertificates without `Includes.keyTypes` returns RSA_1024 and RSA_2048 certificates only (ListCertificates, Filters). */
const DEFAULT_KEY_TYPES = ["RSA_1024", "RSA_2048"];
const KEY_ALGORITHMS = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"];

const iso = (ms: number) => new Date(ms).toISOString();
const hex = (s: string, n = 32) => createHash("sha256").update(s).digest("hex").slice(0, n);
/** DescribeCertificate spells the algorithm with a hyphen (RSA-2048), RequestCertificate with an underscore. */
const shownAlgorithm = (a: string) => a.replace("_", "-");

function certificates(ctx: HandlerContext, region = ctx.region): Record<string, SimRecord> {
  return ctx.tableOf("acm", "certificates", region);
}

/**
 * The DNS validation record of a domain: the same name and value for the same domain in the same
 * account (ACM reuses it across certificates); a wildcard shares its base domain's record.
 */
export function validationRecord(accountId: string, domain: string): { Name: string; Type: "CNAME"; Value: string } {
  const base = domain.replace(/^\*\./, "").toLowerCase();
  const letters = hex(`label|${accountId}|${base}`, 10).replace(/\d/g, (d) => "abcdefghij"[Number(d)]);
  return { Name: `_${hex(`name|${accountId}|${base}`)}.${base}.`, Type: "CNAME", Value: `_${hex(`value|${accountId}|${base}`)}.${letters}.acm-validations.aws.` };
}

/** Brings a certificate to its state at the simulated "now" (validation record, issuance, timeout). */
function settle(ctx: HandlerContext, c: SimRecord): void {
  const now = ctx.now();
  if (now >= c._recordAt) {
    for (const o of c.DomainValidationOptions) o.ResourceRecord ??= validationRecord(ctx.accountId, o.DomainName);
  }
  if (c.Status !== "PENDING_VALIDATION") return;
  // Validated once every domain's CNAME is resolvable from a public hosted zone with the expected value.
  let validatedAt = 0;
  for (const o of c.DomainValidationOptions) {
    if (!o.ResourceRecord) return;
    const hit = resolveRecord(ctx, o.ResourceRecord.Name, "CNAME");
    const value = hit?.record.ResourceRecords?.[0]?.Value;
    if (!hit || fqdn(String(value ?? "")) !== fqdn(o.ResourceRecord.Value)) {
      validatedAt = -1;
      break;
    }
    validatedAt = Math.max(validatedAt, hit.liveAt, c._recordAt);
  }
  if (validatedAt >= 0 && now >= validatedAt + ctx.duration("acm.certificate.issue")) {
    const at = validatedAt + ctx.duration("acm.certificate.issue");
    c.Status = "ISSUED";
    c.IssuedAt = iso(at);
    c.NotBefore = iso(Math.floor(at / DAY) * DAY);
    c.NotAfter = iso(Math.floor(at / DAY) * DAY + 395 * DAY);
    c.Serial = hex(`serial|${c.CertificateArn}`, 32).match(/../g)!.join(":");
    c.RenewalEligibility = "ELIGIBLE";
    for (const o of c.DomainValidationOptions) o.ValidationStatus = "SUCCESS";
    return;
  }
  if (now >= c._expireAt) {
    c.Status = "VALIDATION_TIMED_OUT";
    for (const o of c.DomainValidationOptions) o.ValidationStatus = "FAILED";
  }
}

/** ARNs of the resources using a certificate: ALBs with a listener naming it, CloudFront distributions naming it. */
function inUseBy(ctx: HandlerContext, arn: string, region: string): string[] {
  const out = new Set<string>();
  for (const l of Object.values(ctx.tableOf("elbv2", "listeners", region))) {
    if ((l.Certificates ?? []).some((c: SimRecord) => c.CertificateArn === arn)) out.add(l.LoadBalancerArn);
  }
  if (region === "us-east-1") {
    for (const table of ["distributions"]) {
      for (const d of [...Object.values(ctx.tableOf("cloudfront", table, "us-east-1")), ...Object.values(ctx.tableOf("cloudfront", table, "global"))]) {
        const vc = d.DistributionConfig?.ViewerCertificate ?? d.ViewerCertificate;
        if (vc?.ACMCertificateArn === arn && d.ARN) out.add(d.ARN);
      }
    }
  }
  return [...out].sort();
}

function regionOfArn(arn: string): string | undefined {
  return /^arn:aws[\w-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[\w-]+$/.exec(arn)?.[1];
}

function get(ctx: HandlerContext, arn: unknown): SimRecord {
  const a = String(arn ?? "");
  if (!regionOfArn(a)) return ctx.fail("InvalidArnException", `String '${a}' is not a valid ARN.`);
  const c = certificates(ctx)[a];
  if (!c || !ctx.visible(c)) return ctx.fail("ResourceNotFoundException", `Could not find certificate ${a}.`);
  settle(ctx, c);
  return c;
}

/**
 * For ELBv2 and CloudFront: the certificate `arn` as it is now (settled), or undefined when it does not
 * exist in the region the ARN names.
 */
export function certificateForUse(ctx: HandlerContext, arn: string): SimRecord | undefined {
  const region = regionOfArn(arn);
  if (!region) return undefined;
  const c = certificates(ctx, region)[arn];
  if (!c) return undefined;
  settle(ctx, c);
  return c;
}

function detail(ctx: HandlerContext, c: SimRecord): SimRecord {
  const out = publicView(c);
  out.InUseBy = inUseBy(ctx, c.CertificateArn, regionOfArn(c.CertificateArn)!);
  for (const f of CERT_DATES) if (typeof out[f] === "string") out[f] = new Date(out[f]);
  return out;
}

function checkTags(ctx: HandlerContext, tags: SimRecord[] | undefined): { Key: string; Value?: string }[] {
  const list = (tags ?? []).map((t) => ({ Key: String(t.Key), Value: t.Value === undefined ? undefined : String(t.Value) }));
  for (const t of list) {
    if (t.Key.startsWith("aws:")) ctx.fail("InvalidTagException", `Tag key ${t.Key} uses the reserved prefix aws:`);
    if (!t.Key || t.Key.length > 128 || (t.Value?.length ?? 0) > 256) ctx.fail("InvalidTagException", `Invalid tag ${t.Key}`);
  }
  return list;
}

const DOMAIN = /^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$/;

const RequestCertificate = handler<ACM, "RequestCertificate">((input, ctx) => {
  const domain = String(input.DomainName ?? "").toLowerCase();
  if (!DOMAIN.test(domain) || domain.length > 253) return ctx.fail("ValidationException", `1 validation error detected: Value '${domain}' at 'domainName' failed to satisfy constraint: Member must satisfy regular expression pattern`);
  const token = input.IdempotencyToken as string | undefined;
  if (token !== undefined && !/^\w{1,32}$/.test(token)) return ctx.fail("ValidationException", `1 validation error detected: Value '${token}' at 'idempotencyToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \\w+ and have length less than or equal to 32`);
  const method = input.ValidationMethod ?? "EMAIL";
  if (method !== "DNS") return ctx.fail("InvalidParameterException", "The opsctl sandbox models DNS validation only (ValidationMethod DNS)");
  const algorithm = input.KeyAlgorithm ?? "RSA_2048";
  if (!KEY_ALGORITHMS.includes(algorithm)) return ctx.fail("ValidationException", `Invalid KeyAlgorithm ${algorithm}`);
  const sans: string[] = [domain, ...((input.SubjectAlternativeNames ?? []) as string[]).map((s) => s.toLowerCase())].filter((v, i, a) => a.indexOf(v) === i);
  for (const s of sans) if (!DOMAIN.test(s)) return ctx.fail("InvalidDomainValidationOptionsException", `${s} is not a valid domain name`);
  if (sans.length > 100) return ctx.fail("LimitExceededException", "A certificate can have at most 100 domain names");
  const tags = checkTags(ctx, input.Tags);
  const tokens = ctx.table("tokens");
  // Idempotency tokens time out after one hour (RequestCertificate, IdempotencyToken).
  if (token && tokens[token] && ctx.now() - tokens[token].at < HOUR && certificates(ctx)[tokens[token].arn]) return { CertificateArn: tokens[token].arn };
  const h = ctx.newId("", 32);
  const arn = `arn:aws:acm:${ctx.region}:${ctx.accountId}:certificate/${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  const now = ctx.now();
  const c: SimRecord = ctx.born({
    CertificateArn: arn,
    DomainName: domain,
    SubjectAlternativeNames: sans,
    DomainValidationOptions: sans.map((d) => ({ DomainName: d, ValidationDomain: d, ValidationStatus: "PENDING_VALIDATION", ValidationMethod: "DNS" })),
    Subject: `CN=${domain}`,
    Issuer: "Amazon",
    CreatedAt: iso(now),
    Status: "PENDING_VALIDATION",
    KeyAlgorithm: shownAlgorithm(algorithm),
    SignatureAlgorithm: algorithm.startsWith("EC") ? "SHA256WITHECDSA" : "SHA256WITHRSA",
    InUseBy: [],
    Type: "AMAZON_ISSUED",
    KeyUsages: [{ Name: "DIGITAL_SIGNATURE" }, { Name: "KEY_ENCIPHERMENT" }],
    ExtendedKeyUsages: [
      { Name: "TLS_WEB_SERVER_AUTHENTICATION", OID: "1.3.6.1.5.5.7.3.1" },
      { Name: "TLS_WEB_CLIENT_AUTHENTICATION", OID: "1.3.6.1.5.5.7.3.2" },
    ],
    RenewalEligibility: "INELIGIBLE",
    Options: { CertificateTransparencyLoggingPreference: input.Options?.CertificateTransparencyLoggingPreference ?? "ENABLED" },
    _tags: tags,
    _recordAt: now + VALIDATION_RECORD_DELAY_MS,
    _expireAt: now + VALIDATION_WINDOW_MS,
    _keyType: algorithm,
  });
  certificates(ctx)[arn] = c;
  if (token) tokens[token] = { arn, at: now };
  return { CertificateArn: arn };
});

const DescribeCertificate = handler<ACM, "DescribeCertificate">((input, ctx) => ({ Certificate: detail(ctx, get(ctx, input.CertificateArn)) }));

const ListCertificates = handler<ACM, "ListCertificates">((input, ctx) => {
  const statuses: string[] | undefined = input.CertificateStatuses?.length ? input.CertificateStatuses : undefined;
  const keyTypes: string[] = input.Includes?.keyTypes?.length ? input.Includes.keyTypes : DEFAULT_KEY_TYPES;
  const all = Object.values(certificates(ctx)).filter((c) => ctx.visible(c));
  for (const c of all) settle(ctx, c);
  const list = all
    .filter((c) => (!statuses || statuses.includes(c.Status)) && keyTypes.includes(c._keyType))
    .sort((a, b) => (a.CreatedAt < b.CreatedAt ? -1 : a.CreatedAt > b.CreatedAt ? 1 : a.CertificateArn < b.CertificateArn ? -1 : 1));
  if (input.MaxItems !== undefined && (input.MaxItems < 1 || input.MaxItems > 1000)) return ctx.fail("ValidationException", "MaxItems must be between 1 and 1000");
  const { page, next } = paginate(list, input.MaxItems, input.NextToken);
  return {
    CertificateSummaryList: page.map((c) => {
      const d = detail(ctx, c);
      return {
        CertificateArn: d.CertificateArn,
        DomainName: d.DomainName,
        SubjectAlternativeNameSummaries: d.SubjectAlternativeNames,
        HasAdditionalSubjectAlternativeNames: false,
        Status: d.Status,
        Type: d.Type,
        // Only DescribeCertificate is known to answer the hyphenated spelling (see shownAlgorithm);
        // the summary keeps the spelling of ACM's KeyAlgorithm enum.
        KeyAlgorithm: String(d.KeyAlgorithm).replace("-", "_"),
        KeyUsages: d.KeyUsages.map((k: SimRecord) => k.Name),
        ExtendedKeyUsages: d.ExtendedKeyUsages.map((k: SimRecord) => k.Name),
        InUse: d.InUseBy.length > 0,
        RenewalEligibility: d.RenewalEligibility,
        NotBefore: d.NotBefore,
        NotAfter: d.NotAfter,
        CreatedAt: d.CreatedAt,
        IssuedAt: d.IssuedAt,
      };
    }),
    NextToken: next,
  };
});

const ListTagsForCertificate = handler<ACM, "ListTagsForCertificate">((input, ctx) => ({ Tags: publicView({ t: get(ctx, input.CertificateArn)._tags }).t }));

const AddTagsToCertificate = handler<ACM, "AddTagsToCertificate">((input, ctx) => {
  const c = get(ctx, input.CertificateArn);
  const add = checkTags(ctx, input.Tags);
  if (!add.length) return ctx.fail("ValidationException", "Tags must not be empty");
  if (c._tags.length + add.filter((t) => !c._tags.some((x: SimRecord) => x.Key === t.Key)).length > 50) return ctx.fail("TooManyTagsException", "the request contains too many tags");
  mergeTags(c, add);
  return {};
});

const RemoveTagsFromCertificate = handler<ACM, "RemoveTagsFromCertificate">((input, ctx) => {
  const c = get(ctx, input.CertificateArn);
  // A tag given with a value is removed only when the value matches (RemoveTagsFromCertificate).
  for (const t of checkTags(ctx, input.Tags)) c._tags = c._tags.filter((x: SimRecord) => !(x.Key === t.Key && (t.Value === undefined || x.Value === t.Value)));
  return {};
});

const DeleteCertificate = handler<ACM, "DeleteCertificate">((input, ctx) => {
  const c = get(ctx, input.CertificateArn);
  const users = inUseBy(ctx, c.CertificateArn, ctx.region);
  if (users.length) return ctx.fail("ResourceInUseException", `Certificate ${c.CertificateArn} in account ${ctx.accountId} is in use by ${users.join(", ")}.`);
  delete certificates(ctx)[c.CertificateArn];
  return {};
});

/** Simulated ACM (behaviour: acm.md beside this file). */
export const acmService: SimService = defineService<ACM>({
  clientName: "ACMClient",
  key: "acm",
  exception: ACMServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {
    RequestCertificate,
    DescribeCertificate,
    ListCertificates,
    ListTagsForCertificate,
    AddTagsToCertificate,
    RemoveTagsFromCertificate,
    DeleteCertificate,
  },
});
