/**
 * `npm run bench [-- --json]`: runs the environment on the sandbox's simulated clock with the typical
 * durations of src/aws/aws-durations.json and reports, for up from zero, up again, status and down:
 * the simulated makespan, the plan's critical path, their ratio, the sequential sum and API calls.
 */
import { runDown, runStatus, runUp, type EnvironmentRun } from "../../src/operations/environment.js";
import { validateConfig } from "../../src/config/load.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";
import { AwsClients } from "../../src/aws/clients.js";
import type { Session } from "../../src/operations/session.js";

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

const config = validateConfig({ env: "bench", region: "eu-west-1", secondaryRegion: "eu-central-1", bastion: { allowedCidrs: ["203.0.113.0/24"] } }).config;
const sandbox = new Sandbox({ services: allServices() });
const session: Session = { config, warnings: [], aws: new AwsClients({ region: config.region, sandbox }), clock: sandbox.clock, sandbox, save() {}, close: async () => {} };

function figures(run: EnvironmentRun, wallMs: number, counted: boolean): Figures {
  if (!run.report.ok) throw new Error(`${run.command} failed: ${run.report.outcomes.filter((o) => o.status === "failed").map((o) => `${o.node}: ${String(o.error)}`).join("; ")}`);
  const weight = (id: string) => {
    const r = run.plan.nodes.find((n) => n.id === id)!.resource;
    return run.command === "down" ? (r.typicalDeleteMs ?? 0) : r.typicalCreateMs;
  };
  // A run that changes nothing has no work on its critical path.
  const critical = counted ? run.criticalPath.totalMs : 0;
  const sequential = counted ? run.plan.nodes.reduce((s, n) => s + weight(n.id), 0) : 0;
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
const [downRun, downWall] = await timed(() => runDown(session, { emit }));
const result = {
  up: figures(upRun, upWall, true),
  noop_up: figures(noopRun, noopWall, false),
  status: figures(statusRun, statusWall, false),
  down: figures(downRun, downWall, true),
  critical_path: { up: upRun.criticalPath.path, down: downRun.criticalPath.path },
  durations: "src/aws/aws-durations.json (typical)",
};

if (process.argv.includes("--json")) {
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
} else {
  const rows = (["up", "noop_up", "status", "down"] as const).map((k) => {
    const f = result[k];
    return `${k.padEnd(8)} makespan ${String(f.makespan_s).padStart(7)} s  critical path ${String(f.critical_path_s).padStart(7)} s  ratio ${String(f.makespan_over_critical_path ?? "-").padStart(6)}  sequential ${String(f.sequential_s).padStart(7)} s  seq/makespan ${String(f.sequential_over_makespan ?? "-").padStart(6)}  reads ${String(f.reads).padStart(4)}  writes ${String(f.writes).padStart(4)}  (${f.wall_ms} ms real)`;
  });
  process.stdout.write(
    [
      "opsctl benchmark — simulated AWS, typical durations (src/aws/aws-durations.json)",
      ...rows,
      `up critical path: ${result.critical_path.up.join(" -> ")}`,
      `down critical path: ${result.critical_path.down.join(" -> ")}`,
    ].join("\n") + "\n",
  );
}
