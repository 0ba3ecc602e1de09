import { describe, expect, it } from "vitest";
import { runUp } from "../../src/operations/environment.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";
import { sandboxSession, liveInventory, statesAfterEachWrite } from "../helpers/env.js";

const emit = () => {};

/** What exists, per table and node (kind of "inventory" a duplicate or an orphan would change). */
function inventory(s: ReturnType<typeof sandboxSession>): string[] {
  return liveInventory(s.sandbox, "demo")
    .map((r) => `${r.key.split("/").slice(1, 3).join("/")} ${r.node}`)
    .sort();
}

const fromState = (json: string) => new Sandbox({ state: JSON.parse(json), services: allServices() });

describe("crash after the k-th write of a from-zero up, then up again", () => {
  // The simulated AWS right after each write of one clean run: exactly what a process killed just after
  // its k-th write leaves (in that run's order of concurrent writes), for every k, without replaying
  // the first k writes once per k. The crash fault itself is exercised by the first test.
  const clean = sandboxSession();
  const recorded = statesAfterEachWrite(clean.sandbox, () => runUp(clean, { emit }));

  it("a process that crashed (crash fault) after half its writes: up again gives the clean inventory, then 0 writes", async () => {
    const { states } = await recorded;
    const k = Math.ceil(states.length / 2);
    const s = sandboxSession({ faults: { crashAfterWrites: k } });
    const crashed = await runUp(s, { emit });
    expect(crashed.report.ok).toBe(false);
    expect(s.sandbox.hasCrashed).toBe(true);
    expect(s.sandbox.writeCount).toBe(k);
    const again = sandboxSession({ sandbox: s.sandbox, faults: {} });
    expect((await runUp(again, { emit })).report.ok).toBe(true);
    expect(inventory(again)).toEqual(inventory(clean));
    expect((await runUp(sandboxSession({ sandbox: s.sandbox, faults: {} }), { emit })).apiCalls.write).toBe(0);
  });

  it("gives the same inventory as a clean run for every k: no duplicate, no orphan", async () => {
    const { result: cleanRun, states } = await recorded;
    expect(cleanRun.report.ok).toBe(true);
    const expected = inventory(clean);
    // Writes that took effect (the client-side count also includes writes AWS refused).
    expect(states.length).toBe(clean.sandbox.writeCount);
    expect(states.length).toBeGreaterThan(50);

    const failures: string[] = [];
    for (let k = 1; k <= states.length; k++) {
      const sandbox = fromState(states[k - 1]);
      // A new process: no faults, fresh clients and caches, the simulated AWS the crash left.
      const again = sandboxSession({ sandbox });
      const resumed = await runUp(again, { emit });
      if (!resumed.report.ok) {
        const f = resumed.report.outcomes.find((o) => o.status === "failed");
        failures.push(`k=${k}: resume failed at ${f?.node}: ${String((f?.error as Error)?.message)}`);
        continue;
      }
      const got = inventory(again);
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        const extra = got.filter((x) => !expected.includes(x) || got.filter((y) => y === x).length > expected.filter((y) => y === x).length);
        const missing = expected.filter((x) => !got.includes(x));
        failures.push(`k=${k}: extra ${JSON.stringify([...new Set(extra)])} missing ${JSON.stringify(missing)}`);
      }
      const third = await runUp(sandboxSession({ sandbox }), { emit });
      if (third.apiCalls.write !== 0) failures.push(`k=${k}: a third up still wrote ${third.apiCalls.write} times`);
      again.close();
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
