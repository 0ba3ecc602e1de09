import { describe, expect, it } from "vitest";
import { runUp } from "../../src/operations/environment.js";
import { sandboxSession, liveInventory } from "../helpers/env.js";

const emit = () => {};

/** What exists, per table and node (kind of "inventory" a duplicate or an orphan would change). */
function inventory(s: ReturnType<typeof sandboxSession>): string[] {
  return liveInventory(s.sandbox, "demo")
    .map((r) => `${r.key.split("/").slice(1, 3).join("/")} ${r.node}`)
    .sort();
}

describe("crash after the k-th write of a from-zero up, then up again", () => {
  it("gives the same inventory as a clean run for every k: no duplicate, no orphan", async () => {
    const clean = sandboxSession();
    const cleanRun = await runUp(clean, { emit });
    expect(cleanRun.report.ok).toBe(true);
    const expected = inventory(clean);
    // Writes that took effect (the client-side count also includes writes AWS refused).
    const totalWrites = clean.sandbox.writeCount;
    expect(totalWrites).toBeGreaterThan(50);

    const failures: string[] = [];
    for (let k = 1; k <= totalWrites; k++) {
      const s = sandboxSession({ faults: { crashAfterWrites: k } });
      const crashed = await runUp(s, { emit });
      if (crashed.report.ok) failures.push(`k=${k}: the crash did not stop the run`);
      // A new process: no faults, fresh clients and caches, same simulated AWS.
      const again = sandboxSession({ sandbox: s.sandbox, faults: {} });
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
      const third = await runUp(sandboxSession({ sandbox: s.sandbox, faults: {} }), { emit });
      if (third.apiCalls.write !== 0) failures.push(`k=${k}: a third up still wrote ${third.apiCalls.write} times`);
    }
    expect(failures).toEqual([]);
  }, 600_000); // about 70 s on a quiet 2-core machine; CI runs it beside the other files
});
