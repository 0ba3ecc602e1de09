/**
 * SM-04 and the "Signing-key secrets" contract of SPEC.md: the key format is the API package's own
 * code (api/src/keys/signing-key.ts), imported through the package's `./signing-key` export so opsctl
 * and the API can never disagree.
 */
export { generateSigningKey, parseSigningKey, PURPOSES, type Purpose, type SigningKey } from "@opsctl/api/signing-key";

/** The Secrets Manager name of a purpose's signing key: `<env>/signing/<purpose>`. */
export function signingSecretName(env: string, purpose: string): string {
  return `${env}/signing/${purpose}`;
}
