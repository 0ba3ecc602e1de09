import type { SimClock } from "../engine/clock.js";
import type { OperationName } from "../aws/durations.js";

/** Version of the saved state's shape (see {@link SandboxState}). */
export const STATE_VERSION = 2;

/** A stored simulated resource: the AWS output shape plus private `_`-prefixed fields. */
export type SimRecord = Record<string, any>;

/** State of one region: service -> collection -> id -> record. */
export type RegionState = Record<string, Record<string, Record<string, SimRecord>>>;

/**
 * Everything the sandbox keeps between invocations. Version 2: every record keeps its tags in
 * `_tags` (src/sandbox/tags.ts); a version-1 state (tags under `Tags`/`tags`/`TagList`) is refused
 * as of an unknown version, with the fix (--reset-sandbox).
 */
export interface SandboxState {
  version: typeof STATE_VERSION;
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
export type Handler<I = any> = (input: I, ctx: HandlerContext) => any;

/**
 * The SDK's input type of every operation of an aggregated client (e.g. `EC2` from @aws-sdk/client-ec2),
 * keyed by operation name: `Inputs<EC2>["CreateVpc"]` is `CreateVpcCommandInput`.
 */
export type Inputs<C> = {
  [K in keyof C & string as C[K] extends (...args: any[]) => any ? Capitalize<K> : never]: C[K] extends (args: infer I, ...rest: any[]) => any ? I : never;
};

/** A service's handlers, each given its operation's SDK input type; an operation name the SDK does not have is a compile error. */
export type Handlers<C> = { [Op in keyof Inputs<C>]?: Handler<Inputs<C>[Op]> };

/** A handler of one operation of client `C`, typed by the SDK (for handlers declared on their own, outside a {@link Handlers} map). */
export function handler<C, Op extends keyof Inputs<C>>(fn: Handler<Inputs<C>[Op]>): Handler<Inputs<C>[Op]> {
  return fn;
}

/** What {@link defineService} takes: the service's identity and its handlers. */
export interface ServiceDefinition<C> {
  /** The SDK client's name as seen by middleware, e.g. "EC2Client". */
  clientName: string;
  /** Short key for state, e.g. "ec2". */
  key: string;
  /** The service's base exception class (e.g. EC2ServiceException). */
  exception: new (opts: any) => Error;
  /** The error code this service uses for throttling. */
  throttlingCode: string;
  /** Runs before every handler (e.g. bring the region's records to "now"). */
  before?: (ctx: HandlerContext) => void;
  handlers: Handlers<C>;
}

/**
 * The one way to register a simulated service and its handlers: `defineService<EC2>({...})` types
 * each handler's input by the SDK's own input type and rejects an operation name the SDK lacks.
 */
export function defineService<C>(def: ServiceDefinition<C>): SimService {
  const { before, handlers, ...rest } = def;
  const all = handlers as Record<string, Handler>;
  return {
    ...rest,
    handlers: before
      ? Object.fromEntries(
          Object.entries(all).map(([name, h]) => [
            name,
            (input: unknown, ctx: HandlerContext) => {
              before(ctx);
              return h(input, ctx);
            },
          ]),
        )
      : all,
  };
}

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
