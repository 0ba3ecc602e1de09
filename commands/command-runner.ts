import type { Command } from "commander";
import { z } from "zod";
import { InputError } from "../src/engine/errors.js";
import type { GlobalOptions, Session } from "../src/operations/session.js";
import type { Progress } from "../src/output/progress.js";

const globalSchema = z.object({
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
});

/** Parses the global flags through zod, so a bad flag becomes a field-level message. */
export function globalOptions(cmd: Command): GlobalOptions {
  const raw = cmd.optsWithGlobals();
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

/**
 * Opens a session, runs `fn` with a progress renderer, and always saves the
 * sandbox state and closes the clients. Returns the exit code `fn` chose.
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
  for (const w of session.warnings) process.stderr.write(`WARNING: ${w.field}: ${w.message}\n`);
  if (session.sandbox) process.stderr.write(`sandbox: simulated AWS (state ${process.env.OPSCTL_SANDBOX_STATE ?? "~/.opsctl/sandbox-state.json"}); times are simulated\n`);
  if (before) {
    const early = await before(session).catch(async (e) => {
      await session.close();
      throw e;
    });
    if (early !== undefined) {
      await session.close();
      return early;
    }
  }
  const progress = await createProgress({ interactive: interactive(), stream: process.stderr, clock: session.clock, simulated: Boolean(session.sandbox) });
  try {
    return await fn(session, progress, opts);
  } finally {
    progress.stop();
    session.save();
    await session.close();
  }
}

/** Writes a JSON document on stdout. */
export function printJson(doc: unknown): void {
  process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
}
