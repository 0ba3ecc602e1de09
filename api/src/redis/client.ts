/**
 * The Redis client (node-redis). Locally from REDIS_URL; in AWS from the Redis secret
 * (`host`, `port`, `authToken`) over TLS, as ElastiCache in-transit encryption requires.
 */
import { createClient } from "redis";
import type { Config } from "../config/config.js";
import type { SecretSource } from "../config/secrets.js";
import type { ScriptRunner } from "../ratelimit/sliding-window.js";

/** What the API uses of Redis. */
export interface RedisHandle extends ScriptRunner {
  ping(): Promise<string>;
  close(): Promise<void>;
}

/** Connects to the configured Redis. */
export async function connectRedis(config: Config, secrets?: SecretSource, onError?: (e: unknown) => void): Promise<RedisHandle> {
  let url: string;
  if (config.redis.kind === "local") url = config.redis.value;
  else {
    if (!secrets) throw new Error("REDIS_SECRET_ARN needs Secrets Manager");
    const s = (await secrets.getJson(config.redis.arn)) as { host?: string; port?: number; authToken?: string };
    if (!s?.host) throw new Error("Redis secret needs host, port, authToken");
    const auth = s.authToken ? `:${encodeURIComponent(s.authToken)}@` : "";
    url = `rediss://${auth}${s.host}:${s.port ?? 6379}`;
  }
  const client = createClient({
    url,
    socket: { connectTimeout: 5_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 3_000) },
    // Fail fast while disconnected instead of queueing commands until Redis returns.
    disableOfflineQueue: true,
  });
  client.on("error", (e) => onError?.(e));
  await client.connect();
  return {
    evalSha: (sha, o) => client.evalSha(sha, o),
    eval: (script, o) => client.eval(script, o),
    ping: () => client.ping(),
    close: async () => {
      await client.close();
    },
  };
}
