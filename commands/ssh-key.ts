import { Command } from "commander";
import { writeFileSync } from "node:fs";
import { withSession } from "./command-runner.js";
import { InputError } from "../src/engine/errors.js";

/** `opsctl ssh-key`: fetches the bastion's private key (BAS-02) from Secrets Manager for its owner. */
export function sshKeyCommand(): Command {
  return new Command("ssh-key")
    .description("fetch the bastion's ED25519 private key from Secrets Manager (--out FILE writes it with mode 0600)")
    .option("--out <file>", "write the key to this file (mode 0600) instead of printing it")
    .option("--public", "print the public key only")
    .action(async (o: { out?: string; public?: boolean }, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session) => {
        const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
        const { sshKeySecretName } = await import("../plans/environment.js");
        const { isNotFound } = await import("../src/aws/errors.js");
        const sm = await session.aws.get("secrets");
        const name = sshKeySecretName(session.config.env);
        let value: string | undefined;
        try {
          value = (await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
        } catch (e) {
          if (isNotFound(e)) throw new InputError("env", `no bastion key for environment ${session.config.env} (secret ${name} not found)`, "run `opsctl up` first");
          throw e;
        }
        const key = JSON.parse(value ?? "{}") as { privateKey: string; publicKey: string };
        if (o.public) process.stdout.write(key.publicKey + "\n");
        else if (o.out) {
          writeFileSync(o.out, key.privateKey, { mode: 0o600 });
          process.stderr.write(`wrote ${o.out} (mode 0600)\n`);
        } else process.stdout.write(key.privateKey);
        return 0;
      });
    });
}
