import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AwsClients } from "../../src/aws/clients.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";

const BIN = resolve("bin/opsctl.js");

/** A scratch folder with its own sandbox state file. */
export function workdir(): { dir: string; state: string; writeConfig(c: unknown): string } {
  const dir = mkdtempSync(join(tmpdir(), "opsctl-cli-"));
  const state = join(dir, "sandbox-state.json");
  return {
    dir,
    state,
    writeConfig: (c) => {
      const p = join(dir, "opsctl.config.json");
      writeFileSync(p, typeof c === "string" ? c : JSON.stringify(c));
      return p;
    },
  };
}

/** Runs the built CLI in `dir` with the sandbox state at `state`. */
export function opsctl(args: string[], opts: { dir: string; state: string; env?: Record<string, string>; nodeArgs?: string[] }) {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], {
    cwd: opts.dir,
    encoding: "utf8",
    env: { ...process.env, CI: "true", OPSCTL_SANDBOX_STATE: opts.state, OPSCTL_QUIET_NODE: "1", ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes the sandbox has answered over the life of a state file (0 when it does not exist). */
export function sandboxWrites(state: string): number {
  if (!existsSync(state)) return 0;
  return (JSON.parse(readFileSync(state, "utf8")) as { calls?: { write: number } }).calls?.write ?? 0;
}

/** Reads (and with `save`, changes) a CLI sandbox state file through the real SDK clients. */
export async function inspect<T>(state: string, fn: (aws: AwsClients) => Promise<T>, save = false): Promise<T> {
  const sandbox = Sandbox.load(state, { services: allServices() });
  const aws = new AwsClients({ region: "eu-west-1", sandbox });
  try {
    return await fn(aws);
  } finally {
    if (save) sandbox.save(state);
    await aws.destroy();
  }
}
