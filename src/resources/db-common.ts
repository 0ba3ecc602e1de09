import { ListTagsForResourceCommand, type Tag } from "@aws-sdk/client-rds";
import { errorCode } from "../aws/errors.js";
import { TAG_ENV, TAG_NODE, type ResourceContext } from "./context.js";

/**
 * RDS's "not found" exceptions. The SDK names them `…NotFoundFault` (wire code `DBInstanceNotFound`),
 * so the generic `isNotFound` (codes ending in `NotFound`) does not recognise them.
 */
const RDS_NOT_FOUND = ["DBInstanceNotFoundFault", "DBSubnetGroupNotFoundFault", "DBParameterGroupNotFoundFault", "OptionGroupNotFoundFault", "DBSnapshotNotFoundFault"];

/** True when `e` is one of RDS's NotFound faults. */
export function isRdsNotFound(e: unknown): boolean {
  const c = errorCode(e);
  return c !== undefined && RDS_NOT_FOUND.includes(c);
}

/** Awaits `p`; an RDS NotFound fault becomes undefined. */
export async function rdsOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isRdsNotFound(e)) return undefined;
    throw e;
  }
}

/** The value of tag `key` in an RDS tag list. */
export function rdsTag(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** True when the tags say the resource belongs to this node of this env. */
export function isOurs(ctx: ResourceContext, tags: Tag[] | undefined): boolean {
  return rdsTag(tags, TAG_ENV) === ctx.env && rdsTag(tags, TAG_NODE) === ctx.node;
}

/**
 * The groups (subnet, parameter, option) of this node when no spec names them (`down`, `status`):
 * RDS cannot filter these lists by tag, so the candidates are the env's names (`<env>-…`) and each
 * one's tags are read once per run.
 */
export async function groupsOfNode<T>(ctx: ResourceContext, all: T[], name: (g: T) => string, arn: (g: T) => string): Promise<T[]> {
  const rds = await ctx.aws.get("rds");
  const candidates = all.filter((g) => name(g).startsWith(`${ctx.env}-`));
  const out: T[] = [];
  for (const g of candidates) {
    const tags = await ctx.once(`rds:tags:${arn(g)}`, async () => (await rdsOrUndefined(rds.send(new ListTagsForResourceCommand({ ResourceName: arn(g) }))))?.TagList ?? []);
    if (isOurs(ctx, tags)) out.push(g);
  }
  return out;
}
