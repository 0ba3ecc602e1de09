/**
 * Attachments: raw bytes in, streamed to the app bucket; read back only by the uploader or by members
 * of a conversation where a live message carries the attachment (404 for everyone else).
 */
import { z } from "zod";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { sql } from "kysely";
import { ApiError, errorBody } from "../errors.js";
import { requireAuth } from "../auth-hook.js";
import { uuidv7, isUuid } from "../../db/ids.js";

/** Content types accepted for attachments. */
export const ATTACHMENT_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"] as const;

const e = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorBody]));
const bearer = [{ bearer: [] }];

class TooLarge extends Error {}

/** Passes bytes through, failing once more than `max` have been seen. */
class SizeLimit extends Transform {
  seen = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) cb(new TooLarge("attachment too large"));
    else cb(null, chunk);
  }
}

class WrongContent extends Error {}

/** The first bytes of each binary type (the formats' magic numbers); `undefined` bytes match anything. */
const SIGNATURES: Record<string, (number | undefined)[][]> = {
  "image/png": [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  "image/jpeg": [[0xff, 0xd8, 0xff]],
  "image/gif": [[...Buffer.from("GIF87a")], [...Buffer.from("GIF89a")]],
  // RIFF <size> WEBP
  "image/webp": [[...Buffer.from("RIFF"), undefined, undefined, undefined, undefined, ...Buffer.from("WEBP")]],
  "application/pdf": [[...Buffer.from("%PDF-")]],
};

/**
 * Passes bytes through while checking that they are what the declared Content-Type says: the magic
 * number of a binary type, or UTF-8 without NUL for text/plain. A file that lies about its type is
 * refused (415) instead of being stored and served under the wrong type.
 */
class ContentCheck extends Transform {
  private head = Buffer.alloc(0);
  private checked = false;
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true });
  constructor(private readonly contentType: string) {
    super();
  }
  private headMatches(final: boolean): boolean | undefined {
    const sigs = SIGNATURES[this.contentType];
    if (!sigs) return true;
    const need = Math.max(...sigs.map((x) => x.length));
    if (this.head.length < need && !final) return undefined;
    return sigs.some((sig) => this.head.length >= sig.length && sig.every((b, i) => b === undefined || this.head[i] === b));
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      if (this.contentType === "text/plain") {
        if (chunk.includes(0)) throw new WrongContent();
        this.utf8.decode(chunk, { stream: true });
      } else if (!this.checked) {
        this.head = Buffer.concat([this.head, chunk]).subarray(0, 16);
        const ok = this.headMatches(false);
        if (ok === false) throw new WrongContent();
        this.checked = ok === true;
      }
      cb(null, chunk);
    } catch {
      cb(new WrongContent(`the content is not ${this.contentType}`));
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      if (this.contentType === "text/plain") this.utf8.decode();
      else if (!this.checked && this.head.length > 0 && !this.headMatches(true)) throw new WrongContent();
      cb();
    } catch {
      cb(new WrongContent(`the content is not ${this.contentType}`));
    }
  }
}

export const attachmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { services } = app;
  const max = services.config.attachmentMaxBytes;

  // Parsers are scoped to this plugin: only here do the attachment types reach a handler, as a stream.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...ATTACHMENT_TYPES], (_req, payload, done) => done(null, payload));

  app.post(
    "/v1/attachments",
    {
      preHandler: requireAuth,
      schema: {
        tags: ["attachments"],
        security: bearer,
        description: `Raw bytes with Content-Type one of ${ATTACHMENT_TYPES.join(", ")}; at most ${max} bytes.`,
        consumes: [...ATTACHMENT_TYPES],
        body: z.custom<Readable>(() => true).describe("the file's bytes"),
        response: { 201: z.object({ id: z.string(), size: z.number(), contentType: z.string() }), ...e(400, 401, 413, 415) },
      },
    },
    async (req, reply) => {
      const contentType = String(req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
      const body = req.body as unknown;
      if (!(body instanceof Readable)) {
        throw new ApiError(400, "validation_failed", "The request is invalid.", { body: "the attachment bytes are required" });
      }
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared > max) {
        body.resume();
        throw new ApiError(413, "payload_too_large", `An attachment may have at most ${max} bytes.`);
      }
      const id = uuidv7();
      const key = `attachments/${id}`;
      const limiter = new SizeLimit(max);
      const check = new ContentCheck(contentType);
      body.on("error", (err) => limiter.destroy(err));
      limiter.on("error", (err) => check.destroy(err));
      body.pipe(limiter).pipe(check);
      try {
        await services.store.put(key, check, contentType);
      } catch (err) {
        if (err instanceof TooLarge || limiter.seen > max) throw new ApiError(413, "payload_too_large", `An attachment may have at most ${max} bytes.`);
        if (err instanceof WrongContent) {
          body.resume();
          throw new ApiError(415, "unsupported_media_type", `The content does not match its Content-Type (${contentType}).`);
        }
        if ((err as { code?: string }).code === "ECONNRESET" || body.destroyed) throw new ApiError(400, "bad_request", "The upload was interrupted.");
        throw err;
      }
      if (limiter.seen === 0) throw new ApiError(400, "validation_failed", "The request is invalid.", { body: "the attachment is empty" });
      await services.db.db
        .insertInto("attachments")
        .values({ id, uploader_id: req.auth!.userId, s3_key: key, size: limiter.seen, content_type: contentType, created_at: new Date() })
        .execute();
      return reply.status(201).send({ id, size: limiter.seen, contentType });
    },
  );

  app.get(
    "/v1/attachments/:id",
    {
      preHandler: requireAuth,
      schema: { tags: ["attachments"], security: bearer, params: z.strictObject({ id: z.string().max(64) }), response: { 200: z.unknown().describe("the attachment bytes"), ...e(401, 404) } },
    },
    async (req, reply) => {
      const me = req.auth!.userId;
      const notFound = new ApiError(404, "not_found", "No such attachment.");
      if (!isUuid(req.params.id)) throw notFound;
      const row = await services.db.db
        .selectFrom("attachments as a")
        .select(["a.s3_key", "a.size", "a.content_type"])
        .where("a.id", "=", req.params.id)
        .where("a.deleted_at", "is", null)
        .where((eb) =>
          eb.or([
            eb("a.uploader_id", "=", me),
            eb.exists(
              eb
                .selectFrom("message_attachments as ma")
                .innerJoin("messages as m", "m.id", "ma.message_id")
                .innerJoin("conversations as c", "c.id", "m.conversation_id")
                .innerJoin("conversation_members as cm", "cm.conversation_id", "m.conversation_id")
                .select(sql.lit(1).as("one"))
                .whereRef("ma.attachment_id", "=", "a.id")
                .where("m.deleted_at", "is", null)
                .where("c.deleted_at", "is", null)
                .where("cm.user_id", "=", me)
                .where("cm.deleted_at", "is", null),
            ),
          ]),
        )
        .executeTakeFirst();
      if (!row) throw notFound;
      const stream = await services.store.get(row.s3_key);
      return reply
        .header("content-type", row.content_type)
        .header("content-length", String(row.size))
        .header("content-disposition", "attachment")
        .header("cache-control", "private, no-store")
        .send(stream);
    },
  );
};
