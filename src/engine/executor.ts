import type { Clock } from "./clock.js";
import { validateGraph, type GraphNode } from "./graph.js";

/** A unit of work in the graph. */
export interface Task<R = unknown> extends GraphNode {
  run(): Promise<R>;
}

/** Final status of a task. */
export type TaskStatus = "done" | "failed" | "skipped";

/** What happened to one task. */
export interface TaskResult<R = unknown> {
  id: string;
  status: TaskStatus;
  value?: R;
  error?: unknown;
  /** Clock times (ms); absent for skipped tasks. */
  startedAt?: number;
  endedAt?: number;
}

/** Progress events emitted by the executor. */
export type ExecEvent =
  | { type: "task-start"; id: string; at: number }
  | { type: "task-end"; id: string; at: number; status: "done" | "failed"; error?: unknown }
  | { type: "task-skip"; id: string; reason: string };

/** Options of {@link execute}. */
export interface ExecuteOptions {
  clock: Clock;
  /** Maximum tasks running at once (default 16). */
  concurrency?: number;
  onEvent?: (e: ExecEvent) => void;
  /**
   * Fail-soft (read-only runs): a failure stops nothing; the failed task counts as finished for its
   * dependents, which start as usual and learn of the failure on their own. `ok` is still false.
   */
  keepGoing?: boolean;
  /** Once aborted (Ctrl-C), nothing new starts; running tasks finish; the rest are skipped as cancelled. */
  signal?: AbortSignal;
}

/** Results of a run, in the order of the input. */
export interface ExecuteResult<R> {
  results: TaskResult<R>[];
  ok: boolean;
  startedAt: number;
  endedAt: number;
}

/**
 * Runs a DAG of tasks. A task starts the moment its own dependencies are done
 * (no waves), up to `concurrency` at a time. After the first failure nothing
 * new starts; running tasks finish; the rest are reported as skipped (unless `keepGoing`).
 */
export async function execute<R>(tasks: readonly Task<R>[], opts: ExecuteOptions): Promise<ExecuteResult<R>> {
  validateGraph(tasks);
  const { clock } = opts;
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  const emit = opts.onEvent ?? (() => {});
  const results = new Map<string, TaskResult<R>>();
  const remaining = new Map(tasks.map((t) => [t.id, new Set(t.deps)]));
  const dependents = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  for (const t of tasks) for (const d of t.deps) dependents.get(d)!.push(t.id);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const ready: string[] = tasks.filter((t) => t.deps.length === 0).map((t) => t.id);
  let running = 0;
  let failed = false;
  const startedAt = clock.now();
  const cancelled = () => Boolean(opts.signal?.aborted);

  await new Promise<void>((resolveAll) => {
    const finishIfIdle = () => {
      if (running === 0 && (stopped() || cancelled() || ready.length === 0)) resolveAll();
    };
    opts.signal?.addEventListener("abort", () => finishIfIdle(), { once: true });
    const release = (id: string) => {
      for (const dep of dependents.get(id)!) {
        const rest = remaining.get(dep)!;
        rest.delete(id);
        if (rest.size === 0) ready.push(dep);
      }
    };
    const stopped = () => failed && !opts.keepGoing;
    const pump = () => {
      while (!stopped() && !cancelled() && running < concurrency && ready.length > 0) {
        const id = ready.shift()!;
        const task = byId.get(id)!;
        running++;
        const t0 = clock.now();
        emit({ type: "task-start", id, at: t0 });
        task.run().then(
          (value) => {
            const t1 = clock.now();
            results.set(id, { id, status: "done", value, startedAt: t0, endedAt: t1 });
            emit({ type: "task-end", id, at: t1, status: "done" });
            release(id);
            running--;
            pump();
          },
          (error: unknown) => {
            const t1 = clock.now();
            results.set(id, { id, status: "failed", error, startedAt: t0, endedAt: t1 });
            emit({ type: "task-end", id, at: t1, status: "failed", error });
            failed = true;
            if (opts.keepGoing) release(id);
            running--;
            pump();
          },
        );
      }
      finishIfIdle();
    };
    pump();
  });

  const failedIds = [...results.values()].filter((r) => r.status === "failed").map((r) => r.id);
  const ordered = tasks.map((t) => {
    const r = results.get(t.id);
    if (r) return r;
    const reason = failedIds.length ? `not started: ${failedIds.join(", ")} failed` : cancelled() ? "not started: cancelled (Ctrl-C)" : "not started";
    emit({ type: "task-skip", id: t.id, reason });
    return { id: t.id, status: "skipped" as const };
  });
  return { results: ordered, ok: !failed && ordered.every((r) => r.status === "done"), startedAt, endedAt: clock.now() };
}
