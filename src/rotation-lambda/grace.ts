/**
 * SM-04: when rotating a signing key would cut valid tokens. Shared by `opsctl rotate-keys` and the
 * rotation Lambda, so both apply the same rule. Pure: no SDK, no engine (it is bundled into the Lambda).
 *
 * Only one previous version stays verifiable (the API reads AWSCURRENT + AWSPREVIOUS, api/src/keys/keyring.ts).
 * A rotation moves AWSPREVIOUS to the current key and drops the key that is AWSPREVIOUS now. That key
 * stopped signing when the current key took over (the current key's createdAt), so tokens it signed live
 * until createdAt + the purpose's token lifetime: rotating before then makes them unverifiable.
 */

/** The three purposes (the API package's PURPOSES, repeated here as a type-only mirror for the bundle). */
export type GracePurpose = "active_session" | "verify_email_session" | "password_reset_session";

/**
 * Token lifetimes of SPEC.md's contract (upper bounds): a rotated-out key must stay verifiable this long.
 * Equal to the API's TOKEN_LIFETIME_MS (a test checks they never drift apart).
 */
export const GRACE_MS: Record<GracePurpose, number> = {
  active_session: 7 * 24 * 3600_000,
  verify_email_session: 24 * 3600_000,
  password_reset_session: 30 * 60_000,
};

/** The purpose of a signing-key secret `<env>/signing/<purpose>` (name or ARN), or undefined. */
export function purposeOfSecret(nameOrArn: string): GracePurpose | undefined {
  const m = /\/signing\/([a-z_]+?)(-[A-Za-z0-9]{6})?$/.exec(nameOrArn);
  const p = m?.[1];
  return p && p in GRACE_MS ? (p as GracePurpose) : undefined;
}

/** A rotation that would cut valid tokens: the key that is AWSPREVIOUS since `since` must verify until `until`. */
export interface GraceViolation {
  since: number;
  until: number;
}

/**
 * Whether rotating now would drop a key that may still have signed a live token.
 * @param currentCreatedAt - createdAt of the AWSCURRENT key (ms): when the AWSPREVIOUS key stopped signing
 * @param hasPrevious - whether an AWSPREVIOUS key exists (without one, a rotation drops nothing)
 */
export function graceViolation(currentCreatedAt: number, hasPrevious: boolean, graceMs: number, now: number): GraceViolation | undefined {
  if (!hasPrevious) return undefined;
  const until = currentCreatedAt + graceMs;
  return now < until ? { since: currentCreatedAt, until } : undefined;
}
