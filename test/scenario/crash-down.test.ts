import { describe, expect, it } from "vitest";
import { runDown, runUp } from "../../src/operations/environment.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";
import { sandboxSession, liveInventory, keptByDown } from "../helpers/env.js";

const emit = () => {};

const kept = (sb: Sandbox) => keptByDown(sb);

describe("crash after the k-th write of `down`, then `down` again (nothing lost, nothing left)", () => {
  it("for every k: nothing tagged is left running, and exactly what a clean down keeps is kept (one final snapshot, secrets and keys pending deletion)", async () => {
    const base = sandboxSession();
    expect((await runUp(base, { emit })).report.ok).toBe(true);
    const snapshot = JSON.stringify(base.sandbox.snapshot());
    const fresh = () => new Sandbox({ state: JSON.parse(snapshot), services: allServices() });

    const clean = fresh();
    expect((await runDown(sandboxSession({ sandbox: clean }), { emit })).report.ok).toBe(true);
    const writes = clean.writeCount;
    expect(writes).toBeGreaterThan(50);
    const expected = kept(clean);
    expect(expected.filter((k) => k.startsWith("rds/snapshots db-instance:main manual"))).toHaveLength(1);
    expect(expected.filter((k) => k.startsWith("secretsmanager/") && k.endsWith("pending deletion")).length).toBeGreaterThan(4);
    expect(expected.filter((k) => k.startsWith("kms/") && k.endsWith("PendingDeletion")).length).toBeGreaterThan(2);

    const failures: string[] = [];
    for (let k = 1; k <= writes; k++) {
      const sb = fresh();
      const crashed = await runDown(sandboxSession({ sandbox: sb, faults: { crashAfterWrites: k } }), { emit });
      if (crashed.report.ok) failures.push(`k=${k}: the crash did not stop it`);
      const again = await runDown(sandboxSession({ sandbox: sb, faults: {} }), { emit });
      if (!again.report.ok) {
        failures.push(`k=${k}: the second down failed: ${again.report.outcomes.filter((o) => o.status === "failed").map((o) => `${o.node}: ${String((o.error as Error)?.message)}`).join("; ")}`);
        continue;
      }
      const left = liveInventory(sb, "demo").map((r) => `${r.key} ${r.node}`);
      if (left.length) failures.push(`k=${k}: still there: ${left.join(", ")}`);
      const got = kept(sb);
      if (JSON.stringify(got) !== JSON.stringify(expected)) failures.push(`k=${k}: kept ${JSON.stringify(got.filter((x) => !expected.includes(x)))} instead of ${JSON.stringify(expected.filter((x) => !got.includes(x)))}`);
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
