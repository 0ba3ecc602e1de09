/**
 * Rate limiting of the auth routes, in its own module so routes/auth.ts does not import app.ts
 * (which imports the routes): the limiter itself is `app.services.limiter`, set up by buildApp.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { ApiError } from "./errors.js";

/** Shorthand for rate-limiting an auth route by client IP and, when known, by normalized e-mail. */
export async function rateLimit(app: FastifyInstance, ip: string, route: string, email?: string): Promise<void> {
  const keys = [`${route}:ip:${ip}`];
  // The e-mail is hashed so Redis never holds addresses.
  if (email !== undefined) keys.push(`${route}:email:${createHash("sha256").update(email).digest("base64url")}`);
  let res;
  try {
    res = await app.services.limiter.hit(keys);
  } catch (err) {
    // Fail closed: without the limiter the auth routes would be open to brute force.
    throw Object.assign(new Error("rate limiter unavailable", { cause: err }), { code: "REDIS_UNAVAILABLE" });
  }
  if (!res.allowed) {
    throw new ApiError(429, "rate_limited", "Too many attempts; try again later.", undefined, {
      "Retry-After": String(Math.max(1, Math.ceil(res.retryAfterMs / 1000))),
    });
  }
}
