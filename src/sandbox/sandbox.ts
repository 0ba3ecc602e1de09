import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { homedir } from "node:os";
import { SimClock } from "../engine/clock.js";
import { typicalMs, type OperationName } from "../aws/durations.js";
import { isReadOperation } from "../aws/call-counter.js";
import { UnknownFilter } from "./filters.js";
import { checkRequest, checkResponse, handlerDecides, ModelCheckError, modelCheckModeFromEnv, validationCode, type ModelCheckMode, type ModelViolation } from "./model-check.js";
import type { Faults, HandlerContext, SandboxState, SimRecord, SimService } from "./types.js";

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
  readonly state: SandboxState;
  faults: Faults;
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
    this.state = opts.state ?? { version: 1, clockMs: EPOCH, accountId: "123456789012", seq: 0, regions: {} };
    this.clock = new SimClock(this.state.clockMs);
    this.faults = opts.faults ?? {};
    this.rng = mulberry32(this.faults.seed ?? 42);
    this.modelCheck = opts.modelCheck ?? modelCheckModeFromEnv();
    for (const s of opts.services ?? []) this.register(s);
  }

  /** Loads saved state from `path` (a fresh sandbox when the file does not exist). */
  static load(path: string, opts: { faults?: Faults; services?: SimService[]; modelCheck?: ModelCheckMode } = {}): Sandbox {
    let state: SandboxState | undefined;
    try {
      state = JSON.parse(readFileSync(path, "utf8")) as SandboxState;
    } catch (e: any) {
      if (e?.code !== "ENOENT") throw new Error(`cannot read sandbox state ${path}: ${e.message}`);
    }
    return new Sandbox({ ...opts, state });
  }

  /** A deep copy of the state as of now (what `save` writes), e.g. to start other sandboxes from it. */
  snapshot(): SandboxState {
    this.state.clockMs = this.clock.now();
    return JSON.parse(JSON.stringify(this.state)) as SandboxState;
  }

  /** Writes the state atomically (temp file + rename). */
  save(path: string): void {
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

