/** certificate-validation (src/resources/certificate-validation.ts) against the sandbox (src/sandbox/services/acm.ts, src/sandbox/services/route53.ts): find, create, rerun, drift, delete. */
import { lifecycle } from "../helpers/kind.js";

lifecycle("certificate-validation:api", {
  // The certificate exists (its own node): the first up only waits for it to be ISSUED.
  createAction: "noop",
  noDrift: "the node owns nothing: it waits for the certificate to be ISSUED (the certificate and its record are their own nodes)",
});
