import { Command } from "commander";
import { InputError } from "../src/engine/errors.js";
import { globalOptions, printJson, withSession } from "./command-runner.js";

/** `opsctl dev-credentials`: an access key for the local-development IAM user (IAM-04), kept in Secrets Manager. */
export function devCredentialsCommand(): Command {
  return new Command("dev-credentials")
    .description("access key of the local-development IAM user <env>-dev (IAM-04), stored in Secrets Manager as <env>/dev/access-key; reused when it exists")
    .option("--print", "print the key as `export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…` lines")
    .option("--rotate", "replace the key: create a new one, store it, delete the old one")
    .option("--revoke", "delete the user's access keys and the secret")
    .action(async (o: { print?: boolean; rotate?: boolean; revoke?: boolean }, cmd: Command) => {
      if (o.rotate && o.revoke) throw new InputError("--rotate", "cannot be combined with --revoke", "use one of them");
      if (o.print && o.revoke) throw new InputError("--print", "cannot be combined with --revoke (there is nothing left to print)", "use one of them");
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { devCredentials, exportLines } = await import("../src/operations/dev-credentials.js");
        const r = await devCredentials(session, o.revoke ? "revoke" : o.rotate ? "rotate" : "ensure");
        progress.stop();
        if (globalOptions(cmd).json) {
          printJson({
            ok: true,
            user: r.user,
            secret: r.secret,
            action: r.action,
            ...(r.key ? { accessKeyId: r.key.accessKeyId, createdAt: r.key.createdAt } : {}),
            ...(o.print && r.key ? { secretAccessKey: r.key.secretAccessKey } : {}),
            deletedKeys: r.deletedKeys,
            ...(r.action === "revoked" ? { secretDeleted: r.secretDeleted } : {}),
            ...(r.otherKeys.length ? { otherKeys: r.otherKeys } : {}),
          });
          return 0;
        }
        const lines: string[] = [];
        if (r.action === "revoked") lines.push(`${r.user}: ${r.deletedKeys.length} access key(s) deleted${r.deletedKeys.length ? ` (${r.deletedKeys.join(", ")})` : ""}; ${r.secretDeleted ? `secret ${r.secret} deleted` : `no secret ${r.secret}`}`);
        else {
          const what = { reused: "reusing the stored key", created: "created a new key", rotated: `rotated: new key stored, deleted ${r.deletedKeys.join(", ") || "nothing"}` }[r.action];
          lines.push(`${r.user}: ${what} ${r.key!.accessKeyId} (secret ${r.secret})`);
          if (r.action !== "reused") lines.push("a new key can take a few seconds to work everywhere (IAM is eventually consistent)");
          if (r.otherKeys.length) lines.push(`note: ${r.user} also has ${r.otherKeys.join(", ")}, not stored by opsctl (\`--rotate\` or \`--revoke\` removes it)`);
          if (!o.print) lines.push("`opsctl dev-credentials --print` prints it as export lines");
        }
        // With --print, stdout carries only the export lines (for `eval "$(opsctl dev-credentials --print)"`).
        (o.print ? process.stderr : process.stdout).write(lines.join("\n") + "\n");
        if (o.print && r.key) process.stdout.write(exportLines(r.key));
        return 0;
      });
    });
}
