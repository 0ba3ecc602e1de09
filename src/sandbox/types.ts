import type { SimClock } from "../engine/clock.js";
import type { OperationName } from "../aws/durations.js";

/** A stored simulated resource: the AWS output shape plus private `_`-prefixed fields. */
export type SimRecord = Record<string, any>;

/** State of one region: service -> collection -> id -> record. */
export type RegionState = Record<string, Record<string, Record<string, SimRecord>>>;

/** Everything the sandbox keeps between invocations. */
export interface SandboxState {
  version: 1;
  clockMs: number;
  accountId: string;
  seq: number;
  /** Calls answered over the state's whole life (a CLI test reads them to prove "0 writes"). */
  calls?: { read: number; write: number };
  regions: Record<string, RegionState>;
}

/** Fault switches (see SPEC.md beside this file). */
export interface Faults {
  /** The N-th write (1-based) takes effect, then the process "dies": that call and every later one throw SimulatedCrash. */
  crashAfterWrites?: number;
  /**
   * On a shared state file ({@link Sandbox.open}, the CLI): right after the N-th write is saved,
   * the process kills itself with SIGKILL — a real crash, for the crash harness of the CLI.
   */
  killAfterWrites?: number;
  /** Every write after the N-th fails with a server error (HTTP 500 InternalError). */
  failAfterWrites?: number;
  /** Fraction (0..1) of calls answered with the service's throttling error before they run. */
  throttleRate?: number;
  /** New resources stay invisible to describes/lists for this many simulated ms after create. */
  notFoundLagMs?: number;
  /** Seed of the pseudo-random generator used for throttling. */
  seed?: number;
  /**
   * Durations that vary like AWS's (the benchmark's `--jitter`): each operation of the durations
   * table takes typical × e^(sigma·z), z standard normal drawn once per operation name from `seed`
   * (so a duration the sandbox recomputes on every read stays the same within a run).
   */
  durationJitter?: { sigma: number; seed: number };
  /**
   * Calls answered with an error before they run: `service` (e.g. "SecretsManager"), `operation`,
   * and optionally a string the JSON of the request must contain (to hit one resource only).
   */
  failCalls?: { service: string; operation: string; inputIncludes?: string; code: string; message?: string; status?: number }[];
}

/** What a handler gets besides the request input. */
export interface HandlerContext {
  region: string;
  accountId: string;
  clock: SimClock;
  /** Current simulated time (ms). */
  now(): number;
  /** The collection `name` of this handler's service in this region (created on first use). */
  table(name: string): Record<string, SimRecord>;
  /** The same for another service or region (e.g. a secret replica in the secondary region). */
  tableOf(service: string, name: string, region?: string): Record<string, SimRecord>;
  /** Next id in AWS's format: `prefix-` + 17 hex digits (e.g. vpc-0a1b...). */
  newId(prefix: string, hexDigits?: number): string;
  /** Throws this service's exception with AWS's error code and message. */
  fail(name: string, message: string, httpStatusCode?: number): never;
  /** Typical duration of an operation from the durations table (ms). */
  duration(op: OperationName): number;
  /** Stamps `_createdAt`/`_visibleAt` on a new record (honours the NotFound-lag fault). */
  born(rec: SimRecord): SimRecord;
  /** False while a new record is hidden by the NotFound-lag fault. */
  visible(rec: SimRecord): boolean;
}

/** A handler for one operation: returns the output shape of the AWS API (without $metadata). */
export type Handler = (input: any, ctx: HandlerContext) => any;

/** One simulated service. */
export interface SimService {
  /** The SDK client's name as seen by middleware, e.g. "EC2Client". */
  clientName: string;
  /** Short key for state, e.g. "ec2". */
  key: string;
  /** The service's base exception class (e.g. EC2ServiceException). */
  exception: new (opts: any) => Error;
  /** The error code this service uses for throttling. */
  throttlingCode: string;
  handlers: Record<string, Handler>;
}
