import { tagsOf } from "./tags.js";
import type { SimRecord } from "./types.js";

/** An EC2-style filter: `{ Name, Values }`. */
export interface Filter {
  Name?: string;
  Values?: string[];
}

/**
 * Applies EC2 `Filters` to records the way EC2 does: every filter must match
 * (AND), any of a filter's values may match (OR), `*` and `?` are wildcards,
 * `tag:Key` matches a tag value, `tag-key` a tag key. `fields` maps filter
 * names to a function returning the record's value(s) for that filter.
 */
export function matchesFilters(
  rec: SimRecord,
  filters: Filter[] | undefined,
  fields: Record<string, (r: SimRecord) => unknown>,
): boolean {
  for (const f of filters ?? []) {
    const name = f.Name ?? "";
    const wanted = f.Values ?? [];
    let actual: unknown[];
    if (name.startsWith("tag:")) {
      const key = name.slice(4);
      actual = tagsOf(rec).filter((t) => t.Key === key).map((t) => t.Value);
    } else if (name === "tag-key") {
      actual = tagsOf(rec).map((t) => t.Key);
    } else if (name === "tag-value") {
      actual = tagsOf(rec).map((t) => t.Value);
    } else {
      const get = fields[name];
      if (!get) throw new UnknownFilter(name);
      const v = get(rec);
      actual = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
    }
    if (!actual.some((a) => wanted.some((w) => wildcard(String(w), String(a))))) return false;
  }
  return true;
}

/** Raised for a filter name the simulated service does not model (AWS answers InvalidParameterValue). */
export class UnknownFilter extends Error {
  constructor(readonly filterName: string) {
    super(`The filter '${filterName}' is invalid`);
  }
}

function wildcard(pattern: string, value: string): boolean {
  if (!pattern.includes("*") && !pattern.includes("?")) return pattern === value;
  const re = new RegExp("^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
  return re.test(value);
}

/**
 * Pages a list the way AWS does: `NextToken` is an opaque offset, `MaxResults` the page size.
 * @returns the page and the token for the next one (undefined on the last page).
 */
export function paginate<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined, defaultSize = 1000): { page: T[]; next?: string } {
  const start = nextToken ? Number.parseInt(Buffer.from(nextToken, "base64url").toString(), 10) || 0 : 0;
  const size = maxResults && maxResults > 0 ? maxResults : defaultSize;
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return { page, next: end < items.length ? Buffer.from(String(end)).toString("base64url") : undefined };
}

/** Removes the sandbox's private `_` fields from a record (deep copy) before it is returned to a caller. */
export function publicView<T extends SimRecord>(rec: T): T {
  return JSON.parse(JSON.stringify(rec, (k, v) => (k.startsWith("_") ? undefined : v)));
}
