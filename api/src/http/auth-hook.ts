/**
 * Bearer authentication for protected routes: the PASETO active_session token, then the session row
 * (sessions live in the database, so logout and revocation take effect at once).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "./errors.js";
import { TokenError } from "../auth/tokens.js";

/** The authenticated caller. */
export interface AuthContext {
  userId: string;
  sessionId: string;
  email: string;
  /** The user's row as loaded with the session (one query per authenticated request). */
  user: { displayName: string; emailVerifiedAt: Date | null; createdAt: Date };
}

const LAST_SEEN_RESOLUTION_MS = 60_000;

interface SessionRow {
  id: string;
  user_id: string;
  last_seen_at: Date;
  email: string;
  display_name: string;
  email_verified_at: Date | null;
  created_at: Date;
}

/** The hot path of every authenticated request: one prepared statement, SQL text built once. */
const SESSION_SQL = `select s.id, s.user_id, s.last_seen_at, u.email, u.display_name, u.email_verified_at, u.created_at
from sessions s join users u on u.id = s.user_id
where s.id = ? and s.user_id = ? and s.deleted_at is null and s.expires_at > ? and u.deleted_at is null`;

function unauthorized(): ApiError {
  return new ApiError(401, "unauthorized", "A valid bearer token is required.", undefined, { "WWW-Authenticate": 'Bearer realm="api"' });
}

/** preHandler: sets `request.auth` or answers 401. */
export async function requireAuth(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const header = req.headers.authorization;
  if (typeof header !== "string") throw unauthorized();
  const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,2048})$/.exec(header);
  if (!m) throw unauthorized();
  const services = req.server.services;
  let claims;
  try {
    claims = await services.tokens.verify("active_session", m[1]);
  } catch (e) {
    if (e instanceof TokenError) {
      req.log.info({ reason: e.message }, "token refused");
      throw unauthorized();
    }
    throw e;
  }
  const now = new Date();
  const [row] = await services.db.executeSelect<SessionRow>(SESSION_SQL, [claims.sid as string, claims.sub, now]);
  if (!row) throw unauthorized();
  if (now.getTime() - new Date(row.last_seen_at).getTime() > LAST_SEEN_RESOLUTION_MS) {
    const sid = row.id;
    services.background("touch-session", async () => {
      await services.db.executeWrite(services.db.db.updateTable("sessions").set({ last_seen_at: new Date() }).where("id", "=", sid).compile());
    });
  }
  req.auth = {
    userId: row.user_id,
    sessionId: row.id,
    email: row.email,
    user: { displayName: row.display_name, emailVerifiedAt: row.email_verified_at, createdAt: new Date(row.created_at) },
  };
}
