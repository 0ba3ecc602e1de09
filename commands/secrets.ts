import { Command, Option } from "commander";
import { InputError } from "../src/engine/errors.js";
import { globalOptions, printJson, withSession } from "./command-runner.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** The two hidden values: from stdin when it is not a terminal, else from hidden prompts (on stderr). */
async function hiddenValues(): Promise<{ clientSecret: string; refreshToken: string }> {
  const { parseHiddenInput } = await import("../src/operations/secrets.js");
  if (!process.stdin.isTTY) return parseHiddenInput(await readStdin());
  const { password } = await import("@inquirer/prompts");
  const ctx = { output: process.stderr };
  const clientSecret = await password({ message: "OAuth2 client secret", mask: "*" }, ctx);
  const refreshToken = await password({ message: "OAuth2 refresh token", mask: "*" }, ctx);
  return { clientSecret, refreshToken };
}

/** `opsctl secrets set smtp`: set the SMTP secret (SM-01, API-07) without the values touching argv or stdout. */
export function secretsCommand(): Command {
  const secrets = new Command("secrets").description("set the values of the environment's operator-managed secrets (SM-01)");
  secrets.addCommand(
    new Command("set")
      .description("set a secret's value: `smtp` (Gmail OAuth2: --user, --client-id; client secret and refresh token from stdin as two lines or JSON, or a hidden prompt). Prints only which fields changed")
      .argument("<name>", "the secret: smtp")
      .option("--user <email>", "the Gmail address that sends the mail")
      .option("--client-id <id>", "the OAuth2 client id")
      // Refused on purpose: values on the command line land in shell history and `ps`.
      .addOption(new Option("--client-secret <value>").hideHelp())
      .addOption(new Option("--refresh-token <value>").hideHelp())
      .action(async (name: string, o: { user?: string; clientId?: string; clientSecret?: string; refreshToken?: string }, cmd: Command) => {
        const { settableSecret, validateSmtp, setSmtpSecret } = await import("../src/operations/secrets.js");
        settableSecret(name);
        for (const [flag, v] of [["--client-secret", o.clientSecret], ["--refresh-token", o.refreshToken]] as const) {
          if (v !== undefined) throw new InputError(flag, "is not accepted on the command line (it would land in the shell history)", "pipe the client secret and the refresh token on stdin, one per line, or run in a terminal to be prompted");
        }
        // Every check before the first AWS call: bad input writes nothing.
        validateSmtp({ user: o.user, clientId: o.clientId, clientSecret: "-", refreshToken: "-" });
        const value = validateSmtp({ user: o.user, clientId: o.clientId, ...(await hiddenValues()) });
        process.exitCode = await withSession(cmd, async (session, progress) => {
          const r = await setSmtpSecret(session, value);
          progress.stop();
          if (globalOptions(cmd).json) printJson({ ok: true, secret: r.name, changed: r.changed, ...(r.versionId ? { versionId: r.versionId } : {}) });
          else progress.emit({ type: "result", text: (await import("../src/output/result-views.js")).secretSetText(r) });
          return 0;
        });
      }),
  );
  return secrets;
}
