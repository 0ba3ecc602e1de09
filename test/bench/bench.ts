/**
 * `npm run bench [-- --json] [-- --jitter]`: runs the environment on the sandbox's simulated clock with the typical
 * durations of src/aws/aws-durations.json and reports, for up from zero, up again, status and down:
 * the simulated makespan, the plan's critical path, their ratio, the sequential sum and API calls.
 *
 * Jitter (`--jitter`, and always in `--json` as `"jitter"`): durations that vary like AWS's. For each seed the
 * sandbox draws every operation's duration from a log-normal around its typical value (σ = 0.5, fault
 * `durationJitter`), and up → pause → restore → down runs twice on the same draws: once with every wait
 * reading each simulated second (the reference: each node's duration is then its realized duration, within 1 s),
 * once with the engine's own schedule. Reported per command: makespan ÷ the critical path over the reference
 * durations (the realized critical path), and the mean detection lag: over the nodes that waited, the node's
 * duration minus its realized duration.
 */
import { spawnSync } from "node:child_process";
import { runDown, runStatus, runUp, type EnvironmentRun } from "../../src/operations/environment.js";
import { runPause, runRestore } from "../../src/operations/runbooks.js";
import { typicalMs } from "../../src/aws/durations.js";
import { seedHostedZone } from "../../src/sandbox/services/route53.js";
import { DEMO_IMAGE } from "../../src/operations/session.js";
import { validateConfig } from "../../src/config/load.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";
import { AwsClients } from "../../src/aws/clients.js";
import type { Session } from "../../src/operations/session.js";
import type { Faults } from "../../src/sandbox/types.js";
import { criticalPath } from "../../src/engine/graph.js";
import { setPollObserver, setPollSchedule } from "../../src/engine/poll.js";

interface Figures {
  makespan_s: number;
  critical_path_s: number;
  sequential_s: number;
  reads: number;
  writes: number;
  makespan_over_critical_path: number | null;
  sequential_over_makespan: number | null;
  wall_ms: number;
}

const config = validateConfig({
  env: "bench",
  region: "eu-west-1",
  secondaryRegion: "eu-central-1",
  bastion: { allowedCidrs: ["203.0.113.0/24"] },
  dns: { domain: "opsctl-bench.example.com" },
  compute: { image: DEMO_IMAGE },
}).config;
function newSession(faults?: Faults): Session {
  const sandbox = new Sandbox({ services: allServices(), faults });
  seedHostedZone(sandbox, config.dns.domain!);
  return { config, warnings: [], aws: new AwsClients({ region: config.region, sandbox }), clock: sandbox.clock, sandbox, save() {}, close: async () => {} };
}
const session = newSession();

function figures(run: EnvironmentRun, wallMs: number, counted: boolean, sequentialOverride?: number): Figures {
  if (!run.report.ok) throw new Error(`${run.command} failed: ${run.report.outcomes.filter((o) => o.status === "failed").map((o) => `${o.node}: ${String(o.error)}`).join("; ")}`);
  const weight = (id: string) => {
    const r = run.plan.nodes.find((n) => n.id === id)!.resource;
    return run.command === "down" ? (r.typicalDeleteMs ?? 0) : r.typicalCreateMs;
  };
  // A run that changes nothing has no work on its critical path.
  const critical = counted ? run.criticalPath.totalMs : 0;
  const sequential = sequentialOverride ?? (counted ? run.plan.nodes.reduce((s, n) => s + weight(n.id), 0) : 0);
  const r2 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    makespan_s: run.makespanMs / 1000,
    critical_path_s: critical / 1000,
    sequential_s: sequential / 1000,
    reads: run.apiCalls.read,
    writes: run.apiCalls.write,
    makespan_over_critical_path: critical ? r2(run.makespanMs / critical) : null,
    sequential_over_makespan: counted && run.makespanMs ? r2(sequential / run.makespanMs) : null,
    wall_ms: Math.round(wallMs),
  };
}

async function timed(fn: () => Promise<EnvironmentRun>): Promise<[EnvironmentRun, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

const emit = () => {};
const [upRun, upWall] = await timed(() => runUp(session, { emit }));
const [noopRun, noopWall] = await timed(() => runUp(session, { emit }));
const [statusRun, statusWall] = await timed(() => runStatus(session, { emit }));
const [pauseRun, pauseWall] = await timed(() => runPause(session, { emit }));
const [restoreRun, restoreWall] = await timed(() => runRestore(session, { emit }));
const [downRun, downWall] = await timed(() => runDown(session, { emit }));

/**
 * The notes' own restore order (§17), one step after another, as an operator follows the runbook:
 * NAT gateway; ECS desired count 2 + redeploy; start the bastion; recreate the ALB (target group,
 * listeners) and point the api record at it (Route 53 in sync); start RDS.
 */
const notesRestoreSequential =
  typicalMs("ec2.elastic-ip.allocate") +
  typicalMs("ec2.nat-gateway.create") +
  typicalMs("ecs.service.redeploy") +
  typicalMs("ec2.instance.start") +
  typicalMs("elbv2.load-balancer.create") +
  typicalMs("elbv2.listener.create") * 2 +
  typicalMs("route53.change.insync") +
  typicalMs("rds.instance.start");
/** pause in the inverse order, one step after another. */
const notesPauseSequential =
  typicalMs("ecs.service.drain") + typicalMs("elbv2.load-balancer.delete") + typicalMs("ec2.nat-gateway.delete") + typicalMs("ec2.instance.stop") + typicalMs("rds.instance.stop");

/**
 * CLI start (issue 10, item 12): median wall time of `opsctl --help` against a bare `node -e 0`,
 * interleaved so both see the same machine load. Runs the built CLI (bin/opsctl.js → dist).
 */
function cliStart(runs = 15): { help_s: number; node_s: number; ratio: number; runs: number } {
  const time = (args: string[]) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: "ignore", env: { ...process.env, OPSCTL_QUIET_NODE: "1" } });
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
    return performance.now() - t;
  };
  const help: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    help.push(time(["bin/opsctl.js", "--help"]));
    bare.push(time(["-e", "0"]));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return { help_s: r3(median(help) / 1000), node_s: r3(median(bare) / 1000), ratio: r3(median(help) / median(bare)), runs };
}

const result = {
  cli_start: cliStart(),
  up: figures(upRun, upWall, true),
  noop_up: figures(noopRun, noopWall, false),
  status: figures(statusRun, statusWall, false),
  pause: figures(pauseRun, pauseWall, true, notesPauseSequential),
  restore: figures(restoreRun, restoreWall, true, notesRestoreSequential),
  down: figures(downRun, downWall, true),
  critical_path: { up: upRun.criticalPath.path, pause: pauseRun.criticalPath.path, restore: restoreRun.criticalPath.path, down: downRun.criticalPath.path },
  sequential_baseline: "up/down: sum of every node's typical duration; pause/restore: the notes' §17 steps one after another",
  durations: "src/aws/aws-durations.json (typical)",
};

const JITTER_COMMANDS = ["up", "pause", "restore", "down"] as const;
type JitterCommand = (typeof JITTER_COMMANDS)[number];
const SEEDS = [1, 2, 3, 4, 5];
const SIGMA = 0.5;

/** up → pause → restore → down on one seed's draws; per command the run and the nodes that polled at least twice. */
async function jitterRuns(seed: number): Promise<Record<JitterCommand, { run: EnvironmentRun; waited: Set<string> }>> {
  const s = newSession({ durationJitter: { sigma: SIGMA, seed } });
  let waited = new Set<string>();
  setPollObserver((r) => {
    if (r.node && r.reads > 1) waited.add(r.node);
  });
  const out = {} as Record<JitterCommand, { run: EnvironmentRun; waited: Set<string> }>;
  const fns: Record<JitterCommand, () => Promise<EnvironmentRun>> = {
    up: () => runUp(s, { emit }),
    pause: () => runPause(s, { emit }),
    restore: () => runRestore(s, { emit }),
    down: () => runDown(s, { emit }),
  };
  for (const c of JITTER_COMMANDS) {
    waited = new Set();
    const run = await fns[c]();
    if (!run.report.ok) throw new Error(`jitter seed ${seed}: ${c} failed: ${run.report.outcomes.filter((o) => o.status === "failed").map((o) => `${o.node}: ${String(o.error)}`).join("; ")}`);
    out[c] = { run, waited };
  }
  setPollObserver(undefined);
  return out;
}

const durationsOf = (run: EnvironmentRun) => new Map(run.report.outcomes.map((o) => [o.node, (o.endedAt ?? 0) - (o.startedAt ?? 0)]));

interface JitterSeed {
  seed: number;
  makespan_s: number;
  realized_critical_path_s: number;
  ratio: number;
  lag_mean_s: number;
  waits: number;
  reads: number;
}

async function jitter(): Promise<{ perSeed: Record<JitterCommand, JitterSeed[]>; summary: Record<JitterCommand, { ratio_max: number; lag_mean_s: number; seeds: number }> }> {
  const perSeed = { up: [], pause: [], restore: [], down: [] } as Record<JitterCommand, JitterSeed[]>;
  for (const seed of SEEDS) {
    setPollSchedule(() => 1_000);
    const reference = await jitterRuns(seed);
    setPollSchedule(undefined);
    const measured = await jitterRuns(seed);
    for (const c of JITTER_COMMANDS) {
      const ref = durationsOf(reference[c].run);
      const got = durationsOf(measured[c].run);
      const run = measured[c].run;
      const realized = criticalPath(run.plan.nodes, (id) => ref.get(id) ?? 0).total;
      const lags = [...measured[c].waited].map((id) => Math.max(0, (got.get(id) ?? 0) - (ref.get(id) ?? 0)));
      const r3 = (x: number) => Math.round(x * 1000) / 1000;
      perSeed[c].push({
        seed,
        makespan_s: r3(run.makespanMs / 1000),
        realized_critical_path_s: r3(realized / 1000),
        ratio: realized ? r3(run.makespanMs / realized) : 1,
        lag_mean_s: lags.length ? r3(lags.reduce((a, b) => a + b, 0) / lags.length / 1000) : 0,
        waits: lags.length,
        reads: run.apiCalls.read,
      });
    }
  }
  const summary = {} as Record<JitterCommand, { ratio_max: number; lag_mean_s: number; seeds: number }>;
  for (const c of JITTER_COMMANDS) {
    const rows = perSeed[c];
    summary[c] = {
      ratio_max: Math.max(...rows.map((r) => r.ratio)),
      lag_mean_s: Math.round((rows.reduce((a, r) => a + r.lag_mean_s, 0) / rows.length) * 1000) / 1000,
      seeds: rows.length,
    };
  }
  return { perSeed, summary };
}

const wantJitter = process.argv.includes("--json") || process.argv.includes("--jitter");
const jittered = wantJitter ? await jitter() : undefined;

if (process.argv.includes("--json")) {
  Object.assign(result, { jitter: jittered!.summary, jitter_per_seed: jittered!.perSeed, jitter_model: `log-normal around typical, sigma ${SIGMA}, one draw per operation name per seed` });
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
} else {
  const rows = (["up", "noop_up", "status", "pause", "restore", "down"] as const).map((k) => {
    const f = result[k];
    return `${k.padEnd(8)} makespan ${String(f.makespan_s).padStart(7)} s  critical path ${String(f.critical_path_s).padStart(7)} s  ratio ${String(f.makespan_over_critical_path ?? "-").padStart(6)}  sequential ${String(f.sequential_s).padStart(7)} s  seq/makespan ${String(f.sequential_over_makespan ?? "-").padStart(6)}  reads ${String(f.reads).padStart(4)}  writes ${String(f.writes).padStart(4)}  (${f.wall_ms} ms real)`;
  });
  process.stdout.write(
    [
      "opsctl benchmark — simulated AWS, typical durations (src/aws/aws-durations.json)",
      `cli start: opsctl --help ${result.cli_start.help_s} s, node -e 0 ${result.cli_start.node_s} s, ratio ${result.cli_start.ratio} (medians of ${result.cli_start.runs})`,
      ...rows,
      ...(["up", "pause", "restore", "down"] as const).map((k) => `${k} critical path: ${result.critical_path[k].join(" -> ")}`),
      `sequential: ${result.sequential_baseline}`,
      ...(jittered
        ? [
            `jitter — log-normal durations (sigma ${SIGMA}), ${SEEDS.length} seeds; ratio = makespan / realized critical path; lag = mean detection lag over the nodes that waited`,
            ...JITTER_COMMANDS.flatMap((c) => [
              `${c.padEnd(8)} ratio max ${jittered.summary[c].ratio_max}  lag mean ${jittered.summary[c].lag_mean_s} s`,
              ...jittered.perSeed[c].map((r) => `  seed ${r.seed}: makespan ${r.makespan_s} s  realized critical path ${r.realized_critical_path_s} s  ratio ${r.ratio}  lag ${r.lag_mean_s} s over ${r.waits} waits  reads ${r.reads}`),
            ]),
          ]
        : []),
    ].join("\n") + "\n",
  );
}
