/** Signing-key format (PASERK vectors), Gmail OAuth2 mail from the SMTP secret, bootstrap-db. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { createConnection } from "mysql2/promise";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublicProtocol } from "paseto";
import * as v4 from "paseto/v4/public";
import { generateSigningKey, parseSigningKey, paserkPublicId, publicPaserkFromBytes } from "../src/keys/signing-key.js";
import { gmailMailer } from "../src/mail/mailer.js";
import { SecretsManagerSource } from "../src/config/secrets.js";
import { bootstrapDatabase } from "../src/db/bootstrap.js";
import { parseDatabaseUrl } from "../src/db/database.js";
import { MailCatcher, FakeSecretsManager, databaseUrl } from "./helpers/harness.js";

describe("signing keys", () => {
  it("computes k4.pid as the PASERK test vectors do", () => {
    // paseto-standard/test-vectors, PASERK k4.pid-1 and k4.pid-2.
    expect(paserkPublicId(publicPaserkFromBytes(Buffer.alloc(32)))).toBe("k4.pid.S_XQmeEwHbbvRmiyfXfHYpLGjXGzjTRSDoT1YtTakWFE");
    const key2 = Buffer.from("707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f", "hex");
    expect(paserkPublicId(publicPaserkFromBytes(key2))).toBe("k4.pid.9ShR3xc8-qVJ_di0tc9nx0IDIqbatdeM2mqLFBJsKRHs");
  });

  it("generates keys in the secret format that the paseto library signs and verifies with", async () => {
    const k = generateSigningKey(new Date("2026-01-02T03:04:05.000Z"));
    expect(Object.keys(k).sort()).toEqual(["createdAt", "kid", "publicKey", "secretKey"]);
    expect(k.kid).toMatch(/^k4\.pid\.[A-Za-z0-9_-]{44}$/);
    expect(k.secretKey).toMatch(/^k4\.secret\.[A-Za-z0-9_-]{86}$/);
    expect(k.publicKey).toMatch(/^k4\.public\.[A-Za-z0-9_-]{43}$/);
    expect(k.createdAt).toBe("2026-01-02T03:04:05.000Z");
    expect(parseSigningKey(JSON.parse(JSON.stringify(k)))).toEqual(k);
    const p = new PublicProtocol(v4.ImportSecretKeyFactory, v4.ImportPublicKeyFactory, v4.SignFactory, v4.VerifyFactory);
    const tok = await p.Sign(await p.ImportSecretKey(k.secretKey as `k4.secret.${string}`), { sub: "x" });
    expect((await p.Verify(await p.ImportPublicKey(k.publicKey as `k4.public.${string}`), tok)).claims.sub).toBe("x");
  });

  it("rejects keys whose parts disagree", () => {
    const a = generateSigningKey();
    const b = generateSigningKey();
    expect(() => parseSigningKey({ ...a, kid: b.kid })).toThrow(/kid/);
    expect(() => parseSigningKey({ ...a, publicKey: b.publicKey })).toThrow(/publicKey/);
    expect(() => parseSigningKey({ ...a, secretKey: "k4.secret.AAAA" })).toThrow(/64 bytes/);
    expect(() => parseSigningKey({ ...a, createdAt: undefined })).toThrow(/createdAt/);
  });
});

describe("Gmail OAuth2 mail from the SMTP secret", () => {
  let tokenServer: Server;
  let tokenUrl: string;
  const tokenRequests: URLSearchParams[] = [];
  let smtp: MailCatcher;
  let sm: FakeSecretsManager;
  beforeAll(async () => {
    tokenServer = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const params = new URLSearchParams(body);
        tokenRequests.push(params);
        const ok = params.get("grant_type") === "refresh_token" && params.get("refresh_token") === "refresh-1" && params.get("client_secret") === "secret-1";
        res.writeHead(ok ? 200 : 400, { "content-type": "application/json" });
        res.end(JSON.stringify(ok ? { access_token: "access-token-1", expires_in: 3599, token_type: "Bearer" } : { error: "invalid_grant" }));
      });
    });
    await new Promise<void>((r) => tokenServer.listen(0, "127.0.0.1", () => r()));
    tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    smtp = await new MailCatcher().start({ xoauth2: { user: "sender@gmail.example", accessToken: "access-token-1" } });
    sm = await new FakeSecretsManager().start();
  });
  afterAll(async () => {
    await new Promise<void>((r) => tokenServer.close(() => r()));
    await smtp.stop();
    await sm.stop();
  });

  it("exchanges the refresh token and authenticates with XOAUTH2", async () => {
    const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:test/smtp";
    sm.put(arn, { user: "sender@gmail.example", clientId: "client-1", clientSecret: "secret-1", refreshToken: "refresh-1" });
    const source = new SecretsManagerSource(new SecretsManagerClient({ region: "us-east-1", endpoint: sm.endpoint, credentials: { accessKeyId: "x", secretAccessKey: "y" } }));
    const mailer = gmailMailer(source, arn, "sender@gmail.example", { host: "127.0.0.1", port: smtp.port, secure: false, accessUrl: tokenUrl });
    try {
      await mailer.send({ to: "someone@example.test", subject: "hi", text: "token: v4.public.abc" });
      const got = await smtp.waitFor("someone@example.test");
      expect(got.user).toBe("sender@gmail.example");
      expect(got.raw).toContain("token: v4.public.abc");
      expect(tokenRequests.at(-1)?.get("client_id")).toBe("client-1");
      expect(tokenRequests.at(-1)?.get("grant_type")).toBe("refresh_token");
    } finally {
      mailer.close();
    }
  });

  it("fails (without sending) when the refresh token is refused", async () => {
    const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:test/smtp-bad";
    sm.put(arn, { user: "sender@gmail.example", clientId: "client-1", clientSecret: "secret-1", refreshToken: "revoked" });
    const source = new SecretsManagerSource(new SecretsManagerClient({ region: "us-east-1", endpoint: sm.endpoint, credentials: { accessKeyId: "x", secretAccessKey: "y" } }));
    const mailer = gmailMailer(source, arn, "sender@gmail.example", { host: "127.0.0.1", port: smtp.port, secure: false, accessUrl: tokenUrl });
    const before = smtp.mails.length;
    try {
      await expect(mailer.send({ to: "x@example.test", subject: "s", text: "t" })).rejects.toThrow();
      expect(smtp.mails.length).toBe(before);
    } finally {
      mailer.close();
    }
  });
});

describe("bootstrap-db (local mode: MariaDB has no AWSAuthenticationPlugin)", () => {
  it("creates the schema and a least-privilege app user, stores its credentials, and is idempotent", async () => {
    const admin = parseDatabaseUrl(databaseUrl());
    const suffix = randomBytes(4).toString("hex");
    const database = `api_test_bs_${suffix}`;
    const appUser = `app_${suffix}`;
    const sm = await new FakeSecretsManager().start();
    const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:test/db-app";
    const secretsClient = new SecretsManagerClient({ region: "us-east-1", endpoint: sm.endpoint, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    const root = await createConnection({ host: admin.host, port: admin.port, user: admin.username, password: admin.password });
    try {
      const first = await bootstrapDatabase({ admin, database, appUser, mode: "local", appSecretArn: arn, secretsClient });
      expect(first.users).toEqual([appUser]);
      expect(first.secretWritten).toBe(true);
      const stored = sm.get(arn) as { host: string; port: number; username: string; password: string; dbname: string };
      expect(stored).toMatchObject({ host: admin.host, port: admin.port, username: appUser, dbname: database });
      expect(stored.password.length).toBeGreaterThanOrEqual(32);

      const [grants] = await root.query(`show grants for ?@'%'`, [appUser]);
      const text = JSON.stringify(grants);
      expect(text).toContain(`GRANT SELECT, INSERT, UPDATE ON \`${database}\`.*`);
      expect(text).not.toMatch(/DELETE|DROP|ALTER|ALL PRIVILEGES/);

      const app = await createConnection({ host: admin.host, port: admin.port, user: appUser, password: stored.password, database });
      try {
        const [rows] = await app.query("select count(*) as n from users");
        expect((rows as { n: number }[])[0].n).toBe(0);
        await expect(app.query("delete from users")).rejects.toMatchObject({ code: "ER_TABLEACCESS_DENIED_ERROR" });
        await expect(app.query("create table x (id int)")).rejects.toMatchObject({ code: "ER_TABLEACCESS_DENIED_ERROR" });
      } finally {
        await app.end();
      }

      const second = await bootstrapDatabase({ admin, database, appUser, mode: "local", appSecretArn: arn, secretsClient });
      expect(second.secretWritten).toBe(false);
      expect(second.password).toBe(stored.password);
      expect(second.migrations).toEqual([]);
      expect(sm.calls.filter((c) => c.target === "PutSecretValue")).toHaveLength(1);
    } finally {
      await root.query(`drop database if exists \`${database}\``);
      await root.query(`drop user if exists ?@'%'`, [appUser]);
      await root.end();
      await sm.stop();
    }
  });
});

describe("MySQL connection options (RDS)", () => {
  it("verifies the RDS CA over TLS and mints an IAM token per connection only in IAM mode", async () => {
    const { poolOptions } = await import("../src/db/database.js");
    const target = { host: "db.abc.us-east-1.rds.amazonaws.com", port: 3306, username: "app", password: "pw", dbname: "app" };
    const plain = poolOptions(target, { tls: false });
    expect(plain.ssl).toBeUndefined();
    expect(plain.authPlugins).toBeUndefined();
    expect(plain.enableCleartextPlugin).toBeUndefined();
    expect(plain.password).toBe("pw");

    const tls = poolOptions(target, { tls: true });
    const ssl = tls.ssl as { ca: string[]; rejectUnauthorized: boolean };
    expect(ssl.rejectUnauthorized).toBe(true);
    expect(ssl.ca.length).toBeGreaterThan(10);
    expect(ssl.ca.join("")).toContain("BEGIN CERTIFICATE");
    expect(tls.authPlugins).toBeUndefined();

    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = "AKIDEXAMPLE";
    process.env.AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    try {
      const iam = poolOptions(target, { tls: true, iam: { user: "app_iam", region: "us-east-1" } });
      expect(iam.user).toBe("app_iam");
      expect(iam.password).toBeUndefined();
      const plugin = (iam.authPlugins as Record<string, (o: unknown) => (d: Buffer) => Promise<Buffer>>).mysql_clear_password;
      const a = await plugin({})(Buffer.alloc(0));
      const token = a.toString("utf8");
      expect(token.endsWith("\0")).toBe(true);
      expect(token).toContain("db.abc.us-east-1.rds.amazonaws.com:3306/?Action=connect");
      expect(token).toContain("DBUser=app_iam");
      expect(token).toContain("X-Amz-Signature=");
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });
});

describe("database credentials from the app-user secret", () => {
  it("follows a password rotation for new pooled connections without a restart", async () => {
    const { connectDatabase } = await import("../src/db/database.js");
    const { loadConfig } = await import("../src/config/config.js");
    const admin = parseDatabaseUrl(databaseUrl());
    const user = `rot_${randomBytes(4).toString("hex")}`;
    const root = await createConnection({ host: admin.host, port: admin.port, user: admin.username, password: admin.password });
    const sm = await new FakeSecretsManager().start();
    const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:test/db-rotation";
    try {
      await root.query(`create user ?@'%' identified by 'first-password-1'`, [user]);
      await root.query(`grant select on \`${admin.dbname}\`.* to ?@'%'`, [user]);
      sm.put(arn, { host: admin.host, port: admin.port, username: user, password: "first-password-1", dbname: admin.dbname });
      const base = loadConfig({
        DATABASE_URL: databaseUrl(),
        REDIS_URL: "redis://127.0.0.1:6379",
        SMTP_URL: "smtp://127.0.0.1:1",
        MAIL_FROM: "a@b",
        PUBLIC_URL: "https://x",
        SIGNING_KEYS_FILE: "unused.json",
        S3_BUCKET: "b",
      });
      // TLS off only because the local MariaDB has none; in AWS the secret form always uses TLS.
      const config = { ...base, database: { kind: "secret" as const, arn, iamAuth: false, tls: false }, secretsCacheMs: 200 };
      const client = new SecretsManagerClient({ region: "us-east-1", endpoint: sm.endpoint, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
      const db = await connectDatabase(config, new SecretsManagerSource(client, 100), { connectionLimit: 1 });
      try {
        const [rows] = await db.pool.query("select current_user() as u");
        expect((rows as { u: string }[])[0].u).toBe(`${user}@%`);
        // Rotation: the database and the secret get a new password.
        await root.query(`alter user ?@'%' identified by 'second-password-2'`, [user]);
        sm.put(arn, { host: admin.host, port: admin.port, username: user, password: "second-password-2", dbname: admin.dbname });
        await new Promise((r) => setTimeout(r, 700));
        // Drop the pooled connection so the next query must authenticate again.
        const conn = await db.pool.getConnection();
        conn.connection.destroy();
        conn.release();
        const [again] = await db.pool.query("select 1 as one");
        expect((again as { one: number }[])[0].one).toBe(1);
      } finally {
        await db.close();
      }
    } finally {
      await root.query(`drop user if exists ?@'%'`, [user]);
      await root.end();
      await sm.stop();
    }
  });
});
