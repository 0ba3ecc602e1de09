import type { EventSink } from "../engine/events.js";
import { OpsError } from "../engine/errors.js";
import { criticalPath } from "../engine/graph.js";
import { preview, up } from "../engine/reconcile.js";
import { contextFactory } from "../resources/context.js";
import { gatherFacts } from "../resources/facts.js";
import { PURPOSES, signingSecretName, type Purpose } from "../resources/signing-keys.js";
import { readSigningKey, rotatedByOpsctl, signingKeyRotation, type SigningKeyRotationActual, type SigningKeyRotationSpec } from "../resources/signing-key-rotation.js";
import { rotateKeysPlan } from "../../plans/rotate-keys.js";
import { isTransient } from "../aws/errors.js";
import type { Plan } from "../engine/plan.js";
import type { RunReport } from "../engine/reconcile.js";
import type { Facts, ResourceContext } from "../resources/context.js";
import { runDocument, type EnvironmentRun } from "./environment.js";
import type { Session } from "./session.js";

/** What `opsctl rotate-keys` was asked to do (flags already validated). */
export interface RotateKeysRequest {
  /** `--only`: one purpose; default all three. */
  only?: Purpose;
  /** `--if-older-than` in ms. */
  maxAgeMs?: number;
  force: boolean;
  /** `--dry-run`: preview only, 0 writes. */
  dryRun: boolean;
  emit: EventSink;
  concurrency?: number;
}

/**
 * How long after a rotate-keys run its rotations count as "that run" when it was interrupted: a run
 * takes seconds, so one hour is generous and still far below the 30-day rotation period.
 */
export const RESUME_WINDOW_MS = 3600_000;

/**
 * The keys an interrupted run already rotated, so the rerun finishes the rest instead of refusing
 * them (grace window) or rotating them twice. A run rotates every targeted key at once; when only
 * some of them were rotated by rotate-keys within {@link RESUME_WINDOW_MS}, the run that did it was
 * interrupted. When all of them were, the run completed and a new run is a second rotation: nothing
 * is resumed and the grace rule applies. (The two cases cannot be told apart when the crash came
 * after the very last write: the rerun then refuses, writing nothing; the keys are already rotated.)
 */
export function resumedRotations(states: Map<Purpose, SigningKeyRotationActual>, now: number): Partial<Record<Purpose, number>> {
  const recent = [...states].filter(([, a]) => rotatedByOpsctl(a) && now - a.current.createdAt < RESUME_WINDOW_MS);
  if (recent.length === 0 || recent.length === states.size) return {};
  return Object.fromEntries(recent.map(([p, a]) => [p, a.current.createdAt]));
}

/** The outcome of a rotate-keys run: the fields of `up`'s run record (facts are the base facts only). */
export interface RotateKeysRun extends Pick<EnvironmentRun, "command" | "env" | "apiCalls" | "makespanMs" | "criticalPath" | "kept"> {
  report: RunReport;
  plan: Plan<ResourceContext>;
  facts: Facts;
}

/**
 * The `--json` document: `up`'s own runDocument. It reads only the run's report, apiCalls, makespan,
 * critical path and kept list, which a rotation run has; its parameter type also names the environment
 * plan's facts, which rotate-keys does not read (ask: narrow runDocument's parameter to those fields).
 */
export function rotateKeysDocument(run: RotateKeysRun): Record<string, unknown> {
  return runDocument(run as unknown as EnvironmentRun);
}

/**
 * `opsctl rotate-keys`: reads the session's facts and the signing keys (the environment must be up),
 * refuses before any write a rotation inside a grace window (unless `force`), then runs the rotation
 * plan with the engine (`preview` for a dry run). Returns `up`'s run record fields, for runDocument.
 */
export async function runRotateKeys(session: Session, req: RotateKeysRequest): Promise<RotateKeysRun> {
  const env = session.config.env;
  const before = session.aws.counter.snapshot();
  const t0 = session.clock.now();
  const facts = await gatherFacts(session.aws, session.config);
  const make = contextFactory({ env, region: session.config.region, aws: session.aws, clock: session.clock, facts, flags: { deleteData: false } });
  const purposes = req.only ? [req.only] : [...PURPOSES];

  const read = make("signing-key-rotation:check");
  const states = new Map<Purpose, SigningKeyRotationActual>();
  const missing: string[] = [];
  await Promise.all(
    purposes.map(async (p) => {
      const a = await readSigningKey(read, signingSecretName(env, p));
      if (a) states.set(p, a);
      else missing.push(signingSecretName(env, p));
    }),
  );
  if (missing.length) {
    throw new OpsError("no_signing_keys", `environment ${env} has no signing keys (${missing.sort().join(", ")} not found): run \`opsctl up\` first`, { fault: "user" });
  }

  const now = session.clock.now();
  // --force means "rotate these keys now": nothing counts as already done.
  const resumed = req.force ? {} : resumedRotations(states, now);
  const plan = rotateKeysPlan(session.config, { purposes, maxAgeMs: req.maxAgeMs, force: req.force, now, resumed });
  // The grace rule is checked for every key before the first write: a refusal writes nothing.
  const noRefs = { out: () => ({}), id: () => "" };
  for (const node of plan.nodes) {
    const spec = node.spec(noRefs) as SigningKeyRotationSpec;
    signingKeyRotation.diff(spec, states.get(spec.purpose)!);
  }

  const runOpts = { clock: session.clock, makeContext: (n: { id: string }) => make(n.id), emit: req.emit, concurrency: req.concurrency, isTransient, signal: session.signal };
  const report = req.dryRun ? await preview(plan, runOpts) : await up(plan, runOpts);
  const after = session.aws.counter.snapshot();
  const cp = criticalPath(plan.nodes, (id) => plan.nodes.find((n) => n.id === id)!.resource.typicalCreateMs);
  return {
    // The rotation plan runs through the engine's up (or preview for --dry-run), as `up`/`plan` do.
    command: req.dryRun ? "plan" : "up",
    env,
    report,
    plan,
    facts,
    apiCalls: { read: after.read - before.read, write: after.write - before.write },
    makespanMs: session.clock.now() - t0,
    criticalPath: { totalMs: cp.total, path: cp.path },
    kept: [],
  };
}
