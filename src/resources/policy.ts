/** An IAM-style policy document. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Record<string, unknown>[];
}

/** Canonical JSON of a policy (keys sorted, single values and one-element lists treated alike) for comparisons. */
export function canonicalPolicy(doc: string | PolicyDocument | undefined): string {
  if (doc === undefined) return "";
  let value: unknown = typeof doc === "string" ? JSON.parse(safeDecode(doc)) : doc;
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const items = v.map(norm);
      return items.length === 1 ? items[0] : items.map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x));
    }
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  value = norm(value);
  return JSON.stringify(value);
}

/** IAM returns policy documents URL-encoded (GetRole, GetRolePolicy); other services return plain JSON. */
export function safeDecode(s: string): string {
  if (s.trimStart().startsWith("{")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
