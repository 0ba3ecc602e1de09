/** Shared helpers of the simulated RDS (behaviour: rds.md). */
import { publicView } from "../filters.js";
import type { HandlerContext, SimRecord } from "../types.js";

/**
 * Fails with the modeled RDS exception. The SDK maps RDS's wire codes to exception
 * classes whose `name` differs from the code (wire `DBInstanceNotFound` → `DBInstanceNotFoundFault`,
 * HTTP 404): the sandbox skips deserialization, so it throws the SDK's name directly.
 */
export function fault(ctx: HandlerContext, name: string, message: string): never {
  return ctx.fail(name, message, /NotFound/.test(name) ? 404 : 400);
}

/** Unmodeled RDS codes (no SDK class): the exception's name is the wire code. */
export const INVALID_COMBINATION = "InvalidParameterCombination";
export const INVALID_VALUE = "InvalidParameterValue";

/** RDS ARN of a resource type (`db`, `subgrp`, `pg`, `og`, `snapshot`, `secret`). */
export function rdsArn(ctx: HandlerContext, type: string, name: string): string {
  return `arn:aws:rds:${ctx.region}:${ctx.accountId}:${type}:${name}`;
}

/** RDS stores identifiers and group names in lowercase (CreateDBInstance: "stored as a lowercase string"). */
export function lower(ctx: HandlerContext, value: unknown, param: string): string {
  if (typeof value !== "string" || !value) return fault(ctx, INVALID_VALUE, `The parameter ${param} must be provided and must not be blank.`);
  return value.toLowerCase();
}

/**
 * RDS paging: `MaxRecords` 20–100 (default 100), `Marker` an opaque offset.
 * @returns the page and the marker of the next one.
 */
export function page<T>(ctx: HandlerContext, items: T[], input: { MaxRecords?: number; Marker?: string }): { items: T[]; Marker?: string } {
  const size = input.MaxRecords ?? 100;
  if (!Number.isInteger(size) || size < 20 || size > 100) {
    fault(ctx, INVALID_VALUE, `Invalid value ${size} for MaxRecords. Must be between 20 and 100`);
  }
  const start = input.Marker ? Number.parseInt(Buffer.from(input.Marker, "base64url").toString(), 10) || 0 : 0;
  const slice = items.slice(start, start + size);
  const end = start + slice.length;
  return { items: slice, Marker: end < items.length ? Buffer.from(String(end)).toString("base64url") : undefined };
}

/** A tag list copied from a request (the stored `_tags` form). */
export function tagList(tags: { Key?: string; Value?: string }[] | undefined): { Key: string; Value: string }[] {
  return (tags ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? "") }));
}

/** Public copy of a record with the ISO date fields turned into Date objects (as the SDK returns them). */
export function view(rec: SimRecord, dateFields: string[]): SimRecord {
  const out = publicView(rec);
  for (const f of dateFields) if (typeof out[f] === "string") out[f] = new Date(out[f]);
  return out;
}

/** ISO string of a simulated time. */
export const iso = (ms: number): string => new Date(ms).toISOString();
