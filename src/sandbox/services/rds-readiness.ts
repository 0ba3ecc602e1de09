/**
 * When a container that uses the environment's database can pass a readiness check that queries it
 * (the API's `/readyz`, the target group's health check path). Shared by the ECS simulation (which
 * stops tasks that fail their load balancer health checks after the service's grace period) and the
 * ELBv2 simulation (target health). Behaviour: ecs.md ("Database readiness") and elbv2.md.
 *
 * Sandbox convention: a container whose environment has `DATABASE_SECRET_ARN` connects as the app
 * user that the bootstrap task creates (RDS-07). It is ready once a DB instance in its VPC is
 * reachable (`available`, or `modifying`: a modification keeps connections) and a one-off task
 * running `bootstrap-db` against that instance (`DATABASE_HOST` = its endpoint) exited 0.
 */
import type { HandlerContext, SimRecord } from "../types.js";

/** The environment variable that marks a container as a user of the app database. */
export const DATABASE_ENV = "DATABASE_SECRET_ARN";

const lastPart = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);
const envOf = (c: SimRecord): Record<string, string> => Object.fromEntries(((c.environment ?? []) as { name: string; value: string }[]).map((e) => [e.name, e.value]));

/**
 * When the instance is (or will be, without another call) reachable; Infinity when it will not
 * (stopped, stopping, being deleted, still being created). Reads the record as stored: a transition
 * that is due but not yet settled is taken at its due time (`_nextAt`).
 */
function reachableAt(i: SimRecord): number {
  switch (i.DBInstanceStatus) {
    case "available":
    case "modifying":
      return i._availableSince ?? 0;
    case "starting":
    case "backing-up":
      return i._nextAt ?? Infinity;
    default:
      return Infinity;
  }
}

/** When the bootstrap task first succeeded against the instance (Infinity: not yet, or never). */
function bootstrappedAt(ctx: HandlerContext, i: SimRecord): number {
  let at: number = i._bootstrappedAt ?? Infinity;
  const host = i.Endpoint?.Address;
  const defs = ctx.tableOf("ecs", "taskDefinitions");
  for (const t of Object.values(ctx.tableOf("ecs", "tasks"))) {
    // A one-off task that runs to completion: its exit time is known from its launch.
    if (t._service || t._startError || t._exitCode !== 0 || t._t?.exit === undefined || t._t.exit >= at) continue;
    if (!(t.containers as SimRecord[]).some((c) => (c._command as string[]).includes("bootstrap-db"))) continue;
    const def = defs[lastPart(String(t.taskDefinitionArn))];
    if (!(def?.containerDefinitions as SimRecord[] | undefined)?.some((c) => envOf(c).DATABASE_HOST === host)) continue;
    at = t._t.exit;
  }
  // Remember a success that has happened (stopped tasks are forgotten after an hour).
  if (at <= ctx.now()) i._bootstrappedAt = at;
  return at;
}

/** When a container using the app database in `vpcId` can first pass its readiness check (Infinity: not foreseeable). */
export function databaseReadyAt(ctx: HandlerContext, vpcId: string): number {
  const groups = ctx.tableOf("rds", "subnetGroups");
  const ready = Object.values(ctx.tableOf("rds", "instances"))
    .filter((i) => groups[i._subnetGroup]?.VpcId === vpcId)
    .map((i) => Math.max(reachableAt(i), bootstrappedAt(ctx, i)));
  return ready.length ? Math.min(...ready) : Infinity;
}

/** The VPC whose database the task definition's containers use, for a task in `subnetId` (undefined: none uses it). */
export function databaseVpcOf(ctx: HandlerContext, taskDef: SimRecord, subnetId: string): string | undefined {
  if (!(taskDef.containerDefinitions as SimRecord[]).some((c) => envOf(c)[DATABASE_ENV] !== undefined)) return undefined;
  return ctx.tableOf("ec2", "subnets")[subnetId]?.VpcId;
}
