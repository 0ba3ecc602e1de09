import type { Tag, TagSpecification, ResourceType, Filter } from "@aws-sdk/client-ec2";
import { TryAgainLater } from "../engine/errors.js";
import { isCode, isNotFound } from "../aws/errors.js";
import { TAG_ENV, TAG_NODE, tagValue, type ResourceContext } from "./context.js";

/** The filter selecting everything of this environment. */
export function envFilter(ctx: ResourceContext): Filter[] {
  return [{ Name: `tag:${TAG_ENV}`, Values: [ctx.env] }];
}

/** TagSpecifications for a create call: the tags go on in the create call itself. */
export function tagSpec(ctx: ResourceContext, type: ResourceType, extra?: Record<string, string>): TagSpecification[] {
  return [{ ResourceType: type, Tags: ctx.tags(extra) }];
}

/** Records of this node (by the `opsctl:node` tag). */
export function ofNode<T extends { Tags?: Tag[] }>(ctx: ResourceContext, items: T[]): T[] {
  return items.filter((i) => tagValue(i.Tags, TAG_NODE) === ctx.node);
}

/** Awaits `p`; a NotFound error becomes undefined (the resource is gone or not visible yet). */
export async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
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

/** Awaits a delete; NotFound counts as done. */
export async function deleted(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Sorted copy (for order-insensitive comparisons). */
export function sorted<T>(xs: readonly T[]): T[] {
  return [...xs].sort();
}

/** True when two string lists hold the same elements. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}
