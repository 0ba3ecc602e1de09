import { describe, expect, it } from "vitest";
import { runUp } from "../../src/operations/environment.js";
import { liveInventory, sandboxSession } from "../helpers/env.js";
import type { EngineEvent } from "../../src/engine/events.js";

const inventory = (s: ReturnType<typeof sandboxSession>) =>
  liveInventory(s.sandbox, "demo")
    .map((r) => `${r.key.split("/").slice(1, 3).join("/")} ${r.node}`)
    .sort();

describe("cancellation (Ctrl-C) of a run: the session's signal stops the executor from starting nodes", () => {
  it("running nodes finish, the rest are skipped as cancelled, nothing fails; up again converges to the clean inventory", async () => {
    const clean = sandboxSession();
    expect((await runUp(clean, { emit: () => {} })).report.ok).toBe(true);

    const s = sandboxSession();
    const ctl = new AbortController();
    s.signal = ctl.signal;
    const events: EngineEvent[] = [];
    let done = 0;
    const run = await runUp(s, {
      emit: (e) => {
        events.push(e);
        if (e.type === "node-done" && ++done === 20) ctl.abort();
      },
    });
    expect(run.report.ok).toBe(false);
    const by = (status: string) => run.report.outcomes.filter((o) => o.status === status);
    expect(by("failed")).toEqual([]);
    expect(by("skipped").length).toBeGreaterThan(0);
    // Every node that started before the abort was let finish.
    const started = new Set(events.flatMap((e) => (e.type === "node-start" ? [e.node] : [])));
    expect(by("done").map((o) => o.node).sort()).toEqual([...started].sort());
    expect(started.size).toBeGreaterThanOrEqual(20);
    const reasons = new Set(events.flatMap((e) => (e.type === "node-skipped" ? [e.reason] : [])));
    expect([...reasons]).toEqual(["not started: cancelled (Ctrl-C)"]);

    const again = sandboxSession({ sandbox: s.sandbox });
    const resumed = await runUp(again, { emit: () => {} });
    expect(resumed.report.ok).toBe(true);
    expect(inventory(again)).toEqual(inventory(clean));
  }, 120_000);
});
