import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { homedir, hostname } from "node:os";
import { SimClock } from "../engine/clock.js";
import { OpsError } from "../engine/errors.js";
import { typicalMs, type OperationName } from "../aws/durations.js";
import { isReadOperation } from "../aws/call-counter.js";
import { UnknownFilter } from "./filters.js";
import { checkRequest, checkResponse, handlerDecides, ModelCheckError, modelCheckModeFromEnv, validationCode, type ModelCheckMode, type ModelViolation } from "./model-check.js";
import { STATE_VERSION, type Faults, type HandlerContext, type SandboxState, type SimRecord, type SimService } from "./types.js";

/** Thrown by every simulated call once a crash fault has fired: the "process" is dead. */
export class SimulatedCrash extends Error {
  constructor(message = "simulated crash (sandbox fault)") {
    super(message);
    this.name = "SimulatedCrash";
  }
}

/**
 * Calls that AWS answers only once the resource exists, with no pending state to
 * poll: the sandbox makes the call itself take the typical duration of the
 * operation (the durations table), so simulated time matches the table.
 * Resources with a pending state (VPC, subnet, NAT …) are timed by their states instead.
 */
const CALL_LATENCY: Record<string, OperationName> = {
  "EC2:CreateInternetGateway": "ec2.internet-gateway.create",
  "EC2:AllocateAddress": "ec2.elastic-ip.allocate",
  "EC2:CreateRouteTable": "ec2.route-table.create",
  "EC2:CreateSecurityGroup": "ec2.security-group.create",
  "EC2:CreateNetworkAcl": "ec2.network-acl.create",
  "EC2:CreateFlowLogs": "ec2.flow-log.create",
  "EC2:CreateKeyPair": "ec2.key-pair.create",
  "EC2:ImportKeyPair": "ec2.key-pair.create",
  "CloudWatchLogs:CreateLogGroup": "logs.log-group.create",
  "SecretsManager:CreateSecret": "secretsmanager.secret.create",
  "IAM:CreateRole": "iam.role.create",
  "S3:CreateBucket": "s3.bucket.create",
  "KMS:CreateKey": "kms.key.create",
  "RDS:CreateDBSubnetGroup": "rds.subnet-group.create",
  "RDS:CreateDBParameterGroup": "rds.parameter-group.create",
  "RDS:CreateOptionGroup": "rds.option-group.create",
};

/** Start of simulated time for a fresh sandbox (a fixed date keeps runs reproducible). */
const EPOCH = Date.parse("2026-01-05T09:00:00Z");

/** Default place of the saved sandbox state. */
export function defaultStatePath(): string {
  return process.env.OPSCTL_SANDBOX_STATE ?? join(homedir(), ".opsctl", "sandbox-state.json");
}

/** How to get out of a state file opsctl cannot use (said by every state error). */
const STATE_FIX = "run the command again with --reset-sandbox to start a fresh simulated AWS, or delete the file";

/**
 * A saved sandbox state that cannot be used: unreadable, not JSON, empty or of the wrong shape
 * (exit 2; the file is left as it is), or read-only when a command would change it.
 */
export class SandboxStateError extends OpsError {
  constructor(path: string, problem: string, hint = STATE_FIX) {
    super("sandbox_state", `sandbox state ${path}: ${problem}`, { hint, fault: "user" });
    this.name = "SandboxStateError";
  }
}

/** Parses and checks a saved state; throws {@link SandboxStateError} naming the file. */
export function parseState(path: string, text: string): SandboxState {
  if (text.trim() === "") throw new SandboxStateError(path, "the file is empty");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SandboxStateError(path, `not valid JSON (${(e as Error).message})`);
  }
  const s = raw as Partial<SandboxState> | null;
  const obj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  const problem = !obj(s)
    ? "not a sandbox state (expected a JSON object)"
    : s!.version !== STATE_VERSION
      ? `unknown state version ${JSON.stringify(s!.version)} (expected ${STATE_VERSION})`
      : !Number.isFinite(s!.clockMs)
        ? "clockMs is missing or not a number"
        : typeof s!.accountId !== "string" || !/^\d{12}$/.test(s!.accountId)
          ? "accountId is missing or not a 12-digit account id"
          : !Number.isInteger(s!.seq)
            ? "seq is missing or not an integer"
            : !obj(s!.regions)
              ? "regions is missing or not an object"
              : s!.calls !== undefined && !obj(s!.calls)
                ? "calls is not an object"
                : undefined;
  if (problem) throw new SandboxStateError(path, `wrong shape: ${problem}`);
  return s as SandboxState;
}

/** Reads a state file: undefined when it does not exist; {@link SandboxStateError} when unusable. */
function readState(path: string): SandboxState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e: any) {
    if (e?.code === "ENOENT") return undefined;
    throw new SandboxStateError(path, `cannot be read (${e?.code ?? e?.message})`);
  }
  return parseState(path, text);
}

/** Identity of the file's current content: a rename (every save) gives a new inode and mtime. */
function stampOf(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return undefined;
  }
}

/** True when the file exists and is not writable (no write bit, or access refused). */
function isReadOnly(path: string): boolean {
  try {
    const st = statSync(path);
    // Root passes access(2) on any file: the missing write bits state the operator's intent.
    if ((st.mode & 0o222) === 0) return true;
    accessSync(path, constants.W_OK);
    return false;
  } catch (e: any) {
    return e?.code !== "ENOENT";
  }
}

/** Blocks the thread for `ms` (the sandbox call that waits for the file lock is synchronous). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** How long a waiter tries to get the state file's lock before giving up (real time). */
const LOCK_WAIT_MS = 30_000;
/** A lock file older than this is stale: a call holds the lock for milliseconds. */
const LOCK_STALE_MS = 10_000;

/**
 * The state file shared by every opsctl process that uses it, as one AWS is shared: each
 * simulated call runs under an exclusive lock file (`O_EXCL`, stale after a dead holder or
 * {@link LOCK_STALE_MS}), first reloads the state when another process saved it since, and a
 * write is saved before the lock is let go (temp file + rename, so a reader sees the old or the
 * new state, never half of one). A process killed at any point leaves what AWS would have.
 */
class StateFile {
  /** Identity of the content this process last read or wrote. */
  stamp?: string;
  /** Reads counted since the last save (re-added when another process's state is loaded). */
  unsavedReads = 0;
  /** Inside a locked call (a nested call would deadlock on the lock file). */
  held = false;
  readonly readOnly: boolean;
  private readonly lockPath: string;

  constructor(readonly path: string) {
    this.lockPath = `${path}.lock`;
    this.readOnly = isReadOnly(path);
    this.stamp = stampOf(path);
  }

  /** Takes the lock file; false when it cannot be created at all (read-only folder). */
  lock(): boolean {
    const deadline = Date.now() + LOCK_WAIT_MS;
    mkdirSync(dirname(this.path), { recursive: true });
    for (;;) {
      try {
        const fd = openSync(this.lockPath, "wx");
        writeSync(fd, `${process.pid} ${hostname()}`);
        closeSync(fd);
        return true;
      } catch (e: any) {
        if (e?.code === "EACCES" || e?.code === "EROFS" || e?.code === "EPERM") return false;
        if (e?.code !== "EEXIST") throw new SandboxStateError(this.path, `cannot lock (${e?.code ?? e?.message})`);
      }
      this.removeIfStale();
      if (Date.now() > deadline) throw new SandboxStateError(this.path, `still locked by another process after ${LOCK_WAIT_MS / 1000}s (${this.lockPath})`, `if no opsctl is running, delete ${this.lockPath}`);
      pause(2);
    }
  }

  unlock(): void {
    try {
      unlinkSync(this.lockPath);
    } catch {
      // Already gone (removed as stale by another process): nothing to release.
    }
  }

  private removeIfStale(): void {
    let text: string;
    let age: number;
    try {
      text = readFileSync(this.lockPath, "utf8");
      age = Date.now() - statSync(this.lockPath).mtimeMs;
    } catch {
      return; // released meanwhile
    }
    const [pid, host] = text.split(" ");
    let dead = false;
    if (host === hostname() && Number(pid) > 0) {
      try {
        process.kill(Number(pid), 0);
      } catch (e: any) {
        dead = e?.code === "ESRCH";
      }
    }
    if (!dead && age < LOCK_STALE_MS) return;
    try {
      // Only the lock we judged stale: not one another process took since.
      if (readFileSync(this.lockPath, "utf8") === text) unlinkSync(this.lockPath);
    } catch {
      // released meanwhile
    }
  }

  /** The saved state when another process changed the file since this one read or wrote it. */
  changed(): SandboxState | undefined {
    const now = stampOf(this.path);
    if (now === this.stamp) return undefined;
    const s = readState(this.path);
    this.stamp = now;
    return s;
  }

  write(state: SandboxState): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.path);
    this.stamp = stampOf(this.path);
    this.unsavedReads = 0;
  }
}

/** One simulated call, as recorded in the sandbox's journal. */
export interface CallRecord {
  service: string;
  operation: string;
  region: string;
  write: boolean;
  input: unknown;
  error?: string;
}

/**
 * The simulated AWS: a state store, a simulated clock, the service handlers
 * and the fault switches. Plugged into real SDK v3 clients by {@link attach}.
 */
export class Sandbox {
  readonly clock: SimClock;
  /** The simulated AWS's data (kept as the same object when another process's save is loaded). */
  readonly state: SandboxState;
  faults: Faults;
  /** Set by {@link Sandbox.open}: the state file shared with other processes. */
  private file?: StateFile;
  /** Every call that reached a handler (or was refused by a fault), in order. */
  readonly journal: CallRecord[] = [];
  private services = new Map<string, SimService>();
  private writes = 0;
  private crashed = false;
  private rng: () => number;
  /** How requests and responses are checked against the SDK's models (see model-check.ts). */
  readonly modelCheck: ModelCheckMode;
  /** Every model violation seen so far (modes "record" and "throw"). */
  readonly modelViolations: ModelViolation[] = [];

  constructor(opts: { state?: SandboxState; faults?: Faults; services?: SimService[]; modelCheck?: ModelCheckMode } = {}) {
    this.state = opts.state ?? { version: STATE_VERSION, clockMs: EPOCH, accountId: "123456789012", seq: 0, regions: {} };
    this.clock = new SimClock(this.state.clockMs);
    this.faults = opts.faults ?? {};
    this.rng = mulberry32(this.faults.seed ?? 42);
    this.modelCheck = opts.modelCheck ?? modelCheckModeFromEnv();
    for (const s of opts.services ?? []) this.register(s);
  }

  /**
   * Loads saved state from `path` (a fresh sandbox when the file does not exist) into a sandbox
   * private to this process; {@link save} writes it back. A state that cannot be used is a
   * {@link SandboxStateError}.
   */
  static load(path: string, opts: { faults?: Faults; services?: SimService[]; modelCheck?: ModelCheckMode } = {}): Sandbox {
    return new Sandbox({ ...opts, state: readState(path) });
  }

  /**
   * The sandbox of the CLI: the state file is the simulated AWS, shared with every other process
   * that opens it. Each call runs under the file's lock on the latest saved state and every write
   * is saved at once (see {@link StateFile}). `fresh` ignores the saved state (`--reset-sandbox`)
   * and replaces the file at once with a fresh simulated AWS.
   */
  static open(path: string, opts: { faults?: Faults; services?: SimService[]; fresh?: boolean; modelCheck?: ModelCheckMode } = {}): Sandbox {
    const sandbox = new Sandbox({ ...opts, state: opts.fresh ? undefined : readState(path) });
    sandbox.file = new StateFile(path);
    // The reset replaces the old file at once (it may be corrupt: it is not read).
    if (opts.fresh && !sandbox.file.readOnly) sandbox.locked(() => sandbox.persist());
    return sandbox;
  }

  /** True when the shared state file exists but may not be written (read-only commands still work). */
  get readOnly(): boolean {
    return Boolean(this.file?.readOnly);
  }

  /** Refuses, before any write, to run a command that would change a read-only state file. */
  assertWritable(command: string): void {
    if (this.file?.readOnly) throw new SandboxStateError(this.file.path, `the file is read-only, and \`${command}\` would change the simulated AWS`, "make it writable (chmod u+w), or point OPSCTL_SANDBOX_STATE at a writable copy");
  }

  /**
   * Runs `change` on the latest shared state under the file's lock and saves it if it changed
   * anything (e.g. the hosted zone the sandbox account is seeded with). Plain call for a private sandbox.
   */
  update(change: () => void): void {
    const file = this.file;
    if (!file) return change();
    this.locked(() => {
      const before = JSON.stringify(this.state);
      change();
      if (!file.readOnly && JSON.stringify(this.state) !== before) this.persist();
    });
  }

  /** Runs `fn` holding the state file's lock, on the latest saved state. */
  private locked<T>(fn: () => T): T {
    const file = this.file!;
    const locked = file.lock();
    file.held = true;
    try {
      const saved = file.changed();
      if (saved) this.adopt(saved);
      return fn();
    } finally {
      file.held = false;
      if (locked) file.unlock();
    }
  }

  /** Takes another process's saved state as this one's, keeping this process's unsaved reads and a monotonic clock. */
  private adopt(saved: SandboxState): void {
    const file = this.file!;
    const reads = file.unsavedReads;
    for (const k of Object.keys(this.state)) delete (this.state as unknown as Record<string, unknown>)[k];
    Object.assign(this.state, saved);
    if (reads) (this.state.calls ??= { read: 0, write: 0 }).read += reads;
    // One AWS, one time: simulated time never goes back when another process moved it on.
    if (saved.clockMs > this.clock.now()) this.clock.advance(saved.clockMs - this.clock.now());
  }

  private persist(): void {
    const file = this.file!;
    if (file.readOnly) return;
    this.state.clockMs = this.clock.now();
    file.write(this.state);
  }

  /** A simulated call on the shared state file: locked, on the latest state, a write saved at once. */
  private sharedCall(write: boolean, run: () => any): any {
    const file = this.file!;
    return this.locked(() => {
      if (write) this.assertWritable("this command");
      // After a crash fault the "process" is dead: what it still tries is not AWS's business.
      const dead = this.crashed;
      try {
        return run();
      } finally {
        if (write && !dead) {
          this.persist();
          if (this.faults.killAfterWrites !== undefined && this.writes >= this.faults.killAfterWrites) process.kill(process.pid, "SIGKILL");
        } else if (!write) file.unsavedReads++;
      }
    });
  }

  /** A deep copy of the state as of now (what `save` writes), e.g. to start other sandboxes from it. */
  snapshot(): SandboxState {
    this.state.clockMs = this.clock.now();
    return JSON.parse(JSON.stringify(this.state)) as SandboxState;
  }

  /**
   * Writes the state atomically (temp file + rename). On the shared state file of {@link open}
   * (`path` is that file) it saves the clock and the reads counted since the last write, unless
   * nothing changed or the file is read-only.
   */
  save(path: string): void {
    const file = this.file;
    if (file && file.path === path) {
      if (file.readOnly || this.crashed) return;
      this.locked(() => {
        if (file.unsavedReads > 0 || this.state.clockMs !== this.clock.now() || !file.stamp) this.persist();
      });
      return;
    }
    this.state.clockMs = this.clock.now();
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, path);
  }

  /** Adds a simulated service. */
  register(service: SimService): void {
    this.services.set(service.clientName, service);
  }

  /** True once a crash fault has fired. */
  get hasCrashed(): boolean {
    return this.crashed;
  }

  /** Number of write calls that took effect so far. */
  get writeCount(): number {
    return this.writes;
  }

  /** Resets the fault switches (and the crash) — a "new process". */
  reset(faults: Faults = {}): void {
    this.faults = faults;
    this.crashed = false;
    this.writes = 0;
    this.rng = mulberry32(faults.seed ?? 42);
  }

  /** All records of a collection, for tests and the behaviour checks. */
  records(region: string, service: string, table: string): SimRecord[] {
    return Object.values(this.tableOf(region, service, table));
  }

  /**
   * Runs one simulated call. Faults apply in this order: crash state, throttling
   * (before the call runs), fail-after-N-writes, then the handler, then the crash
   * that follows the N-th write.
   */
  call(clientName: string, operation: string, input: any, region: string): any {
    if (this.file && !this.file.held) return this.sharedCall(!isReadOperation(operation), () => this.call(clientName, operation, input, region));
    const service = this.services.get(clientName);
    const write = !isReadOperation(operation);
    const rec: CallRecord = { service: clientName.replace(/Client$/, ""), operation, region, write, input };
    this.journal.push(rec);
    this.clock.touch();
    const calls = (this.state.calls ??= { read: 0, write: 0 });
    if (write) calls.write++;
    else calls.read++;
    if (this.crashed) throw new SimulatedCrash();
    if (!service) throw new Error(`the opsctl sandbox does not simulate ${clientName} (${operation})`);
    const ctx = this.context(service, region);
    if (this.faults.throttleRate && this.rng() < this.faults.throttleRate) {
      rec.error = service.throttlingCode;
      ctx.fail(service.throttlingCode, "Rate exceeded", service.throttlingCode === "RequestLimitExceeded" ? 503 : 400);
    }
    const planted = this.faults.failCalls?.find((f) => f.service === rec.service && f.operation === operation && (f.inputIncludes === undefined || JSON.stringify(input ?? {}).includes(f.inputIncludes)));
    if (planted) {
      rec.error = planted.code;
      ctx.fail(planted.code, planted.message ?? `${planted.code} (sandbox fault)`, planted.status ?? 400);
    }
    if (write && this.faults.failAfterWrites !== undefined && this.writes >= this.faults.failAfterWrites) {
      rec.error = "InternalError";
      ctx.fail("InternalError", "An internal error has occurred (sandbox fault)", 500);
    }
    const handler = service.handlers[operation];
    if (!handler) {
      rec.error = "UnsupportedOperation";
      ctx.fail("UnsupportedOperation", `The opsctl sandbox does not simulate ${rec.service} ${operation}`, 400);
    }
    if (this.modelCheck !== "off") this.checkInput(clientName, operation, input, rec, ctx);
    let out: any;
    try {
      out = handler(input ?? {}, ctx);
    } catch (e: any) {
      if (e instanceof UnknownFilter) {
        rec.error = "InvalidParameterValue";
        ctx.fail("InvalidParameterValue", e.message);
      }
      rec.error = e?.name ?? "Error";
      throw e;
    }
    if (write) {
      this.writes++;
      if (this.faults.crashAfterWrites !== undefined && this.writes >= this.faults.crashAfterWrites) {
        this.crashed = true;
        throw new SimulatedCrash(`simulated crash after write #${this.writes} (${rec.service} ${operation})`);
      }
    }
    if (this.modelCheck !== "off") {
      const violations = checkResponse(clientName, operation, out ?? {});
      this.modelViolations.push(...violations);
        if (violations.length && this.modelCheck === "throw") {
        rec.error = "SandboxModelCheckError";
        throw new ModelCheckError(violations);
      }
    }
    return out ?? {};
  }

  /**
   * A request AWS's model refuses (missing required member, wrong type, value outside an enum) is
   * answered with the service's validation error, as AWS does. A member the model does not have never
   * reaches AWS (the SDK's serializer drops it): mode "throw" fails on it, so opsctl never relies on it.
   */
  private checkInput(clientName: string, operation: string, input: unknown, rec: CallRecord, ctx: HandlerContext): void {
    const violations = checkRequest(clientName, operation, input ?? {}).filter((v) => !handlerDecides(clientName, v.kind));
    if (!violations.length) return;
    this.modelViolations.push(...violations);
    const refused = violations.find((v) => v.kind !== "unknown");
    if (refused) {
      rec.error = validationCode(clientName, refused.kind);
      ctx.fail(rec.error, refused.message);
    }
    if (this.modelCheck === "throw") {
      rec.error = "SandboxModelCheckError";
      throw new ModelCheckError(violations);
    }
  }

  /** Simulated time the call itself takes (see CALL_LATENCY); 0 for most calls. */
  latencyMs(clientName: string, operation: string): number {
    const op = CALL_LATENCY[`${clientName.replace(/Client$/, "")}:${operation}`];
    return op ? this.durationMs(op) : 0;
  }

  /** Simulated duration of an operation: the typical figure, or a seeded draw around it (fault `durationJitter`). */
  durationMs(op: OperationName): number {
    const j = this.faults.durationJitter;
    if (!j) return typicalMs(op);
    let h = j.seed >>> 0;
    for (const ch of op) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    const rnd = mulberry32(h);
    // Box-Muller: a standard normal from two uniforms in (0, 1].
    const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    return Math.round(typicalMs(op) * Math.exp(j.sigma * z));
  }

  private tableOf(region: string, service: string, name: string): Record<string, SimRecord> {
    const r = (this.state.regions[region] ??= {});
    const s = (r[service] ??= {});
    return (s[name] ??= {});
  }

  private context(service: SimService, region: string): HandlerContext {
    const clock = this.clock;
    const faults = this.faults;
    return {
      region,
      accountId: this.state.accountId,
      clock,
      now: () => clock.now(),
      table: (name) => this.tableOf(region, service.key, name),
      tableOf: (svc, name, r) => this.tableOf(r ?? region, svc, name),
      newId: (prefix, hexDigits = 17) => {
        this.state.seq++;
        const hex = (BigInt(this.state.seq) * 0x9e3779b97f4a7c15n).toString(16).padStart(hexDigits, "0").slice(-hexDigits);
        return prefix ? `${prefix}-${hex}` : hex;
      },
      fail: (name, message, httpStatusCode = 400) => {
        const Exception = service.exception;
        throw new Exception({
          name,
          message,
          $fault: httpStatusCode >= 500 ? "server" : "client",
          $metadata: { httpStatusCode, requestId: `sandbox-${this.state.seq}` },
        });
      },
      duration: (op: OperationName) => this.durationMs(op),
      born: (rec) => {
        rec._createdAt = clock.now();
        rec._visibleAt = clock.now() + (faults.notFoundLagMs ?? 0);
        return rec;
      },
      visible: (rec) => (rec._visibleAt ?? 0) <= clock.now(),
    };
  }
}

/** Small seeded PRNG (mulberry32) so fault runs are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

