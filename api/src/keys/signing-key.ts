/**
 * Signing keys for PASETO v4.public in the secret format of SPEC.md ("Contracts between opsctl and the
 * API package"): `{"kid": "k4.pid.…", "secretKey": "k4.secret.…", "publicKey": "k4.public.…", "createdAt": ISO-8601}`.
 *
 * Pure module: depends only on node:crypto and @noble/hashes, so the opsctl CLI can reuse it for
 * `rotate-keys` without pulling in the API server.
 */
import { generateKeyPairSync, createPublicKey, createPrivateKey, type KeyObject } from "node:crypto";
import { blake2b } from "@noble/hashes/blake2.js";

/** The three token purposes; each has its own key and its own keyring. */
export const PURPOSES = ["active_session", "verify_email_session", "password_reset_session"] as const;
/** One of {@link PURPOSES}. */
export type Purpose = (typeof PURPOSES)[number];

/** A signing key as stored in a signing-key secret (one Secrets Manager version). */
export interface SigningKey {
  /** PASERK `k4.pid` of the public key; tokens carry it in their footer. */
  kid: string;
  /** PASERK `k4.secret` (64 bytes: Ed25519 seed followed by the public key). */
  secretKey: string;
  /** PASERK `k4.public` (32-byte Ed25519 public key). */
  publicKey: string;
  /** When the key was made (ISO 8601). */
  createdAt: string;
}

const PID_HEADER = "k4.pid.";
const PUBLIC_HEADER = "k4.public.";
const SECRET_HEADER = "k4.secret.";

/**
 * PASERK `k4.pid` of a `k4.public.…` string: "k4.pid." + base64url(BLAKE2b-264("k4.pid." + paserk)).
 * Node's crypto offers BLAKE2b only with a 512-bit output, hence @noble/hashes.
 */
export function paserkPublicId(publicPaserk: string): string {
  if (!publicPaserk.startsWith(PUBLIC_HEADER)) throw new Error("not a k4.public PASERK");
  const digest = blake2b(new TextEncoder().encode(PID_HEADER + publicPaserk), { dkLen: 33 });
  return PID_HEADER + Buffer.from(digest).toString("base64url");
}

/** `k4.public.…` for a raw 32-byte Ed25519 public key. */
export function publicPaserkFromBytes(raw: Uint8Array): string {
  if (raw.length !== 32) throw new Error("an Ed25519 public key has 32 bytes");
  return PUBLIC_HEADER + Buffer.from(raw).toString("base64url");
}

function rawKeys(privateKey: KeyObject): { seed: Buffer; pub: Buffer } {
  const jwk = privateKey.export({ format: "jwk" });
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || !jwk.d || !jwk.x) throw new Error("not an Ed25519 key");
  return { seed: Buffer.from(jwk.d, "base64url"), pub: Buffer.from(jwk.x, "base64url") };
}

/**
 * Makes a new Ed25519 key pair in the signing-key secret format.
 * @param now - creation time recorded in `createdAt`
 */
export function generateSigningKey(now: Date = new Date()): SigningKey {
  const { privateKey } = generateKeyPairSync("ed25519");
  const { seed, pub } = rawKeys(privateKey);
  const publicKey = publicPaserkFromBytes(pub);
  return {
    kid: paserkPublicId(publicKey),
    secretKey: SECRET_HEADER + Buffer.concat([seed, pub]).toString("base64url"),
    publicKey,
    createdAt: now.toISOString(),
  };
}

/**
 * Checks that a parsed secret is a well-formed signing key whose parts agree: the public key is the
 * one of the secret key, and the kid is the public key's k4.pid. Throws with a reason otherwise.
 */
export function parseSigningKey(value: unknown): SigningKey {
  if (typeof value !== "object" || value === null) throw new Error("signing key: not an object");
  const v = value as Record<string, unknown>;
  for (const f of ["kid", "secretKey", "publicKey", "createdAt"]) {
    if (typeof v[f] !== "string") throw new Error(`signing key: ${f} missing`);
  }
  const key = { kid: v.kid, secretKey: v.secretKey, publicKey: v.publicKey, createdAt: v.createdAt } as SigningKey;
  if (!key.secretKey.startsWith(SECRET_HEADER)) throw new Error("signing key: secretKey is not k4.secret");
  const secretRaw = Buffer.from(key.secretKey.slice(SECRET_HEADER.length), "base64url");
  if (secretRaw.length !== 64) throw new Error("signing key: k4.secret must hold 64 bytes");
  const seed = secretRaw.subarray(0, 32);
  // Derive the public key from the seed through a PKCS#8 wrapper (RFC 8410 prefix for Ed25519).
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const derived = rawKeys(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).pub;
  if (!derived.equals(secretRaw.subarray(32))) throw new Error("signing key: secretKey halves disagree");
  if (publicPaserkFromBytes(derived) !== key.publicKey) throw new Error("signing key: publicKey does not match secretKey");
  if (paserkPublicId(key.publicKey) !== key.kid) throw new Error("signing key: kid is not the k4.pid of publicKey");
  if (Number.isNaN(Date.parse(key.createdAt))) throw new Error("signing key: createdAt is not a date");
  // Validate the public key once more through node:crypto so a malformed point is caught here.
  createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: derived.toString("base64url") }, format: "jwk" });
  return key;
}
