/**
 * `npm run bench -w api`: autocannon against (1) a bare Fastify hello-world, (2) the API's
 * authenticated GET /v1/me, (3) POST a message, and (4) a raw mysql2 pooled INSERT loop of the same
 * row with the same concurrency. Prints requests/s and p99, and the ratios GET /me ÷ bare and
 * POST message ÷ raw INSERT. Uses MariaDB on 127.0.0.1:3306 (root) in a throw-away database and
 * Redis on 127.0.0.1:6379, like the tests.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import Fastify from "fastify";
import { createConnection } from "mysql2/promise";
import { createPool } from "mysql2";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { loadConfig } from "../../src/config/config.js";
import { connectDatabase, poolOptions, wrapPool } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrations.js";
import { connectRedis } from "../../src/redis/client.js";
import { Keyring, FileKeyLoader } from "../../src/keys/keyring.js";
import { PURPOSES, generateSigningKey } from "../../src/keys/signing-key.js";
import { buildApp } from "../../src/http/app.js";
import { hashPassword } from "../../src/auth/passwords.js";
import { uuidv7 } from "../../src/db/ids.js";

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ADMIN = { host: "127.0.0.1", port: 3306, user: "root", password: "" };

interface Result {
  name: string;
  rps: number;
  p99: number;
  errors: number;
}

const AUTOCANNON = createRequire(import.meta.url).resolve("autocannon/autocannon.js");

/**
 * Runs autocannon in its own process, so the load generator does not share the server's event loop
 * (this machine has 2 cores: one for the server process, one for autocannon).
 */
async function cannon(name: string, opts: { url: string; method?: string; headers?: Record<string, string>; body?: string }): Promise<Result> {
  const args = [AUTOCANNON, "--json", "-c", String(CONNECTIONS), "-d", String(DURATION_S), "-p", "1", "-m", opts.method ?? "GET"];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push("-H", `${k}=${v}`);
  if (opts.body) args.push("-b", opts.body);
  args.push(opts.url);
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  const r = JSON.parse(stdout) as { requests: { average: number }; latency: { p99: number }; non2xx: number; errors: number; timeouts: number };
  return { name, rps: r.requests.average, p99: r.latency.p99, errors: r.non2xx + r.errors + r.timeouts };
}

/** N workers each INSERT as fast as the pool allows for DURATION_S; latency per statement. */
async function rawInsertLoop(db: ReturnType<typeof wrapPool>, conversationId: string, authorId: string): Promise<Result> {
  const sql = "insert into messages (id, conversation_id, author_id, body, created_at) values (?, ?, ?, ?, ?)";
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + DURATION_S * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      try {
        await db.pool.execute(sql, [uuidv7(), conversationId, authorId, "hello from the bench", new Date()]);
      } catch {
        errors++;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  const start = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (Date.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { name: "raw mysql2 pooled INSERT", rps: latencies.length / elapsed, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, errors };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const dbName = `api_bench_${randomBytes(4).toString("hex")}`;
  const dir = await mkdtemp(join(tmpdir(), "api-bench-"));
  const admin = await createConnection(ADMIN);
  await admin.query(`create database \`${dbName}\``);
  const results: Result[] = [];
  try {
    const target = { host: ADMIN.host, port: ADMIN.port, username: ADMIN.user, password: ADMIN.password, dbname: dbName };
    const migrator = wrapPool(createPool(poolOptions(target, { tls: false, connectionLimit: 1 })));
    await migrateToLatest(migrator.db as never);
    await migrator.close();

    const keysFile = join(dir, "keys.json");
    await writeFile(keysFile, JSON.stringify(Object.fromEntries(PURPOSES.map((p) => [p, { current: generateSigningKey() }]))));
    const config = loadConfig({
      DATABASE_URL: `mysql://root@127.0.0.1:3306/${dbName}`,
      REDIS_URL: "redis://127.0.0.1:6379",
      SMTP_URL: "smtp://127.0.0.1:1",
      MAIL_FROM: "bench@example.test",
      PUBLIC_URL: "https://app.example.test",
      SIGNING_KEYS_FILE: keysFile,
      S3_BUCKET: "unused",
      AUTH_RATE_LIMIT: "1000/1m",
      RATE_LIMIT_PREFIX: `rl-bench-${dbName}:`,
      LOG_LEVEL: "silent",
    });
    const keyring = new Keyring(new FileKeyLoader(keysFile));
    await keyring.init();
    const db = await connectDatabase(config, undefined);
    const redis = await connectRedis(config);
    const app = await buildApp(
      {
        config,
        db,
        redis,
        keyring,
        mailer: { send: async () => undefined, close: () => undefined },
        store: { put: async () => undefined, get: async () => Readable.from([]) },
      },
      { logger: false },
    );
    const apiUrl = await app.listen({ port: 0, host: "127.0.0.1" });

    const email = "bench@example.test";
    const password = "bench password 123";
    await db.db
      .insertInto("users")
      .values({ id: uuidv7(), email, password_hash: await hashPassword(password), display_name: "Bench", email_verified_at: new Date(), created_at: new Date() })
      .execute();
    const login = (await (await fetch(`${apiUrl}/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) })).json()) as { token: string };
    const auth = { authorization: `Bearer ${login.token}`, "content-type": "application/json" };
    const conv = (await (await fetch(`${apiUrl}/v1/conversations`, { method: "POST", headers: auth, body: JSON.stringify({ title: "bench", memberEmails: [] }) })).json()) as { id: string };
    const me = (await (await fetch(`${apiUrl}/v1/me`, { headers: auth })).json()) as { id: string };

    const bare = Fastify({ logger: false });
    bare.get("/", async () => ({ hello: "world" }));
    const bareUrl = await bare.listen({ port: 0, host: "127.0.0.1" });

    console.error(`running ${DURATION_S}s per scenario, ${CONNECTIONS} connections …`);
    results.push(await cannon("bare Fastify hello-world", { url: bareUrl }));
    results.push(await cannon("GET /v1/me (authenticated)", { url: `${apiUrl}/v1/me`, headers: auth }));
    results.push(
      await cannon("POST /v1/conversations/:id/messages", {
        url: `${apiUrl}/v1/conversations/${conv.id}/messages`,
        method: "POST",
        headers: auth,
        body: JSON.stringify({ body: "hello from the bench" }),
      }),
    );
    results.push(await rawInsertLoop(db, conv.id, me.id));
    await bare.close();
    await app.close();
    await Promise.allSettled([db.close(), redis.close()]);

    const pad = (s: string, n: number) => s.padEnd(n);
    console.log(`\n${pad("scenario", 40)}${pad("req/s", 12)}${pad("p99 ms", 10)}non-2xx/errors`);
    for (const r of results) console.log(`${pad(r.name, 40)}${pad(r.rps.toFixed(0), 12)}${pad(r.p99.toFixed(1), 10)}${r.errors}`);
    const [b, m, p, raw] = results;
    console.log(`\nratio GET /v1/me ÷ bare hello-world:    ${(m.rps / b.rps).toFixed(3)}`);
    console.log(`ratio POST message ÷ raw pooled INSERT: ${(p.rps / raw.rps).toFixed(3)}`);
    console.log(`(node ${process.version}, ${CONNECTIONS} connections, ${DURATION_S}s each, DB pool 10)`);
  } finally {
    await admin.query(`drop database if exists \`${dbName}\``);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
