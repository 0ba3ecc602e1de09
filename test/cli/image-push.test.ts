import { beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CreateRepositoryCommand, GetAuthorizationTokenCommand, PutImageCommand } from "@aws-sdk/client-ecr";
import { opsctl, sandboxWrites, workdir } from "../helpers/cli.js";
import { sandboxSession } from "../helpers/env.js";
import { engineCommands, findEngine, pushImage, simulatedManifest, type EngineRunner, type RunResult } from "../../src/operations/image-push.js";
import { InputError, OpsError } from "../../src/engine/errors.js";

const ROOT = resolve(".");
const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
/** The demo config without an image: `up` then takes the newest image `image push` put in ECR. */
const CONFIG = { env: "demo", region: "eu-west-1", secondaryRegion: "eu-central-1", bastion: { allowedCidrs: ["203.0.113.0/24"] }, dns: { domain: "opsctl-demo.example.com" } };

/** A runner that records every command and answers from `answers` (keyed by "engine verb"). */
function fakeRunner(answers: Record<string, Partial<RunResult>>, onRun?: (argv: string[], input?: string) => Promise<void>) {
  const calls: { argv: string[]; input?: string; cwd?: string }[] = [];
  const runner: EngineRunner = {
    async run(argv, opts = {}) {
      calls.push({ argv, input: opts.input, cwd: opts.cwd });
      await onRun?.(argv, opts.input);
      const a = answers[`${argv[0]} ${argv[1]}`] ?? { code: 127, stderr: `${argv[0]}: not installed (not on PATH)` };
      return { code: a.code ?? 0, stdout: a.stdout ?? "", stderr: a.stderr ?? "" };
    },
  };
  return { runner, calls };
}

describe("image push: engine detection and the exact engine commands (ECS-05)", () => {
  it("a docker client whose daemon does not answer is no engine; podman is used when it answers", async () => {
    const noDaemon = { code: 1, stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" };
    const both = fakeRunner({ "docker info": noDaemon, "podman info": { code: 0 } });
    expect(await findEngine(both.runner)).toBe("podman");
    expect(both.calls.map((c) => c.argv)).toEqual([["docker", "info"], ["podman", "info"]]);

    const none = fakeRunner({ "docker info": noDaemon });
    const e = await findEngine(none.runner).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpsError);
    expect((e as OpsError).fault).toBe("tool");
    expect((e as Error).message).toBe(
      "no container engine: docker or podman must be installed and running (`docker info` failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?; podman: not installed); or pass a prebuilt image with `opsctl up --image URI@sha256:…`",
    );
  });

  it("build (context = the repo root, amd64 for Fargate X86_64), login with the password on stdin, push, then the digest from DescribeImages", async () => {
    const s = sandboxSession();
    const ecr = await s.aws.get("ecr");
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "demo-api", imageTagMutability: "IMMUTABLE" }));
    const pushedManifest = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { digest: `sha256:${"ab".repeat(32)}` }, layers: [] });
    const { runner, calls } = fakeRunner(
      { "docker info": { code: 0 }, "git rev-parse": { stdout: "1a2b3c4\n" }, "git status": { stdout: "" }, "docker build": {}, "docker login": { stdout: "Login Succeeded" }, "docker push": {} },
      // The fake `docker push` lands the image in (simulated) ECR, as a real push would.
      async (argv) => {
        if (argv[1] === "push") await ecr.send(new PutImageCommand({ repositoryName: "demo-api", imageManifest: pushedManifest, imageTag: "1a2b3c4" }));
      },
    );
    // A session as against real AWS (no sandbox flag): the engine path runs.
    const r = await pushImage({ ...s, sandbox: undefined }, { runner, root: ROOT });
    const digest = `sha256:${createHash("sha256").update(pushedManifest).digest("hex")}`;
    expect(r).toEqual({ reference: `${REGISTRY}/demo-api@${digest}`, digest, tag: "1a2b3c4", repositoryUri: `${REGISTRY}/demo-api`, engine: "docker", pushed: true });
    const engineCalls = calls.filter((c) => c.argv[0] === "docker").map((c) => c.argv);
    expect(engineCalls).toEqual([
      ["docker", "info"],
      ["docker", "build", "--platform", "linux/amd64", "-f", join(ROOT, "api", "Dockerfile"), "-t", `${REGISTRY}/demo-api:1a2b3c4`, ROOT],
      ["docker", "login", "--username", "AWS", "--password-stdin", REGISTRY],
      ["docker", "push", `${REGISTRY}/demo-api:1a2b3c4`],
    ]);
    // The password is the token's part after "AWS:", given on stdin and in no argv.
    const login = calls.find((c) => c.argv[1] === "login")!;
    expect(login.input).toMatch(/^sandbox-/);
    expect(calls.flatMap((c) => c.argv).join(" ")).not.toContain(login.input!);
    const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!;
    expect(Buffer.from(token, "base64").toString()).toMatch(/^AWS:sandbox-/);

    // The same commit again: the tag is in ECR already, nothing is built.
    const again = fakeRunner({ "docker info": { code: 0 }, "git rev-parse": { stdout: "1a2b3c4\n" }, "git status": { stdout: "" } });
    expect(await pushImage({ ...s, sandbox: undefined }, { runner: again.runner, root: ROOT })).toMatchObject({ digest, pushed: false });
    expect(again.calls.some((c) => c.argv[1] === "build" || c.argv[1] === "push")).toBe(false);
    // An explicit tag that exists: immutable tags, exit 2.
    await expect(pushImage({ ...s, sandbox: undefined }, { runner: again.runner, root: ROOT, tag: "1a2b3c4" })).rejects.toThrow(InputError);
  });

  it("podman gets the same arguments; uncommitted changes get their own tag", async () => {
    const c = engineCommands("podman", { registry: REGISTRY, repository: "demo-api", tag: "v1" }, "/src");
    expect(c).toEqual({
      build: ["podman", "build", "--platform", "linux/amd64", "-f", "/src/api/Dockerfile", "-t", `${REGISTRY}/demo-api:v1`, "/src"],
      login: ["podman", "login", "--username", "AWS", "--password-stdin", REGISTRY],
      push: ["podman", "push", `${REGISTRY}/demo-api:v1`],
    });
    const s = sandboxSession();
    const ecr = await s.aws.get("ecr");
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "demo-api" }));
    const { runner, calls } = fakeRunner({ "docker info": { code: 1, stderr: "no daemon" }, "podman info": { code: 0 }, "git rev-parse": { stdout: "1a2b3c4\n" }, "git status": { stdout: " M api/src/app.ts\n" }, "podman build": { code: 1, stderr: "Error: COPY failed" } });
    await expect(pushImage({ ...s, sandbox: undefined }, { runner, root: ROOT })).rejects.toThrow(/`podman build` failed \(exit code 1\): Error: COPY failed/);
    expect(calls.find((x) => x.argv[1] === "build")!.argv[7]).toMatch(new RegExp(`^${REGISTRY}/demo-api:1a2b3c4-dirty-\\d{8}t\\d{6}z$`));
  });

  it("a missing repository is bad input (`opsctl up` first) and nothing is written", async () => {
    const s = sandboxSession();
    const { runner } = fakeRunner({ "docker info": { code: 0 } });
    await expect(pushImage({ ...s, sandbox: undefined }, { runner, root: ROOT })).rejects.toThrow(/the ECR repository demo-api of environment demo does not exist in eu-west-1/);
    expect(s.sandbox.state.calls?.write ?? 0).toBe(0);
  });
});

describe("opsctl image push (CLI)", () => {
  const w = workdir();
  let reference = "";
  beforeAll(() => {
    w.writeConfig(CONFIG);
  });

  it("without an answering engine: exit 1 with one clear line, no AWS call", () => {
    // This machine's situation, made deterministic: a docker client whose daemon is down, no podman.
    const bin = join(w.dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "docker"), "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n");
    chmodSync(join(bin, "docker"), 0o755);
    const r = opsctl(["image", "push"], { ...w, env: { PATH: bin } });
    expect(r.code, r.stderr).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toEqual([
      "error: no container engine: docker or podman must be installed and running (`docker info` failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?; podman: not installed); or pass a prebuilt image with `opsctl up --image URI@sha256:…`",
    ]);
    expect(sandboxWrites(w.state)).toBe(0);
  });

  it("--sandbox before `up`: exit 2, run `opsctl up` first, 0 writes", () => {
    const r = opsctl(["image", "push", "--sandbox"], w);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: env: the ECR repository demo-api of environment demo does not exist in eu-west-1 — run `opsctl up` first/);
    expect(sandboxWrites(w.state)).toBe(0);
  });

  it("a bad --tag: exit 2 before any AWS call", () => {
    const r = opsctl(["image", "push", "--sandbox", "--tag", "-nope"], w);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: --tag: "-nope" is not a valid image tag/);
  });

  it("up without an image stops before the ECS service; the simulated push gives a digest derived from the sources; the next up deploys it", () => {
    const first = opsctl(["up", "--sandbox"], w);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain("the ECS service was not deployed: there is no API image yet");

    const r = opsctl(["image", "push", "--sandbox", "--json", "--tag", "t1"], w);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    // The manifest's config digest is the SHA-256 of api/Dockerfile, api/package.json and package-lock.json.
    const digest = `sha256:${createHash("sha256").update(simulatedManifest(ROOT)).digest("hex")}`;
    expect(JSON.parse(simulatedManifest(ROOT)).config.digest).toBe(
      `sha256:${["api/Dockerfile", "api/package.json", "package-lock.json"].reduce((h, f) => h.update(f).update("\0").update(readFileSync(join(ROOT, f))).update("\0"), createHash("sha256")).digest("hex")}`,
    );
    expect(doc).toEqual({ ok: true, reference: `${REGISTRY}/demo-api@${digest}`, digest, tag: "t1", repositoryUri: `${REGISTRY}/demo-api`, engine: "sandbox", pushed: true });
    reference = doc.reference;

    // Text output: the digest reference and the next step.
    const text = opsctl(["image", "push", "--sandbox", "--tag", "t1"], w);
    expect(text.code).toBe(0);
    expect(text.stdout.split("\n")).toEqual([
      `already pushed ${REGISTRY}/demo-api:t1 (simulated: no engine ran)`,
      reference,
      "next: `opsctl up` deploys the newest pushed image automatically (unless the config names compute.image); or pin this one with",
      `  opsctl up --image ${reference}`,
      "",
    ]);

    const up = opsctl(["up", "--sandbox", "--json"], w);
    expect(up.code, up.stderr).toBe(0);
    const status = JSON.parse(opsctl(["status", "--sandbox", "--json"], w).stdout);
    const td = status.resources.find((x: { node: string }) => x.node === "task-definition:api");
    expect(td.details.images).toEqual([reference]);
    expect(status.resources.find((x: { node: string }) => x.node === "ecs-service:api").details).toMatchObject({ running: 2, desired: 2 });

    // The same image named with --image: nothing to change.
    const before = sandboxWrites(w.state);
    const pinned = opsctl(["up", "--sandbox", "--image", reference, "--json"], w);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(sandboxWrites(w.state) - before).toBe(0);
  });

  it("the same sources pushed under another tag keep their digest", () => {
    expect(reference).not.toBe("");
    const r = JSON.parse(opsctl(["image", "push", "--sandbox", "--json", "--tag", "t2"], w).stdout);
    expect(r.reference).toBe(reference);
    expect(r.pushed).toBe(true);
  });
});
