/**
 * Resource kind `certificate-validation`.
 * Tests: test/resources/certificate-validation.test.ts.
 * Sandbox: src/sandbox/services/acm.ts, src/sandbox/services/route53.ts.
 */
import type { ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { hasUnknown } from "../engine/plan.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { describeCertificate, type CertificateActual } from "./certificate.js";

/**
 * ALB-03 / CDN-02: waits until a DNS-validated certificate is ISSUED, the way Terraform's
 * aws_acm_certificate_validation does. It creates nothing in AWS: it exists as soon as the certificate
 * does and is ready once ACM has seen the validation record and issued the certificate.
 */
export interface CertificateValidationSpec {
  certificateArn: string;
  region: string;
}

export const certificateValidation: ResourceKind<CertificateValidationSpec, CertificateActual, ResourceContext, { id: string; arn: string; status: string | undefined }> = {
  kind: "certificate-validation",
  budget: { create: slowMs("acm.certificate.issue"), delete: 60_000 },
  typicalCreateMs: typicalMs("acm.certificate.issue"),

  async find(ctx, spec) {
    // Nothing of its own to find when only the node id is known (down, status without a spec).
    if (!spec || hasUnknown(spec.certificateArn)) return undefined;
    return describeCertificate(ctx, spec.region, spec.certificateArn);
  },
  findAll: async () => [],
  diff: () => [],
  async create(ctx, spec) {
    // Only reached when the certificate is not visible yet (just requested): ask again.
    const a = await describeCertificate(ctx, spec.region, spec.certificateArn);
    if (!a) throw new TryAgainLater(`certificate ${spec.certificateArn} not visible yet`, 2_000);
    return a;
  },
  update: async (_ctx, _spec, a) => a,
  // Deleting the validation deletes nothing: the certificate node owns the certificate, the dns-record node the record.
  delete: async () => undefined,
  refresh: (ctx, { cert, region }) => describeCertificate(ctx, region, cert.CertificateArn!),
  isReady: ({ cert }) => cert.Status === "ISSUED",
  failure: ({ cert }) =>
    cert.Status === "PENDING_VALIDATION" || cert.Status === "ISSUED"
      ? undefined
      : `certificate ${cert.Status}: ${cert.FailureReason ?? "validation did not succeed"}; check the validation record in the hosted zone, delete the certificate and run up again`,
  describe: ({ cert }) => ({
    id: `${cert.CertificateArn!}#validation`,
    state: cert.Status === "ISSUED" ? "issued" : (cert.Status ?? "unknown").toLowerCase(),
    healthy: cert.Status === "ISSUED",
    details: { issuedAt: cert.IssuedAt?.toISOString(), validation: cert.DomainValidationOptions?.map((o) => `${o.DomainName}:${o.ValidationStatus}`) },
  }),
  outputs: ({ cert }) => ({ id: cert.CertificateArn!, arn: cert.CertificateArn!, status: cert.Status }),
};
