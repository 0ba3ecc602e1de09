/**
 * Builds the Fastify application from its dependencies. Nothing here reads the environment or opens
 * connections, so tests can build several instances over the same database and Redis.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import helmet from "@fastify/helmet";
import cors from "@fastify/cors";
import swagger from "@fastify/swagger";
import { randomUUID } from "node:crypto";
import { serializerCompiler, validatorCompiler, jsonSchemaTransform, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Config } from "../config/config.js";
import type { Db } from "../db/database.js";
import type { Mailer } from "../mail/mailer.js";
import type { AttachmentStore } from "../storage/attachments.js";
import type { Keyring } from "../keys/keyring.js";
import { TokenService } from "../auth/tokens.js";
import { SlidingWindowLimiter, type ScriptRunner } from "../ratelimit/sliding-window.js";
import { errorHandler } from "./errors.js";
import { authRoutes } from "./routes/auth.js";
import { conversationRoutes } from "./routes/conversations.js";
import { attachmentRoutes } from "./routes/attachments.js";
import { healthRoutes } from "./routes/health.js";
import type { AuthContext } from "./auth-hook.js";

/** What the application needs from the outside world. */
export interface AppDeps {
  config: Config;
  db: Db;
  redis: ScriptRunner & { ping(): Promise<string> };
  mailer: Mailer;
  store: AttachmentStore;
  keyring: Keyring;
}

/** Shared services reachable from every route. */
export interface Services extends AppDeps {
  tokens: TokenService;
  limiter: SlidingWindowLimiter;
  /** Runs work after the response (mail, timing-neutral account work); awaited at shutdown. */
  background(name: string, task: () => Promise<void>): void;
  /** Resolves when every background task started so far has finished. */
  drainBackground(): Promise<void>;
  /** Set once shutdown begins: /readyz answers 503 so the load balancer drains this task. */
  shuttingDown: boolean;
}

declare module "fastify" {
  interface FastifyInstance {
    services: Services;
  }
  interface FastifyRequest {
    auth?: AuthContext;
  }
}

/** Keep-alive above the ALB's 60 s idle timeout, so the ALB (not the task) closes idle connections. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Builds the app; call `listen` or `inject` on the result. */
export async function buildApp(deps: AppDeps, opts: { logger?: FastifyServerOptions["logger"] } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? {
      level: deps.config.logLevel,
      redact: { paths: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.token"], censor: "[redacted]" },
    },
    trustProxy: deps.config.trustProxy === false ? false : deps.config.trustProxy,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Headers must outlive keep-alive, or Node may close a socket the ALB is about to reuse.
    http: { headersTimeout: KEEP_ALIVE_TIMEOUT_MS + 1_000, requestTimeout: 120_000 },
    bodyLimit: 64 * 1024,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: "idle",
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // JSON in, JSON out: every other body type is 415 (the attachments route adds its own types).
  app.removeContentTypeParser("text/plain");
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: { code: "not_found", message: "Not found." } }));

  const pending = new Set<Promise<void>>();
  const services: Services = {
    ...deps,
    tokens: new TokenService(deps.keyring, deps.config.audience),
    limiter: new SlidingWindowLimiter(deps.redis, deps.config.authRateLimit.limit, deps.config.authRateLimit.windowMs, deps.config.rateLimitPrefix),
    background(name, task) {
      const p: Promise<void> = task()
        .catch((err: unknown) => app.log.error({ err, task: name }, "background task failed"))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async drainBackground() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    shuttingDown: false,
  };
  app.decorate("services", services);
  // The request id of the logs, so a client report can be matched to them.
  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  app.addHook("onClose", async () => {
    await services.drainBackground();
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], frameAncestors: ["'none'"], formAction: ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: "same-site" },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
  });
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && deps.config.appOrigins.includes(origin)),
    methods: ["GET", "POST", "DELETE"],
    allowedHeaders: ["Authorization", "Content-Type"],
    exposedHeaders: ["Retry-After", "X-Request-Id"],
    credentials: false,
    maxAge: 600,
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "opsctl bundled API", version: "0.1.0", description: "Auth and messages backend (SPEC.md, API-01..API-11)." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "PASETO v4.public" } } },
    },
    transform: jsonSchemaTransform,
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  await typed.register(healthRoutes);
  await typed.register(authRoutes);
  await typed.register(conversationRoutes);
  await typed.register(attachmentRoutes);
  typed.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}
