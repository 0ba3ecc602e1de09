/** API-08/API-04: authorization, paging, attachments through s3rver, soft delete visible in the DB. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { makeApp, startEnv, signupAndLogin, type TestEnv, type TestApp } from "./helpers/harness.js";

let env: TestEnv;
let t: TestApp;
type User = Awaited<ReturnType<typeof signupAndLogin>>;
let alice: User;
let bob: User;
let carol: User;
let cid: string;
let aliceMsg: string;

const bearer = (u: User) => ({ authorization: `Bearer ${u.token}` });

beforeAll(async () => {
  env = await startEnv();
  t = await makeApp(env, { ATTACHMENT_MAX_BYTES: String(64 * 1024) });
  [alice, bob, carol] = await Promise.all([signupAndLogin(t.app, env.mail), signupAndLogin(t.app, env.mail), signupAndLogin(t.app, env.mail)]);
  const conv = await t.app.inject({
    method: "POST",
    url: "/v1/conversations",
    headers: bearer(alice),
    payload: { title: "Alice & Bob", memberEmails: [bob.email.toUpperCase(), "nobody-here@example.test"] },
  });
  expect(conv.statusCode).toBe(201);
  cid = conv.json().id;
  expect(conv.json().members.map((m: { id: string }) => m.id).sort()).toEqual([alice.userId, bob.userId].sort());
  aliceMsg = (await t.app.inject({ method: "POST", url: `/v1/conversations/${cid}/messages`, headers: bearer(alice), payload: { body: "secret plans" } })).json().id;
});
afterAll(async () => {
  await t?.close();
  await env?.stop();
});

describe("authorization", () => {
  it("lets members read and write", async () => {
    const list = await t.app.inject({ method: "GET", url: `/v1/conversations/${cid}/messages`, headers: bearer(bob) });
    expect(list.statusCode).toBe(200);
    expect(list.json().items[0]).toMatchObject({ id: aliceMsg, body: "secret plans", authorId: alice.userId });
    const post = await t.app.inject({ method: "POST", url: `/v1/conversations/${cid}/messages`, headers: bearer(bob), payload: { body: "ok" } });
    expect(post.statusCode).toBe(201);
  });

  it("answers 404 to a non-member for read, post and delete, exactly as for a missing conversation", async () => {
    const missing = "0190a0b0-0000-7000-8000-000000000000";
    const read = await t.app.inject({ method: "GET", url: `/v1/conversations/${cid}/messages`, headers: bearer(carol) });
    const readMissing = await t.app.inject({ method: "GET", url: `/v1/conversations/${missing}/messages`, headers: bearer(carol) });
    expect(read.statusCode).toBe(404);
    expect(read.body).toBe(readMissing.body);
    expect(read.body).not.toContain("secret");
    const post = await t.app.inject({ method: "POST", url: `/v1/conversations/${cid}/messages`, headers: bearer(carol), payload: { body: "let me in" } });
    expect(post.statusCode).toBe(404);
    const del = await t.app.inject({ method: "DELETE", url: `/v1/messages/${aliceMsg}`, headers: bearer(carol) });
    expect(del.statusCode).toBe(404);
    const convs = await t.app.inject({ method: "GET", url: "/v1/conversations", headers: bearer(carol) });
    expect(convs.json().items).toEqual([]);
    // Nothing was written by the refused post, and the message is still there.
    const rows = await t.db.db.selectFrom("messages").select(["body", "deleted_at"]).where("conversation_id", "=", cid).execute();
    expect(rows.map((r) => r.body)).not.toContain("let me in");
    expect(rows.find((r) => r.body === "secret plans")?.deleted_at).toBeNull();
  });

  it("lets only the author delete (a member who is not the author gets 403)", async () => {
    const del = await t.app.inject({ method: "DELETE", url: `/v1/messages/${aliceMsg}`, headers: bearer(bob) });
    expect(del.statusCode).toBe(403);
  });

  it("needs a token everywhere", async () => {
    for (const [method, url] of [
      ["GET", "/v1/me"],
      ["GET", "/v1/conversations"],
      ["GET", `/v1/conversations/${cid}/messages`],
      ["DELETE", `/v1/messages/${aliceMsg}`],
      ["GET", "/v1/auth/sessions"],
    ] as const) {
      expect((await t.app.inject({ method, url })).statusCode).toBe(401);
    }
  });
});

describe("paging", () => {
  it("lists messages newest first with cursors, no duplicates, a fixed number of queries per page", async () => {
    const conv = (await t.app.inject({ method: "POST", url: "/v1/conversations", headers: bearer(alice), payload: { title: "Paging", memberEmails: [] } })).json();
    const bodies: string[] = [];
    for (let i = 0; i < 25; i++) {
      bodies.push(`m${i}`);
      const r = await t.app.inject({ method: "POST", url: `/v1/conversations/${conv.id}/messages`, headers: bearer(alice), payload: { body: `m${i}` } });
      expect(r.statusCode).toBe(201);
    }
    const seen: string[] = [];
    const queryCounts: number[] = [];
    let cursor: string | null = null;
    do {
      const before = t.db.stats.queries;
      const url: string = `/v1/conversations/${conv.id}/messages?limit=10${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await t.app.inject({ method: "GET", url, headers: bearer(alice) });
      expect(page.statusCode).toBe(200);
      queryCounts.push(t.db.stats.queries - before);
      const json = page.json();
      seen.push(...json.items.map((m: { body: string }) => m.body));
      cursor = json.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...bodies].reverse());
    // Pages of 10, 10 and 5 messages cost the same: session, membership, messages, attachments.
    expect(new Set(queryCounts).size).toBe(1);
    expect(queryCounts[0]).toBeLessThanOrEqual(4);

    const bad = await t.app.inject({ method: "GET", url: `/v1/conversations/${conv.id}/messages?cursor=not-a-cursor`, headers: bearer(alice) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("validation_failed");
  });

  it("lists the caller's conversations with members, newest first", async () => {
    const page = await t.app.inject({ method: "GET", url: "/v1/conversations?limit=1", headers: bearer(bob) });
    expect(page.json().items).toHaveLength(1);
    expect(page.json().items[0]).toMatchObject({ id: cid, title: "Alice & Bob" });
    expect(page.json().nextCursor).toBeNull();
  });
});

describe("attachments", () => {
  // A PNG signature, then arbitrary bytes (the API checks the magic number, not the whole image).
  const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256))]);

  it("streams an upload to S3 and back to members only", async () => {
    const up = await t.app.inject({ method: "POST", url: "/v1/attachments", headers: { ...bearer(alice), "content-type": "image/png" }, payload: bytes });
    expect(up.statusCode).toBe(201);
    const att = up.json();
    expect(att).toMatchObject({ size: bytes.length, contentType: "image/png" });
    // Before it is posted, only the uploader can read it.
    expect((await t.app.inject({ method: "GET", url: `/v1/attachments/${att.id}`, headers: bearer(bob) })).statusCode).toBe(404);
    const own = await t.app.inject({ method: "GET", url: `/v1/attachments/${att.id}`, headers: bearer(alice) });
    expect(own.statusCode).toBe(200);
    expect(own.rawPayload.equals(bytes)).toBe(true);

    const msg = await t.app.inject({ method: "POST", url: `/v1/conversations/${cid}/messages`, headers: bearer(alice), payload: { body: "see attached", attachmentIds: [att.id] } });
    expect(msg.statusCode).toBe(201);
    expect(msg.json().attachmentIds).toEqual([att.id]);
    const got = await t.app.inject({ method: "GET", url: `/v1/attachments/${att.id}`, headers: bearer(bob) });
    expect(got.statusCode).toBe(200);
    expect(got.headers["content-type"]).toBe("image/png");
    expect(got.headers["content-disposition"]).toBe("attachment");
    expect(got.rawPayload.equals(bytes)).toBe(true);
    expect((await t.app.inject({ method: "GET", url: `/v1/attachments/${att.id}`, headers: bearer(carol) })).statusCode).toBe(404);
    const listed = (await t.app.inject({ method: "GET", url: `/v1/conversations/${cid}/messages?limit=1`, headers: bearer(bob) })).json();
    expect(listed.items[0].attachmentIds).toEqual([att.id]);

    // Someone else's (or an already used) attachment cannot be attached.
    const steal = await t.app.inject({ method: "POST", url: `/v1/conversations/${cid}/messages`, headers: bearer(bob), payload: { body: "mine now", attachmentIds: [att.id] } });
    expect(steal.statusCode).toBe(400);
    expect(steal.json().error.fields).toHaveProperty(["body.attachmentIds"]);
    const count = await t.db.db.selectFrom("messages").select(sql<number>`count(*)`.as("n")).where("body", "=", "mine now").executeTakeFirst();
    expect(Number(count?.n)).toBe(0);
  });

  it("enforces size and type limits", async () => {
    const big = await t.app.inject({ method: "POST", url: "/v1/attachments", headers: { ...bearer(alice), "content-type": "image/png" }, payload: Buffer.alloc(64 * 1024 + 1) });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe("payload_too_large");
    const html = await t.app.inject({ method: "POST", url: "/v1/attachments", headers: { ...bearer(alice), "content-type": "text/html" }, payload: "<script>" });
    expect(html.statusCode).toBe(415);
    expect(html.json().error.code).toBe("unsupported_media_type");
    const json = await t.app.inject({ method: "POST", url: "/v1/attachments", headers: { ...bearer(alice), "content-type": "application/json" }, payload: "{}" });
    expect(json.statusCode).toBe(415);
    const empty = await t.app.inject({ method: "POST", url: "/v1/attachments", headers: { ...bearer(alice), "content-type": "text/plain" }, payload: "" });
    expect(empty.statusCode).toBe(400);
    const rows = await t.db.db.selectFrom("attachments").select("size").where("uploader_id", "=", alice.userId).execute();
    expect(rows.every((r) => Number(r.size) <= 64 * 1024)).toBe(true);
  });

  it("refuses content that is not what its Content-Type says (415), and stores nothing of it", async () => {
    const post = (contentType: string, payload: Buffer | string) => t.app.inject({ method: "POST", url: "/v1/attachments", headers: { ...bearer(alice), "content-type": contentType }, payload });
    const count = async () => Number((await t.db.db.selectFrom("attachments").select(sql<number>`count(*)`.as("n")).where("uploader_id", "=", alice.userId).executeTakeFirst())?.n);
    const before = await count();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const refused = [
      ["image/jpeg", png],
      ["image/png", "<html><script>alert(1)</script></html>"],
      ["image/png", Buffer.from([0x89, 0x50])],
      ["application/pdf", "not a pdf"],
      ["image/webp", Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WAVE")])],
      ["text/plain", Buffer.from([0x68, 0x69, 0x00, 0x21])],
      ["text/plain", Buffer.from([0x68, 0xc3, 0x28])],
    ] as const;
    for (const [type, payload] of refused) {
      const r = await post(type, payload);
      expect([type, r.statusCode, r.json().error.code]).toEqual([type, 415, "unsupported_media_type"]);
      expect(r.json().error.message).toContain(type);
    }
    expect(await count()).toBe(before);
    const accepted = [
      ["image/png", png],
      ["image/jpeg", Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])],
      ["image/gif", Buffer.from("GIF89a\x01\x00")],
      ["image/webp", Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WEBPVP8 ")])],
      ["application/pdf", Buffer.from("%PDF-1.7\n")],
      ["text/plain", "grüße, 你好\n"],
    ] as const;
    for (const [type, payload] of accepted) expect([type, (await post(type, payload)).statusCode]).toEqual([type, 201]);
    expect(await count()).toBe(before + accepted.length);
  });
});

describe("soft delete", () => {
  it("hides a deleted message from the API and keeps it in the database", async () => {
    const m = (await t.app.inject({ method: "POST", url: `/v1/conversations/${cid}/messages`, headers: bearer(bob), payload: { body: "delete me" } })).json();
    expect((await t.app.inject({ method: "DELETE", url: `/v1/messages/${m.id}`, headers: bearer(bob) })).statusCode).toBe(204);
    const list = (await t.app.inject({ method: "GET", url: `/v1/conversations/${cid}/messages?limit=100`, headers: bearer(alice) })).json();
    expect(list.items.map((x: { id: string }) => x.id)).not.toContain(m.id);
    expect((await t.app.inject({ method: "DELETE", url: `/v1/messages/${m.id}`, headers: bearer(bob) })).statusCode).toBe(404);
    const row = await t.db.db.selectFrom("messages").selectAll().where("id", "=", m.id).executeTakeFirstOrThrow();
    expect(row.body).toBe("delete me");
    expect(row.deleted_at).toBeInstanceOf(Date);
  });

  it("hides a deleted account, keeps the row, frees the e-mail for a new sign-up", async () => {
    const u = await signupAndLogin(t.app, env.mail);
    const wrong = await t.app.inject({ method: "DELETE", url: "/v1/me", headers: bearer(u), payload: { password: "not my password" } });
    expect(wrong.statusCode).toBe(403);
    expect((await t.app.inject({ method: "DELETE", url: "/v1/me", headers: bearer(u), payload: { password: u.password } })).statusCode).toBe(204);
    expect((await t.app.inject({ method: "GET", url: "/v1/me", headers: bearer(u) })).statusCode).toBe(401);
    const login = await t.app.inject({ method: "POST", url: "/v1/auth/login", payload: { email: u.email, password: u.password } });
    expect(login.statusCode).toBe(401);
    expect(login.json().error.code).toBe("invalid_credentials");
    const row = await t.db.db.selectFrom("users").selectAll().where("id", "=", u.userId).executeTakeFirstOrThrow();
    expect(row.deleted_at).toBeInstanceOf(Date);
    expect(row.email_live).toBeNull();
    const sessions = await t.db.db.selectFrom("sessions").select("deleted_at").where("user_id", "=", u.userId).execute();
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.every((s) => s.deleted_at !== null)).toBe(true);

    // The address can sign up again: the unique index covers live users only.
    const again = await signupAndLogin(t.app, env.mail, u.email, "another password here");
    expect(again.userId).not.toBe(u.userId);
    const both = await t.db.db.selectFrom("users").select("id").where("email", "=", u.email).execute();
    expect(both).toHaveLength(2);
  });

  it("enforces e-mail uniqueness among live users in the database itself", async () => {
    const u = await signupAndLogin(t.app, env.mail);
    await expect(
      t.db.db.insertInto("users").values({ id: "0190a0b0-0000-7000-8000-00000000dup1", email: u.email, password_hash: "x", display_name: "dup", created_at: new Date() }).execute(),
    ).rejects.toMatchObject({ code: "ER_DUP_ENTRY" });
  });
});
