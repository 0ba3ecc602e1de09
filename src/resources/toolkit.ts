/**
 * The one AWS toolkit of the resource modules: ownership by tag, lists read once per run through
 * the SDK's own paginators, the not-found rule, deletes that count NotFound as done, and the
 * "still in use / not yet" retry. EC2's tag filter and TagSpecifications sit in the last section.
 */
import type { Filter, ResourceType, TagSpecification } from "@aws-sdk/client-ec2";
import type { ClientTypes } from "../aws/clients.js";
import { isCode, isNotFound } from "../aws/errors.js";
import { TryAgainLater } from "../engine/errors.js";
import { TAG_ENV, TAG_NODE, type ResourceContext } from "./context.js";

// ---------------------------------------------------------------- ownership by tag

/**
 * Tags in any shape AWS answers them: `{Key, Value}` (EC2, RDS, ELB, Secrets Manager …),
 * `{key, value}` (ECS), `{TagKey, TagValue}` (KMS), or a map (S3 via opsctl, Lambda, ECR's `tags` map …).
 */
export type AnyTags =
  | readonly { Key?: string; Value?: string }[]
  | readonly { key?: string; value?: string }[]
  | readonly { TagKey?: string; TagValue?: string }[]
  | Readonly<Record<string, string | undefined>>
  | undefined;

type AnyTag = { Key?: string; Value?: string; key?: string; value?: string; TagKey?: string; TagValue?: string };

/** The value of tag `key`, whatever the shape of `tags`. */
export function tagValue(tags: AnyTags, key: string): string | undefined {
  if (!tags) return undefined;
  if (Array.isArray(tags)) {
    const t = (tags as AnyTag[]).find((x) => (x.Key ?? x.key ?? x.TagKey) === key);
    return t && (t.Value ?? t.value ?? t.TagValue);
  }
  return (tags as Record<string, string | undefined>)[key];
}

/** Who owns a resource: an environment and one of its plan nodes. */
export interface Owner {
  env: string;
  node: string;
}

/** True when `tags` say the resource belongs to this environment. */
export function ofEnv(owner: Pick<Owner, "env">, tags: AnyTags): boolean {
  return tagValue(tags, TAG_ENV) === owner.env;
}

/** THE ownership check: the tags name this environment and this node (`node` defaults to the owner's). */
export function ownedBy(owner: Owner, tags: AnyTags, node = owner.node): boolean {
  return ofEnv(owner, tags) && tagValue(tags, TAG_NODE) === node;
}

/** The items owned by this node; `tagsOf` reads an item's tags (default: its `Tags`). */
export function ofNode<T>(owner: Owner, items: readonly T[], tagsOf: (item: T) => AnyTags = (i) => (i as { Tags?: AnyTags }).Tags): T[] {
  return items.filter((i) => ownedBy(owner, tagsOf(i)));
}

/**
 * `find` and `findAll` of a kind found by its tags in a list of the env read once per run (`list`):
 * `find` gives this node's first resource that `live` accepts, `findAll` all of this node's that are not `gone`.
 */
export function foundByTags<T>(list: (ctx: ResourceContext) => Promise<T[]>, live: (x: T) => boolean = () => true, gone: (x: T) => boolean = () => false) {
  return {
    find: async (ctx: ResourceContext): Promise<T | undefined> => ofNode(ctx, await list(ctx)).find(live),
    findAll: async (ctx: ResourceContext): Promise<T[]> => ofNode(ctx, await list(ctx)).filter((x) => !gone(x)),
  };
}

/**
 * For services that neither filter nor list by tag (RDS groups, ElastiCache): the candidates named
 * `<env>-…`, each one's tags read by `tagsOf` (one read per candidate), kept when this node owns them.
 */
export async function namedOfNode<T>(ctx: ResourceContext, items: readonly T[], name: (item: T) => string | undefined, tagsOf: (item: T) => Promise<AnyTags>): Promise<T[]> {
  const out: T[] = [];
  const prefix = `${ctx.env}-`.toLowerCase();
  for (const i of items) if (name(i)?.toLowerCase().startsWith(prefix) && ownedBy(ctx, await tagsOf(i))) out.push(i);
  return out;
}

// ---------------------------------------------------------------- pagination

/** Every item of a paginated list: `pages` is an SDK paginator (`paginateXxx`), `pick` the page's list. */
export async function collect<P, T>(pages: AsyncIterable<P>, pick: (page: P) => readonly T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

/**
 * The pages of an operation the SDK has no paginator for (WAFv2 ListWebACLs, S3 ListObjectVersions):
 * `fetch` reads one page from a position (undefined for the first), `next` gives the next position or undefined.
 */
export async function* pagesOf<P, K>(fetch: (position: K | undefined) => Promise<P>, next: (page: P) => K | undefined): AsyncGenerator<P> {
  let position: K | undefined;
  do {
    const page = await fetch(position);
    yield page;
    position = next(page);
  } while (position !== undefined);
}

/** An SDK paginator for service `S` (its configuration needs only the client). */
export type Paginate<S extends keyof ClientTypes, I, P> = (config: { client: ClientTypes[S] }, input: I) => AsyncIterable<P>;

/**
 * One paginated list read once per run and shared by every node (`ctx.once(key)`), e.g.
 * `listOnce(ctx, "ec2:subnets", "ec2", paginateDescribeSubnets, { Filters: envFilter(ctx) }, (p) => p.Subnets)`.
 */
export function listOnce<S extends keyof ClientTypes, I, P, T>(ctx: ResourceContext, key: string, service: S, paginate: Paginate<S, I, P>, input: I, pick: (page: P) => readonly T[] | undefined): Promise<T[]> {
  return ctx.once(key, async () => collect(paginate({ client: await ctx.aws.get(service) }, input), pick));
}

/**
 * For services that cannot list by tag: `list` (read once per run under `key`) with each item's tags
 * (`tagsOf`, one read per item, in parallel), keeping this environment's.
 */
export function envTagged<T, G extends AnyTags>(ctx: ResourceContext, key: string, list: () => Promise<T[]>, tagsOf: (item: T) => Promise<G>): Promise<{ item: T; tags: G }[]> {
  return ctx.once(key, async () => {
    const withTags = await Promise.all((await list()).map(async (item) => ({ item, tags: await tagsOf(item) })));
    return withTags.filter((x) => ofEnv(ctx, x.tags));
  });
}

// ---------------------------------------------------------------- not found, deleted, retry

/**
 * THE not-found rule: awaits `p`; a NotFound error (see `isNotFound`: `…NotFound`, `…NotFoundFault`,
 * `…NotFoundException`, `NoSuch…`) becomes undefined, the resource being gone or not visible yet.
 * `alsoCodes` names a service's other "nothing there" answers (S3 `NoSuchTagSet` is covered already;
 * WAFv2 `WAFNonexistentItemException`, an optional configuration's own code …).
 */
export async function orUndefined<T>(p: Promise<T>, ...alsoCodes: string[]): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e) || isCode(e, ...alsoCodes)) return undefined;
    throw e;
  }
}

/** Awaits a delete; NotFound counts as done. */
export async function deleted(p: Promise<unknown>): Promise<void> {
  await orUndefined(p);
}

/** Turns AWS's "still in use / not yet" answers into a typed try-again-later. */
export async function retryOn<T>(codes: string[], what: string, p: () => Promise<T>, retryAfterMs = 5_000): Promise<T> {
  try {
    return await p();
  } catch (e) {
    if (isCode(e, ...codes)) throw new TryAgainLater(`${what}: ${(e as Error).name}: ${(e as Error).message}`, retryAfterMs);
    throw e;
  }
}

// ---------------------------------------------------------------- comparisons

/** Sorted copy (for order-insensitive comparisons). */
export function sorted<T>(xs: readonly T[]): T[] {
  return [...xs].sort();
}

/** True when two string lists hold the same elements. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

// ---------------------------------------------------------------- EC2

/** The EC2 filter selecting everything of this environment. */
export function envFilter(ctx: ResourceContext): Filter[] {
  return [{ Name: `tag:${TAG_ENV}`, Values: [ctx.env] }];
}

/** EC2 TagSpecifications for a create call: the tags go on in the create call itself. */
export function tagSpec(ctx: ResourceContext, type: ResourceType, extra?: Record<string, string>): TagSpecification[] {
  return [{ ResourceType: type, Tags: ctx.tags(extra) }];
}
