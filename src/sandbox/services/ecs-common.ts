/** Shared state logic of the simulated ECS: ARNs, lookups, tags, output views (behaviour: ecs.md). */
import { randomUUID } from "node:crypto";
import { publicView } from "../filters.js";
import type { Tag } from "../tags.js";
import type { HandlerContext, SimRecord } from "../types.js";
import { typicalMs } from "../../aws/durations.js";

export type Ctx = HandlerContext;

/** How long INACTIVE clusters/services and STOPPED tasks stay visible (AWS: "at least 1 hour" for tasks). */
export const LINGER_MS = 60 * 60 * 1000;
/** A task is PROVISIONING this long (ENI being attached), then PENDING. */
export const PROVISION_MS = 10_000;
/** Launch → RUNNING: a quarter of the typical time to a steady service (image pull, container start). */
export const START_MS = typicalMs("ecs.service.steady") / 4;
/** A failing container exits this long after RUNNING. */
export const FAIL_MS = 10_000;
/** A one-off task's command finishes this long after RUNNING. */
export const ONE_OFF_MS = 60_000;
/** StopTask: SIGTERM, then SIGKILL after the default stopTimeout of 30 s. */
export const STOP_MS = 30_000;
/** A new target passes its health checks this long after registration (the ELBv2 simulation's contract). */
export const HEALTHY_MS = 30_000;

/** Timestamp members of ECS output shapes: stored as epoch ms, returned as Date like the SDK deserializer does. */
const TIME_KEYS = new Set([
  "createdAt",
  "updatedAt",
  "startedAt",
  "stoppedAt",
  "stoppingAt",
  "pullStartedAt",
  "pullStoppedAt",
  "executionStoppedAt",
  "connectivityAt",
  "registeredAt",
  "deregisteredAt",
]);

/** The caller's copy of a record: private fields stripped, timestamps as Date. */
export function out<T extends SimRecord>(rec: T): T {
  return revive(publicView(rec)) as T;
}

function revive(v: any): any {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    for (const k of Object.keys(v)) {
      if (TIME_KEYS.has(k) && typeof v[k] === "number") v[k] = new Date(v[k]);
      else v[k] = revive(v[k]);
    }
  }
  return v;
}

export function arn(ctx: Ctx, resource: string): string {
  return `arn:aws:ecs:${ctx.region}:${ctx.accountId}:${resource}`;
}

/** 32 hex digits, the format of task ids. */
export function taskId(): string {
  return randomUUID().replace(/-/g, "");
}

/** Deployment ids look like `ecs-svc/` + 19 digits. */
export function deploymentId(ctx: Ctx): string {
  const n = BigInt("0x" + ctx.newId("", 15)) % 10_000_000_000_000_000_000n;
  return `ecs-svc/${n.toString().padStart(19, "1")}`;
}

export function clusters(ctx: Ctx): Record<string, SimRecord> {
  return ctx.table("clusters");
}
export function services(ctx: Ctx): Record<string, SimRecord> {
  return ctx.table("services");
}
export function tasks(ctx: Ctx): Record<string, SimRecord> {
  return ctx.table("tasks");
}
export function taskDefs(ctx: Ctx): Record<string, SimRecord> {
  return ctx.table("taskDefinitions");
}

/** The cluster name of a name or ARN (`default` when absent). */
export function clusterName(ref: string | undefined): string {
  if (!ref) return "default";
  const m = /^arn:aws[\w-]*:ecs:[\w-]+:\d{12}:cluster\/(.+)$/.exec(ref);
  return m ? m[1] : ref;
}

/** An ACTIVE cluster, or ClusterNotFoundException. */
export function activeCluster(ctx: Ctx, ref: string | undefined): SimRecord {
  const c = clusters(ctx)[clusterName(ref)];
  if (!c || c.status !== "ACTIVE" || !ctx.visible(c)) ctx.fail("ClusterNotFoundException", "Cluster not found.");
  return c;
}

export function required(ctx: Ctx, input: any, name: string): any {
  const v = input?.[name];
  if (v === undefined || v === null || v === "") ctx.fail("InvalidParameterException", `${name} can not be blank.`);
  return v;
}

/** ECS tags (`[{key, value}]` on the wire, ≤ 50, no `aws:` prefix) in the stored form. */
export function checkTags(ctx: Ctx, tags: { key?: string; value?: string }[] | undefined): Tag[] {
  const list = (tags ?? []).map((t) => ({ Key: String(t.key), Value: String(t.value ?? "") }));
  if (list.length > 50) ctx.fail("InvalidParameterException", "Tags can not be more than 50.");
  for (const t of list) if (t.Key.toLowerCase().startsWith("aws:")) ctx.fail("InvalidParameterException", "Tag keys cannot start with the prefix 'aws:'.");
  return list;
}

/** The id of an ECS ARN's last path part (cluster/service/task names or ids). */
export function lastPart(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

/** Resolves a `family`, `family:revision` or ARN reference to a task definition record (any status). */
export function findTaskDef(ctx: Ctx, ref: string | undefined): SimRecord | undefined {
  if (!ref) return undefined;
  const m = /^arn:aws[\w-]*:ecs:[\w-]+:\d{12}:task-definition\/(.+)$/.exec(ref);
  const key = m ? m[1] : ref;
  const all = taskDefs(ctx);
  if (key.includes(":")) {
    const rec = all[key];
    return rec && ctx.visible(rec) ? rec : undefined;
  }
  // A bare family names its latest ACTIVE revision.
  return Object.values(all)
    .filter((t) => t.family === key && t.status === "ACTIVE" && ctx.visible(t))
    .sort((a, b) => b.revision - a.revision)[0];
}
