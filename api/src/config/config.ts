/**
 * Configuration from the environment (SPEC.md, "Configuration by environment"). Local mode reads the
 * values directly (DATABASE_URL, REDIS_URL, SMTP_URL, SIGNING_KEYS_FILE); in AWS the `*_SECRET_ARN`
 * forms name Secrets Manager secrets instead. Invalid configuration fails at start with one message
 * per variable.
 */
import { z } from "zod";
import { PURPOSES, type Purpose } from "../keys/signing-key.js";

/** A rate limit: `limit` requests per `windowMs` sliding window. */
export interface RateLimitSpec {
  limit: number;
  windowMs: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `N/window` such as `10/15m`, `5/3s`, `100/1h`. */
export function parseRateLimit(value: string): RateLimitSpec {
  const m = /^(\d{1,6})\/(\d{1,6})(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new Error(`expected N/window such as 10/15m, got ${JSON.stringify(value)}`);
  const limit = Number(m[1]);
  const windowMs = Number(m[2]) * UNIT_MS[m[3]];
  if (limit < 1 || windowMs < 1) throw new Error("limit and window must be positive");
  return { limit, windowMs };
}

/** Where a value comes from: given directly (local mode) or by secret ARN (AWS). */
export type Source<T> = { kind: "local"; value: T } | { kind: "secret"; arn: string };

/** The parsed configuration of the API. */
export interface Config {
  port: number;
  host: string;
  logLevel: string;
  database: Source<string> & { iamAuth: boolean; iamUser?: string; tls: boolean };
  redis: Source<string>;
  smtp: Source<string>;
  mailFrom: string;
  appOrigins: string[];
  publicUrl: string;
  /** Token audience: the origin of PUBLIC_URL. */
  audience: string;
  trustProxy: string[] | false;
  authRateLimit: RateLimitSpec;
  /** Prefix of the rate-limit keys in Redis (lets several environments share one Redis). */
  rateLimitPrefix: string;
  signingKeys: { kind: "file"; path: string } | { kind: "secret"; arns: Record<Purpose, string> };
  s3: { bucket: string; endpoint?: string; region: string };
  secretsCacheMs: number;
  keyRefreshMs: number;
  shutdownGraceMs: number;
  attachmentMaxBytes: number;
}

const cidr = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, "expected an IP address or CIDR");

/** Reads and validates the configuration; throws one Error listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const need = (name: string): string => {
    const v = env[name];
    if (!v) problems.push(`${name} is required`);
    return v ?? "";
  };
  const either = (local: string, arn: string): Source<string> => {
    if (env[arn]) return { kind: "secret", arn: env[arn] as string };
    if (env[local]) return { kind: "local", value: env[local] as string };
    problems.push(`${local} or ${arn} is required`);
    return { kind: "local", value: "" };
  };
  const num = (name: string, dflt: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`${name} must be an integer in ${min}..${max}`);
    return n;
  };

  const database = either("DATABASE_URL", "DATABASE_SECRET_ARN");
  const iamAuth = env.DATABASE_IAM_AUTH === "true";
  if (iamAuth && database.kind !== "secret") problems.push("DATABASE_IAM_AUTH=true needs DATABASE_SECRET_ARN");
  const redis = either("REDIS_URL", "REDIS_SECRET_ARN");
  const smtp = either("SMTP_URL", "SMTP_SECRET_ARN");
  const mailFrom = need("MAIL_FROM");
  const publicUrl = need("PUBLIC_URL");
  let audience = "";
  try {
    audience = new URL(publicUrl).origin;
  } catch {
    if (publicUrl) problems.push("PUBLIC_URL must be an absolute URL");
  }
  const appOrigins = (env.APP_ORIGINS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of appOrigins) {
    try {
      if (new URL(o).origin !== o) problems.push(`APP_ORIGINS: ${o} is not an origin (scheme://host[:port])`);
    } catch {
      problems.push(`APP_ORIGINS: ${o} is not an origin`);
    }
  }
  let trustProxy: string[] | false = false;
  if (env.TRUST_PROXY) {
    const parts = env.TRUST_PROXY.split(",").map((s) => s.trim());
    for (const p of parts) if (!cidr.safeParse(p).success) problems.push(`TRUST_PROXY: ${p} is not a CIDR`);
    if (parts.some((p) => p === "0.0.0.0/0" || p === "::/0")) problems.push("TRUST_PROXY must not trust every address");
    trustProxy = parts;
  }
  let authRateLimit: RateLimitSpec = { limit: 10, windowMs: 15 * 60_000 };
  if (env.AUTH_RATE_LIMIT) {
    try {
      authRateLimit = parseRateLimit(env.AUTH_RATE_LIMIT);
    } catch (e) {
      problems.push(`AUTH_RATE_LIMIT: ${(e as Error).message}`);
    }
  }
  let signingKeys: Config["signingKeys"];
  const arns = Object.fromEntries(PURPOSES.map((p) => [p, env[`SIGNING_KEY_${p.toUpperCase()}_SECRET_ARN`] ?? ""])) as Record<
    Purpose,
    string
  >;
  if (PURPOSES.every((p) => arns[p])) signingKeys = { kind: "secret", arns };
  else if (env.SIGNING_KEYS_FILE) signingKeys = { kind: "file", path: env.SIGNING_KEYS_FILE };
  else {
    problems.push("SIGNING_KEYS_FILE or all three SIGNING_KEY_<PURPOSE>_SECRET_ARN are required");
    signingKeys = { kind: "file", path: "" };
  }
  const bucket = need("S3_BUCKET");
  const config: Config = {
    port: num("PORT", 3000, 0, 65535),
    host: env.HOST || "0.0.0.0",
    logLevel: env.LOG_LEVEL || "info",
    database: { ...database, iamAuth, iamUser: env.DATABASE_IAM_USER || undefined, tls: database.kind === "secret" || env.DATABASE_TLS === "rds" },
    redis,
    smtp,
    mailFrom,
    appOrigins,
    publicUrl,
    audience,
    trustProxy,
    authRateLimit,
    rateLimitPrefix: env.RATE_LIMIT_PREFIX || "rl:",
    signingKeys,
    s3: { bucket, endpoint: env.S3_ENDPOINT || undefined, region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1" },
    secretsCacheMs: num("SECRETS_CACHE_SECONDS", 300, 1, 86_400) * 1000,
    keyRefreshMs: num("KEY_REFRESH_SECONDS", 300, 1, 86_400) * 1000,
    shutdownGraceMs: num("SHUTDOWN_GRACE_SECONDS", 25, 1, 600) * 1000,
    attachmentMaxBytes: num("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, 1, 100 * 1024 * 1024),
  };
  if (problems.length) throw new Error(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
  return config;
}
