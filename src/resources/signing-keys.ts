/**
 * SM-04 and the "Signing-key secrets" contract of SPEC.md: the key format is the API package's own
 * code (api/src/keys/signing-key.ts), imported through the package's `./signing-key` export so opsctl
 * and the API can never disagree.
 */
import { parseSigningKey } from "@opsctl/api/signing-key";
export { generateSigningKey, parseSigningKey, PURPOSES, type Purpose, type SigningKey } from "@opsctl/api/signing-key";

/** The Secrets Manager name of a purpose's signing key: `<env>/signing/<purpose>`. */
export function signingSecretName(env: string, purpose: string): string {
  return `${env}/signing/${purpose}`;
}

/**
 * What is wrong with a signing-key secret value (SPEC.md format), or undefined when it is a key.
 * Names the field, never the key material (JSON.parse's own message would quote the text).
 */
export function signingKeyProblem(value: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return "not JSON";
  }
  try {
    parseSigningKey(v);
    return undefined;
  } catch (e) {
    return `not a signing key in the SPEC.md format (${(e as Error).message.replace(/^signing key: /, "")})`;
  }
}
