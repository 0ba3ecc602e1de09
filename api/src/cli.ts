#!/usr/bin/env node
/**
 * Entry point of the API package: `serve`, `migrate`, `bootstrap-db`, `generate-keys`.
 * Configuration comes from the environment (README.md); exit codes: 0 ok, 1 failure, 2 usage.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { createPool } from "mysql2";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PURPOSES, generateSigningKey } from "./keys/signing-key.js";
import { SecretsManagerSource } from "./config/secrets.js";
import { parseDatabaseUrl, poolOptions, wrapPool, type DatabaseSecret } from "./db/database.js";
import { migrateToLatest } from "./db/migrations.js";
import { bootstrapDatabase } from "./db/bootstrap.js";
import { serveForever } from "./server.js";

const USAGE = `usage: opsctl-api <command>

commands:
  serve                      run the HTTP API (configuration from the environment)
  migrate                    apply pending schema migrations (DATABASE_URL or DATABASE_SECRET_ARN)
  bootstrap-db               create the database, schema and least-privilege app user(s)
  generate-keys [--out FILE] [--force]
                             write a local SIGNING_KEYS_FILE (default ./signing-keys.json)
`;

async function migrationTarget(): Promise<{ target: DatabaseSecret; tls: boolean }> {
  if (process.env.DATABASE_URL) return { target: parseDatabaseUrl(process.env.DATABASE_URL), tls: process.env.DATABASE_TLS === "rds" };
  if (process.env.DATABASE_SECRET_ARN) {
    const s = (await new SecretsManagerSource(new SecretsManagerClient({})).getJson(process.env.DATABASE_SECRET_ARN)) as DatabaseSecret;
    return { target: s, tls: true };
  }
  throw new Error("DATABASE_URL or DATABASE_SECRET_ARN is required");
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      await serveForever();
      return -1;
    case "migrate": {
      const { target, tls } = await migrationTarget();
      const db = wrapPool(createPool(poolOptions(target, { tls, connectionLimit: 1 })));
      try {
        const res = await migrateToLatest(db.db as never);
        for (const r of res.results ?? []) console.log(`${r.migrationName}: ${r.status}`);
        if (!res.results?.length) console.log("schema up to date");
      } finally {
        await db.close();
      }
      return 0;
    }
    case "bootstrap-db": {
      const env = process.env;
      let admin: DatabaseSecret;
      let mode: "rds" | "local";
      if (env.DATABASE_ADMIN_URL) {
        admin = parseDatabaseUrl(env.DATABASE_ADMIN_URL);
        mode = env.DATABASE_TLS === "rds" ? "rds" : "local";
      } else if (env.DATABASE_ADMIN_SECRET_ARN) {
        // The RDS-managed master secret holds only username and password: host and port come from env.
        const s = (await new SecretsManagerSource(new SecretsManagerClient({})).getJson(env.DATABASE_ADMIN_SECRET_ARN)) as Partial<DatabaseSecret>;
        const host = env.DATABASE_HOST ?? s.host;
        if (!host || !s.username) throw new Error("DATABASE_HOST (or host in the admin secret) and the admin username are required");
        admin = { host, port: Number(env.DATABASE_PORT ?? s.port ?? 3306), username: s.username, password: s.password ?? "", dbname: "" };
        mode = "rds";
      } else throw new Error("DATABASE_ADMIN_URL or DATABASE_ADMIN_SECRET_ARN is required");
      const res = await bootstrapDatabase({
        admin,
        mode,
        database: env.DATABASE_NAME ?? "app",
        appUser: env.DATABASE_APP_USER ?? "app",
        appSecretArn: env.DATABASE_SECRET_ARN,
        appPassword: env.DATABASE_APP_PASSWORD,
        appHost: env.DATABASE_HOST,
        log: (l) => console.error(l),
      });
      if (!res.secretWritten && !env.DATABASE_SECRET_ARN && !env.DATABASE_APP_PASSWORD) {
        // Local mode with nowhere to store it: hand the generated credentials to the developer.
        console.log(`DATABASE_URL=mysql://${res.users[0]}:${encodeURIComponent(res.password)}@${admin.host}:${admin.port}/${env.DATABASE_NAME ?? "app"}`);
      }
      return 0;
    }
    case "generate-keys": {
      const { values } = parseArgs({ args: rest, options: { out: { type: "string" }, force: { type: "boolean" } } });
      const out = values.out ?? process.env.SIGNING_KEYS_FILE ?? "signing-keys.json";
      const file = Object.fromEntries(PURPOSES.map((p) => [p, { current: generateSigningKey() }]));
      await writeFile(out, JSON.stringify(file, null, 2) + "\n", { mode: 0o600, flag: values.force ? "w" : "wx" });
      console.error(`wrote ${out} (keys for ${PURPOSES.join(", ")})`);
      return 0;
    }
    case undefined:
    case "help":
    case "--help":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
