/** Creates one database per test run (api_test_<random>), migrates it, and drops it afterwards. */
import { createConnection } from "mysql2/promise";
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { createPool } from "mysql2";
import { wrapPool, poolOptions } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrations.js";

const ADMIN = { host: process.env.TEST_MYSQL_HOST ?? "127.0.0.1", port: Number(process.env.TEST_MYSQL_PORT ?? 3306), user: process.env.TEST_MYSQL_USER ?? "root", password: process.env.TEST_MYSQL_PASSWORD ?? "" };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const name = `api_test_${randomBytes(5).toString("hex")}`;
  const admin = await createConnection(ADMIN);
  await admin.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
  const db = wrapPool(createPool(poolOptions({ host: ADMIN.host, port: ADMIN.port, username: ADMIN.user, password: ADMIN.password, dbname: name }, { tls: false, connectionLimit: 1 })));
  await migrateToLatest(db.db as never);
  await db.close();
  const auth = ADMIN.password ? `${encodeURIComponent(ADMIN.user)}:${encodeURIComponent(ADMIN.password)}` : encodeURIComponent(ADMIN.user);
  project.provide("databaseUrl", `mysql://${auth}@${ADMIN.host}:${ADMIN.port}/${name}`);
  return async () => {
    await admin.query(`drop database if exists \`${name}\``);
    await admin.end();
  };
}
