import { Command } from "commander";
import { globalOptions, printJson, withSession } from "./command-runner.js";
import { InputError } from "../src/engine/errors.js";

/** `opsctl up`: create or converge every resource; safe to run again at any time. */
export function upCommand(): Command {
  return new Command("up")
    .description("create or converge every resource, in dependency order (safe to re-run; resumes after a crash)")
    .option("--image <uri>", "the API image (pinned by digest, or a tag of the environment's ECR repository)")
    .option("--apply-immediately", "apply RDS changes queued for the maintenance window now (Multi-AZ conversion: no downtime; instance class: a failover; engine version: a restart)")
    .action(async (o: { image?: string; applyImmediately?: boolean }, cmd: Command) => {
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const { runUp, runDocument } = await import("../src/operations/environment.js");
        const { summaryLine } = await import("../src/output/summary.js");
        if (o.image !== undefined) {
          const { IMAGE_REFERENCE } = await import("../src/config/schema.js");
          if (!IMAGE_REFERENCE.test(o.image)) throw new InputError("--image", `"${o.image}" is not a container image reference`, "use registry/repository@sha256:<digest>, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-api@sha256:…");
        }
        if (o.applyImmediately) {
          const { APPLY_NOW_COST } = await import("../src/resources/db-instance.js");
          progress.emit({ type: "message", level: "warn", text: `--apply-immediately: RDS changes queued for the maintenance window are applied now: ${APPLY_NOW_COST.MultiAZ}; ${APPLY_NOW_COST.DBInstanceClass}; ${APPLY_NOW_COST.EngineVersion}` });
        }
        const run = await runUp(session, { emit: progress.emit, concurrency: globalOptions(cmd).concurrency, image: o.image, applyImmediately: o.applyImmediately === true });
        if (!run.facts.image) {
          progress.emit({ type: "message", level: "warn", text: "the ECS service was not deployed: there is no API image yet. Build and push it with `opsctl image push` (needs docker or podman), or pass `--image URI` pinned by digest; everything else is up" });
        }
        progress.stop();
        if (globalOptions(cmd).json) printJson(runDocument(run));
        else progress.emit({ type: "result", text: summaryLine(run, Boolean(session.sandbox)) });
        return run.report.ok && run.facts.image ? 0 : 1;
      });
    });
}
