/**
 * `serve`: wires the real dependencies, listens, and shuts down gracefully on SIGTERM/SIGINT
 * (API-09): readiness turns 503 at once, the server stops accepting, in-flight requests and
 * background work finish, then the pools close — all within SHUTDOWN_GRACE_SECONDS, below ECS's
 * stopTimeout and the ALB's deregistration delay.
 */
import pino from "pino";
import type { FastifyInstance } from "fastify";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { loadConfig, type Config } from "./config/config.js";
import { SecretsManagerSource, type SecretSource } from "./config/secrets.js";
import { connectDatabase } from "./db/database.js";
import { connectRedis } from "./redis/client.js";
import { smtpUrlMailer, gmailMailer } from "./mail/mailer.js";
import { S3AttachmentStore } from "./storage/attachments.js";
import { Keyring, FileKeyLoader, SecretKeyLoader } from "./keys/keyring.js";
import { buildApp } from "./http/app.js";

/** A running server and how to stop it. */
export interface RunningServer {
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

/** Starts the API from a configuration. */
export async function startServer(config: Config = loadConfig()): Promise<RunningServer> {
  const log = pino({ level: config.logLevel });
  const needsSecrets =
    config.database.kind === "secret" || config.redis.kind === "secret" || config.smtp.kind === "secret" || config.signingKeys.kind === "secret";
  const secrets: SecretSource | undefined = needsSecrets
    ? new SecretsManagerSource(new SecretsManagerClient({ region: config.s3.region }), config.secretsCacheMs)
    : undefined;
  const keyring = new Keyring(
    config.signingKeys.kind === "file" ? new FileKeyLoader(config.signingKeys.path) : new SecretKeyLoader(secrets as SecretSource, config.signingKeys.arns),
    { onError: (err) => log.error({ err }, "signing key refresh failed") },
  );
  await keyring.init();
  keyring.startTimer(config.keyRefreshMs);
  const db = await connectDatabase(config, secrets);
  const redis = await connectRedis(config, secrets, (err) => log.warn({ err }, "redis error"));
  const mailer = config.smtp.kind === "local" ? smtpUrlMailer(config.smtp.value, config.mailFrom) : gmailMailer(secrets as SecretSource, config.smtp.arn, config.mailFrom);
  const store = new S3AttachmentStore(config.s3.bucket, { region: config.s3.region, endpoint: config.s3.endpoint });
  const app = await buildApp({ config, db, redis, mailer, store, keyring });
  app.addHook("onClose", async () => {
    keyring.stop();
    mailer.close();
    store.destroy();
    await Promise.allSettled([db.close(), redis.close()]);
  });
  const url = await app.listen({ port: config.port, host: config.host });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      app.services.shuttingDown = true;
      const timer = setTimeout(() => {
        app.log.error("graceful shutdown timed out; exiting");
        process.exit(1);
      }, config.shutdownGraceMs);
      timer.unref();
      // close(): stops accepting, lets in-flight requests finish (idle keep-alive sockets are
      // closed at once), runs onClose hooks (background work, pools).
      await app.close();
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { app, url, stop };
}

/** Runs until SIGTERM/SIGINT, then exits 0 after a clean shutdown (1 if it failed). */
export async function serveForever(): Promise<void> {
  const server = await startServer();
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.once(sig, () => {
      server.app.log.info({ signal: sig }, "shutting down");
      server.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          server.app.log.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}
