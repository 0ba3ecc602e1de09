/**
 * The error shape of the contract: `{"error": {"code": "snake_case", "message": "…", "fields"?: {"path": "why"}}}`.
 * Everything a client can cause maps to a 4xx; only faults of the server are 5xx, and those never
 * carry internal details.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { z } from "zod";

/** An error meant for the client. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** zod schema of the error body (for OpenAPI). */
export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
  }),
});

const GENERIC: Record<number, [string, string]> = {
  400: ["bad_request", "The request is malformed."],
  401: ["unauthorized", "Authentication is required."],
  403: ["forbidden", "Not allowed."],
  404: ["not_found", "Not found."],
  405: ["method_not_allowed", "Method not allowed."],
  406: ["not_acceptable", "Not acceptable."],
  408: ["request_timeout", "Request timed out."],
  409: ["conflict", "Conflict."],
  411: ["length_required", "Content-Length is required."],
  413: ["payload_too_large", "The request body is too large."],
  414: ["uri_too_long", "The URI is too long."],
  415: ["unsupported_media_type", "Unsupported Content-Type."],
  429: ["rate_limited", "Too many requests."],
  431: ["headers_too_large", "Request headers are too large."],
};

function pathOf(path: ReadonlyArray<PropertyKey> | string | undefined, prefix: string): string {
  if (typeof path === "string") return path.replace(/^\//, "").replace(/\//g, ".") || prefix;
  const p = (path ?? []).map(String).join(".");
  return p ? p : prefix;
}

const UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "ER_CON_COUNT_ERROR",
  "ER_LOCK_WAIT_TIMEOUT",
  "REDIS_UNAVAILABLE",
]);

/** Fastify error handler producing the contract's error shape. */
export function errorHandler(err: FastifyError | ApiError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ApiError) {
    if (err.headers) reply.headers(err.headers);
    return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } });
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const fields: Record<string, string> = {};
    const where = (err as FastifyError).validationContext ?? "body";
    for (const issue of err.validation) {
      const params = issue.params as { issue?: { path?: PropertyKey[]; message?: string } } | undefined;
      const key = `${where}${params?.issue?.path?.length ? "." + pathOf(params.issue.path, "") : issue.instancePath ? "." + pathOf(issue.instancePath, "") : ""}`;
      fields[key] ??= params?.issue?.message ?? issue.message ?? "invalid";
    }
    return reply.status(400).send({ error: { code: "validation_failed", message: "The request is invalid.", fields } });
  }
  const status = (err as FastifyError).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const fe = err as FastifyError;
    if (fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" || (status === 400 && err instanceof SyntaxError)) {
      return reply.status(400).send({ error: { code: "validation_failed", message: "The body is not valid JSON.", fields: { body: "invalid JSON" } } });
    }
    const [code, message] = GENERIC[status] ?? ["bad_request", "The request is malformed."];
    return reply.status(status).send({ error: { code, message } });
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && UNAVAILABLE.has(code)) {
    // A dependency (MySQL, Redis) is down: the client may retry; the ALB sees /readyz fail too.
    req.log.error({ err }, "dependency unavailable");
    reply.header("Retry-After", "5");
    return reply.status(503).send({ error: { code: "service_unavailable", message: "Temporarily unavailable; try again shortly." } });
  }
  req.log.error({ err }, "unhandled error");
  return reply.status(500).send({ error: { code: "internal_error", message: "Something went wrong on our side." } });
}
