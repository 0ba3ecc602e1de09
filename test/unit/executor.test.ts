import { describe, expect, it } from "vitest";
import { SimClock } from "../../src/engine/clock.js";
import { execute, type ExecEvent } from "../../src/engine/executor.js";

const task = (clock: SimClock, id: string, deps: string[], ms: number, log: string[], fail = false) => ({
  id,
  deps,
  run: async () => {
    log.push(`start ${id} @${clock.now()}`);
    await clock.sleep(ms);
    if (fail) throw new Error(`${id} broke`);
    log.push(`end ${id} @${clock.now()}`);
    return id;
  },
});

describe("executor", () => {
  it("starts a node as soon as its own dependencies are done (no waves)", async () => {
    const clock = new SimClock(0);
    const log: string[] = [];
    // wave thinking would start c only after b (slow) ends; c depends only on a.
    const r = await execute([task(clock, "a", [], 1000, log), task(clock, "b", [], 10_000, log), task(clock, "c", ["a"], 1000, log), task(clock, "d", ["b", "c"], 1000, log)], { clock });
    expect(r.ok).toBe(true);
    expect(log).toContain("start c @1000");
    expect(log).toContain("start d @10000");
    expect(r.endedAt - r.startedAt).toBe(11_000);
  });

  it("bounds concurrency", async () => {
    const clock = new SimClock(0);
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 30 }, (_, i) => ({
      id: `t${i}`,
      deps: [],
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        await clock.sleep(1000);
        running--;
      },
    }));
    const r = await execute(tasks, { clock, concurrency: 10 });
    expect(r.ok).toBe(true);
    expect(peak).toBe(10);
    expect(r.endedAt).toBe(3000);
  });

  it("after a failure starts nothing new, lets running tasks finish and reports the skipped ones", async () => {
    const clock = new SimClock(0);
    const log: string[] = [];
    const events: ExecEvent[] = [];
    const r = await execute(
      [task(clock, "bad", [], 1000, log, true), task(clock, "slow", [], 5000, log), task(clock, "after-bad", ["bad"], 1000, log), task(clock, "after-slow", ["slow"], 1000, log)],
      { clock, onEvent: (e) => events.push(e) },
    );
    expect(r.ok).toBe(false);
    const status = Object.fromEntries(r.results.map((x) => [x.id, x.status]));
    expect(status).toEqual({ bad: "failed", slow: "done", "after-bad": "skipped", "after-slow": "skipped" });
    expect(log).toContain("end slow @5000");
    expect(events.filter((e) => e.type === "task-skip").map((e) => (e as { id: string }).id).sort()).toEqual(["after-bad", "after-slow"]);
  });

  it("refuses a cyclic plan before running anything", async () => {
    const clock = new SimClock(0);
    const log: string[] = [];
    await expect(execute([task(clock, "a", ["b"], 1, log), task(clock, "b", ["a"], 1, log)], { clock })).rejects.toThrow("a -> b -> a");
    expect(log).toEqual([]);
  });
});
