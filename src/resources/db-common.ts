import { ListTagsForResourceCommand } from "@aws-sdk/client-rds";
import type { ResourceContext } from "./context.js";
import { namedOfNode, orUndefined } from "./toolkit.js";

/**
 * The groups (subnet, parameter, option) of this node when no spec names them (`down`, `status`):
 * RDS cannot filter these lists by tag, so the candidates are the env's names (`<env>-…`) and each
 * one's tags are read once per run.
 */
export async function groupsOfNode<T>(ctx: ResourceContext, all: T[], name: (g: T) => string, arn: (g: T) => string): Promise<T[]> {
  const rds = await ctx.aws.get("rds");
  return namedOfNode(ctx, all, name, (g) => ctx.once(`rds:tags:${arn(g)}`, async () => (await orUndefined(rds.send(new ListTagsForResourceCommand({ ResourceName: arn(g) }))))?.TagList ?? []));
}

/**
 * `find` and `findAll` of an RDS group kind: with a spec, the group of that name (RDS stores names in
 * lowercase) from the run's list (`all`); without one, the first of this node's groups.
 */
export function groupFinder<T>(all: (ctx: ResourceContext) => Promise<T[]>, name: (g: T) => string, arn: (g: T) => string) {
  const findAll = async (ctx: ResourceContext) => groupsOfNode(ctx, await all(ctx), name, arn);
  return {
    find: async (ctx: ResourceContext, spec?: { name: string }) => (spec ? (await all(ctx)).find((g) => name(g) === spec.name.toLowerCase()) : (await findAll(ctx))[0]),
    findAll,
  };
}
