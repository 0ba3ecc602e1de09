/**
 * Resource kind `certificate`.
 * Tests: test/resources/certificate.test.ts.
 * Sandbox: src/sandbox/services/acm.ts.
 */
import {
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
  paginateListCertificates,
  type CertificateSummary,
  type CertificateDetail,
  type KeyAlgorithm,
} from "@aws-sdk/client-acm";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { createWithToken, unseenLongEnough, type ResourceContext } from "./context.js";
import { collect, orUndefined, ownedBy, retryOn } from "./toolkit.js";

/**
 * ALB-03 / CDN-02: a DNS-validated ACM certificate for one host name. Certificates are regional: the
 * ALB's lives in the ALB's region, CloudFront's must be in us-east-1.
 */
export interface CertificateSpec {
  domainName: string;
  region: string;
}

/** The certificate as described, with the region it lives in. */
export interface CertificateActual {
  cert: CertificateDetail;
  region: string;
}

/** RSA 2048: accepted everywhere (ALB, CloudFront) and listed by ListCertificates without filters. */
const KEY_ALGORITHM: KeyAlgorithm = "RSA_2048";
/** States a certificate never leaves: such a certificate is deleted by `down`, never reused by `up`. */
const DEAD = ["VALIDATION_TIMED_OUT", "FAILED", "REVOKED", "EXPIRED", "INACTIVE"];

/** An opsctl token (`ctx.token`, or a generation of it from createWithToken) in ACM's form: at most 32 word characters (RequestCertificate, IdempotencyToken). */
export function acmIdempotencyToken(token: string): string {
  return token.replace(/^opsctl-/, "").replace(/\W/g, "").slice(0, 32);
}

async function listAll(ctx: ResourceContext, region: string): Promise<CertificateSummary[]> {
  return ctx.once(`acm:certificates:${region}`, async () => {
    const acm = await ctx.aws.get("acm", region);
    // Without Includes.keyTypes only RSA_1024/RSA_2048 certificates are listed (ListCertificates, Includes).
    return collect(paginateListCertificates({ client: acm }, { Includes: { keyTypes: [KEY_ALGORITHM] }, MaxItems: 1000 }), (p) => p.CertificateSummaryList);
  });
}

/** A certificate's tags (one read per run). */
function tagsOf(ctx: ResourceContext, region: string, arn: string) {
  return ctx.once(`acm:tags:${arn}`, async () => {
    const acm = await ctx.aws.get("acm", region);
    return (await orUndefined(acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }))))?.Tags ?? [];
  });
}

async function describeCert(ctx: ResourceContext, region: string, arn: string): Promise<CertificateActual | undefined> {
  const acm = await ctx.aws.get("acm", region);
  const r = await orUndefined(acm.send(new DescribeCertificateCommand({ CertificateArn: arn })));
  return r?.Certificate ? { cert: r.Certificate, region } : undefined;
}

async function ours(ctx: ResourceContext, region: string, domain?: string): Promise<CertificateActual[]> {
  const out: CertificateActual[] = [];
  for (const s of await listAll(ctx, region)) {
    if (domain && s.DomainName !== domain) continue;
    if (!ownedBy(ctx, await tagsOf(ctx, region, s.CertificateArn!))) continue;
    const a = await describeCert(ctx, region, s.CertificateArn!);
    if (a) out.push(a);
  }
  return out;
}

const record = (c: CertificateDetail) => c.DomainValidationOptions?.[0]?.ResourceRecord;

export const certificate: ResourceKind<CertificateSpec, CertificateActual, ResourceContext, { id: string; arn: string; validationName: string | undefined; validationValue: string | undefined; status: string | undefined }> = {
  kind: "certificate",
  budget: { create: 5 * 60_000, delete: 5 * 60_000 },
  // Requesting is quick; issuance is waited for by the certificate-validation node.
  typicalCreateMs: 5_000,

  async find(ctx, spec) {
    if (!spec) return (await this.findAll!(ctx)).find((a) => !DEAD.includes(a.cert.Status!));
    return (await ours(ctx, spec.region, spec.domainName.toLowerCase())).find((a) => !DEAD.includes(a.cert.Status!));
  },
  async findAll(ctx) {
    // Without a spec the region is unknown: the env's region and us-east-1 (CloudFront's certificates).
    const regions = [...new Set([ctx.region, "us-east-1"])];
    return (await Promise.all(regions.map((r) => ours(ctx, r)))).flat();
  },
  diff(spec, { cert, region }) {
    const c: FieldChange[] = [];
    if (cert.DomainName !== spec.domainName.toLowerCase()) c.push({ field: "DomainName", from: cert.DomainName, to: spec.domainName, replace: true });
    if (region !== spec.region) c.push({ field: "region", from: region, to: spec.region, replace: true });
    return c;
  },
  async create(ctx, spec) {
    const acm = await ctx.aws.get("acm", spec.region);
    const domain = spec.domainName.toLowerCase();
    // Same token within an hour → the same certificate (a retried request after a crash); later, the tags find it.
    // A token that answers a certificate deleted out of band (or one that can never be issued) moves on to the next generation.
    let a: CertificateActual | undefined;
    const r = await createWithToken(
      ctx,
      [domain, spec.region],
      (token) => acm.send(new RequestCertificateCommand({ DomainName: domain, ValidationMethod: "DNS", KeyAlgorithm: KEY_ALGORITHM, IdempotencyToken: acmIdempotencyToken(token), Tags: ctx.tags() })),
      async (x) => {
        a = await describeCert(ctx, spec.region, x.CertificateArn!);
        return a ? DEAD.includes(a.cert.Status!) : unseenLongEnough(ctx, x.CertificateArn!);
      },
    );
    ctx.forget(`acm:certificates:${spec.region}`);
    return a ?? { cert: { CertificateArn: r.CertificateArn, DomainName: domain, Status: "PENDING_VALIDATION" }, region: spec.region };
  },
  update: async (_ctx, _spec, a) => a,
  async delete(ctx, { cert, region }) {
    const acm = await ctx.aws.get("acm", region);
    // In use by a listener or distribution that is still being deleted: try again later.
    await retryOn(["ResourceInUseException"], ctx.node, () => orUndefined(acm.send(new DeleteCertificateCommand({ CertificateArn: cert.CertificateArn }))));
  },
  async blockers(ctx, { cert, region }) {
    return (await describeCert(ctx, region, cert.CertificateArn!))?.cert.InUseBy ?? [];
  },
  refresh: (ctx, { cert, region }) => describeCert(ctx, region, cert.CertificateArn!),
  // Ready once ACM has published the validation record (a few seconds after the request), not when issued:
  // the record is written by a dns-record node and issuance is awaited by a certificate-validation node.
  isReady: ({ cert }) => (cert.DomainValidationOptions ?? []).length > 0 && (cert.DomainValidationOptions ?? []).every((o) => o.ResourceRecord),
  failure: ({ cert }) => (DEAD.includes(cert.Status!) ? `certificate ${cert.Status} (${cert.FailureReason ?? "no reason given"}); delete it and run up again` : undefined),
  describe: ({ cert, region }) => ({
    id: cert.CertificateArn!,
    state: cert.Status ?? "unknown",
    healthy: cert.Status === "ISSUED",
    details: { domain: cert.DomainName, region, notAfter: cert.NotAfter?.toISOString(), inUseBy: cert.InUseBy },
  }),
  outputs: ({ cert }) => ({
    id: cert.CertificateArn!,
    arn: cert.CertificateArn!,
    validationName: record(cert)?.Name,
    validationValue: record(cert)?.Value,
    status: cert.Status,
  }),
};

/** Used by the certificate-validation module: the certificate `arn` in `region`, as described now. */
export function describeCertificate(ctx: ResourceContext, region: string, arn: string): Promise<CertificateActual | undefined> {
  return describeCert(ctx, region, arn);
}
