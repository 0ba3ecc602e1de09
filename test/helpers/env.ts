import { expect } from "vitest";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { DescribeInstancesCommand, DescribeNatGatewaysCommand, DescribeAddressesCommand } from "@aws-sdk/client-ec2";
import { DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { newSandbox } from "./sandbox.js";
import { up, type RunOptions } from "../../src/engine/reconcile.js";
import { validateConfig } from "../../src/config/load.js";
import type { Session } from "../../src/operations/session.js";
import type { Faults } from "../../src/sandbox/types.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { tagMap } from "../../src/sandbox/tags.js";
import type { EngineEvent } from "../../src/engine/events.js";
import type { Plan } from "../../src/engine/plan.js";
import type { ResourceContext } from "../../src/resources/context.js";

/** The config the scenario tests use (the demo config with a bastion CIDR). */
export const TEST_CONFIG = { env: "demo", region: "eu-west-1", secondaryRegion: "eu-central-1", bastion: { allowedCidrs: ["203.0.113.0/24"] }, dns: { domain: "opsctl-demo.example.com" }, compute: { image: DEMO_IMAGE } };

import { DEMO_IMAGE } from "../../src/operations/session.js";

/** A session over a fresh sandbox (or the given one), as the CLI would open it. */
export function sandboxSession(opts: { config?: unknown; faults?: Faults; sandbox?: Sandbox } = {}): Session & { sandbox: Sandbox; events: EngineEvent[] } {
  const fresh = opts.sandbox ? undefined : newSandbox({ faults: opts.faults });
  const sandbox = opts.sandbox ?? fresh!.sandbox;
  if (opts.sandbox && opts.faults) sandbox.reset(opts.faults);
  const { AwsClients } = awsModule;
  const aws = fresh?.aws ?? new AwsClients({ region: "eu-west-1", sandbox });
  const { config, warnings } = validateConfig(opts.config ?? TEST_CONFIG);
  if (!config.dns.hostedZoneId && config.dns.domain) seedHostedZone(sandbox, config.dns.domain);
  const events: EngineEvent[] = [];
  return { config, warnings, aws, clock: sandbox.clock, sandbox, events, save() {}, close: () => aws.destroy() };
}

import * as awsModule from "../../src/aws/clients.js";
import { seedHostedZone } from "../../src/sandbox/services/route53.js";

/** Every simulated record tagged opsctl:env=`env`, as `service/collection/id` with its node tag. */
export function taggedInventory(sandbox: Sandbox, env: string): { key: string; node?: string; rec: Record<string, any> }[] {
  const out: { key: string; node?: string; rec: Record<string, any> }[] = [];
  for (const [region, services] of Object.entries(sandbox.state.regions)) {
    for (const [service, tables] of Object.entries(services)) {
      for (const [table, records] of Object.entries(tables)) {
        for (const [id, rec] of Object.entries(records)) {
          const tags = tagsOf(rec);
          if (tags["opsctl:env"] === env) out.push({ key: `${region}/${service}/${table}/${id}`, node: tags["opsctl:node"], rec });
        }
      }
    }
  }
  return out;
}

/** A stored record's tags (every service keeps them in `_tags`, src/sandbox/tags.ts). */
function tagsOf(rec: Record<string, any>): Record<string, string> {
  return tagMap(rec);
}

/**
 * Records tagged with the env that are still "live": excludes what AWS keeps listing for a while
 * after a delete (deleted NAT gateways, terminated instances) and what `down` keeps on purpose
 * (secrets and KMS keys pending deletion, RDS final snapshots and the option group they use, ECR
 * repositories that hold images).
 */
export function liveInventory(sandbox: Sandbox, env: string): { key: string; node?: string; rec: Record<string, any> }[] {
  return taggedInventory(sandbox, env).filter(({ key, rec }) => {
    if (rec.DeletedDate || rec.KeyState === "PendingDeletion") return false;
    if (rec.State === "deleted" || rec.State === "failed" || rec.State?.Name === "terminated") return false;
    if (/\/rds\/(snapshots|dbSnapshots|optionGroups)\//.test(key)) return false;
    // ECS keeps INACTIVE clusters, services and task-definition revisions and STOPPED tasks listed for a while.
    if (rec.status === "INACTIVE" || rec.status === "DELETE_IN_PROGRESS" || rec.lastStatus === "STOPPED") return false;
    return true;
  });
}

/** The node `id` and everything it depends on, transitively (a module's sub-plan for its tests). */
export function subplan(plan: Plan<ResourceContext>, id: string): Plan<ResourceContext> {
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const keep = new Set<string>();
  const visit = (n: string) => {
    if (keep.has(n)) return;
    keep.add(n);
    byId.get(n)!.deps.forEach(visit);
  };
  visit(id);
  return { name: id, nodes: plan.nodes.filter((n) => keep.has(n.id)) };
}

/** Writes the simulated AWS answered without an error. */
export const effectiveWrites = (sandbox: Sandbox): number => sandbox.journal.filter((j) => j.write && !j.error).length;

/** Runs `up` of `plan` again: it must succeed with every node a no-op and not one write. */
export async function expectNoopRerun(plan: Plan<ResourceContext>, opts: RunOptions<ResourceContext>, sandbox: Sandbox): Promise<void> {
  const before = effectiveWrites(sandbox);
  const second = await up(plan, opts);
  expect(second.ok).toBe(true);
  expect(second.outcomes.map((o) => `${o.node}:${o.action}`)).toEqual(plan.nodes.map((n) => `${n.id}:noop`));
  expect(effectiveWrites(sandbox) - before).toBe(0);
}

/**
 * What `down` keeps on purpose, one line each: the final snapshot (and the option group it needs),
 * buckets with data, secrets and keys pending deletion. (AWS's own tombstones — a terminated
 * instance, a deleted NAT gateway, INACTIVE ECS records — are not data and are left out.)
 */
export function keptByDown(sb: Sandbox, env = "demo"): string[] {
  const live = new Set(liveInventory(sb, env).map((r) => r.key));
  return taggedInventory(sb, env)
    .filter((r) => !live.has(r.key) && /^[^/]+\/(rds|secretsmanager|kms|s3)\//.test(r.key))
    .map(({ key, node, rec }) => {
      const [, service, table] = key.split("/");
      const state = rec.KeyState ?? (rec.DeletedDate ? "pending deletion" : undefined) ?? rec.SnapshotType ?? rec.Status ?? rec.State?.Name ?? rec.State ?? rec.status ?? rec.lastStatus ?? "";
      return `${service}/${table} ${node} ${state}`;
    })
    .sort();
}

/**
 * Runs `run` against `sandbox` and records the simulated AWS as it stood right after each write that
 * took effect: `states[k - 1]` is what a process killed just after its k-th write leaves behind (the
 * crash harness's `crashAfterWrites: k`, without running that process's first k writes again for
 * every k). Each state is JSON, to start a new `Sandbox` from.
 */
export async function statesAfterEachWrite<T>(sandbox: Sandbox, run: () => Promise<T>): Promise<{ result: T; states: string[] }> {
  const states: string[] = [];
  const call = sandbox.call;
  sandbox.call = function (this: Sandbox, ...args: Parameters<Sandbox["call"]>) {
    const before = sandbox.writeCount;
    const out = call.apply(sandbox, args);
    if (sandbox.writeCount > before) states.push(JSON.stringify(sandbox.snapshot()));
    return out;
  };
  try {
    return { result: await run(), states };
  } finally {
    sandbox.call = call;
  }
}


/** The costly parts as AWS sees them. */
export async function costly(s: ReturnType<typeof sandboxSession>) {
  const [ec2, rds, elb, ecs, r53] = await Promise.all([s.aws.get("ec2"), s.aws.get("rds"), s.aws.get("elbv2"), s.aws.get("ecs"), s.aws.get("route53")]);
  const nats = ((await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: "tag:opsctl:env", Values: ["demo"] }] }))).NatGateways ?? []).filter((n) => n.State !== "deleted");
  const eips = (await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: "tag:opsctl:env", Values: ["demo"] }] }))).Addresses ?? [];
  const albs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-main" }))).DBInstances![0];
  const bastion = ((await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:opsctl:node", Values: ["instance:bastion"] }] }))).Reservations ?? []).flatMap((r) => r.Instances ?? [])[0];
  const svc = (await ecs.send(new DescribeServicesCommand({ cluster: "demo-main", services: ["api"] }))).services![0];
  const zones = s.sandbox.state.regions["us-east-1"].route53.zones;
  const zoneId = String(Object.values(zones)[0].Id).replace("/hostedzone/", "");
  const records = ((await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? []).filter((r) => r.Name === "api.opsctl-demo.example.com." && (r.Type === "A" || r.Type === "AAAA"));
  return { nats: nats.length, eips: eips.length, albs: albs.length, db: db.DBInstanceStatus, bastion: bastion.State?.Name, desired: svc.desiredCount, running: svc.runningCount, records: records.length };
}

