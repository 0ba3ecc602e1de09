/**
 * Test harness: real MariaDB (a per-run database from globalSetup), real Redis, an in-process SMTP
 * server (smtp-server), s3rver for the bucket, and a fake Secrets Manager HTTP endpoint.
 */
import { inject } from "vitest";
import { SMTPServer } from "smtp-server";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import S3rver from "s3rver";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../../src/config/config.js";
import { connectDatabase, type Db } from "../../src/db/database.js";
import { connectRedis } from "../../src/redis/client.js";
import { smtpUrlMailer, type Mailer } from "../../src/mail/mailer.js";
import { S3AttachmentStore } from "../../src/storage/attachments.js";
import { Keyring, FileKeyLoader, type KeyLoader } from "../../src/keys/keyring.js";
import { buildApp } from "../../src/http/app.js";
import { PURPOSES, generateSigningKey, type SigningKey } from "../../src/keys/signing-key.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** The per-run database URL created by globalSetup. */
export function databaseUrl(): string {
  return inject("databaseUrl");
}

/** A received mail. */
export interface ReceivedMail {
  to: string[];
  raw: string;
  user?: string;
  accessToken?: string;
}

/** An in-process SMTP server that keeps every message. */
export class MailCatcher {
  readonly mails: ReceivedMail[] = [];
  private server!: SMTPServer;
  port = 0;
  private waiters: (() => void)[] = [];

  async start(opts: { xoauth2?: { user: string; accessToken: string } } = {}): Promise<this> {
    this.server = new SMTPServer({
      disabledCommands: opts.xoauth2 ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
      authMethods: opts.xoauth2 ? ["XOAUTH2"] : undefined,
      allowInsecureAuth: true,
      authOptional: !opts.xoauth2,
      logger: false,
      onAuth: (auth, _session, cb) => {
        if (opts.xoauth2 && auth.method === "XOAUTH2" && auth.username === opts.xoauth2.user && auth.accessToken === opts.xoauth2.accessToken) {
          return cb(null, { user: auth.username });
        }
        return cb(new Error("Invalid credentials"));
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          this.mails.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            raw: Buffer.concat(chunks).toString("utf8"),
            user: typeof session.user === "string" ? session.user : undefined,
          });
          for (const w of this.waiters.splice(0)) w();
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Waits for the n-th (1-based) mail to `to` whose text matches. */
  async waitFor(to: string, match: RegExp = /./, n = 1, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.mails.filter((m) => m.to.includes(to.toLowerCase()) && match.test(unfold(m.raw)));
      if (found.length >= n) return found[n - 1];
      if (Date.now() > deadline) throw new Error(`no mail #${n} to ${to} matching ${match} (have ${this.mails.length})`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  count(to: string): number {
    return this.mails.filter((m) => m.to.includes(to.toLowerCase())).length;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Undoes quoted-printable soft line breaks so long tokens read as one line. */
export function unfold(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
}

/** The token of a mail's `token: <token>` line. */
export function tokenFrom(mail: ReceivedMail): string {
  const m = /^token: (v4\.public\.[A-Za-z0-9_.-]+)\s*$/m.exec(unfold(mail.raw));
  if (!m) throw new Error(`no token line in mail:\n${mail.raw}`);
  return m[1];
}

/** s3rver on a random port with one bucket. */
export async function startS3(bucket: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir });
  const addr = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${addr.port}`;
  process.env.AWS_ACCESS_KEY_ID ??= "S3RVER";
  process.env.AWS_SECRET_ACCESS_KEY ??= "S3RVER";
  const client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return {
    endpoint,
    stop: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a SIGNING_KEYS_FILE with fresh keys (and optional previous keys). */
export async function writeKeysFile(dir: string, keys?: Record<string, { current: SigningKey; previous?: SigningKey }>): Promise<string> {
  const path = join(dir, `keys-${randomBytes(4).toString("hex")}.json`);
  const content = keys ?? Object.fromEntries(PURPOSES.map((p) => [p, { current: generateSigningKey() }]));
  await writeFile(path, JSON.stringify(content));
  return path;
}

/** A shared environment for one test file: mail, S3, keys. */
export interface TestEnv {
  mail: MailCatcher;
  s3: { endpoint: string; stop(): Promise<void> };
  dir: string;
  keysFile: string;
  bucket: string;
  stop(): Promise<void>;
}

export async function startEnv(): Promise<TestEnv> {
  const dir = await mkdtemp(join(tmpdir(), "api-test-"));
  const bucket = "app-bucket";
  const [mail, s3] = await Promise.all([new MailCatcher().start(), startS3(bucket)]);
  const keysFile = await writeKeysFile(dir);
  return {
    mail,
    s3,
    dir,
    keysFile,
    bucket,
    async stop() {
      await Promise.all([mail.stop(), s3.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A built app over the real servers. */
export interface TestApp {
  app: FastifyInstance;
  db: Db;
  keyring: Keyring;
  close(): Promise<void>;
}

/** Builds an app; `env` overrides the environment given to loadConfig. */
export async function makeApp(
  t: TestEnv,
  env: Record<string, string> = {},
  opts: { keyLoader?: KeyLoader; mailer?: Mailer; keyringNow?: () => number } = {},
): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl(),
    REDIS_URL: "redis://127.0.0.1:6379",
    SMTP_URL: t.mail.url,
    MAIL_FROM: "API <no-reply@example.test>",
    APP_ORIGINS: "https://app.example.test,http://localhost:5173",
    PUBLIC_URL: "https://app.example.test",
    AUTH_RATE_LIMIT: "1000/1m",
    SIGNING_KEYS_FILE: t.keysFile,
    S3_BUCKET: t.bucket,
    S3_ENDPOINT: t.s3.endpoint,
    RATE_LIMIT_PREFIX: `rl-test-${randomBytes(6).toString("hex")}:`,
    LOG_LEVEL: "silent",
    ...env,
  });
  const keyring = new Keyring(opts.keyLoader ?? new FileKeyLoader(config.signingKeys.kind === "file" ? config.signingKeys.path : ""), {
    now: opts.keyringNow,
    unknownKidRefreshMs: 1_000,
  });
  await keyring.init();
  const db = await connectDatabase(config, undefined);
  const redis = await connectRedis(config);
  const mailer = opts.mailer ?? smtpUrlMailer(t.mail.url, config.mailFrom);
  const store = new S3AttachmentStore(config.s3.bucket, { region: config.s3.region, endpoint: config.s3.endpoint });
  const app = await buildApp({ config, db, redis, mailer, store, keyring }, { logger: false });
  app.addHook("onClose", async () => {
    mailer.close();
    store.destroy();
    await Promise.allSettled([db.close(), redis.close()]);
  });
  await app.ready();
  return { app, db, keyring, close: () => app.close() };
}

/** A unique e-mail address. */
export function newEmail(tag = "user"): string {
  return `${tag}-${randomBytes(6).toString("hex")}@example.test`;
}

/** Signs up, verifies through the mail, logs in; returns the session token and ids. */
export async function signupAndLogin(
  app: FastifyInstance,
  mail: MailCatcher,
  email = newEmail(),
  password = "correct horse battery staple",
): Promise<{ email: string; password: string; token: string; sessionId: string; userId: string }> {
  const n = mail.mails.filter((m) => m.to.includes(email.toLowerCase()) && /token: /.test(unfold(m.raw))).length + 1;
  const r1 = await app.inject({ method: "POST", url: "/v1/auth/signup", payload: { email, password, displayName: email.split("@")[0] } });
  if (r1.statusCode !== 202) throw new Error(`signup ${r1.statusCode} ${r1.body}`);
  const vt = tokenFrom(await mail.waitFor(email, /token: /, n));
  const r2 = await app.inject({ method: "POST", url: "/v1/auth/verify-email", payload: { token: vt } });
  if (r2.statusCode !== 204) throw new Error(`verify ${r2.statusCode} ${r2.body}`);
  const r3 = await app.inject({ method: "POST", url: "/v1/auth/login", payload: { email, password } });
  if (r3.statusCode !== 200) throw new Error(`login ${r3.statusCode} ${r3.body}`);
  const { token, sessionId } = r3.json() as { token: string; sessionId: string };
  const me = await app.inject({ method: "GET", url: "/v1/me", headers: { authorization: `Bearer ${token}` } });
  return { email, password, token, sessionId, userId: (me.json() as { id: string }).id };
}

/** A fake Secrets Manager (AWS JSON 1.1 protocol): GetSecretValue by stage, PutSecretValue rotates stages. */
export class FakeSecretsManager {
  private server!: Server;
  endpoint = "";
  readonly calls: { target: string; body: Record<string, unknown> }[] = [];
  private readonly secrets = new Map<string, { versions: { id: string; value: string; stages: string[] }[] }>();

  put(arn: string, value: unknown): void {
    const s = this.secrets.get(arn) ?? { versions: [] };
    for (const v of s.versions) {
      v.stages = v.stages.includes("AWSCURRENT") ? ["AWSPREVIOUS"] : [];
    }
    s.versions.push({ id: randomBytes(8).toString("hex"), value: typeof value === "string" ? value : JSON.stringify(value), stages: ["AWSCURRENT"] });
    this.secrets.set(arn, s);
  }

  get(arn: string, stage = "AWSCURRENT"): unknown {
    const v = this.secrets.get(arn)?.versions.find((x) => x.stages.includes(stage));
    return v ? JSON.parse(v.value) : undefined;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const target = String(req.headers["x-amz-target"] ?? "").replace("secretsmanager.", "");
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, string>;
        this.calls.push({ target, body });
        const send = (status: number, payload: unknown) => {
          res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
          res.end(JSON.stringify(payload));
        };
        const notFound = () =>
          send(400, { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret value for staging label" });
        if (target === "GetSecretValue") {
          const v = this.secrets.get(body.SecretId)?.versions.find((x) => x.stages.includes(body.VersionStage ?? "AWSCURRENT"));
          if (!v) return notFound();
          return send(200, { ARN: body.SecretId, Name: body.SecretId, SecretString: v.value, VersionId: v.id, VersionStages: v.stages });
        }
        if (target === "PutSecretValue") {
          this.put(body.SecretId, body.SecretString);
          return send(200, { ARN: body.SecretId, Name: body.SecretId });
        }
        send(400, { __type: "InvalidRequestException", message: `unsupported ${target}` });
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
