/**
 * PASETO v4.public tokens (API-06). The purpose name is the implicit assertion, so a token of one
 * purpose never verifies as another; the footer carries `{"kid": "k4.pid.…"}`, looked up only in that
 * purpose's keyring; claims `exp`, `iat`, `aud` and `purpose` are checked.
 */
import { PublicProtocol, InspectFooter } from "paseto";
import * as v4 from "paseto/v4/public";
import { randomUUID } from "node:crypto";
import { TOKEN_LIFETIME_MS, type Keyring } from "../keys/keyring.js";
import type { Purpose } from "../keys/signing-key.js";

const protocol = new PublicProtocol(v4.SignFactory, v4.VerifyFactory);
const enc = new TextEncoder();
const dec = new TextDecoder();
const MAX_TOKEN_LENGTH = 2048;

/** Token lifetimes actually used (at or below the SPEC's upper bounds), in seconds. */
export const TOKEN_TTL_SECONDS: Record<Purpose, number> = {
  active_session: TOKEN_LIFETIME_MS.active_session / 1000,
  verify_email_session: TOKEN_LIFETIME_MS.verify_email_session / 1000,
  password_reset_session: TOKEN_LIFETIME_MS.password_reset_session / 1000,
};

/** Verified claims. */
export interface TokenClaims {
  sub: string;
  sid?: string;
  jti?: string;
  exp: string;
  iat: string;
}

/** Raised for every token that must be refused; the reason is for logs only, never for clients. */
export class TokenError extends Error {
  override readonly name = "TokenError";
}

/** Signs and verifies tokens of the three purposes. */
export class TokenService {
  constructor(
    private readonly keyring: Keyring,
    private readonly audience: string,
  ) {}

  /** Signs a token; `sid` for sessions, `jti` for single-use tokens. */
  async sign(purpose: Purpose, claims: { sub: string; sid?: string; jti?: string }, opts: { now?: Date } = {}): Promise<{ token: string; expiresAt: Date }> {
    const key = this.keyring.signingKey(purpose);
    if (!key.secretKey) throw new Error(`no secret key for ${purpose}`);
    const now = opts.now ?? new Date();
    const ttl = TOKEN_TTL_SECONDS[purpose];
    const token = await protocol.Sign(
      key.secretKey,
      { ...claims, aud: this.audience, purpose },
      { footer: enc.encode(JSON.stringify({ kid: key.meta.kid })), implicitAssertion: enc.encode(purpose), expiresIn: ttl, now },
    );
    // PASETO timestamps have second precision; report the instant the token really expires.
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + ttl * 1000);
    return { token, expiresAt };
  }

  /** Verifies a token for `purpose`; throws {@link TokenError} for any reason to refuse it. */
  async verify(purpose: Purpose, token: string, opts: { now?: Date } = {}): Promise<TokenClaims> {
    if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH || !token.startsWith("v4.public.")) {
      throw new TokenError("malformed token");
    }
    let kid: unknown;
    try {
      const footer = JSON.parse(dec.decode(InspectFooter(token))) as { kid?: unknown };
      kid = footer?.kid;
    } catch {
      throw new TokenError("unreadable footer");
    }
    if (typeof kid !== "string" || !kid.startsWith("k4.pid.")) throw new TokenError("no kid");
    const key = await this.keyring.verificationKey(purpose, kid);
    if (!key) throw new TokenError("unknown kid");
    let claims: Record<string, unknown>;
    try {
      const res = await protocol.Verify(key.publicKey, token, {
        implicitAssertion: enc.encode(purpose),
        audience: this.audience,
        requiredClaims: ["sub", "iat", "exp", "purpose"],
        maxTokenAge: TOKEN_TTL_SECONDS[purpose],
        now: opts.now,
      });
      claims = res.claims as Record<string, unknown>;
    } catch (e) {
      throw new TokenError(`verification failed: ${(e as Error).message}`);
    }
    if (claims.purpose !== purpose) throw new TokenError("purpose claim mismatch");
    if (typeof claims.sub !== "string") throw new TokenError("bad sub");
    if (purpose === "active_session" && typeof claims.sid !== "string") throw new TokenError("no sid");
    if (purpose !== "active_session" && typeof claims.jti !== "string") throw new TokenError("no jti");
    return claims as unknown as TokenClaims;
  }

  /** A fresh random id for `jti`/`sid`. */
  static newId(): string {
    return randomUUID();
  }
}
