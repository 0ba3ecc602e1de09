import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { InputError, OpsError } from "../engine/errors.js";
import type { Session } from "./session.js";

/*
 * BAS-03 "The bastion reaches RDS": `opsctl tunnel` forwards a local port through the bastion to the
 * environment's MySQL endpoint with the operator's own ssh (no shell, stdio inherited). Only the
 * database: Redis admits the ECS tasks alone (SG-04, RED-01), so there is nothing to tunnel to.
 * Everything it reads is read-only: the bastion (EC2), the DB instance (RDS) and the bastion's private
 * key (Secrets Manager, BAS-02). The key lives in a fresh private temp folder for as long as ssh runs.
 */

/** The login user of the Amazon Linux AMI the bastion runs (BAS-01). */
export const SSH_USER = "ec2-user";
/** MySQL's port: the default local end of the tunnel. */
export const DEFAULT_LOCAL_PORT = 3306;
/** Stands for the key file in a printed command (`opsctl ssh-key --out FILE` writes one). */
export const KEY_PLACEHOLDER = "<key-file>";

/** What the tunnel goes through and to. */
export interface TunnelTarget {
  env: string;
  bastion: { instanceId: string; publicIp: string; state: string };
  database: { identifier: string; host: string; port: number; status: string };
}

const localPortSchema = z
  .string()
  .regex(/^\d+$/, { message: "is not a port number" })
  .transform(Number)
  .pipe(z.number().int().min(1, { message: "is not a port number" }).max(65535, { message: "is not a port number" }));

/**
 * `--local-port`: an integer 1..65535 (default 3306).
 * @throws InputError naming --local-port (exit 2), before any AWS call
 */
export function parseLocalPort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LOCAL_PORT;
  const r = localPortSchema.safeParse(raw.trim());
  if (!r.success) throw new InputError("--local-port", `"${raw}" ${r.error.issues[0].message}`, "use an integer from 1 to 65535, e.g. --local-port 13306");
  return r.data;
}

/** The program to run: `OPSCTL_SSH`, else `ssh` from PATH. */
export function sshProgram(env: NodeJS.ProcessEnv = process.env): string {
  return env.OPSCTL_SSH || "ssh";
}

/** Where ssh keeps the bastion's host key (StrictHostKeyChecking=accept-new pins it on first use). */
export function knownHostsPath(home = homedir()): string {
  return join(home, ".opsctl", "known_hosts");
}

/** Makes the folder of {@link knownHostsPath} (0700) so ssh can record the bastion's host key there. */
export function ensureKnownHostsDir(knownHosts: string): void {
  mkdirSync(dirname(knownHosts), { recursive: true, mode: 0o700 });
}

/** The ssh command line of the tunnel (no shell): `-N -L 127.0.0.1:<local>:<db-host>:<db-port>` through the bastion. */
export function tunnelArgv(opts: { ssh: string; keyFile: string; localPort: number; target: TunnelTarget; knownHosts: string }): string[] {
  const { database: db, bastion } = opts.target;
  return [
    opts.ssh,
    "-i",
    opts.keyFile,
    "-N",
    "-L",
    `127.0.0.1:${opts.localPort}:${db.host}:${db.port}`,
    "-o",
    "ExitOnForwardFailure=yes",
    "-o",
    "StrictHostKeyChecking=accept-new",
    "-o",
    `UserKnownHostsFile=${opts.knownHosts}`,
    "-o",
    "ServerAliveInterval=30",
    `${SSH_USER}@${bastion.publicIp}`,
  ];
}

/** The one line opsctl prints (stderr) while the tunnel is open. */
export function tunnelBanner(localPort: number, target: TunnelTarget): string {
  return `tunnel: 127.0.0.1:${localPort} -> ${target.database.host}:${target.database.port} through ${SSH_USER}@${target.bastion.publicIp} (Ctrl-C to close)`;
}

/** POSIX shell quoting for a printed command; the key placeholder stays as is. */
export function shellLine(argv: string[]): string {
  return argv.map((a) => (a === KEY_PLACEHOLDER || /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ");
}

/** What `--print` writes on stdout: the command with {@link KEY_PLACEHOLDER}, then how to get the key. */
export function printedCommand(argv: string[]): string {
  return `${shellLine(argv)}\n# ${KEY_PLACEHOLDER}: the bastion's private key; \`opsctl ssh-key --out FILE\` writes it (mode 0600)\n`;
}

const upFirst = "run `opsctl up` first";
const restoreFirst = "run `opsctl restore` first";

/**
 * Finds, read-only, the bastion (tags `opsctl:env` = env, `opsctl:node` = instance:bastion) and the DB
 * instance `<env>-main`, and checks both can carry a tunnel now.
 * @throws InputError (exit 2): never brought up (`opsctl up`), paused (`opsctl restore`), not available yet
 */
export async function resolveTunnelTarget(session: Session): Promise<TunnelTarget> {
  const env = session.config.env;
  const { DescribeInstancesCommand } = await import("@aws-sdk/client-ec2");
  const { DescribeDBInstancesCommand } = await import("@aws-sdk/client-rds");
  const { isNotFound } = await import("../aws/errors.js");
  const { TAG_ENV, TAG_NODE } = await import("../resources/context.js");

  const identifier = `${env}-main`.toLowerCase();
  // Both reads at once: the bastion (by its tags) and the database (by its identifier).
  const [instances, db] = await Promise.all([
    (async () => {
      const ec2 = await session.aws.get("ec2");
      const r = await ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: `tag:${TAG_ENV}`, Values: [env] },
            { Name: `tag:${TAG_NODE}`, Values: ["instance:bastion"] },
            { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
          ],
        }),
      );
      return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []);
    })(),
    (async () => {
      const rds = await session.aws.get("rds");
      try {
        return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances?.[0];
      } catch (e) {
        if (!isNotFound(e)) throw e;
        return undefined;
      }
    })(),
  ]);
  const instance = instances.find((i) => i.State?.Name === "running") ?? instances[0];

  if (!instance && !db) throw new InputError("env", `environment ${env} has no bastion and no database in ${session.config.region}`, upFirst);
  if (!instance) throw new InputError("env", `environment ${env} has no bastion (instance:bastion) in ${session.config.region}`, upFirst);
  if (!db) throw new InputError("env", `environment ${env} has no database ${identifier} in ${session.config.region}`, upFirst);

  const state = instance.State?.Name ?? "unknown";
  const status = db.DBInstanceStatus ?? "unknown";
  const paused = [state === "stopped" || state === "stopping" ? `the bastion ${instance.InstanceId} is ${state}` : "", status === "stopped" || status === "stopping" ? `the database ${identifier} is ${status}` : ""].filter(Boolean);
  if (paused.length) throw new InputError("env", `environment ${env} is paused: ${paused.join(" and ")}`, restoreFirst);
  if (state !== "running") throw new InputError("env", `the bastion ${instance.InstanceId} of environment ${env} is ${state}, not running yet`, "wait a minute and try again (`opsctl status` shows it)");
  if (status !== "available" || !db.Endpoint?.Address) {
    throw new InputError("env", `the database ${identifier} of environment ${env} is ${status}, not available yet`, "wait until it is available and try again (`opsctl status` shows it)");
  }
  if (!instance.PublicIpAddress) throw new OpsError("bastion_no_public_ip", `the bastion ${instance.InstanceId} of environment ${env} has no public IP (BAS-01)`, { hint: "run `opsctl up` to repair it", fault: "aws" });

  return {
    env,
    bastion: { instanceId: instance.InstanceId!, publicIp: instance.PublicIpAddress, state },
    database: { identifier, host: db.Endpoint.Address, port: db.Endpoint.Port ?? 3306, status },
  };
}

/** A fresh private folder (0700) holding the key (0600). `remove` is idempotent. */
export function writeKeyDir(privateKey: string, base = tmpdir()): { dir: string; keyFile: string; remove(): void } {
  const dir = mkdtempSync(join(base, "opsctl-tunnel-"));
  chmodSync(dir, 0o700);
  const keyFile = join(dir, "bastion-key");
  writeFileSync(keyFile, privateKey, { mode: 0o600, flag: "wx" });
  return { dir, keyFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * Runs ssh with the terminal (stdio inherited; `onStart` once it runs) until it exits, and returns its exit code (128 + the
 * signal when a signal ended it). SIGINT/SIGTERM/SIGHUP sent to opsctl go on to ssh instead of killing
 * opsctl, so `cleanup` always runs after ssh is gone (and once more at process exit, as a last resort).
 * @throws OpsError `ssh_not_found` when the program cannot be started
 */
export async function runSsh(argv: string[], cleanup: () => void, onStart?: () => void): Promise<number> {
  const atExit = () => cleanup();
  process.on("exit", atExit);
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  let child: ReturnType<typeof spawn> | undefined;
  const forward = (sig: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const s of signals) process.on(s, forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      let settled = false;
      child = spawn(argv[0], argv.slice(1), { stdio: "inherit" });
      child.on("spawn", () => onStart?.());
      child.on("error", (e: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        if (e.code === "ENOENT" || e.code === "EACCES") {
          const hint = process.env.OPSCTL_SSH
            ? "point OPSCTL_SSH at an ssh client, or unset it to use ssh from PATH"
            : "install an OpenSSH client (e.g. apt-get install openssh-client), or set OPSCTL_SSH=/path/to/ssh; `opsctl tunnel --print` prints the command";
          reject(new OpsError("ssh_not_found", `cannot run ${argv[0]}: ${e.code === "ENOENT" ? "not found (not installed or not on PATH)" : "permission denied"}`, { hint, fault: "tool" }));
        } else reject(e);
      });
      child.on("close", (code, signal) => {
        if (settled) return;
        settled = true;
        resolve(code ?? 128 + (SIGNAL_NUMBERS[signal ?? ""] ?? 1));
      });
    });
  } finally {
    for (const s of signals) process.off(s, forward);
    cleanup();
    process.off("exit", atExit);
  }
}
