import { Command } from "commander";
import { InputError, OpsError } from "../src/engine/errors.js";
import { flagSchemas, globalOptions, printJson, withSession } from "./command-runner.js";

/** The signing-key purposes `--only` accepts (SPEC.md "Signing-key secrets"; the API package's PURPOSES). */
const KEY_NAMES = ["active_session", "verify_email_session", "password_reset_session"] as const;

const UNIT_MS = { d: 86_400_000, h: 3600_000, m: 60_000 } as const;

/** The flags' schema (zod is loaded before any action runs: see loadFlagSchemas). */
function flagsSchema() {
  const z = flagSchemas();
  /** `--if-older-than`: a whole number of days, hours or minutes (`30d`, `12h`, `90m`). */
  const duration = z
    .string()
    .regex(/^[1-9]\d{0,5}[dhm]$/, "must be a duration like 30d, 12h or 90m (a whole number followed by d, h or m)")
    .transform((s) => Number(s.slice(0, -1)) * UNIT_MS[s.slice(-1) as keyof typeof UNIT_MS]);
  return z.object({
    // The tool prints key names both ways (secret names use "_", node ids "-"): both are accepted.
    only: z.preprocess((v) => (typeof v === "string" ? v.replace(/-/g, "_") : v), z.enum(KEY_NAMES, { error: (i) => `unknown key name ${JSON.stringify(i.input)}: use one of ${KEY_NAMES.join(", ")}` })).optional(),
    ifOlderThan: duration.optional(),
    dryRun: z.boolean().optional(),
    force: z.boolean().optional(),
  });
}

/** Validated flags of rotate-keys; bad input is an {@link InputError} naming the flag (exit 2, before any AWS call). */
export function rotateKeysFlags(raw: Record<string, unknown>): { only?: (typeof KEY_NAMES)[number]; maxAgeMs?: number; dryRun: boolean; force: boolean } {
  const r = flagsSchema().safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError(`--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, i.message);
  }
  return { only: r.data.only, maxAgeMs: r.data.ifOlderThan, dryRun: r.data.dryRun ?? false, force: r.data.force ?? false };
}

/** `opsctl rotate-keys`: SM-04 rotation of the three signing keys, as a plan run by the same executor as `up`. */
export function rotateKeysCommand(): Command {
  return new Command("rotate-keys")
    .description("rotate the API's signing keys (new AWSCURRENT; the old key stays verifiable as AWSPREVIOUS); refuses a rotation inside a token lifetime unless --force")
    .option("--only <name>", `rotate one key: ${KEY_NAMES.join(", ")}`)
    .option("--if-older-than <duration>", "rotate only keys older than this (30d, 12h, 90m); a no-op when none is due")
    .option("--dry-run", "show what would rotate; writes nothing")
    .option("--force", "rotate even inside the grace window (cuts tokens signed by the previous key)")
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const flags = rotateKeysFlags(o);
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { runRotateKeys, rotateKeysDocument } = await import("../src/operations/rotate-keys.js");
        const run = await runRotateKeys(session, { ...flags, emit: progress.emit, concurrency: globalOptions(cmd).concurrency });
        progress.stop();
        const failed = run.report.outcomes.find((x) => x.status === "failed");
        const userFault = failed?.error instanceof OpsError && failed.error.fault === "user" ? failed.error : undefined;
        if (globalOptions(cmd).json) {
          printJson(rotateKeysDocument(run));
          return run.report.ok ? 0 : userFault ? 2 : 1;
        }
        if (userFault) throw userFault;
        const { rotationText } = await import("../src/output/result-views.js");
        progress.emit({ type: "result", text: rotationText(run, flags.dryRun, Boolean(session.sandbox)) });
        return run.report.ok ? 0 : 1;
      });
    });
}
