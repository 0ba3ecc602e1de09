/**
 * `bootstrap-db` (RDS-07): run as the admin (the RDS master user, from its RDS-managed secret) by
 * opsctl's one-off task. Creates the database, applies migrations, and creates the least-privilege
 * application users: `<user>` with a password and, on RDS, `<user>_iam` with the
 * AWSAuthenticationPlugin (one MySQL account has one auth plugin, so IAM and password auth need two
 * accounts with the same grants). Grants are SELECT, INSERT, UPDATE on the app database only: the API
 * never deletes (soft delete) and never changes the schema. The password is stored in the app-user
 * secret when one is given, and kept if the secret already holds one (so re-running is idempotent).
 */
import { createPool } from "mysql2";
import { randomBytes } from "node:crypto";
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { poolOptions, wrapPool, type DatabaseSecret } from "./database.js";
import { migrateToLatest } from "./migrations.js";

/** Inputs of bootstrap-db. */
export interface BootstrapOptions {
  /** Admin connection target (username/password of the master user; dbname ignored). */
  admin: DatabaseSecret;
  /** The application database to create and grant on. */
  database: string;
  /** Application user name (password auth); the IAM user is `${appUser}_iam`. */
  appUser: string;
  /** "rds" adds the IAM user, requires TLS for both users and verifies the RDS CA. */
  mode: "rds" | "local";
  /** Where to store `{host, port, username, password, dbname}`; also the source of an existing password. */
  appSecretArn?: string;
  /** Password to use when no secret holds one (else a random one is made). */
  appPassword?: string;
  /** Host the app connects to (defaults to the admin host). */
  appHost?: string;
  secretsClient?: SecretsManagerClient;
  log?: (line: string) => void;
}

const IDENT = /^[A-Za-z0-9_]{1,32}$/;

/** Result of a bootstrap. */
export interface BootstrapResult {
  users: string[];
  migrations: string[];
  secretWritten: boolean;
  password: string;
}

/** Creates or converges the database, schema and application users. */
export async function bootstrapDatabase(o: BootstrapOptions): Promise<BootstrapResult> {
  if (!IDENT.test(o.database) || !IDENT.test(o.appUser)) throw new Error("database and user names must match [A-Za-z0-9_]{1,32}");
  const log = o.log ?? (() => undefined);
  const sm = o.appSecretArn ? (o.secretsClient ?? new SecretsManagerClient({})) : undefined;
  let password = o.appPassword;
  let existing: string | undefined;
  if (sm && o.appSecretArn) {
    try {
      const cur = await sm.send(new GetSecretValueCommand({ SecretId: o.appSecretArn }));
      existing = cur.SecretString;
      const parsed = cur.SecretString ? (JSON.parse(cur.SecretString) as Partial<DatabaseSecret>) : {};
      if (parsed.password && parsed.username === o.appUser) password = parsed.password;
    } catch (e) {
      if ((e as { name?: string }).name !== "ResourceNotFoundException") throw e;
    }
  }
  password ??= randomBytes(24).toString("base64url");

  const adminPool = createPool(poolOptions({ ...o.admin, dbname: "" }, { tls: o.mode === "rds", connectionLimit: 1 }));
  const admin = adminPool.promise();
  const users: string[] = [];
  let migrations: string[] = [];
  try {
    await admin.query(`create database if not exists \`${o.database}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
    log(`database ${o.database} ready`);
    const requireTls = o.mode === "rds" ? " require ssl" : "";
    await admin.query(`create user if not exists ?@'%' identified by ?${requireTls}`, [o.appUser, password]);
    await admin.query(`alter user ?@'%' identified by ?${requireTls}`, [o.appUser, password]);
    users.push(o.appUser);
    if (o.mode === "rds") {
      // Only RDS has this plugin (IAM database authentication); MariaDB/MySQL elsewhere do not.
      const iamUser = `${o.appUser}_iam`;
      await admin.query(`create user if not exists ?@'%' identified with AWSAuthenticationPlugin as 'RDS' require ssl`, [iamUser]);
      users.push(iamUser);
    }
    for (const u of users) {
      await admin.query(`grant select, insert, update on \`${o.database}\`.* to ?@'%'`, [u]);
    }
    log(`users ${users.join(", ")} granted SELECT, INSERT, UPDATE on ${o.database}`);
  } finally {
    await adminPool.promise().end();
  }
  const migrator = wrapPool(createPool(poolOptions({ ...o.admin, dbname: o.database }, { tls: o.mode === "rds", connectionLimit: 1 })));
  try {
    const res = await migrateToLatest(migrator.db as never);
    migrations = (res.results ?? []).map((r) => `${r.migrationName}: ${r.status}`);
    log(migrations.length ? `migrations: ${migrations.join(", ")}` : "schema up to date");
  } finally {
    await migrator.close();
  }
  let secretWritten = false;
  if (sm && o.appSecretArn) {
    const value: DatabaseSecret = { host: o.appHost ?? o.admin.host, port: o.admin.port, username: o.appUser, password, dbname: o.database };
    // Unchanged values are not written again: every PutSecretValue makes a new version and would
    // push the previous one out of AWSPREVIOUS.
    if (existing !== JSON.stringify(value)) {
      await sm.send(new PutSecretValueCommand({ SecretId: o.appSecretArn, SecretString: JSON.stringify(value) }));
      secretWritten = true;
      log(`credentials stored in ${o.appSecretArn}`);
    } else log(`${o.appSecretArn} already up to date`);
  }
  return { users, migrations, secretWritten, password };
}
