import { Command } from "commander";
import { globalOptions, printJson, withSession } from "./command-runner.js";

/** `opsctl restore`: the restoration runbook (notes §17) on the engine: resumable, idempotent, parallel. */
export function restoreCommand(): Command {
  return new Command("restore")
    .description("restoration runbook: NAT gateway, ALB + listeners + api records, bastion and RDS started, ECS back to its desired count — as a dependency graph; 0 writes on a running environment")
    .action(async (_o, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { runRestore } = await import("../src/operations/runbooks.js");
        const { runDocument } = await import("../src/operations/environment.js");
        const { summaryLine } = await import("../src/output/summary.js");
        const run = await runRestore(session, { emit: progress.emit, concurrency: globalOptions(cmd).concurrency });
        progress.stop();
        if (globalOptions(cmd).json) printJson(runDocument(run));
        else process.stdout.write(summaryLine(run, Boolean(session.sandbox)) + "\n");
        return run.report.ok ? 0 : 1;
      });
    });
}

/** `opsctl pause`: switch the costly parts off without losing data, and say what it saves. */
export function pauseCommand(): Command {
  return new Command("pause")
    .description("cut the hourly cost without losing data: ECS to 0, ALB and NAT gateway deleted (target group kept), bastion and RDS stopped; prints the savings")
    .action(async (_o, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { runPause, pauseSavings } = await import("../src/operations/runbooks.js");
        const { runDocument } = await import("../src/operations/environment.js");
        const { summaryLine } = await import("../src/output/summary.js");
        const run = await runPause(session, { emit: progress.emit, concurrency: globalOptions(cmd).concurrency });
        progress.stop();
        const savings = pauseSavings(session.config);
        const db = run.report.outcomes.find((o) => o.node === "db-instance-power:main");
        const autoStart = (db?.description?.details as { autoStartAt?: string } | undefined)?.autoStartAt;
        const restart = `AWS starts a stopped RDS instance again after 7 days${autoStart ? ` (this one on ${autoStart})` : ""}: run \`opsctl pause\` again before then to stop it again`;
        if (globalOptions(cmd).json) printJson({ ...runDocument(run), savings, rdsAutoStartAt: autoStart ?? null });
        else {
          const lines = [
            summaryLine(run, Boolean(session.sandbox)),
            `saves about $${savings.hourly.toFixed(3)}/hour, $${savings.monthly.toFixed(2)}/month in ${savings.region} (list prices of ${savings.date}, src/aws/prices.json):`,
            ...savings.lines.map((l) => `  ${l.item}: ${l.hourly === undefined ? "price unknown" : `$${l.hourly.toFixed(4)}/h`}`),
            "kept: the database (stopped, with its storage and backups), the buckets, the secrets and keys, the target group and the ECS service definition",
            restart,
          ];
          process.stdout.write(lines.join("\n") + "\n");
        }
        return run.report.ok ? 0 : 1;
      });
    });
}
