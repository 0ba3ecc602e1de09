/**
 * Auth endpoints (API-11): sign-up, e-mail verification, login/logout, sessions, password change,
 * forgot/reset, me, delete account. Answers never reveal whether an e-mail is known: sign-up, resend
 * and forgot always answer 202 at once and do their work after the response; login hashes against a
 * dummy for unknown e-mails and answers the same 401.
 */
import { z } from "zod";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { ApiError, errorBody } from "../errors.js";
import { rateLimit } from "../rate-limit.js";
import { requireAuth } from "../auth-hook.js";
import { hashPassword, verifyPassword, isCommonPassword, PASSWORD_MAX, PASSWORD_MIN } from "../../auth/passwords.js";
import { TokenError } from "../../auth/tokens.js";
import { uuidv7, isUuid } from "../../db/ids.js";
import { verificationMail, accountExistsMail, resetMail, passwordChangedMail } from "../../mail/templates.js";
import type { Purpose } from "../../keys/signing-key.js";

/** Canonical form of an e-mail for lookups and rate-limit keys. */
export function normalizeEmail(email: string): string {
  return email.normalize("NFKC").trim().toLowerCase();
}

const email = z.email({ message: "must be an e-mail address" }).max(254);
const password = z
  .string()
  .min(PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `at most ${PASSWORD_MAX} characters`)
  .refine((p) => !isCommonPassword(p), "is one of the most common passwords; choose another");
const token = z.string().min(1).max(2048);
const accepted = z.object({ status: z.literal("accepted") });
const e = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorBody]));
const ACCEPTED = { status: "accepted" as const };
const bearer = [{ bearer: [] }];

async function createOneTimeToken(app: FastifyInstance, userId: string, purpose: Purpose): Promise<string> {
  const jti = randomUUID();
  const { token, expiresAt } = await app.services.tokens.sign(purpose, { sub: userId, jti });
  await app.services.db.db
    .insertInto("one_time_tokens")
    .values({ jti, user_id: userId, purpose, expires_at: expiresAt, created_at: new Date() })
    .execute();
  return token;
}

/** Verifies a single-use token and consumes it in the database; returns the user id or throws 401. */
async function consumeOneTimeToken(app: FastifyInstance, purpose: Purpose, raw: string): Promise<string> {
  const invalid = new ApiError(401, "invalid_token", "The token is invalid, expired or already used.");
  let claims;
  try {
    claims = await app.services.tokens.verify(purpose, raw);
  } catch (err) {
    if (err instanceof TokenError) throw invalid;
    throw err;
  }
  const now = new Date();
  const consumed = await app.services.db.db
    .updateTable("one_time_tokens")
    .set({ consumed_at: now })
    .where("jti", "=", claims.jti as string)
    .where("user_id", "=", claims.sub)
    .where("purpose", "=", purpose)
    .where("consumed_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  if (Number(consumed.numUpdatedRows) !== 1) throw invalid;
  return claims.sub;
}

async function liveUserByEmail(app: FastifyInstance, addr: string) {
  return app.services.db.db
    .selectFrom("users")
    .select(["id", "email", "password_hash", "email_verified_at", "display_name", "created_at"])
    .where("email_live", "=", addr)
    .executeTakeFirst();
}

async function endSessions(app: FastifyInstance, userId: string, exceptSessionId?: string): Promise<void> {
  let q = app.services.db.db.updateTable("sessions").set({ deleted_at: new Date() }).where("user_id", "=", userId).where("deleted_at", "is", null);
  if (exceptSessionId) q = q.where("id", "!=", exceptSessionId);
  await q.execute();
}

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const { services } = app;
  const { config } = services;

  app.post(
    "/v1/auth/signup",
    {
      schema: {
        tags: ["auth"],
        body: z.strictObject({ email, password, displayName: z.string().trim().min(1).max(100) }),
        response: { 202: accepted, ...e(400, 429) },
      },
    },
    async (req, reply) => {
      const addr = normalizeEmail(req.body.email);
      await rateLimit(app, req.ip, "signup", addr);
      const { password: pw, displayName } = req.body;
      services.background("signup", async () => {
        const existing = await liveUserByEmail(app, addr);
        if (existing) {
          if (existing.email_verified_at) await services.mailer.send(accountExistsMail(addr, config.publicUrl));
          else await services.mailer.send(verificationMail(addr, config.publicUrl, await createOneTimeToken(app, existing.id, "verify_email_session")));
          return;
        }
        const id = uuidv7();
        try {
          await services.db.db
            .insertInto("users")
            .values({ id, email: addr, password_hash: await hashPassword(pw), display_name: displayName, created_at: new Date() })
            .execute();
        } catch (err) {
          // A concurrent sign-up for the same address won the unique index on email_live.
          if ((err as { code?: string }).code === "ER_DUP_ENTRY") return;
          throw err;
        }
        await services.mailer.send(verificationMail(addr, config.publicUrl, await createOneTimeToken(app, id, "verify_email_session")));
      });
      return reply.status(202).send(ACCEPTED);
    },
  );

  app.post(
    "/v1/auth/verify-email",
    { schema: { tags: ["auth"], body: z.strictObject({ token }), response: { 204: z.null(), ...e(400, 401, 429) } } },
    async (req, reply) => {
      await rateLimit(app, req.ip, "verify-email");
      const userId = await consumeOneTimeToken(app, "verify_email_session", req.body.token);
      await services.db.db
        .updateTable("users")
        .set({ email_verified_at: sql<Date>`coalesce(email_verified_at, ${new Date()})` })
        .where("id", "=", userId)
        .where("deleted_at", "is", null)
        .execute();
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/v1/auth/resend-verification",
    { schema: { tags: ["auth"], body: z.strictObject({ email }), response: { 202: accepted, ...e(400, 429) } } },
    async (req, reply) => {
      const addr = normalizeEmail(req.body.email);
      await rateLimit(app, req.ip, "resend-verification", addr);
      services.background("resend-verification", async () => {
        const user = await liveUserByEmail(app, addr);
        if (!user || user.email_verified_at) return;
        await services.mailer.send(verificationMail(addr, config.publicUrl, await createOneTimeToken(app, user.id, "verify_email_session")));
      });
      return reply.status(202).send(ACCEPTED);
    },
  );

  app.post(
    "/v1/auth/login",
    {
      schema: {
        tags: ["auth"],
        // Any string is accepted as a password here so a too-short guess costs the same as any other.
        body: z.strictObject({ email, password: z.string().min(1).max(PASSWORD_MAX) }),
        response: { 200: z.object({ token: z.string(), expiresAt: z.string(), sessionId: z.string() }), ...e(400, 401, 403, 429) },
      },
    },
    async (req) => {
      const addr = normalizeEmail(req.body.email);
      await rateLimit(app, req.ip, "login", addr);
      const user = await liveUserByEmail(app, addr);
      const ok = await verifyPassword(user?.password_hash, req.body.password);
      if (!user || !ok) throw new ApiError(401, "invalid_credentials", "The e-mail or password is wrong.");
      if (!user.email_verified_at) throw new ApiError(403, "email_not_verified", "Confirm your e-mail address first.");
      const sessionId = randomUUID();
      const now = new Date();
      const { token: t, expiresAt } = await services.tokens.sign("active_session", { sub: user.id, sid: sessionId }, { now });
      await services.db.db
        .insertInto("sessions")
        .values({ id: sessionId, user_id: user.id, created_at: now, last_seen_at: now, expires_at: expiresAt })
        .execute();
      return { token: t, expiresAt: expiresAt.toISOString(), sessionId };
    },
  );

  app.post(
    "/v1/auth/logout",
    { preHandler: requireAuth, schema: { tags: ["auth"], security: bearer, response: { 204: z.null(), ...e(401) } } },
    async (req, reply) => {
      await services.db.db.updateTable("sessions").set({ deleted_at: new Date() }).where("id", "=", req.auth!.sessionId).where("deleted_at", "is", null).execute();
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/v1/auth/logout-all",
    { preHandler: requireAuth, schema: { tags: ["auth"], security: bearer, response: { 204: z.null(), ...e(401) } } },
    async (req, reply) => {
      await endSessions(app, req.auth!.userId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/v1/auth/sessions",
    {
      preHandler: requireAuth,
      schema: {
        tags: ["auth"],
        security: bearer,
        response: {
          200: z.object({ items: z.array(z.object({ id: z.string(), createdAt: z.string(), lastSeenAt: z.string(), current: z.boolean() })) }),
          ...e(401),
        },
      },
    },
    async (req) => {
      const rows = await services.db.db
        .selectFrom("sessions")
        .select(["id", "created_at", "last_seen_at"])
        .where("user_id", "=", req.auth!.userId)
        .where("deleted_at", "is", null)
        .where("expires_at", ">", new Date())
        .orderBy("created_at", "desc")
        .limit(100)
        .execute();
      return {
        items: rows.map((r) => ({
          id: r.id,
          createdAt: new Date(r.created_at).toISOString(),
          lastSeenAt: new Date(r.last_seen_at).toISOString(),
          current: r.id === req.auth!.sessionId,
        })),
      };
    },
  );

  app.delete(
    "/v1/auth/sessions/:id",
    {
      preHandler: requireAuth,
      schema: { tags: ["auth"], security: bearer, params: z.strictObject({ id: z.string().max(64) }), response: { 204: z.null(), ...e(401, 404) } },
    },
    async (req, reply) => {
      const notFound = new ApiError(404, "not_found", "No such session.");
      if (!isUuid(req.params.id)) throw notFound;
      const res = await services.db.db
        .updateTable("sessions")
        .set({ deleted_at: new Date() })
        .where("id", "=", req.params.id)
        .where("user_id", "=", req.auth!.userId)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw notFound;
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/v1/auth/forgot-password",
    { schema: { tags: ["auth"], body: z.strictObject({ email }), response: { 202: accepted, ...e(400, 429) } } },
    async (req, reply) => {
      const addr = normalizeEmail(req.body.email);
      await rateLimit(app, req.ip, "forgot-password", addr);
      services.background("forgot-password", async () => {
        const user = await liveUserByEmail(app, addr);
        if (!user) return;
        await services.mailer.send(resetMail(addr, config.publicUrl, await createOneTimeToken(app, user.id, "password_reset_session")));
      });
      return reply.status(202).send(ACCEPTED);
    },
  );

  app.post(
    "/v1/auth/reset-password",
    { schema: { tags: ["auth"], body: z.strictObject({ token, password }), response: { 204: z.null(), ...e(400, 401, 429) } } },
    async (req, reply) => {
      await rateLimit(app, req.ip, "reset-password");
      const userId = await consumeOneTimeToken(app, "password_reset_session", req.body.token);
      const hashed = await hashPassword(req.body.password);
      const now = new Date();
      const user = await services.db.db.transaction().execute(async (trx) => {
        await trx
          .updateTable("users")
          .set({ password_hash: hashed, password_changed_at: now, email_verified_at: sql<Date>`coalesce(email_verified_at, ${now})` })
          .where("id", "=", userId)
          .where("deleted_at", "is", null)
          .execute();
        await trx.updateTable("sessions").set({ deleted_at: now }).where("user_id", "=", userId).where("deleted_at", "is", null).execute();
        return trx.selectFrom("users").select("email").where("id", "=", userId).where("deleted_at", "is", null).executeTakeFirst();
      });
      if (user) services.background("password-reset-mail", () => services.mailer.send(passwordChangedMail(user.email, "reset")));
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/v1/auth/change-password",
    {
      preHandler: requireAuth,
      schema: {
        tags: ["auth"],
        security: bearer,
        body: z.strictObject({ currentPassword: z.string().min(1).max(PASSWORD_MAX), newPassword: password }),
        response: { 204: z.null(), ...e(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      const auth = req.auth!;
      await rateLimit(app, req.ip, "change-password", auth.email);
      const user = await services.db.db.selectFrom("users").select("password_hash").where("id", "=", auth.userId).where("deleted_at", "is", null).executeTakeFirst();
      if (!user || !(await verifyPassword(user.password_hash, req.body.currentPassword))) {
        throw new ApiError(403, "invalid_credentials", "The current password is wrong.");
      }
      const hashed = await hashPassword(req.body.newPassword);
      await services.db.db.transaction().execute(async (trx) => {
        await trx.updateTable("users").set({ password_hash: hashed, password_changed_at: new Date() }).where("id", "=", auth.userId).execute();
        await trx
          .updateTable("sessions")
          .set({ deleted_at: new Date() })
          .where("user_id", "=", auth.userId)
          .where("id", "!=", auth.sessionId)
          .where("deleted_at", "is", null)
          .execute();
      });
      services.background("password-changed-mail", () => services.mailer.send(passwordChangedMail(auth.email, "changed")));
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/v1/me",
    {
      preHandler: requireAuth,
      schema: {
        tags: ["me"],
        security: bearer,
        response: {
          200: z.object({ id: z.string(), email: z.string(), displayName: z.string(), emailVerified: z.boolean(), createdAt: z.string() }),
          ...e(401),
        },
      },
    },
    async (req) => {
      // The auth hook loaded the live user together with the session.
      const a = req.auth!;
      return { id: a.userId, email: a.email, displayName: a.user.displayName, emailVerified: a.user.emailVerifiedAt !== null, createdAt: a.user.createdAt.toISOString() };
    },
  );

  app.delete(
    "/v1/me",
    {
      preHandler: requireAuth,
      schema: { tags: ["me"], security: bearer, body: z.strictObject({ password: z.string().min(1).max(PASSWORD_MAX) }), response: { 204: z.null(), ...e(400, 401, 403, 429) } },
    },
    async (req, reply) => {
      const auth = req.auth!;
      await rateLimit(app, req.ip, "delete-account", auth.email);
      const user = await services.db.db.selectFrom("users").select("password_hash").where("id", "=", auth.userId).where("deleted_at", "is", null).executeTakeFirst();
      if (!user || !(await verifyPassword(user.password_hash, req.body.password))) {
        throw new ApiError(403, "invalid_credentials", "The password is wrong.");
      }
      const now = new Date();
      await services.db.db.transaction().execute(async (trx) => {
        await trx.updateTable("users").set({ deleted_at: now }).where("id", "=", auth.userId).where("deleted_at", "is", null).execute();
        await trx.updateTable("sessions").set({ deleted_at: now }).where("user_id", "=", auth.userId).where("deleted_at", "is", null).execute();
      });
      return reply.status(204).send(null);
    },
  );
};

