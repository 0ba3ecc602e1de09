/**
 * Keyrings of PASETO v4.public keys, one per purpose: AWSCURRENT signs and verifies, AWSPREVIOUS only
 * verifies, and only while it may still have signed a live token (the purpose's token lifetime after
 * the current key took over). Keys come from a local SIGNING_KEYS_FILE or from the three signing-key
 * secrets; they are refreshed on a timer, and an unknown kid triggers at most one refresh per
 * purpose per `unknownKidRefreshMs`.
 */
import { readFile } from "node:fs/promises";
import { PublicProtocol } from "paseto";
import * as v4 from "paseto/v4/public";
import { PURPOSES, parseSigningKey, type Purpose, type SigningKey } from "./signing-key.js";
import type { SecretSource } from "../config/secrets.js";

const protocol = new PublicProtocol(v4.ImportPublicKeyFactory, v4.ImportSecretKeyFactory);

/** Upper bounds of token lifetimes per purpose (SPEC.md contract), in milliseconds. */
export const TOKEN_LIFETIME_MS: Record<Purpose, number> = {
  active_session: 7 * 24 * 3600_000,
  verify_email_session: 24 * 3600_000,
  password_reset_session: 30 * 60_000,
};

/** A key with its imported crypto handles. */
export interface LoadedKey {
  meta: SigningKey;
  publicKey: v4.PublicKey;
  secretKey?: v4.SecretKey;
}

/** The keys of one purpose. */
export interface PurposeKeys {
  current: LoadedKey;
  previous?: LoadedKey;
}

/** Where the raw keys come from. */
export interface KeyLoader {
  load(purpose: Purpose, fresh: boolean): Promise<{ current: SigningKey; previous?: SigningKey }>;
}

/** Loads keys from a SIGNING_KEYS_FILE: `{"active_session": {"current": key, "previous"?: key}, …}`. */
export class FileKeyLoader implements KeyLoader {
  constructor(private readonly path: string) {}
  async load(purpose: Purpose): Promise<{ current: SigningKey; previous?: SigningKey }> {
    const all = JSON.parse(await readFile(this.path, "utf8")) as Record<string, { current?: unknown; previous?: unknown }>;
    const entry = all[purpose];
    if (!entry?.current) throw new Error(`${this.path}: no current key for ${purpose}`);
    return { current: parseSigningKey(entry.current), previous: entry.previous ? parseSigningKey(entry.previous) : undefined };
  }
}

/** Loads keys from the signing-key secrets (AWSCURRENT and AWSPREVIOUS). */
export class SecretKeyLoader implements KeyLoader {
  constructor(
    private readonly secrets: SecretSource,
    private readonly arns: Record<Purpose, string>,
  ) {}
  async load(purpose: Purpose, fresh: boolean): Promise<{ current: SigningKey; previous?: SigningKey }> {
    const [cur, prev] = await Promise.all([
      this.secrets.getJson(this.arns[purpose], "AWSCURRENT", { fresh }),
      this.secrets.getJson(this.arns[purpose], "AWSPREVIOUS", { fresh }),
    ]);
    return { current: parseSigningKey(cur), previous: prev === undefined ? undefined : parseSigningKey(prev) };
  }
}

async function importKey(meta: SigningKey, withSecret: boolean): Promise<LoadedKey> {
  return {
    meta,
    publicKey: await protocol.ImportPublicKey(meta.publicKey as `k4.public.${string}`),
    secretKey: withSecret ? await protocol.ImportSecretKey(meta.secretKey as `k4.secret.${string}`) : undefined,
  };
}

/** Holds and refreshes the keys of every purpose. */
export class Keyring {
  private keys = new Map<Purpose, PurposeKeys>();
  private lastUnknownRefresh = new Map<Purpose, number>();
  private refreshing = new Map<Purpose, Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly loader: KeyLoader,
    private readonly opts: { unknownKidRefreshMs?: number; now?: () => number; onError?: (e: unknown) => void } = {},
  ) {}

  /** Loads every purpose; throws if any is missing or malformed. */
  async init(): Promise<void> {
    await Promise.all(PURPOSES.map((p) => this.refresh(p, false)));
  }

  /** Refreshes every `intervalMs`; errors keep the previous keys and are reported to `onError`. */
  startTimer(intervalMs: number): void {
    this.timer = setInterval(() => {
      for (const p of PURPOSES) this.refresh(p, true).catch((e: unknown) => this.opts.onError?.(e));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reloads one purpose (shared by concurrent callers). */
  refresh(purpose: Purpose, fresh: boolean): Promise<void> {
    const running = this.refreshing.get(purpose);
    if (running) return running;
    const p = (async () => {
      const raw = await this.loader.load(purpose, fresh);
      const old = this.keys.get(purpose);
      const reuse = async (k: SigningKey, secret: boolean): Promise<LoadedKey> => {
        for (const o of [old?.current, old?.previous]) {
          if (o && o.meta.kid === k.kid && (!secret || o.secretKey)) return o;
        }
        return importKey(k, secret);
      };
      const current = await reuse(raw.current, true);
      const previous = raw.previous && raw.previous.kid !== raw.current.kid ? await reuse(raw.previous, false) : undefined;
      this.keys.set(purpose, { current, previous });
    })().finally(() => this.refreshing.delete(purpose));
    this.refreshing.set(purpose, p);
    return p;
  }

  /** The key that signs new tokens of this purpose. */
  signingKey(purpose: Purpose): LoadedKey {
    const k = this.keys.get(purpose);
    if (!k) throw new Error(`keyring not loaded for ${purpose}`);
    return k.current;
  }

  /**
   * The verification key for `kid` in this purpose's keyring only, or `undefined`. The previous key
   * is accepted while `now` is within the purpose's token lifetime after the current key's createdAt.
   * An unknown kid causes one refresh (at most one per `unknownKidRefreshMs` per purpose).
   */
  async verificationKey(purpose: Purpose, kid: string): Promise<LoadedKey | undefined> {
    const found = this.lookup(purpose, kid);
    if (found !== "unknown") return found;
    const now = (this.opts.now ?? Date.now)();
    const last = this.lastUnknownRefresh.get(purpose) ?? -Infinity;
    if (now - last < (this.opts.unknownKidRefreshMs ?? 30_000)) {
      // No new refresh, but one may be running for a concurrent request: its result counts.
      const running = this.refreshing.get(purpose);
      if (!running) return undefined;
      await running.catch(() => undefined);
      const after = this.lookup(purpose, kid);
      return after === "unknown" ? undefined : after;
    }
    this.lastUnknownRefresh.set(purpose, now);
    try {
      await this.refresh(purpose, true);
    } catch (e) {
      this.opts.onError?.(e);
      return undefined;
    }
    const again = this.lookup(purpose, kid);
    return again === "unknown" ? undefined : again;
  }

  private lookup(purpose: Purpose, kid: string): LoadedKey | undefined | "unknown" {
    const k = this.keys.get(purpose);
    if (!k) return "unknown";
    if (k.current.meta.kid === kid) return k.current;
    if (k.previous && k.previous.meta.kid === kid) {
      const now = (this.opts.now ?? Date.now)();
      const switchedAt = Date.parse(k.current.meta.createdAt);
      // Rotated out for longer than any token it signed can live: no longer accepted.
      return now <= switchedAt + TOKEN_LIFETIME_MS[purpose] ? k.previous : undefined;
    }
    return "unknown";
  }
}
