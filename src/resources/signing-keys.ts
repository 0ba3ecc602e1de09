/**
 * SM-04 and the "Signing-key secrets" contract of SPEC.md: the key format is the API package's own
 * code (api/src/keys/signing-key.ts), imported here so opsctl and the API can never disagree.
 */
export { generateSigningKey, parseSigningKey, PURPOSES, type Purpose, type SigningKey } from "../../api/src/keys/signing-key.js";

/** The Secrets Manager name of a purpose's signing key: `<env>/signing/<purpose>`. */
export function signingSecretName(env: string, purpose: string): string {
  return `${env}/signing/${purpose}`;
}
