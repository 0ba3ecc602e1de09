import { Command } from "commander";
import { writeFileSync } from "node:fs";
import { withSession } from "./command-runner.js";

/** `opsctl ssh-key`: fetches the bastion's private key (BAS-02) from Secrets Manager for its owner. */
export function sshKeyCommand(): Command {
  return new Command("ssh-key")
    .description("fetch the bastion's ED25519 private key from Secrets Manager (--out FILE writes it with mode 0600)")
    .option("--out <file>", "write the key to this file (mode 0600) instead of printing it")
    .option("--public", "print the public key only")
    .action(async (o: { out?: string; public?: boolean }, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { bastionKeyPair } = await import("../src/operations/bastion-key.js");
        const key = await bastionKeyPair(session);
        progress.stop();
        if (o.public) progress.emit({ type: "result", text: key.publicKey });
        else if (o.out) {
          writeFileSync(o.out, key.privateKey, { mode: 0o600 });
          progress.emit({ type: "notice", text: `wrote ${o.out} (mode 0600)` });
        } else progress.emit({ type: "result", text: key.privateKey });
        return 0;
      });
    });
}
