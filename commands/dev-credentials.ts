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
        const { devCredentialsText } = await import("../src/output/result-views.js");
        // With --print, stdout carries only the export lines (for `eval "$(opsctl dev-credentials --print)"`).
        const text = devCredentialsText(r, Boolean(o.print));
        progress.emit(o.print ? { type: "notice", text } : { type: "result", text });
        if (o.print && r.key) progress.emit({ type: "result", text: exportLines(r.key) });
        return 0;
      });
    });
}
