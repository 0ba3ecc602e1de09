import type { EventSink } from "../engine/events.js";
import { criticalPath } from "../engine/graph.js";
import type { Plan } from "../engine/plan.js";
import { down, preview, up, type NodeOutcome, type RunReport } from "../engine/reconcile.js";
import { contextFactory, type Facts, type ResourceContext } from "../resources/context.js";
import { checkCidrOverlap, gatherDataFacts, gatherFacts, resolveImage } from "../resources/facts.js";
import { findHostedZone } from "../resources/hosted-zone-lookup.js";
import { isTransient } from "../aws/errors.js";
import { environmentPlan, type EnvironmentFacts } from "../../plans/environment.js";
import { finalSnapshotId } from "../resources/db-instance.js";
import { KEY_PENDING_WINDOW_DAYS } from "../resources/kms-key.js";
import { rotateKeysPlan } from "../../plans/rotate-keys.js";
import { PURPOSES } from "../resources/signing-keys.js";
import type { Session } from "./session.js";

/** The outcome of `up`, `down` or `plan`, with its figures. */
export interface EnvironmentRun {
  command: "up" | "down" | "plan" | "status" | "restore" | "pause";
  env: string;
  report: RunReport;
  plan: Plan<ResourceContext>;
  facts: EnvironmentFacts;
  apiCalls: { read: number; write: number };
  /** Time the run took on the session's clock (simulated in the sandbox). */
  makespanMs: number;
  /** The plan's critical path with typical durations (create order; delete order for down). */
  criticalPath: { totalMs: number; path: string[] };
  /** What `down` kept on purpose. */
  kept: string[];
}

/** Options of a run. */
export interface RunOptions {
  emit: EventSink;
  concurrency?: number;
  deleteData?: boolean;
  /** `up --image URI`: the API image (else the config's, else the newest in the ECR repository). */
  image?: string;
  /** `up --apply-immediately`: RDS changes queued for the maintenance window are applied now. */
  applyImmediately?: boolean;
}

/**
 * Every fact the environment plan needs, read from the account (reads only). `lookupVersion`
 * (plan and up) lets RDS-01 look the MySQL version up; other commands read what the environment runs.
 */
export async function gatherEnvironmentFacts(aws: Session["aws"], config: Session["config"], image?: string, lookupVersion = true): Promise<EnvironmentFacts> {
  const base = await gatherFacts(aws, config);
  const [data, zone, resolved] = await Promise.all([
    gatherDataFacts(aws, config, base, lookupVersion),
    findHostedZone(aws, config.dns.domain!, config.dns.hostedZoneId),
    resolveImage(aws, config, base, image ?? config.compute.image),
  ]);
  return { ...base, ...data, hostedZoneId: zone.id, image: resolved };
}

/** Reads the facts and checks NET-10 (no overlap with another VPC) before any write. */
async function prepare(session: Session, forUp: boolean, image?: string): Promise<EnvironmentFacts> {
  const [facts] = await Promise.all([gatherEnvironmentFacts(session.aws, session.config, image, forUp), forUp ? checkCidrOverlap(session.aws, session.config) : undefined]);
  return facts;
}

function contexts(session: Session, facts: Facts, deleteData = false) {
  const make = contextFactory({ env: session.config.env, region: session.config.region, aws: session.aws, clock: session.clock, facts, flags: { deleteData, secretRecoveryDays: session.config.storage.secretRecoveryWindowDays } });
  return (n: { id: string }) => make(n.id);
}

/** Builds the plan a command runs from the facts (the environment plan, or a runbook). */
export type PlanBuilder = (config: Session["config"], facts: EnvironmentFacts) => Plan<ResourceContext>;

/**
 * Runs a plan on the session: facts, plan, the engine (up/preview/down), figures. `preflight`
 * (runbooks) gets the plan and a read-only pass over it first, and may refuse before any write.
 */
export async function runWith(
  session: Session,
  command: EnvironmentRun["command"],
  opts: RunOptions,
  build?: PlanBuilder,
  preflight?: (plan: Plan<ResourceContext>, readOnlyPass: RunReport) => void,
): Promise<EnvironmentRun> {
  const before = session.aws.counter.snapshot();
  const t0 = session.clock.now();
  const facts: EnvironmentFacts = { ...(await prepare(session, command === "up" || command === "plan", opts.image)), ...(opts.applyImmediately ? { applyImmediately: true } : {}) };
  const plan = (build ?? environmentPlan)(session.config, facts);
  const runOpts = { clock: session.clock, makeContext: contexts(session, facts, opts.deleteData), emit: opts.emit, concurrency: opts.concurrency, isTransient, signal: session.signal };
  if (preflight) preflight(plan, await preview(plan, { ...runOpts, emit: () => {} }));
  const report = command === "down" ? await down(plan, runOpts) : command === "plan" || command === "status" ? await preview(plan, runOpts) : await up(plan, runOpts);
  const after = session.aws.counter.snapshot();
  const weight = (id: string) => {
    const r = plan.nodes.find((n) => n.id === id)!.resource;
    return command === "down" ? (r.typicalDeleteMs ?? 0) : r.typicalCreateMs;
  };
  const cp = criticalPath(plan.nodes, weight);
  return {
    command,
    env: session.config.env,
    report,
    plan,
    facts,
    apiCalls: { read: after.read - before.read, write: after.write - before.write },
    makespanMs: session.clock.now() - t0,
    criticalPath: { totalMs: cp.total, path: command === "down" ? [...cp.path].reverse() : cp.path },
    kept: command === "down" ? keptByDown(report) : [],
  };
}

/** `opsctl up`: converge every node. */
export function runUp(session: Session, opts: RunOptions): Promise<EnvironmentRun> {
  return runWith(session, "up", opts);
}

/** `opsctl plan`: what `up` would do; writes nothing. */
export function runPlan(session: Session, opts: RunOptions): Promise<EnvironmentRun> {
  return runWith(session, "plan", opts);
}

/** A signing key older than this is flagged by `status` (SM-04: rotated every 30 days). */
export const KEY_MAX_AGE_MS = 30 * 24 * 3600_000;

/**
 * `opsctl status`: every node's existence, state, health and drift, plus each signing key's age and
 * next rotation (a key older than 30 days shows as drift); writes nothing.
 */
export function runStatus(session: Session, opts: RunOptions): Promise<EnvironmentRun> {
  return runWith(session, "status", opts, (config, facts) => {
    const env = environmentPlan(config, facts);
    const keys = rotateKeysPlan(config, { purposes: PURPOSES, maxAgeMs: KEY_MAX_AGE_MS, force: false, now: session.clock.now() });
    return { name: "status", nodes: [...env.nodes, ...keys.nodes] };
  });
}

/** `opsctl down`: delete in reverse order; data is kept unless `deleteData`. */
export function runDown(session: Session, opts: RunOptions): Promise<EnvironmentRun> {
  return runWith(session, "down", opts);
}

/** What `down` will delete and keep, from a read-only pass: shown before its confirmation. */
export interface DownSummary {
  env: string;
  region: string;
  /** Nodes of the environment that exist now (what `down` deletes, or keeps where listed). */
  existing: number;
  /** Nodes of the plan. */
  total: number;
  /** What is kept, and for how long, one line each. */
  kept: string[];
}

/**
 * The summary `down` shows before it asks (issue 10, item 6): how many resources exist and what is
 * kept, with the configured recovery window (storage.secretRecoveryWindowDays), never a fixed figure.
 */
export async function downSummary(session: Session, deleteData: boolean): Promise<DownSummary> {
  const run = await runWith(session, "status", { emit: () => {} });
  const live = run.report.outcomes.filter((o) => o.exists);
  const kindOf = (node: string) => run.plan.nodes.find((n) => n.id === node)?.resource.kind;
  const count = (kind: string) => live.filter((o) => kindOf(o.node) === kind).length;
  const days = session.config.storage.secretRecoveryWindowDays;
  const kept: string[] = [];
  const keys = count("kms-key");
  if (deleteData) {
    kept.push("no data is kept (--delete-data): no final snapshot, secrets deleted without recovery, buckets emptied and deleted");
  } else {
    if (count("db-instance")) kept.push(`the database, as its final snapshot ${finalSnapshotId(session.config.env, session.clock.now()).replace(/\d{6}$/, "hhmmss")} (stamped with the time of the delete; delete it yourself when it is no longer needed)`);
    const secrets = count("secret");
    if (secrets) kept.push(`${secrets} secret${secrets === 1 ? "" : "s"}, restorable for ${days} days (\`opsctl up\` before then restores them)`);
    const buckets = count("bucket");
    if (buckets) kept.push(`${buckets} bucket${buckets === 1 ? "" : "s"} with the objects they hold (an empty bucket is deleted)`);
  }
  // AWS deletes a KMS key only after a waiting period, --delete-data or not (ScheduleKeyDeletion).
  if (keys) kept.push(`${keys} KMS key${keys === 1 ? "" : "s"}, scheduled for deletion in ${KEY_PENDING_WINDOW_DAYS} days (\`opsctl up\` before then cancels it)`);
  return { env: session.config.env, region: session.config.region, existing: live.length, total: run.plan.nodes.length, kept };
}

/** The summary as text: one line for the deletes, then what is kept. */
export function downSummaryText(s: DownSummary): string {
  const head = s.existing === 0 ? `down: environment ${s.env} in ${s.region} has no resources: nothing to delete` : `down deletes environment ${s.env} in ${s.region}: ${s.existing} resources exist (of the ${s.total} in the plan)`;
  return [head, ...s.kept.map((k) => `  kept: ${k}`)].join("\n");
}

function keptByDown(report: RunReport): string[] {
  return report.outcomes.flatMap((o) => (o.kept ?? []).map((k) => `${o.node} ${k}`));
}

/** True when every node exists, is healthy and has no drift. */
export function isHealthy(run: EnvironmentRun): boolean {
  return run.report.ok && run.report.outcomes.every((o) => o.exists && o.description?.healthy && o.changes.length === 0 && o.blocked.length === 0);
}

/** The `--json` document of up/down/plan (issue #2's contract; more fields are welcome). */
export function runDocument(run: EnvironmentRun): Record<string, unknown> {
  const summary = { create: 0, update: 0, delete: 0, noop: 0 };
  for (const o of run.report.outcomes) summary[o.action]++;
  return {
    ok: run.report.ok,
    actions: run.report.outcomes.map((o) => ({
      node: o.node,
      kind: o.kind,
      action: o.action,
      status: o.status,
      ...(o.id ? { id: o.id } : {}),
      ...(o.changes.length ? { changes: o.changes.map((c) => ({ field: c.field, from: c.from, to: c.to })) } : {}),
      ...(o.blocked.length ? { notApplied: o.blocked.map((c) => ({ field: c.field, from: c.from, to: c.to, reason: c.hint ?? "cannot change in place" })) } : {}),
      ...(o.error ? { error: errorText(o.error) } : {}),
      ...(o.unchecked ? { note: o.unchecked } : {}),
    })),
    summary,
    apiCalls: run.apiCalls,
    makespanSeconds: Math.round(run.makespanMs / 100) / 10,
    criticalPath: { seconds: run.criticalPath.totalMs / 1000, nodes: run.criticalPath.path },
    ...(run.kept.length ? { kept: run.kept } : {}),
  };
}

/** Why a control fails on one node: a drifted field with its live and wanted values (or a state, when the node is missing or unhealthy). */
export interface ControlFailure {
  node: string;
  field?: string;
  live?: unknown;
  wanted?: unknown;
  /** The change is queued (e.g. RDS's maintenance window): `pending (applies in …)`, not applied yet. */
  pending?: string;
  state?: string;
}

/** One control's verdict over the nodes that carry it. */
export interface ControlState {
  pass: boolean;
  /** True when every failure is a change already queued (pending), none a drift left to fix. */
  pending: boolean;
  nodes: { node: string; ok: boolean; state: string }[];
  failures: ControlFailure[];
}

/** The controls a drifted field is about: the kind's field map narrowed to the node's controls (all of them when the field is not mapped). */
function controlsOfField(map: Readonly<Record<string, readonly string[]>> | undefined, field: string, nodeControls: readonly string[]): readonly string[] {
  const hit = map?.[field] ?? Object.entries(map ?? {}).find(([k]) => k.endsWith("*") && field.startsWith(k.slice(0, -1)))?.[1];
  return hit === undefined ? nodeControls : hit.filter((c) => nodeControls.includes(c));
}

/**
 * Every control ID (SPEC.md) the run's nodes implement, with pass/fail and the nodes behind it. Each
 * control is checked on the fields it is about (ResourceKind.fieldControls): a drifted field fails only
 * its controls; a missing node, or an unhealthy one with no drifted field to explain it, fails all of them.
 */
export function controlStates(run: Pick<EnvironmentRun, "report"> & Partial<Pick<EnvironmentRun, "plan">>): Record<string, ControlState> {
  const out: Record<string, ControlState> = {};
  for (const o of run.report.outcomes) {
    const controls = o.controls ?? [];
    const map = run.plan?.nodes.find((n) => n.id === o.node)?.resource.fieldControls;
    const state = nodeState(o);
    const failing = new Map<string, ControlFailure[]>();
    const fail = (c: string, f: ControlFailure) => failing.set(c, [...(failing.get(c) ?? []), f]);
    const drift = [...o.changes, ...o.blocked];
    if (o.status === "failed" || o.unchecked || !o.exists || (!o.description?.healthy && drift.length === 0)) {
      for (const c of controls) fail(c, { node: o.node, state });
    } else {
      for (const d of drift) {
        const pending = d.hint?.startsWith("pending") ? d.hint.split(";")[0] : undefined;
        for (const c of controlsOfField(map, d.field, controls)) fail(c, { node: o.node, field: d.field, live: d.from, wanted: d.to, ...(pending ? { pending } : {}) });
      }
    }
    for (const c of controls) {
      const entry = (out[c] ??= { pass: true, pending: false, nodes: [], failures: [] });
      const f = failing.get(c) ?? [];
      entry.nodes.push({ node: o.node, ok: f.length === 0, state });
      entry.failures.push(...f);
      entry.pass &&= f.length === 0;
    }
  }
  for (const e of Object.values(out)) e.pending = !e.pass && e.failures.every((f) => f.pending !== undefined);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true })));
}

/**
 * A node's state in status/audit: its AWS state, "missing", or — when its read failed (fail-soft
 * preview) — "error: <the one-line error>", or why it was not checked.
 */
export function nodeState(o: NodeOutcome): string {
  if (o.status === "failed") return `error: ${errorText(o.error)}`;
  if (o.unchecked) return o.unchecked;
  return o.exists ? (o.description?.state ?? "unknown") : "missing";
}

/** The `--json` document of status. */
export function statusDocument(run: EnvironmentRun): Record<string, unknown> {
  return {
    healthy: isHealthy(run),
    env: run.env,
    controls: Object.fromEntries(Object.entries(controlStates(run)).map(([id, c]) => [id, { pass: c.pass, nodes: c.nodes.map((n) => n.node) }])),
    resources: run.report.outcomes.map((o) => ({
      node: o.node,
      kind: o.kind,
      ...(o.exists && o.id ? { id: o.id } : {}),
      state: o.status === "failed" ? "error" : o.unchecked ? "not checked" : o.exists ? o.description?.state ?? "unknown" : "missing",
      healthy: Boolean(o.status !== "failed" && !o.unchecked && o.exists && o.description?.healthy),
      ...(o.status === "failed" ? { error: errorText(o.error) } : {}),
      ...(o.unchecked ? { note: o.unchecked } : {}),
      drift: [...o.changes, ...o.blocked].map((c) => ({ field: c.field, actual: c.from, desired: c.to })),
      controls: o.controls ?? [],
      ...(o.description?.details ? { details: o.description.details } : {}),
    })),
    apiCalls: run.apiCalls,
  };
}

/** One line for an error inside a node. */
export function errorText(e: unknown): string {
  const err = e as { name?: string; message?: string; $operation?: string };
  const op = err.$operation ? `${err.$operation}: ` : "";
  const code = err.name && err.name !== "Error" && err.name !== "OpsError" && err.name !== "BudgetExceeded" ? `${err.name}: ` : "";
  // One line: a multi-line message (an HTML error page …) is cut at its first line.
  return `${op}${code}${(err.message ?? String(e)).split("\n")[0]}`;
}
