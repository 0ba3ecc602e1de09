/**
 * The one "state becomes X at time T" mechanism of the sandbox. A stored record carries the
 * simulated time (ms) of its next change in a private field (`_availableAt`, `_readyAt`, …); on
 * every call a service brings its records to "now" with {@link advance}, which takes every step
 * whose time has come, in order (a step may schedule the next one, e.g. RDS creating → backing-up
 * → available), each at its own time, not at "now" — so timings never depend on when a caller polls.
 */
import type { SimRecord } from "./types.js";

/** The `to` of a step that removes the record (the caller deletes it from its table). */
export const GONE = Symbol("gone");

/** One step of a record's life. */
export interface Step<R extends SimRecord = SimRecord> {
  /** The state(s) the step leaves. */
  from: string | readonly string[];
  /** When it takes place: the private field holding the time, or a function; undefined = not scheduled. */
  at: string | ((rec: R) => number | undefined);
  /** The state afterwards (a function when it depends on the record), or {@link GONE}. */
  to: string | typeof GONE | ((rec: R) => string);
  /** What else changes at that moment (`at` is the step's own time). */
  then?: (rec: R, at: number) => void;
}

/** Where a record keeps its state: a field name, or a getter/setter (e.g. EC2's `State.Name`). */
export type StateField<R extends SimRecord = SimRecord> = string | { get(rec: R): string | undefined; set(rec: R, state: string): void };

/**
 * Takes every step of `steps` whose time has come (at most 16 in a row).
 * @returns "gone" when a step removed the record, true when its state changed, else false.
 */
export function advance<R extends SimRecord>(rec: R, now: number, field: StateField<R>, steps: readonly Step<R>[]): boolean | "gone" {
  const get = typeof field === "string" ? (r: R) => r[field] as string | undefined : field.get;
  const set = typeof field === "string" ? (r: R, s: string) => ((r as SimRecord)[field] = s) : field.set;
  let moved = false;
  for (let guard = 0; guard < 16; guard++) {
    const state = get(rec);
    const step = steps.find((s) => (typeof s.from === "string" ? s.from === state : state !== undefined && s.from.includes(state)) && isDue(rec, s, now));
    if (!step) break;
    const at = timeOf(rec, step)!;
    if (step.to === GONE) return "gone";
    set(rec, typeof step.to === "function" ? step.to(rec) : step.to);
    step.then?.(rec, at);
    moved = true;
  }
  return moved;
}

/** {@link advance} over a whole table: records whose step is {@link GONE} are deleted from it. */
export function advanceAll<R extends SimRecord>(table: Record<string, R>, now: number, field: StateField<R>, steps: readonly Step<R>[]): void {
  for (const [id, rec] of Object.entries(table)) if (advance(rec, now, field, steps) === "gone") delete table[id];
}

function timeOf<R extends SimRecord>(rec: R, step: Step<R>): number | undefined {
  const t = typeof step.at === "string" ? rec[step.at] : step.at(rec);
  return typeof t === "number" ? t : undefined;
}

function isDue<R extends SimRecord>(rec: R, step: Step<R>, now: number): boolean {
  const t = timeOf(rec, step);
  return t !== undefined && now >= t;
}
