import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Command, CommanderError } from "commander";
import { VERSION } from "./version.js";
import { OpsError } from "./engine/errors.js";
import { initCommand } from "../commands/init.js";
import { planCommand } from "../commands/plan.js";
import { upCommand } from "../commands/up.js";
import { statusCommand } from "../commands/status.js";
import { downCommand } from "../commands/down.js";
import { configCommand } from "../commands/config.js";
import { sshKeyCommand } from "../commands/ssh-key.js";
import { rotateKeysCommand } from "../commands/rotate-keys.js";
import { imageCommand } from "../commands/image.js";
import { deployWebCommand } from "../commands/deploy-web.js";
import { devCredentialsCommand } from "../commands/dev-credentials.js";
import { secretsCommand } from "../commands/secrets.js";
import { pauseCommand, restoreCommand } from "../commands/runbook.js";
import { auditCommand } from "../commands/audit.js";
import { tunnelCommand } from "../commands/tunnel.js";
import { loadFlagSchemas } from "../commands/command-runner.js";

/** Builds the program. Command modules only import commander: the SDK loads on first AWS call. */
export function program(): Command {
  const p = new Command("opsctl")
    .description("Build, check, pause, restore and tear down one complete AWS environment with idempotent AWS SDK calls.")
    .version(VERSION)
    .option("--env <name>", "environment name (overrides the config)")
    .option("--region <region>", "AWS region (overrides the config)")
    .option("--profile <name>", "AWS profile (credentials: env, profiles, SSO)")
    .option("--endpoint-url <url>", "send every AWS call to this endpoint (LocalStack-style emulators; also AWS_ENDPOINT_URL)")
    .option("--config <path>", "config file (default ./opsctl.config.json)")
    .option("--json", "print one JSON document on stdout (progress goes to stderr)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--sandbox", "run against the built-in simulated AWS (no account needed)")
    .option("--reset-sandbox", "with --sandbox: start from a fresh simulated AWS (replaces the saved sandbox state)")
    .option("--force-unlock", "remove another run's lock on this environment (asks first; --yes does not ask)")
    .option("--concurrency <n>", "resources worked on at once (default 16)")
    .option("--debug", "show stack traces and AWS request ids on errors")
    .showHelpAfterError("(run `opsctl --help` for usage)")
    .exitOverride()
    .hook("preAction", loadFlagSchemas);
  for (const c of [initCommand(), planCommand(), upCommand(), statusCommand(), downCommand(), sshKeyCommand(), tunnelCommand(), configCommand(), rotateKeysCommand(), imageCommand(), deployWebCommand(), devCredentialsCommand(), secretsCommand(), restoreCommand(), pauseCommand(), auditCommand()]) p.addCommand(usageErrorsThrow(c));
  return p;
}

/**
 * Commander settings are not inherited by commands added with addCommand: without this, a usage
 * error in a subcommand (unknown flag, missing argument) makes commander exit 1 itself. Thrown
 * instead, `main` turns it into exit 2 like every other bad input.
 */
function usageErrorsThrow(c: Command): Command {
  c.exitOverride().showHelpAfterError(`(run \`opsctl ${c.name()} --help\` for usage)`);
  for (const sub of c.commands) {
    sub.exitOverride().showHelpAfterError(`(run \`opsctl ${c.name()} ${sub.name()} --help\` for usage)`);
  }
  return c;
}

/** Runs the CLI: maps errors to one line and an exit code (2 bad input, 1 failure). */
export async function main(argv: string[]): Promise<number> {
  const p = program();
  const debug = argv.includes("--debug");
  if (Number(process.versions.node.split(".")[0]) < 22 && !process.env.OPSCTL_QUIET_NODE) {
    process.env.OPSCTL_QUIET_NODE = "1";
    if (argv.length > 2 && !argv.includes("--help") && !argv.includes("-h") && firstTimeToday("node-version-note")) process.stderr.write(`note: Node ${process.versions.node}; Node 22+ is recommended (AWS SDK releases after January 2027 need it; said once a day)\n`);
  }
  try {
    await p.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; help shown because a subcommand is missing is a usage error.
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
      if (e.code === "commander.help") return e.exitCode === 0 ? 0 : 2;
      return 2;
    }
    process.stderr.write(formatError(e, debug) + "\n");
    if (e instanceof OpsError) return e.fault === "user" ? 2 : 1;
    return 1;
  }
}

/**
 * True the first time today this note is asked for on this machine (a stamp file under the user's
 * cache folder, XDG_CACHE_HOME or ~/.cache); true as well when the stamp cannot be written.
 */
function firstTimeToday(note: string): boolean {
  const today = new Date().toISOString().slice(0, 10);
  const file = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "opsctl", note);
  try {
    if (readFileSync(file, "utf8") === today) return false;
  } catch {
    // No stamp yet.
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, today);
  } catch {
    // A read-only home: say it every time rather than never.
  }
  return true;
}

/** One line (two with a hint) for the operator; the stack and request id with --debug. */
export function formatError(e: unknown, debug: boolean): string {
  const err = e as Error & { hint?: string; $operation?: string; $metadata?: { requestId?: string } };
  const op = err.$operation ? `${err.$operation} ` : "";
  const code = err.$metadata && err.name ? `${err.name}: ` : "";
  let line = `error: ${op}${code}${err.message ?? String(e)}`;
  if (err.hint) line += ` — ${err.hint}`;
  if (debug) {
    if (err.$metadata?.requestId) line += `\nrequest id: ${err.$metadata.requestId}`;
    if (err.stack) line += `\n${err.stack}`;
  }
  return line;
}
