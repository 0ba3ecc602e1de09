/** Liveness and readiness for the ALB (API-09). */
import { z } from "zod";
import { sql } from "kysely";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorBody } from "../errors.js";

const READY_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), ms)))]).finally(() => clearTimeout(timer));
}

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get("/healthz", { schema: { tags: ["operations"], response: { 200: z.object({ status: z.literal("ok") }) } } }, async () => ({ status: "ok" as const }));

  app.get(
    "/readyz",
    { schema: { tags: ["operations"], response: { 200: z.object({ status: z.literal("ready") }), 503: errorBody } } },
    async (req, reply) => {
      const { services } = app;
      if (services.shuttingDown) return reply.status(503).send({ error: { code: "not_ready", message: "Shutting down." } });
      try {
        await withTimeout(Promise.all([sql`select 1`.execute(services.db.db), services.redis.ping()]), READY_TIMEOUT_MS);
        return { status: "ready" as const };
      } catch (err) {
        req.log.warn({ err }, "not ready");
        return reply.status(503).send({ error: { code: "not_ready", message: "A dependency is unreachable." } });
      }
    },
  );
};
