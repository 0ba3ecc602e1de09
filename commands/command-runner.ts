import type { Command } from "commander";
import type { z as Zod } from "zod";
import { InputError } from "../src/engine/errors.js";
import type { GlobalOptions, Session } from "../src/operations/session.js";
import type { Progress } from "../src/output/progress.js";
import { print } from "../src/output/print.js";
function makeGlobalSchema(z: typeof Zod) {
  return z.object({
    env: z.string().optional(),
    region: z.string().optional(),
    profile: z.string().optional(),
    endpointUrl: z.url({ message: "must be a URL like http://localhost:4566" }).optional(),
    config: z.string().optional(),
    json: z.boolean().optional(),
    yes: z.boolean().optional(),
    sandbox: z.boolean().optional(),
    debug: z.boolean().optional(),
    concurrency: z.coerce.number().int().min(1).max(64).optional(),
    resetSandbox: z.boolean().optional(),
    forceUnlock: z.boolean().optional(),
  });
}

let zod: typeof Zod | undefined;
let globalSchema: ReturnType<typeof makeGlobalSchema> | undefined;

/**
 * Loads zod for the flag schemas, before any command's action (a commander preAction hook):
 * `--help`, `--version` and usage errors never load its hundred files, which keeps the start fast.
 */
export async function loadFlagSchemas(): Promise<void> {
  zod ??= (await import("zod")).z;
  globalSchema ??= makeGlobalSchema(zod);
}

/** zod, once {@link loadFlagSchemas} ran (every action runs after it). */
export function flagSchemas(): typeof Zod {
  if (!zod) throw new Error("internal: flag schemas used before loadFlagSchemas()");
  return zod;
}

/** Parses the global flags through zod, so a bad flag becomes a field-level message. */
export function globalOptions(cmd: Command): GlobalOptions {
  const raw = cmd.optsWithGlobals();
  if (!globalSchema) throw new Error("internal: flag schemas used before loadFlagSchemas()");
  const r = globalSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError(`--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, i.message);
  }
  return { ...r.data, endpointUrl: r.data.endpointUrl ?? process.env.AWS_ENDPOINT_URL };
}

/** True when progress should use spinners: stderr is a TTY and CI is not set. */
export function interactive(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.CI;
}

/** Commands that change the environment: they take its lease and stop cleanly on Ctrl-C. */
const WRITERS = new Set(["up", "down", "pause", "restore", "rotate-keys"]);

/** True when `cmd` would change the environment (`rotate-keys --dry-run` only reads). */
export function isWriter(cmd: Command): boolean {
  return WRITERS.has(cmd.name()) && !(cmd.name() === "rotate-keys" && cmd.opts().dryRun);
}

/** The command line that resumes an interrupted run (the same command again). */
export function resumeCommand(argv = process.argv.slice(2)): string {
  return ["opsctl", ...argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`))].join(" ");
}

/**
 * Opens a session, runs `fn` with a progress renderer, and always saves the
 * sandbox state and closes the clients. Returns the exit code `fn` chose.
 *
 * For a command that changes the environment ({@link isWriter}): a read-only sandbox state is
 * refused first; the environment's lease (src/operations/lock.ts) is checked before anything runs,
 * taken before the first write, renewed as the run goes and released at the end; Ctrl-C stops
 * starting new nodes, lets running ones finish, prints what was done, what is left and the
 * command that resumes, and exits 130 (a second Ctrl-C quits at once; the lease then expires).
 */
export async function withSession(
  cmd: Command,
  fn: (s: Session, progress: Progress, opts: GlobalOptions) => Promise<number>,
  before?: (s: Session) => Promise<number | undefined>,
): Promise<number> {
  const opts = globalOptions(cmd);
  const { openSession } = await import("../src/operations/session.js");
  const { createProgress } = await import("../src/output/progress.js");
  const session = await openSession(opts);
  for (const w of session.warnings) print({ type: "warning", field: w.field, text: w.message });
  if (session.sandbox) print({ type: "notice", text: `sandbox: simulated AWS (state ${process.env.OPSCTL_SANDBOX_STATE ?? "~/.opsctl/sandbox-state.json"}); times are simulated` });
  const writer = isWriter(cmd);
  const controller = new AbortController();
  let lease: import("../src/operations/lock.js").Lease | undefined;
  const onSigint = () => {
    if (controller.signal.aborted) {
      print({ type: "notice", text: `interrupted again: quitting now${lease?.holding ? `; the lease on ${session.config.env} expires by itself` : ""}. Resume with: ${resumeCommand()}` });
      process.exit(130);
    }
    controller.abort();
    print({ type: "notice", text: "interrupted (Ctrl-C): starting nothing new, letting running calls finish (Ctrl-C again quits at once)" });
  };
  const early = async (): Promise<number | undefined> => {
    if (writer) {
      session.sandbox?.assertWritable(cmd.name());
      const { Lease } = await import("../src/operations/lock.js");
      lease = new Lease(session, { command: cmd.name(), warn: (text) => print({ type: "warning", text }), forceUnlock: opts.forceUnlock ? (h) => confirmUnlock(session.config.env, h, opts) : undefined });
      const l = lease;
      await l.check();
      session.aws.access.beforeWrite = () =>
        l.ensure().catch((e) => {
          controller.abort();
          throw e;
        });
      session.signal = controller.signal;
    }
    return before ? await before(session) : undefined;
  };
  const code = await early().catch(async (e) => {
    await lease?.close();
    await session.close();
    throw e;
  });
  if (code !== undefined) {
    await lease?.close();
    await session.close();
    return code;
  }
  // After any confirmation prompt, which handles Ctrl-C itself.
  if (writer) process.on("SIGINT", onSigint);
  const progress = await createProgress({ interactive: interactive(), clock: session.clock, simulated: Boolean(session.sandbox) });
  const tally = { done: 0, changed: 0, left: [] as string[] };
  const tracked: Progress = {
    emit: (e) => {
      if (e.type === "node-done") {
        tally.done++;
        if (e.action !== "noop") tally.changed++;
      } else if (e.type === "node-skipped") tally.left.push(e.node);
      lease?.renewIfDue();
      progress.emit(e);
    },
    stop: () => progress.stop(),
  };
  try {
    const result = await fn(session, tracked, opts).catch((e) => {
      throw lease?.error ?? e;
    });
    if (lease?.error) throw lease.error;
    if (!controller.signal.aborted) return result;
    progress.stop();
    const left = tally.left.length ? ` — ${tally.left.slice(0, 8).join(", ")}${tally.left.length > 8 ? ", …" : ""}` : "";
    print({ type: "notice", text: `interrupted: ${tally.done} nodes done (${tally.changed} changed), ${tally.left.length} not started${left}\nresume with: ${resumeCommand()}` });
    return 130;
  } finally {
    progress.stop();
    process.off("SIGINT", onSigint);
    session.save();
    await lease?.release().catch((e) => print({ type: "warning", text: `could not release the lease on ${session.config.env} (${(e as Error).message}); it expires by itself` }));
    await session.close();
  }
}

/** `--force-unlock`: asks before removing another run's lease (`--yes` does not ask; no terminal: refused). */
async function confirmUnlock(env: string, holder: import("../src/operations/lock.js").LeaseRecord, opts: GlobalOptions): Promise<boolean> {
  const { describeHolder } = await import("../src/operations/lock.js");
  const what = `the lease on ${env} held by ${describeHolder(holder)} since ${holder.startedAt}`;
  if (opts.yes) return true;
  if (!interactive() || !process.stdin.isTTY) throw new InputError("--force-unlock", `removing ${what} needs confirmation`, "run it on a terminal to confirm, or add --yes");
  const { confirm } = await import("@inquirer/prompts");
  return confirm({ message: `Remove ${what}? If that run is still going, both runs will change the environment at once.`, default: false }, { output: process.stderr });
}

/** Writes a JSON document on stdout (rendered by src/output). */
export { printJson } from "../src/output/print.js";
