/** certificate (src/resources/certificate.ts) against the sandbox (src/sandbox/services/acm.ts): find, create, rerun, drift, delete. */
import { DeleteCertificateCommand } from "@aws-sdk/client-acm";
import { lifecycle } from "../helpers/kind.js";

lifecycle("certificate:api", {
  // A certificate alone is not ISSUED (its validation record is another node).
  healthy: false,
  // A certificate has nothing to change in place: deleted, it is requested again.
  drift: async (s, id) => (await s.aws.get("acm")).send(new DeleteCertificateCommand({ CertificateArn: id })),
  driftDeletes: true,
});

// The CloudFront certificate (us-east-1) modules.test.ts covered: create, rerun, delete.
lifecycle("certificate:site", { healthy: false });
