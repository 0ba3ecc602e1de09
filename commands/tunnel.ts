import { Command } from "commander";
import { globalOptions, printJson, withSession } from "./command-runner.js";

/** `opsctl tunnel`: a local port forwarded through the bastion to the environment's MySQL (BAS-03). */
export function tunnelCommand(): Command {
  return new Command("tunnel")
    .description(
      "forward 127.0.0.1:<local-port> through the bastion to the environment's MySQL (BAS-03) with your ssh (OPSCTL_SSH overrides it); reads only. " +
        "Redis is not offered: it admits the ECS tasks only (SG-04, RED-01)",
    )
    .option("--local-port <n>", "local port of the tunnel, 1-65535 (default 3306)")
    .option("--print", "print the ssh command (with a <key-file> placeholder) instead of running it; writes no file")
    .action(async (o: { localPort?: string; print?: boolean }, cmd: Command) => {
      const t = await import("../src/operations/tunnel.js");
      // Bad input is refused before any AWS call.
      const localPort = t.parseLocalPort(o.localPort);
      const json = globalOptions(cmd).json;
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const target = await t.resolveTunnelTarget(session);
        const ssh = t.sshProgram();
        const knownHosts = t.knownHostsPath();
        // The sandbox's bastion IP is simulated: ssh only runs there when OPSCTL_SSH names a stand-in.
        const simulated = Boolean(session.sandbox) && !process.env.OPSCTL_SSH;
        if (o.print || simulated) {
          const argv = t.tunnelArgv({ ssh, keyFile: t.KEY_PLACEHOLDER, localPort, target, knownHosts });
          progress.stop();
          if (json) printJson({ ok: true, started: false, command: argv, localPort, bastion: target.bastion, database: target.database });
          else progress.emit({ type: "result", text: t.printedCommand(argv) });
          if (simulated && !o.print) progress.emit({ type: "notice", text: "sandbox: simulated bastion, no ssh started" });
          return 0;
        }
        const { privateKey } = await (await import("../src/operations/bastion-key.js")).bastionKeyPair(session);
        progress.stop();
        t.ensureKnownHostsDir(knownHosts);
        const key = t.writeKeyDir(privateKey);
        try {
          const argv = t.tunnelArgv({ ssh, keyFile: key.keyFile, localPort, target, knownHosts });
          return await t.runSsh(argv, key.remove, () => progress.emit({ type: "notice", text: t.tunnelBanner(localPort, target) }));
        } finally {
          key.remove();
        }
      });
    });
}
