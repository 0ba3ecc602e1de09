import { describe, expect, it } from "vitest";
import { runDown, runUp, type EnvironmentRun } from "../../src/operations/environment.js";
import { runPause, runRestore } from "../../src/operations/runbooks.js";
import { costly, keptByDown, liveInventory, sandboxSession } from "../helpers/env.js";
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

  /**
   * The same for the other writing commands (issue 9: Ctrl-C during up/down/restore/pause): a run
   * cancelled after a few nodes fails nothing, skips the rest as cancelled, and the same command run
   * again finishes the job as a clean run would have.
   */
  type Session = ReturnType<typeof sandboxSession>;
  const cases: { command: string; before: (s: Session) => Promise<unknown>; run: (s: Session, emit: (e: EngineEvent) => void) => Promise<EnvironmentRun>; after: number; result: (s: Session) => Promise<unknown> }[] = [
    {
      command: "down",
      before: (s) => runUp(s, { emit: () => {} }),
      run: (s, emit) => runDown(s, { emit }),
      after: 15,
      result: async (s) => ({ live: liveInventory(s.sandbox, "demo").map((r) => r.key), kept: keptByDown(s.sandbox) }),
    },
    {
      command: "pause",
      before: (s) => runUp(s, { emit: () => {} }),
      run: (s, emit) => runPause(s, { emit }),
      after: 3,
      result: (s) => costly(s),
    },
    {
      command: "restore",
      before: async (s) => {
        await runUp(s, { emit: () => {} });
        await runPause(s, { emit: () => {} });
      },
      run: (s, emit) => runRestore(s, { emit }),
      after: 3,
      result: (s) => costly(s),
    },
  ];

  for (const c of cases) {
    it(`${c.command}: cancelled after ${c.after} nodes, nothing fails, the rest is skipped as cancelled; ${c.command} again ends as a clean ${c.command} does`, async () => {
      const clean = sandboxSession();
      await c.before(clean);
      expect((await c.run(clean, () => {})).report.ok).toBe(true);
      const expected = await c.result(clean);

      const s = sandboxSession();
      await c.before(s);
      const ctl = new AbortController();
      s.signal = ctl.signal;
      let done = 0;
      const run = await c.run(s, (e) => {
        if (e.type === "node-done" && ++done === c.after) ctl.abort();
      });
      expect(run.report.ok).toBe(false);
      expect(run.report.outcomes.filter((o) => o.status === "failed")).toEqual([]);
      expect(run.report.outcomes.filter((o) => o.status === "skipped").length).toBeGreaterThan(0);

      const again = sandboxSession({ sandbox: s.sandbox });
      expect((await c.run(again, () => {})).report.ok).toBe(true);
      expect(await c.result(again)).toEqual(expected);
      const third = await c.run(sandboxSession({ sandbox: s.sandbox }), () => {});
      expect(third.apiCalls.write).toBe(0);
    }, 120_000);
  }
});
