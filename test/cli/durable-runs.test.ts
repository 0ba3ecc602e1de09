import { beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { workdir } from "../helpers/cli.js";
import { liveInventory, TEST_CONFIG } from "../helpers/env.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";

/*
 * The CLI as real processes on one shared sandbox state file: the lease two operators take, Ctrl-C,
 * and SIGKILL after every k-th write. "Clean inventory" is what a from-zero `up` leaves.
 */

const BIN = resolve("bin/opsctl.js");
type Work = ReturnType<typeof workdir>;
type Ran = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

function env(w: Work, extra: Record<string, string> = {}) {
  return { ...process.env, CI: "true", OPSCTL_SANDBOX_STATE: w.state, OPSCTL_QUIET_NODE: "1", ...extra };
}

/** Runs the CLI to its end (synchronously). */
function run(w: Work, args: string[], extra: Record<string, string> = {}): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: w.dir, encoding: "utf8", env: env(w, extra) });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI; `onStderr` sees its progress as it comes. */
function start(w: Work, args: string[], onStderr?: (all: string, child: ReturnType<typeof spawn>) => void): Promise<Ran> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: w.dir, env: env(w) });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => {
    stderr += d;
    onStderr?.(stderr, child);
  });
  return new Promise((res) => child.on("close", (code, signal) => res({ code, signal, stdout, stderr })));
}

/** Table and node of every live record (a duplicate or an orphan changes it). */
function inventory(state: string): string[] {
  const sandbox = Sandbox.load(state, { services: allServices() });
  return liveInventory(sandbox, "demo")
    .map((r) => `${r.key.split("/").slice(1, 3).join("/")} ${r.node}`)
    .sort();
}

function saved(state: string): { calls: { read: number; write: number }; regions: Record<string, any> } {
  return JSON.parse(readFileSync(state, "utf8"));
}

function leaseParameter(state: string): unknown {
  return saved(state).regions["eu-west-1"]?.ssm?.parameters?.["/opsctl/demo/lock"];
}

const HOLDER = /error: environment demo is locked by arn:aws:iam::123456789012:user\/sandbox on \S+ \(opsctl up, pid \d+\) since 2026-\S+ \(lease expires 2026-\S+\)/;

let clean: string[];
let cleanWrites: number;

beforeAll(() => {
  const w = workdir();
  w.writeConfig(TEST_CONFIG);
  const r = run(w, ["up", "--sandbox"]);
  expect(r.code, r.stderr).toBe(0);
  clean = inventory(w.state);
  cleanWrites = saved(w.state).calls.write;
  expect(clean.length).toBeGreaterThan(50);
  expect(leaseParameter(w.state)).toBeUndefined();
}, 300_000);

describe("a lock for two operators (SSM lease /opsctl/<env>/lock)", () => {
  it("two `up` started at once on one environment: one runs, the other exits 2 naming the holder, with no write of its own", async () => {
    const w = workdir();
    w.writeConfig(TEST_CONFIG);
    const [a, b] = await Promise.all([start(w, ["up", "--sandbox"]), start(w, ["up", "--sandbox"])]);
    const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
    expect(winner.code, winner.stderr).toBe(0);
    expect(loser.code, loser.stderr).toBe(2);
    expect(loser.stderr).toMatch(HOLDER);
    expect(loser.stderr).not.toMatch(/✔ \S+ (created|updated)/);
    expect(inventory(w.state)).toEqual(clean);
    // The loser's only possible write call is the PutParameter (Overwrite: false) that AWS refused;
    // the winner may renew its lease once more than in a clean run, because the loser's calls move the
    // one shared simulated clock on. Anything else the loser wrote would show in the inventory above.
    expect(saved(w.state).calls.write - cleanWrites).toBeLessThanOrEqual(2);
    expect(leaseParameter(w.state)).toBeUndefined();
  }, 300_000);

  it("a crashed holder's lease blocks writers (not readers) until it expires on the clock, then is taken over with a warning", () => {
    const w = workdir();
    w.writeConfig(TEST_CONFIG);
    const crashed = run(w, ["up", "--sandbox"], { OPSCTL_SANDBOX_FAULTS: JSON.stringify({ crashAfterWrites: 20 }) });
    expect(crashed.code).toBe(1);
    expect(leaseParameter(w.state)).toBeDefined();
    const refused = run(w, ["up", "--sandbox"]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(HOLDER);
    const writesBefore = saved(w.state).calls.write;
    const status = run(w, ["status", "--sandbox"]);
    expect(status.stderr).not.toMatch(/locked/);
    expect(status.code).toBe(1); // half an environment: drift, not a lock
    const noTty = run(w, ["up", "--sandbox", "--force-unlock"]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/--force-unlock: removing the lease on demo held by .* needs confirmation/);
    expect(saved(w.state).calls.write).toBe(writesBefore);
    // 16 simulated minutes later the lease (15 minutes, never renewed) has expired.
    const s = Sandbox.load(w.state, { services: allServices() });
    s.clock.advance(16 * 60_000);
    s.save(w.state);
    const resumed = run(w, ["up", "--sandbox"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/WARNING: taking over the expired lease of arn:aws:iam::123456789012:user\/sandbox .* \(held since 2026-\S+, expired 2026-\S+\)/);
    expect(inventory(w.state)).toEqual(clean);
    expect(leaseParameter(w.state)).toBeUndefined();
  }, 300_000);
});

describe("Ctrl-C during up", () => {
  it("stops starting nodes, lets running calls finish, says what is done and left and how to resume, exits 130; up again converges", async () => {
    const w = workdir();
    w.writeConfig(TEST_CONFIG);
    let sent = false;
    const r = await start(w, ["up", "--sandbox"], (err, child) => {
      if (!sent && (err.match(/✔ /g) ?? []).length >= 15) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    expect(sent).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted \(Ctrl-C\): starting nothing new/);
    expect(r.stderr).toMatch(/interrupted: \d+ nodes done \(\d+ changed\), [1-9]\d* not started — /);
    expect(r.stderr).toMatch(/resume with: opsctl up --sandbox\n/);
    expect(leaseParameter(w.state)).toBeUndefined(); // released on Ctrl-C
    const partial = inventory(w.state);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(clean.length);
    const again = run(w, ["up", "--sandbox"]);
    expect(again.code, again.stderr).toBe(0);
    expect(inventory(w.state)).toEqual(clean);
  }, 300_000);
});

describe("SIGKILL after every k-th write, with the real process and the durable state", () => {
  it("up killed again and again converges to the clean inventory; then up makes 0 writes", () => {
    const w = workdir();
    w.writeConfig(TEST_CONFIG);
    const k = 35;
    const kills: number[] = [];
    let last: Ran | undefined;
    for (let i = 0; i < 30; i++) {
      // Each killed run leaves its lease behind: the operator who saw it die unlocks.
      last = run(w, ["up", "--sandbox", "--force-unlock", "--yes"], { OPSCTL_SANDBOX_FAULTS: JSON.stringify({ killAfterWrites: k }) });
      if (last.signal !== "SIGKILL") break;
      kills.push(saved(w.state).calls.write);
    }
    expect(last!.code, last!.stderr).toBe(0);
    expect(kills.length).toBeGreaterThanOrEqual(Math.floor(cleanWrites / k) - 1);
    // Every kill left its writes on disk: the write count moved on by k each time.
    kills.forEach((n, i) => expect(n - (kills[i - 1] ?? 0)).toBeGreaterThanOrEqual(k));
    expect(inventory(w.state)).toEqual(clean);
    const again = run(w, ["up", "--sandbox"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/, 0 writes,/);
  }, 600_000);
});
