/**
 * The out-of-band campaign's harness (issue 9, "Out-of-band campaign as a test suite"): the whole
 * environment is brought up once per test file, its simulated AWS is snapshotted, and every case
 * starts from its own copy of that state, breaks one thing through the SDK (as an operator, the
 * console or AWS itself would), then runs `status`/`audit`, `up` and `up` again as opsctl would.
 */
import { appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { runStatus, runUp, controlStates, isHealthy, type EnvironmentRun, type RunOptions } from "../../src/operations/environment.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";
import type { SandboxState } from "../../src/sandbox/types.js";
import { sandboxSession } from "../helpers/env.js";

/** A session over a sandbox. */
export type S = ReturnType<typeof sandboxSession>;

export const emit = (): void => {};
export const MINUTE = 60_000;
export const DAY = 24 * 3600_000;

/** The environment up once, and its state to start each case from. */
export interface Baseline {
  state: SandboxState;
  up: EnvironmentRun;
  /** The id `up` reported for `node`. */
  id(node: string): string;
}

/** Brings the whole environment up once on a fresh sandbox and snapshots it. */
export async function baseline(): Promise<Baseline> {
  const s = sandboxSession();
  const up = await runUp(s, { emit });
  expect(up.report.ok).toBe(true);
  const state = s.sandbox.snapshot();
  s.close();
  return {
    state,
    up,
    id: (node) => {
      const o = up.report.outcomes.find((x) => x.node === node);
      if (!o?.id) throw new Error(`no id for ${node}`);
      return o.id;
    },
  };
}

/** A session over a copy of the baseline's state (each case starts from the same environment). */
export function fromBaseline(b: Baseline): S {
  const sandbox = new Sandbox({ state: JSON.parse(JSON.stringify(b.state)) as SandboxState, services: allServices() });
  return sandboxSession({ sandbox });
}

/** Nodes that are not (present, healthy, without drift) in a run, with their state. */
export function unhealthy(run: EnvironmentRun): string[] {
  return run.report.outcomes
    .filter((o) => !(o.status !== "failed" && o.exists && o.description?.healthy && o.changes.length === 0 && o.blocked.length === 0))
    .map((o) => o.node);
}

/** Failed control IDs of a status run (what `audit` prints as FAIL). */
export function failedControls(run: EnvironmentRun): string[] {
  return Object.entries(controlStates(run))
    .filter(([, c]) => !c.pass)
    .map(([id]) => id);
}

/**
 * Runs `up` until the environment is healthy (at most `max` runs) and counts the runs it took:
 * the campaign's "repaired in N runs". A run that failed is counted too. `status` is the last
 * status run (the one that found it healthy), so callers need not run another.
 */
export async function repair(s: S, max = 3, opts: Omit<RunOptions, "emit"> = {}): Promise<{ runs: number; last: EnvironmentRun; status: EnvironmentRun; errors: string[] }> {
  let last: EnvironmentRun | undefined;
  let status: EnvironmentRun | undefined;
  const errors: string[] = [];
  for (let runs = 1; runs <= max; runs++) {
    last = await runUp(s, { emit, ...opts });
    errors.push(...last.report.outcomes.filter((o) => o.status === "failed").map((o) => `${o.node}: ${String((o.error as Error)?.message ?? o.error).split("\n")[0]}`));
    status = await runStatus(s, { emit });
    if (last.report.ok && isHealthy(status)) return { runs, last, status, errors };
  }
  return { runs: Infinity, last: last!, status: status!, errors };
}

/** One row of the campaign table (README, "Reliability"), appended by each case as it ran. */
export interface CampaignRow {
  part: "delete" | "control" | "special";
  seed: string;
  node: string;
  detectedBy: string;
  repairedInRuns: number | "not repaired";
  secondUpWrites: number;
}

/** Where the rows go: `OPSCTL_DRIFT_SUMMARY`, else a JSON-lines file in the temp directory. */
export const SUMMARY_FILE = process.env.OPSCTL_DRIFT_SUMMARY ?? join(tmpdir(), "opsctl-drift-summary.jsonl");

/** Records one case's outcome for the campaign table. */
export function record(row: CampaignRow): void {
  appendFileSync(SUMMARY_FILE, JSON.stringify(row) + "\n");
}
