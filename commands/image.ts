import { Command } from "commander";
import { globalOptions, printJson, withSession } from "./command-runner.js";

/** `opsctl image push`: build the bundled API image and push it to the environment's ECR repository (ECS-05). */
export function imageCommand(): Command {
  const image = new Command("image").description("the API container image (ECS-05)");
  image.addCommand(
    new Command("push")
      .description("build api/Dockerfile with docker or podman, push it to the environment's ECR repository and print it pinned by digest (--sandbox: simulated, no engine)")
      .option("--tag <tag>", "image tag (default: the git commit's short sha, else a UTC timestamp)")
      .action(async (o: { tag?: string }, cmd: Command) => {
        process.exitCode = await withSession(cmd, async (session, progress) => {
          const { pushImage } = await import("../src/operations/image-push.js");
          const json = globalOptions(cmd).json;
          const r = await pushImage(session, { tag: o.tag, emit: progress.emit });
          progress.stop();
          if (json) {
            printJson({ ok: true, reference: r.reference, digest: r.digest, tag: r.tag, repositoryUri: r.repositoryUri, engine: r.engine, pushed: r.pushed });
            return 0;
          }
          const { imagePushText } = await import("../src/output/result-views.js");
          progress.emit({ type: "result", text: imagePushText(r) });
          return 0;
        });
      }),
  );
  return image;
}
