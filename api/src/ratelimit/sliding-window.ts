/**
 * Sliding-window rate limiter in Redis (API-03): one Lua script over one sorted set per key, using
 * Redis's own clock (TIME), so every task shares the same window and no client clock skews it. Each
 * check is one round trip (EVALSHA; EVAL once if the script cache was flushed). All keys of one check
 * are admitted together or not at all, and refused attempts are not recorded, so a client that keeps
 * hammering is refused exactly until its oldest admitted attempt leaves the window.
 */
import { createHash, randomBytes } from "node:crypto";

/** Result of one check. */
export interface RateLimitResult {
  allowed: boolean;
  /** Milliseconds until an attempt would be admitted (0 when allowed). */
  retryAfterMs: number;
}

/** The subset of a node-redis client the limiter uses. */
export interface ScriptRunner {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * KEYS: the sorted sets. ARGV: limit, window in ms, member id.
 * Scores are Redis-clock microseconds; members are unique per attempt.
 */
export const SLIDING_WINDOW_LUA = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2]) * 1000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local retry = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local wait = tonumber(oldest[2]) + window - now
    if wait > retry then retry = wait end
  end
end
if retry > 0 then
  return {0, retry}
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, math.ceil(window / 1000))
end
return {1, 0}
`;

const SHA = createHash("sha1").update(SLIDING_WINDOW_LUA).digest("hex");

/** Checks and records attempts against `limit` per `windowMs`. */
export class SlidingWindowLimiter {
  constructor(
    private readonly redis: ScriptRunner,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly prefix = "rl:",
  ) {}

  /** Admits one attempt if every key is under its limit, recording it in all of them. */
  async hit(keys: string[]): Promise<RateLimitResult> {
    const opts = {
      keys: keys.map((k) => this.prefix + k),
      arguments: [String(this.limit), String(this.windowMs), `${Date.now()}-${randomBytes(8).toString("hex")}`],
    };
    let res: unknown;
    try {
      res = await this.redis.evalSha(SHA, opts);
    } catch (e) {
      if (!String((e as Error).message).includes("NOSCRIPT")) throw e;
      res = await this.redis.eval(SLIDING_WINDOW_LUA, opts);
    }
    const [ok, retryUs] = res as [number, number];
    return { allowed: ok === 1, retryAfterMs: ok === 1 ? 0 : Math.ceil(Number(retryUs) / 1000) };
  }
}
