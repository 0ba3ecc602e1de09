import { AsyncLocalStorage } from "node:async_hooks";
import type { Clock } from "./clock.js";

/**
 * The one wait loop of opsctl: every wait for a state (a resource ready, a resource gone, a
 * replication group available again, a CloudFront invalidation completed) reads through here.
 *
 * Why this schedule: AWS durations vary several-fold around the typical figure (ACM may validate
 * in 30 s or in 20 min; RDS creates in 5 to 20 min), so a wait must not first look at the typical
 * duration. A resource ready at any time t after the wait began is noticed by t + max(5 s, 10 % of t):
 * the next read comes at most `max(5 s, 10 % of the elapsed time)` after the previous one, so the
 * gap after any instant is never longer than that bound. From a third of the typical duration on,
 * where a log-normal duration (σ ≈ 0.5) ends 99 % of the time, the reads come denser (4 % of the
 * elapsed time: the expected delay on a critical path stays near 2 %), also past the typical
 * duration, where a slow resource may finish at any moment; the gap is capped at 2 min. A wait thus
 * backs off from every 5 s toward a read every few percent of the typical duration, and never
 * first reads at the typical duration itself.
 *
 * SDK waiters document a `minDelay` (RDS DBInstanceAvailable 30 s, CloudFront
 * DistributionDeployed 60 s, ElastiCache ReplicationGroupAvailable 15 s): those are the schedule
 * of the SDK's own waiters, not API rate limits, and a 30–60 s floor would miss the 5 s target for
 * resources ready early, so they are not applied here; every read is an ordinary Describe/Get call
 * within the service's request quota.
 */
export type PollSchedule = (elapsedMs: number, typicalMs: number) => number;

/** Shortest gap between two reads of one wait. */
export const POLL_MIN_MS = 5_000;
/** Longest gap between two reads of one wait. */
export const POLL_MAX_MS = 120_000;
/** Share of the elapsed wait between reads, far from the typical duration. */
const FAR_SHARE = 0.1;
/** Share of the elapsed wait between reads, from a third of the typical duration on. */
const NEAR_SHARE = 0.04;

/** The default schedule: delay before the next read, after `elapsedMs` of a wait whose operation typically takes `typicalMs`. */
export const defaultSchedule: PollSchedule = (elapsedMs, typicalMs) => {
  const near = typicalMs > 0 && elapsedMs >= typicalMs / 3;
  const share = near ? NEAR_SHARE : FAR_SHARE;
  return Math.round(Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, share * elapsedMs)));
};

let schedule: PollSchedule = defaultSchedule;

/**
 * Replaces the schedule of every wait (undefined restores the default). Only for measuring: the
 * benchmark runs once with a 1 s schedule to learn when each resource really became ready.
 */
export function setPollSchedule(s: PollSchedule | undefined): void {
  schedule = s ?? defaultSchedule;
}

/** Delay before the next read under the schedule in force (see {@link defaultSchedule}). */
export function pollDelay(elapsedMs: number, typicalMs: number): number {
  return schedule(elapsedMs, typicalMs);
}

/** One finished wait, as told to the observer (see {@link setPollObserver}). */
export interface PollRecord {
  /** The plan node the wait ran for, when it ran inside the engine (see {@link inNode}). */
  node?: string;
  /** Reads made (the first one included). */
  reads: number;
  waitedMs: number;
  done: boolean;
}

let observer: ((r: PollRecord) => void) | undefined;

/** Receives every finished wait (undefined stops). Only for measuring: the benchmark counts waits per node. */
export function setPollObserver(o: ((r: PollRecord) => void) | undefined): void {
  observer = o;
}

const currentNode = new AsyncLocalStorage<string>();

/** Runs `fn` as the work of plan node `node`: waits inside it are reported under that node. */
export function inNode<T>(node: string, fn: () => Promise<T>): Promise<T> {
  return currentNode.run(node, fn);
}

/** What {@link pollUntil} needs. */
export interface PollOptions<T> {
  clock: Clock;
  /** Typical duration of what is awaited (aws-durations.json); shapes the schedule, never the first read. */
  typicalMs: number;
  /** Time after which the wait gives up with {@link PollOptions.timeout}'s error. */
  budgetMs: number;
  /** Reads the current state. */
  read(): Promise<T>;
  /** True when the wait is over. */
  done(value: T): boolean;
  /** A state that will never become done (e.g. `failed`): the error to throw, or undefined. */
  failure?(value: T): Error | undefined;
  /** The error once the budget is spent, given the last value read and the time waited. */
  timeout(last: T, elapsedMs: number): Error | Promise<Error>;
  /** A value already read by the caller (e.g. the create call's answer): checked before the first sleep. */
  initial?: { value: T };
  /** Called after each read with the time waited so far (for progress reporting and tests). */
  onRead?(value: T, elapsedMs: number): void;
}

/**
 * Reads until `done`, sleeping on the clock between reads by the schedule above.
 * @returns the value that satisfied `done`.
 * @throws the `failure` error as soon as a read shows one; the `timeout` error once `budgetMs` is spent.
 */
export async function pollUntil<T>(o: PollOptions<T>): Promise<T> {
  const start = o.clock.now();
  let reads = o.initial ? 0 : 1;
  const report = (done: boolean) => observer?.({ node: currentNode.getStore(), reads, waitedMs: o.clock.now() - start, done });
  let value = o.initial ? o.initial.value : await o.read();
  if (!o.initial) o.onRead?.(value, 0);
  for (;;) {
    const failed = o.failure?.(value);
    if (failed) {
      report(false);
      throw failed;
    }
    if (o.done(value)) {
      report(true);
      return value;
    }
    const elapsed = o.clock.now() - start;
    if (elapsed >= o.budgetMs) {
      report(false);
      throw await o.timeout(value, elapsed);
    }
    await o.clock.sleep(Math.max(1, Math.min(pollDelay(elapsed, o.typicalMs), o.budgetMs - elapsed)));
    value = await o.read();
    reads++;
    o.onRead?.(value, o.clock.now() - start);
  }
}
