/**
 * The one way the sandbox keeps tags: every stored record that can be tagged holds them in the
 * private field `_tags`, a list of AWS's own `Tag` shape (`{ Key, Value }`), in the order they were
 * first added. A list (not a map) because AWS answers tags in that order and some services (ACM)
 * keep a tag without a value. Being private (`_`), `_tags` never reaches a caller by itself: each
 * service renders it in its own wire shape with the helpers below (EC2 `Tags`/`TagSet`, ECS
 * `tags: [{key, value}]`, RDS `TagList`, KMS `[{TagKey, TagValue}]`, Lambda/Logs `{key: value}`).
 */
import type { SimRecord } from "./types.js";

/** AWS's Tag shape, as stored. */
export interface Tag {
  Key: string;
  Value?: string;
}

/** The stored tags of a record (the live list, empty when it has none). */
export function tagsOf(rec: SimRecord): Tag[] {
  return (rec._tags as Tag[] | undefined) ?? [];
}

/** The stored tags as a `{ key: value }` map (for lookups and map-shaped APIs). */
export function tagMap(rec: SimRecord): Record<string, string> {
  return Object.fromEntries(tagsOf(rec).map((t) => [t.Key, t.Value ?? ""]));
}

/** Stores tags from a `{ key: value }` map (Lambda, CloudWatch Logs). */
export function fromMap(map: Record<string, string> | undefined): Tag[] {
  return Object.entries(map ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * Adds or overwrites tags: a key already there keeps its place and takes the new value, a new key
 * goes last (the TagResource rule of every service: "If a tag key already exists, its value is
 * overwritten").
 */
export function mergeTags(rec: SimRecord, add: Tag[]): Tag[] {
  const list: Tag[] = (rec._tags ??= []);
  for (const t of add) {
    const i = list.findIndex((x) => x.Key === t.Key);
    if (i >= 0) list[i] = { ...t };
    else list.push({ ...t });
  }
  return list;
}

/** Removes the tags whose key is in `keys`. */
export function removeTags(rec: SimRecord, keys: readonly string[] | undefined): Tag[] {
  const drop = new Set(keys ?? []);
  rec._tags = tagsOf(rec).filter((t) => !drop.has(t.Key));
  return rec._tags;
}

// ---------------------------------------------------------------- wire shapes

/** `[{ Key, Value }]` copies (EC2 `Tags`/`TagSet`, RDS `TagList`, IAM, ELBv2, ACM, …). */
export function keyValueTags(rec: SimRecord): Tag[] {
  return tagsOf(rec).map((t) => ({ ...t }));
}

/** `[{ key, value }]` (ECS, ECR's lower-case `tags`). */
export function lowerTags(rec: SimRecord): { key: string; value: string }[] {
  return tagsOf(rec).map((t) => ({ key: t.Key, value: t.Value ?? "" }));
}

/** `[{ TagKey, TagValue }]` (KMS). */
export function kmsTags(rec: SimRecord): { TagKey: string; TagValue: string }[] {
  return tagsOf(rec).map((t) => ({ TagKey: t.Key, TagValue: t.Value ?? "" }));
}
