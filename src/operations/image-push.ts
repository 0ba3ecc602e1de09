import { spawn, type SpawnOptions } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError, OpsError } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import type { Session } from "./session.js";
import type { ImagePushEvent } from "../output/events.js";

/*
 * ECS-05 "Shipping the image": `opsctl image push` builds the bundled API's Dockerfile with the
 * container engine it finds, pushes it to the environment's ECR repository and reads the digest back,
 * so `opsctl up` can pin the task definition by digest. With --sandbox no engine runs: the push is
 * simulated with ECR PutImage of a manifest derived from the build context.
 */

/** The container engines opsctl can drive; they take the same build/login/push arguments. */
export type EngineName = "docker" | "podman";

/** What a finished command returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs external commands. Injectable, so tests can check the exact argv without a daemon. */
export interface EngineRunner {
  /**
   * Runs `argv[0]` with the rest as arguments (no shell). `input` is written to stdin; `onOutput`
   * receives the command's output as it comes (build and push progress), to be rendered by src/output.
   * A command that is not installed resolves with code 127 and the spawn error in stderr.
   */
  run(argv: string[], opts?: { input?: string; cwd?: string; onOutput?: (chunk: string) => void }): Promise<RunResult>;
}

/** The real runner: child_process.spawn, never through a shell. */
export const processRunner: EngineRunner = {
  run(argv, opts = {}) {
    return new Promise((resolve) => {
      const spawnOpts: SpawnOptions = { cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] };
      const child = spawn(argv[0], argv.slice(1), spawnOpts);
      let stdout = "";
      let stderr = "";
      // Decoded as UTF-8 by the stream, so a character split across two chunks is not garbled.
      child.stdout!.setEncoding("utf8");
      child.stderr!.setEncoding("utf8");
      child.stdout!.on("data", (d: string) => {
        stdout += d;
        opts.onOutput?.(d);
      });
      child.stderr!.on("data", (d: string) => {
        stderr += d;
        opts.onOutput?.(d);
      });
      child.on("error", (e: NodeJS.ErrnoException) => resolve({ code: e.code === "ENOENT" ? 127 : 126, stdout, stderr: e.code === "ENOENT" ? `${argv[0]}: not installed (not on PATH)` : e.message }));
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin!.on("error", () => undefined);
      child.stdin!.end(opts.input ?? "");
    });
  },
};

/** The first non-empty line of a command's output, for one-line messages. */
function firstLine(r: RunResult): string {
  const line = `${r.stderr}\n${r.stdout}`.split("\n").map((l) => l.trim()).find((l) => l.length > 0);
  return line ?? `exit code ${r.code}`;
}

/**
 * The first engine that is installed AND answers `<engine> info` with exit code 0. A docker client
 * without a reachable daemon fails `docker info`, so it does not count.
 * @throws OpsError `no_container_engine` (exit 1) naming what each engine answered.
 */
export async function findEngine(runner: EngineRunner, candidates: readonly EngineName[] = ["docker", "podman"]): Promise<EngineName> {
  const problems: string[] = [];
  for (const engine of candidates) {
    const r = await runner.run([engine, "info"]);
    if (r.code === 0) return engine;
    problems.push(r.code === 127 ? `${engine}: not installed` : `\`${engine} info\` failed: ${firstLine(r)}`);
  }
  throw new OpsError("no_container_engine", `no container engine: docker or podman must be installed and running (${problems.join("; ")}); or pass a prebuilt image with \`opsctl up --image URI@sha256:…\``, { fault: "tool" });
}

/** Where the bundled API lives: the package root (the folder holding api/Dockerfile), found from this file. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "api", "Dockerfile"))) return dir;
    if (dirname(dir) === dir) throw new OpsError("no_api_sources", `api/Dockerfile not found above ${from}: the bundled API sources are not installed with this opsctl`);
  }
}

/** `<registry>/<repository>:<tag>` and friends for one push. */
export interface ImageTarget {
  /** `<account>.dkr.ecr.<region>.amazonaws.com` */
  registry: string;
  /** `<env>-api` */
  repository: string;
  tag: string;
}

/** `registry/repository:tag`. */
export const taggedRef = (t: ImageTarget): string => `${t.registry}/${t.repository}:${t.tag}`;

/**
 * The engine command lines of one push, in order: build (context = the package root, because the
 * Dockerfile copies the workspace lockfile from there), login (password on stdin), push.
 * `--platform linux/amd64`: the task definition runs X86_64 (src/resources/task-definition.ts), and an
 * engine on an arm64 machine would otherwise build an arm64 image that Fargate cannot start.
 */
export function engineCommands(engine: EngineName, target: ImageTarget, root: string): { build: string[]; login: string[]; push: string[] } {
  return {
    build: [engine, "build", "--platform", "linux/amd64", "-f", join(root, "api", "Dockerfile"), "-t", taggedRef(target), root],
    login: [engine, "login", "--username", "AWS", "--password-stdin", target.registry],
    push: [engine, "push", taggedRef(target)],
  };
}

/** The build-context files the simulated push hashes (the image's dependencies are fixed by them). */
export const CONTEXT_FILES = ["api/Dockerfile", "api/package.json", "package-lock.json"] as const;

/**
 * The simulated image's OCI manifest: its config digest is the SHA-256 of {@link CONTEXT_FILES}, so
 * the same sources give the same manifest and therefore the same image digest.
 */
export function simulatedManifest(root: string): string {
  const h = createHash("sha256");
  let size = 0;
  for (const f of CONTEXT_FILES) {
    const bytes = readFileSync(join(root, f));
    size += bytes.length;
    h.update(f).update("\0").update(bytes).update("\0");
  }
  const digest = `sha256:${h.digest("hex")}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest, size },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest, size }],
  });
}

/** The default tag: the git commit's short sha (suffixed when the tree has changes), else a UTC timestamp. */
export async function defaultTag(runner: EngineRunner, root: string, nowMs: number): Promise<string> {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z").toLowerCase();
  const sha = await runner.run(["git", "rev-parse", "--short", "HEAD"], { cwd: root });
  if (sha.code !== 0 || !/^[0-9a-f]{4,40}$/.test(sha.stdout.trim())) return stamp;
  const dirty = await runner.run(["git", "status", "--porcelain", "--", "api", "package.json", "package-lock.json"], { cwd: root });
  // Tags are immutable (ECS-05): uncommitted changes must not reuse the commit's tag.
  return dirty.code === 0 && dirty.stdout.trim() === "" ? sha.stdout.trim() : `${sha.stdout.trim()}-dirty-${stamp}`;
}

/** What `image push` did. */
export interface ImagePushResult {
  /** `…/<env>-api@sha256:…` */
  reference: string;
  digest: string;
  tag: string;
  repositoryUri: string;
  /** docker, podman, or "sandbox" (simulated push). */
  engine: EngineName | "sandbox";
  /** False when the tag was already in the repository with this image (nothing pushed). */
  pushed: boolean;
}

/** Options of {@link pushImage}. */
export interface ImagePushOptions {
  /** `--tag`; default {@link defaultTag}. */
  tag?: string;
  runner?: EngineRunner;
  /** The folder holding api/Dockerfile (default: the package root). */
  root?: string;
  /** Progress (the steps and the engine's own output), rendered by src/output. */
  emit?: (e: ImagePushEvent) => void;
}

/** ECR tag rules (PutImage reference: imageTag, 1–300 characters) with Docker's reference grammar. */
const TAG_RE = /^[\w][\w.-]{0,127}$/;

/**
 * `opsctl image push`: engine (real AWS) → repository (must exist: `opsctl up` creates it) → build →
 * login → push → digest read back with DescribeImages. In the sandbox: PutImage of the simulated manifest.
 * @throws InputError (exit 2) for a bad --tag, a missing repository, or an explicit --tag already pushed
 * @throws OpsError `no_container_engine` (exit 1) when neither docker nor podman answers
 */
export async function pushImage(session: Session, opts: ImagePushOptions = {}): Promise<ImagePushResult> {
  const runner = opts.runner ?? processRunner;
  const emit = opts.emit ?? (() => undefined);
  const onOutput = (chunk: string) => emit({ type: "tool-output", chunk });
  if (opts.tag !== undefined && !TAG_RE.test(opts.tag)) throw new InputError("--tag", `"${opts.tag}" is not a valid image tag`, "use letters, digits, _ . - (at most 128, not starting with . or -), e.g. v1.2.3");
  const root = opts.root ?? packageRoot();
  // No AWS call before the engine is known: without one there is nothing to push.
  const engine = session.sandbox ? undefined : await findEngine(runner);
  const { DescribeRepositoriesCommand, DescribeImagesCommand, GetAuthorizationTokenCommand, PutImageCommand } = await import("@aws-sdk/client-ecr");
  const ecr = await session.aws.get("ecr");
  const repository = `${session.config.env}-api`;
  let repositoryUri: string;
  try {
    const r = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }));
    repositoryUri = r.repositories![0].repositoryUri!;
  } catch (e) {
    if (isCode(e, "RepositoryNotFoundException")) throw new InputError("env", `the ECR repository ${repository} of environment ${session.config.env} does not exist in ${session.config.region}`, "run `opsctl up` first (it creates ecr-repository:api)");
    throw e;
  }
  const target: ImageTarget = { registry: repositoryUri.slice(0, repositoryUri.indexOf("/")), repository, tag: opts.tag ?? (await defaultTag(runner, root, session.clock.now())) };
  const digestOfTag = async (): Promise<string | undefined> => {
    try {
      const r = await ecr.send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: target.tag }] }));
      return r.imageDetails?.[0]?.imageDigest;
    } catch (e) {
      if (isCode(e, "ImageNotFoundException")) return undefined;
      throw e;
    }
  };
  const result = (digest: string, pushed: boolean): ImagePushResult => ({ reference: `${repositoryUri}@${digest}`, digest, tag: target.tag, repositoryUri, engine: engine ?? "sandbox", pushed });

  if (!session.sandbox) {
    const existing = await digestOfTag();
    if (existing) {
      // Immutable tags (ECS-05): the tag names that image for good.
      if (opts.tag !== undefined) throw new InputError("--tag", `${target.tag} is already in ${repositoryUri} (${existing}); tags are immutable`, "choose another --tag, or omit it (default: the git commit)");
      emit({ type: "image-found", ref: taggedRef(target) });
      return result(existing, false);
    }
    const cmds = engineCommands(engine!, target, root);
    emit({ type: "image-build", ref: taggedRef(target), engine: engine!, context: root });
    const build = await runner.run(cmds.build, { cwd: root, onOutput });
    if (build.code !== 0) throw new OpsError("image_build_failed", `\`${engine} build\` failed (exit code ${build.code}): ${lastLine(build)}`, { fault: "tool" });
    const auth = await ecr.send(new GetAuthorizationTokenCommand({}));
    const token = Buffer.from(auth.authorizationData?.[0]?.authorizationToken ?? "", "base64").toString();
    // The token decodes to `AWS:<password>` (ECR user guide, "Registry authentication").
    const password = token.slice(token.indexOf(":") + 1);
    const login = await runner.run(cmds.login, { input: password });
    if (login.code !== 0) throw new OpsError("registry_login_failed", `\`${engine} login\` to ${target.registry} failed: ${firstLine(login).replaceAll(password, "***")}`, { fault: "tool" });
    emit({ type: "image-push", ref: taggedRef(target) });
    const push = await runner.run(cmds.push, { onOutput });
    if (push.code !== 0) throw new OpsError("image_push_failed", `\`${engine} push\` failed (exit code ${push.code}): ${lastLine(push)}`, { fault: "tool" });
    const digest = await digestOfTag();
    if (!digest) throw new OpsError("image_not_in_ecr", `${engine} pushed ${taggedRef(target)} but ECR DescribeImages does not list it`, { fault: "aws" });
    return result(digest, true);
  }

  const manifest = simulatedManifest(root);
  const mediaType = "application/vnd.oci.image.manifest.v1+json";
  emit({ type: "image-simulated", ref: taggedRef(target) });
  let pushed = true;
  try {
    await ecr.send(new PutImageCommand({ repositoryName: repository, imageManifest: manifest, imageManifestMediaType: mediaType, imageTag: target.tag }));
  } catch (e) {
    // The same sources under the same tag: already pushed.
    if (!isCode(e, "ImageAlreadyExistsException")) {
      if (isCode(e, "ImageTagAlreadyExistsException")) throw new InputError("--tag", `${target.tag} is already in ${repositoryUri} with other contents; tags are immutable`, "choose another --tag");
      throw e;
    }
    pushed = false;
  }
  const digest = await digestOfTag();
  if (!digest) throw new OpsError("image_not_in_ecr", `ECR DescribeImages does not list ${taggedRef(target)} after PutImage`, { fault: "aws" });
  return result(digest, pushed);
}

function lastLine(r: RunResult): string {
  const lines = `${r.stdout}\n${r.stderr}`.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? `exit code ${r.code}`;
}
