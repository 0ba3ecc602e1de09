/**
 * Conversations and messages (API-08, API-11). Only members read or write; a non-member gets 404, the
 * same answer as for a conversation that does not exist. Lists are newest first with opaque cursors,
 * each page loaded with a fixed number of queries (no N+1). The message write is one prepared
 * INSERT … SELECT that checks membership in the same statement.
 */
import { z } from "zod";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { FastifyInstance } from "fastify";
import { ApiError, errorBody } from "../errors.js";
import { requireAuth } from "../auth-hook.js";
import { uuidv7, isUuid } from "../../db/ids.js";
import { normalizeEmail } from "./auth.js";

const e = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorBody]));
const bearer = [{ bearer: [] }];
const MAX_ATTACHMENTS = 10;

const member = z.object({ id: z.string(), displayName: z.string() });
const conversation = z.object({ id: z.string(), title: z.string(), members: z.array(member), createdAt: z.string() });
const message = z.object({
  id: z.string(),
  conversationId: z.string(),
  authorId: z.string(),
  body: z.string(),
  attachmentIds: z.array(z.string()),
  createdAt: z.string(),
});
const page = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional(),
});
const idParam = z.strictObject({ id: z.string().max(64) });

/** Opaque cursor for an id. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, "latin1").toString("base64url");
}

/** One page of rows fetched with `limit + 1`: the first `limit`, and the cursor of the next page if there is one. */
function pageOf<T extends { id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].id) : null };
}

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, "base64url").toString("latin1");
  if (!isUuid(id) || encodeCursor(id) !== cursor) {
    throw new ApiError(400, "validation_failed", "The request is invalid.", { "querystring.cursor": "not a cursor from this API" });
  }
  return id;
}

async function membersOf(app: FastifyInstance, conversationIds: string[]): Promise<Map<string, { id: string; displayName: string }[]>> {
  const out = new Map<string, { id: string; displayName: string }[]>();
  if (!conversationIds.length) return out;
  const rows = await app.services.db.db
    .selectFrom("conversation_members as cm")
    .innerJoin("users as u", "u.id", "cm.user_id")
    .select(["cm.conversation_id", "u.id", "u.display_name"])
    .where("cm.conversation_id", "in", conversationIds)
    .where("cm.deleted_at", "is", null)
    .where("u.deleted_at", "is", null)
    .orderBy("cm.joined_at")
    .execute();
  for (const r of rows) {
    const list = out.get(r.conversation_id) ?? [];
    list.push({ id: r.id, displayName: r.display_name });
    out.set(r.conversation_id, list);
  }
  return out;
}

async function isMember(app: FastifyInstance, conversationId: string, userId: string): Promise<boolean> {
  const q = app.services.db.db
    .selectFrom("conversation_members as cm")
    .innerJoin("conversations as c", "c.id", "cm.conversation_id")
    .select("cm.user_id")
    .where("cm.conversation_id", "=", conversationId)
    .where("cm.user_id", "=", userId)
    .where("cm.deleted_at", "is", null)
    .where("c.deleted_at", "is", null)
    .compile();
  return (await app.services.db.execute(q)).length === 1;
}

const INSERT_MESSAGE_SQL = `insert into messages (id, conversation_id, author_id, body, created_at)
select ?, cm.conversation_id, cm.user_id, ?, ?
from conversation_members cm join conversations c on c.id = cm.conversation_id
where cm.conversation_id = ? and cm.user_id = ? and cm.deleted_at is null and c.deleted_at is null`;

export const conversationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { services } = app;

  app.post(
    "/v1/conversations",
    {
      preHandler: requireAuth,
      schema: {
        tags: ["messages"],
        security: bearer,
        body: z.strictObject({
          title: z.string().trim().min(1).max(200),
          memberEmails: z.array(z.email().max(254)).max(50),
        }),
        response: { 201: conversation, ...e(400, 401) },
      },
    },
    async (req, reply) => {
      const me = req.auth!;
      const emails = [...new Set(req.body.memberEmails.map(normalizeEmail))].filter((x) => x !== me.email);
      // Unknown or deleted addresses are skipped; the answer lists the members actually added.
      const others = emails.length
        ? await services.db.db.selectFrom("users").select(["id"]).where("email_live", "in", emails).execute()
        : [];
      const id = uuidv7();
      const now = new Date();
      await services.db.db.transaction().execute(async (trx) => {
        await trx.insertInto("conversations").values({ id, title: req.body.title, created_by: me.userId, created_at: now }).execute();
        await trx
          .insertInto("conversation_members")
          .values([me.userId, ...others.map((o) => o.id)].map((user_id) => ({ conversation_id: id, user_id, joined_at: now })))
          .execute();
      });
      const members = (await membersOf(app, [id])).get(id) ?? [];
      return reply.status(201).send({ id, title: req.body.title, members, createdAt: now.toISOString() });
    },
  );

  app.get(
    "/v1/conversations",
    {
      preHandler: requireAuth,
      schema: {
        tags: ["messages"],
        security: bearer,
        querystring: page,
        response: { 200: z.object({ items: z.array(conversation), nextCursor: z.string().nullable() }), ...e(400, 401) },
      },
    },
    async (req) => {
      const before = decodeCursor(req.query.cursor);
      let q = services.db.db
        .selectFrom("conversation_members as cm")
        .innerJoin("conversations as c", "c.id", "cm.conversation_id")
        .select(["c.id", "c.title", "c.created_at"])
        .where("cm.user_id", "=", req.auth!.userId)
        .where("cm.deleted_at", "is", null)
        .where("c.deleted_at", "is", null)
        .orderBy("c.id", "desc")
        .limit(req.query.limit + 1);
      if (before) q = q.where("c.id", "<", before);
      const rows = await q.execute();
      const { items, nextCursor } = pageOf(rows, req.query.limit);
      const members = await membersOf(app, items.map((r) => r.id));
      return {
        items: items.map((r) => ({ id: r.id, title: r.title, members: members.get(r.id) ?? [], createdAt: new Date(r.created_at).toISOString() })),
        nextCursor,
      };
    },
  );

  app.post(
    "/v1/conversations/:id/messages",
    {
      preHandler: requireAuth,
      schema: {
        tags: ["messages"],
        security: bearer,
        params: idParam,
        body: z.strictObject({
          body: z.string().min(1).max(10_000),
          attachmentIds: z
            .array(z.uuid())
            .max(MAX_ATTACHMENTS)
            .refine((a) => new Set(a).size === a.length, "must not repeat an id")
            .optional(),
        }),
        response: { 201: message, ...e(400, 401, 404) },
      },
    },
    async (req, reply) => {
      const me = req.auth!;
      const notFound = new ApiError(404, "not_found", "No such conversation.");
      if (!isUuid(req.params.id)) throw notFound;
      const id = uuidv7();
      const now = new Date();
      const attachmentIds = req.body.attachmentIds ?? [];
      const params = [id, req.body.body, now, req.params.id, me.userId];
      if (!attachmentIds.length) {
        if ((await services.db.executeRaw(INSERT_MESSAGE_SQL, params)) !== 1) throw notFound;
      } else {
        const conn = await services.db.pool.getConnection();
        try {
          await conn.beginTransaction();
          const [res] = await conn.execute(INSERT_MESSAGE_SQL, params);
          if ((res as { affectedRows: number }).affectedRows !== 1) throw notFound;
          const placeholders = attachmentIds.map(() => "?").join(",");
          const [linked] = await conn.execute(
            `insert into message_attachments (message_id, attachment_id)
             select ?, a.id from attachments a
             where a.id in (${placeholders}) and a.uploader_id = ? and a.deleted_at is null
               and not exists (select 1 from message_attachments ma where ma.attachment_id = a.id)
             order by field(a.id, ${placeholders})`,
            [id, ...attachmentIds, me.userId, ...attachmentIds],
          );
          if ((linked as { affectedRows: number }).affectedRows !== attachmentIds.length) {
            throw new ApiError(400, "validation_failed", "The request is invalid.", {
              "body.attachmentIds": "each id must be an unused attachment you uploaded",
            });
          }
          await conn.commit();
        } catch (err) {
          await conn.rollback().catch(() => undefined);
          throw err;
        } finally {
          conn.release();
        }
      }
      return reply.status(201).send({ id, conversationId: req.params.id, authorId: me.userId, body: req.body.body, attachmentIds, createdAt: now.toISOString() });
    },
  );

  app.get(
    "/v1/conversations/:id/messages",
    {
      preHandler: requireAuth,
      schema: {
        tags: ["messages"],
        security: bearer,
        params: idParam,
        querystring: page,
        response: { 200: z.object({ items: z.array(message), nextCursor: z.string().nullable() }), ...e(400, 401, 404) },
      },
    },
    async (req) => {
      if (!isUuid(req.params.id) || !(await isMember(app, req.params.id, req.auth!.userId))) {
        throw new ApiError(404, "not_found", "No such conversation.");
      }
      const before = decodeCursor(req.query.cursor);
      let q = services.db.db
        .selectFrom("messages")
        .select(["id", "conversation_id", "author_id", "body", "created_at"])
        .where("conversation_id", "=", req.params.id)
        .where("deleted_at", "is", null)
        .orderBy("id", "desc")
        .limit(req.query.limit + 1);
      if (before) q = q.where("id", "<", before);
      const rows = await q.execute();
      const { items, nextCursor } = pageOf(rows, req.query.limit);
      const attachments = new Map<string, string[]>();
      if (items.length) {
        const links = await services.db.db
          .selectFrom("message_attachments as ma")
          .innerJoin("attachments as a", "a.id", "ma.attachment_id")
          .select(["ma.message_id", "ma.attachment_id"])
          .where(
            "ma.message_id",
            "in",
            items.map((m) => m.id),
          )
          .where("a.deleted_at", "is", null)
          .orderBy("ma.position")
          .execute();
        for (const l of links) attachments.set(l.message_id, [...(attachments.get(l.message_id) ?? []), l.attachment_id]);
      }
      return {
        items: items.map((m) => ({
          id: m.id,
          conversationId: m.conversation_id,
          authorId: m.author_id,
          body: m.body,
          attachmentIds: attachments.get(m.id) ?? [],
          createdAt: new Date(m.created_at).toISOString(),
        })),
        nextCursor,
      };
    },
  );

  app.delete(
    "/v1/messages/:id",
    { preHandler: requireAuth, schema: { tags: ["messages"], security: bearer, params: idParam, response: { 204: z.null(), ...e(401, 403, 404) } } },
    async (req, reply) => {
      const me = req.auth!;
      const notFound = new ApiError(404, "not_found", "No such message.");
      if (!isUuid(req.params.id)) throw notFound;
      const msg = await services.db.db
        .selectFrom("messages")
        .select(["id", "author_id", "conversation_id"])
        .where("id", "=", req.params.id)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (!msg || !(await isMember(app, msg.conversation_id, me.userId))) throw notFound;
      if (msg.author_id !== me.userId) throw new ApiError(403, "forbidden", "Only the author can delete a message.");
      await services.db.db.updateTable("messages").set({ deleted_at: new Date() }).where("id", "=", msg.id).where("deleted_at", "is", null).execute();
      return reply.status(204).send(null);
    },
  );
};
