import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import prices from "../aws/prices.json" with { type: "json" };
import { InputError } from "../engine/errors.js";
import { TAG_ENV, TAG_NODE, type ResourceContext } from "../resources/context.js";
import type { RunReport } from "../engine/reconcile.js";
import type { Plan } from "../engine/plan.js";
import { pausePlan, restorePlan, type Runbook } from "../../plans/runbooks.js";
import { runWith, type EnvironmentRun, type RunOptions } from "./environment.js";
import type { Session } from "./session.js";

/** Refuses a runbook on an environment that was never brought up (exit 2, nothing written). */
async function requireEnvironment(session: Session, command: string): Promise<void> {
  const ec2 = await session.aws.get("ec2");
  const r = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${TAG_ENV}`, Values: [session.config.env] }, { Name: `tag:${TAG_NODE}`, Values: ["vpc:main"] }] }));
  if (!r.Vpcs?.length) {
    throw new InputError("environment", `${session.config.env} in ${session.config.region} was never brought up: there is nothing to ${command}`, "run `opsctl up` first");
  }
}

/**
 * Every precondition of a runbook, checked before its first write on the engine's read-only pass
 * over the whole runbook (runWith's preflight): every node the runbook requires (the nodes it only
 * reads, and those it changes but must not create) must be found, and every other node read without
 * an error. Otherwise: exit 2 naming the missing nodes, nothing written. (A runbook that failed
 * half-way on a missing node left the environment half-paused: issue 13, defect 4.)
 */
function requirePreconditions(session: Session, command: string) {
  return (plan: Plan<ResourceContext>, report: RunReport): void => {
    const byId = new Map(report.outcomes.map((o) => [o.node, o]));
    const required = new Set((plan as Runbook).requires);
    // Missing: looked for and not found. (The preview does not look for a node below one it would
    // create: it cannot exist yet. Read-only nodes depend only on read-only ones, so each is looked for
    // unless a required node above it is missing already, which is then the one named.)
    const missing = plan.nodes.filter((n) => required.has(n.id) && byId.get(n.id)?.action === "create" && !n.deps.some((d) => byId.get(d)?.action === "create")).map((n) => n.id);
    const failed = report.outcomes.filter((o) => o.status === "failed");
    if (!missing.length && !failed.length) return;
    const what = [
      ...(missing.length ? [`missing ${missing.join(", ")}`] : []),
      ...failed.map((o) => `${o.node}: ${o.error instanceof Error ? o.error.message : String(o.error)}`),
    ].join("; ");
    throw new InputError("environment", `${session.config.env} in ${session.config.region} is incomplete (${what}): nothing to ${command}, nothing changed`, "run `opsctl up` first: it completes the environment");
  };
}

/** `opsctl restore`: the notes' §17 runbook as a dependency graph (plans/runbooks.ts). */
export async function runRestore(session: Session, opts: RunOptions): Promise<EnvironmentRun> {
  await requireEnvironment(session, "restore");
  return runWith(session, "restore", opts, restorePlan, requirePreconditions(session, "restore"));
}

/** `opsctl pause`: switch the costly parts off without losing data. */
export async function runPause(session: Session, opts: RunOptions): Promise<EnvironmentRun> {
  await requireEnvironment(session, "pause");
  return runWith(session, "pause", opts, pausePlan, requirePreconditions(session, "pause"));
}

/** One line of what pausing saves. */
export interface Saving {
  item: string;
  hourly: number | undefined;
}

/** What pausing saves per hour and per month (730 h), from the price table kept in src/aws/prices.json. */
export function pauseSavings(config: Session["config"]): { region: string; date: string; lines: Saving[]; hourly: number; monthly: number; unknown: string[] } {
  const table = (prices.regions as Record<string, any>)[config.region];
  const nat = config.network.natMode === "per-az" ? 2 : 1;
  const lines: Saving[] = table
    ? [
        { item: `${nat} NAT gateway${nat > 1 ? "s" : ""}`, hourly: nat * table.natGatewayHour },
        { item: `${nat} Elastic IP${nat > 1 ? "s" : ""} (public IPv4)`, hourly: nat * table.publicIpv4Hour },
        { item: "Application Load Balancer (hourly part)", hourly: table.albHour },
        {
          item: `${config.compute.desiredCount} Fargate tasks (${config.compute.cpu / 1024} vCPU, ${config.compute.memory / 1024} GB)`,
          hourly: config.compute.desiredCount * ((config.compute.cpu / 1024) * table.fargateVcpuHour + (config.compute.memory / 1024) * table.fargateGbHour),
        },
        { item: `bastion ${config.bastion.instanceType}`, hourly: table.ec2Hour[config.bastion.instanceType] },
        { item: `RDS ${config.database.instanceClass} Multi-AZ (instance hours; storage is still billed)`, hourly: table.rdsMultiAzHour[config.database.instanceClass] },
      ]
    : [];
  const known = lines.filter((l) => l.hourly !== undefined);
  const hourly = Math.round(known.reduce((s, l) => s + (l.hourly ?? 0), 0) * 1000) / 1000;
  return {
    region: config.region,
    date: prices.date,
    lines,
    hourly,
    monthly: Math.round(hourly * 730 * 100) / 100,
    unknown: table ? lines.filter((l) => l.hourly === undefined).map((l) => l.item) : [`every price (no table for ${config.region})`],
  };
}

/** What {@link pauseSavings} returns. */
export type PauseSavings = ReturnType<typeof pauseSavings>;

/**
 * When AWS will start the paused RDS instance again by itself (StopDBInstance: "a DB instance
 * stopped for 7 consecutive days is started automatically"), as node `db-instance-power:main` read it.
 */
export function rdsAutoStartAt(run: EnvironmentRun): string | undefined {
  const db = run.report.outcomes.find((o) => o.node === "db-instance-power:main");
  return (db?.description?.details as { autoStartAt?: string } | undefined)?.autoStartAt;
}
