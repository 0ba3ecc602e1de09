import { Command } from "commander";
import { globalOptions, printJson, withSession } from "./command-runner.js";

/** `opsctl deploy-web DIR`: upload a built frontend to the web bucket and invalidate the distribution (CDN-01). */
export function deployWebCommand(): Command {
  return new Command("deploy-web")
    .description("upload a built frontend (DIR) to the web bucket with content types and cache headers, then invalidate the CloudFront distribution; unchanged files are skipped")
    .argument("<dir>", "the build output folder, e.g. dist")
    .option("--delete", "delete objects of the bucket that are not in DIR")
    .option("--no-wait", "do not wait for the invalidation to complete")
    .action(async (dir: string, o: { delete?: boolean; wait: boolean }, cmd: Command) => {
      const { webFiles, deployWeb } = await import("../src/operations/deploy-web.js");
      // DIR is checked before the session opens: bad input makes no AWS call.
      const files = webFiles(dir);
      process.exitCode = await withSession(cmd, async (session, progress) => {
        const r = await deployWeb(session, files, { deleteExtra: o.delete, wait: o.wait, emit: progress.emit });
        progress.stop();
        if (globalOptions(cmd).json) {
          printJson({ ok: true, bucket: r.bucket, distributionId: r.distributionId, uploaded: r.uploaded, unchanged: r.unchanged.length, deleted: r.deleted, invalidation: r.invalidation ?? null });
          return 0;
        }
        const { deployWebText } = await import("../src/output/result-views.js");
        progress.emit({ type: "result", text: deployWebText(r) });
        return 0;
      });
    });
}
