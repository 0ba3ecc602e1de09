import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { GetParameterCommand, PutParameterCommand, DeleteParameterCommand } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { AwsClients } from "../aws/clients.js";
import { OpsError } from "../engine/errors.js";
import type { Session } from "./session.js";

/**
 * The lease two operators (or a CI job and a person) take before changing one environment: an SSM
 * parameter `/opsctl/<env>/lock` created with `PutParameter` `Overwrite: false`, which AWS answers
 * with `ParameterAlreadyExists` when it is there (SSM API reference, PutParameter), so only one
 * writer can create it. Its value says who holds it and until when; the holder renews it while it
 * runs and deletes it at the end. Every time comes from the session's clock (simulated in the sandbox).
 */

/** A lease not renewed for this long is expired and may be taken over. */
export const LEASE_TTL_MS = 15 * 60_000;
/** The holder renews its lease once this much of it has passed. */
export const LEASE_RENEW_MS = 5 * 60_000;

/** The lease parameter of an environment. */
export function leaseName(env: string): string {
  return `/opsctl/${env}/lock`;
}

/** What the lease parameter holds (JSON). */
export interface LeaseRecord {
  /** Random id of the run that holds it (a renewal or a release checks it is still this run's). */
  id: string;
  /** STS caller ARN of the holder. */
  who: string;
  host: string;
  pid: number;
  command: string;
  startedAt: string;
  expiresAt: string;
}

/** Another run holds the lease: exit 2, naming the holder and since when. */
export class LeaseHeld extends OpsError {
  constructor(
    env: string,
    readonly holder: LeaseRecord,
  ) {
    super("locked", `environment ${env} is locked by ${describeHolder(holder)} since ${holder.startedAt} (lease expires ${holder.expiresAt})`, {
      fault: "user",
      hint: "wait for that run to finish; if it is dead, its lease expires by itself, or run the command again with --force-unlock",
    });
    this.name = "LeaseHeld";
  }
}

/** "arn … on host (opsctl up, pid 123)". */
export function describeHolder(h: LeaseRecord): string {
  return `${h.who} on ${h.host} (opsctl ${h.command}, pid ${h.pid})`;
}

/** Hooks of a {@link Lease}: warnings and the confirmation `--force-unlock` asks for. */
export interface LeaseOptions {
  command: string;
  warn(text: string): void;
  /** `--force-unlock`: asked with the holder; true removes its lease. */
  forceUnlock?: (holder: LeaseRecord) => Promise<boolean>;
}

/**
 * The lease of one run. {@link check} reads it (no write) so a held environment is refused before
 * anything starts; {@link ensure} takes it before the run's first write (a run that writes nothing
 * takes no lease) and renews it later; {@link release} deletes it.
 */
export class Lease {
  private readonly aws: AwsClients;
  private readonly name: string;
  private readonly id = randomUUID();
  private taking?: Promise<void>;
  private renewing?: Promise<void>;
  private held?: LeaseRecord;
  private renewedAt = 0;
  /** Set when the lease could not be taken: the run must stop and report it. */
  error?: unknown;

  constructor(
    private readonly session: Pick<Session, "aws" | "clock" | "config">,
    private readonly opts: LeaseOptions,
  ) {
    // Lease calls go through clients of their own: they are not counted as the run's calls, and
    // are not themselves held back by the "lease before the first write" hook.
    this.aws = new AwsClients({ ...session.aws.access, beforeWrite: undefined });
    this.name = leaseName(session.config.env);
  }

  /** True once this run holds the lease. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** Reads the lease: refuses a live one of another run, offers `--force-unlock`, warns on an expired one. */
  async check(): Promise<void> {
    const current = await this.read();
    if (!current) return;
    if (this.opts.forceUnlock) {
      if (!(await this.opts.forceUnlock(current))) throw new LeaseHeld(this.session.config.env, current);
      await this.delete();
      this.opts.warn(`removed the lease of ${describeHolder(current)} (held since ${current.startedAt})`);
      return;
    }
    if (!this.expired(current)) throw new LeaseHeld(this.session.config.env, current);
  }

  /** Before a write: takes the lease the first time (once for concurrent writers), renews it when due. */
  ensure(): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    this.taking ??= this.take().catch((e) => {
      this.error = e;
      throw e;
    });
    if (this.held) this.renewIfDue();
    return this.taking;
  }

  /** Renews the lease when {@link LEASE_RENEW_MS} has passed since it was last written (in the background). */
  renewIfDue(): void {
    if (!this.held || this.renewing || this.session.clock.now() - this.renewedAt < LEASE_RENEW_MS) return;
    this.renewing = this.renew()
      .catch((e) => this.opts.warn(`could not renew the lease ${this.name}: ${(e as Error).message}`))
      .finally(() => (this.renewing = undefined));
  }

  /** Deletes the lease if this run holds it (at the end of the run, Ctrl-C included). */
  async release(): Promise<void> {
    await this.taking?.catch(() => undefined);
    await this.renewing;
    try {
      if (!this.held) return;
      const current = await this.read();
      if (current?.id === this.id) await this.delete();
      this.held = undefined;
    } finally {
      await this.aws.destroy();
    }
  }

  /** Closes the lease's clients without releasing (the lease was never taken, or is left to expire). */
  async close(): Promise<void> {
    await this.aws.destroy();
  }

  private async take(): Promise<void> {
    const who = await this.caller();
    for (let attempt = 0; attempt < 3; attempt++) {
      const rec = this.record(who);
      try {
        await this.put(rec, false);
        this.held = rec;
        this.renewedAt = this.session.clock.now();
        return;
      } catch (e) {
        if ((e as { name?: string }).name !== "ParameterAlreadyExists") throw e;
      }
      const current = await this.read();
      if (!current) continue; // released between the two calls: try again
      if (!this.expired(current)) throw new LeaseHeld(this.session.config.env, current);
      this.opts.warn(`taking over the expired lease of ${describeHolder(current)} (held since ${current.startedAt}, expired ${current.expiresAt}): that run has stopped`);
      // SSM has no conditional delete: read again right before, so a lease renewed meanwhile is kept.
      const again = await this.read();
      if (again && again.id !== current.id) throw new LeaseHeld(this.session.config.env, again);
      if (again) await this.delete();
    }
    throw new OpsError("lock_contended", `could not take the lease ${this.name}: other runs keep taking it`, { hint: "try again in a minute" });
  }

  private async renew(): Promise<void> {
    const current = await this.read();
    if (current?.id !== this.id) {
      this.opts.warn(`the lease ${this.name} is no longer this run's${current ? ` (now ${describeHolder(current)})` : " (it was removed)"}`);
      return;
    }
    const rec = { ...current, expiresAt: new Date(this.session.clock.now() + LEASE_TTL_MS).toISOString() };
    await this.put(rec, true);
    this.held = rec;
    this.renewedAt = this.session.clock.now();
  }

  private record(who: string): LeaseRecord {
    const now = this.session.clock.now();
    return { id: this.id, who, host: hostname(), pid: process.pid, command: this.opts.command, startedAt: new Date(now).toISOString(), expiresAt: new Date(now + LEASE_TTL_MS).toISOString() };
  }

  private expired(rec: LeaseRecord): boolean {
    if (rec.id === "unknown") return false;
    const at = Date.parse(rec.expiresAt);
    return !Number.isFinite(at) || at <= this.session.clock.now();
  }

  private async caller(): Promise<string> {
    const sts = await this.aws.get("sts");
    const me = await sts.send(new GetCallerIdentityCommand({}));
    return me.Arn ?? "unknown caller";
  }

  private async read(): Promise<LeaseRecord | undefined> {
    const ssm = await this.aws.get("ssm");
    try {
      const out = await ssm.send(new GetParameterCommand({ Name: this.name }));
      return parseRecord(out.Parameter?.Value);
    } catch (e) {
      if ((e as { name?: string }).name === "ParameterNotFound") return undefined;
      throw e;
    }
  }

  private async put(rec: LeaseRecord, overwrite: boolean): Promise<void> {
    const ssm = await this.aws.get("ssm");
    await ssm.send(
      new PutParameterCommand({
        Name: this.name,
        Type: "String",
        Value: JSON.stringify(rec),
        Overwrite: overwrite,
        Description: "opsctl lease: one run at a time changes this environment (deleted at the end of the run)",
      }),
    );
  }

  private async delete(): Promise<void> {
    const ssm = await this.aws.get("ssm");
    try {
      await ssm.send(new DeleteParameterCommand({ Name: this.name }));
    } catch (e) {
      if ((e as { name?: string }).name !== "ParameterNotFound") throw e;
    }
  }
}

/** A lease value written by another tool or by hand still names something: it is treated as held until its expiry. */
function parseRecord(value: string | undefined): LeaseRecord {
  try {
    const r = JSON.parse(value ?? "") as Partial<LeaseRecord>;
    if (typeof r.id === "string" && typeof r.startedAt === "string" && typeof r.expiresAt === "string") {
      return { id: r.id, who: String(r.who ?? "unknown"), host: String(r.host ?? "unknown host"), pid: Number(r.pid ?? 0), command: String(r.command ?? "?"), startedAt: r.startedAt, expiresAt: r.expiresAt };
    }
  } catch {
    // not JSON: below
  }
  return { id: "unknown", who: "unknown", host: "unknown host", pid: 0, command: "?", startedAt: "an unknown time", expiresAt: "never (not an opsctl lease: remove it with --force-unlock)" };
}
