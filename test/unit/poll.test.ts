import { describe, expect, it } from "vitest";
import { SimClock } from "../../src/engine/clock.js";
import { defaultSchedule, pollUntil } from "../../src/engine/poll.js";

/** Waits on a fake clock for something that becomes ready `readyAfterMs` after the wait begins. */
async function waitFor(readyAfterMs: number, typicalMs: number) {
  const clock = new SimClock(0);
  const reads: number[] = [];
  const value = await pollUntil({
    clock,
    typicalMs,
    budgetMs: 3 * 3600_000,
    read: async () => clock.now() >= readyAfterMs,
    done: (ready) => ready,
    onRead: (_v, elapsed) => reads.push(elapsed),
    timeout: () => new Error("timeout"),
  });
  return { value, noticedMs: clock.now(), reads };
}

describe("pollUntil's schedule (issue 13 Build 4)", () => {
  const typicals = [0, 30_000, 420_000, 1_200_000];
  const readyAt = [500, 4_000, 7_300, 26_000, 61_000, 140_000, 299_000, 420_000, 777_000, 1_500_000, 3_000_000];
  for (const typical of typicals) {
    it(`typical ${typical / 1000} s: anything ready is noticed within max(5 s, 10 % of the elapsed wait)`, async () => {
      for (const t of readyAt) {
        const { value, noticedMs, reads } = await waitFor(t, typical);
        expect(value).toBe(true);
        expect(noticedMs - t, `ready at ${t / 1000} s, noticed at ${noticedMs / 1000} s`).toBeLessThanOrEqual(Math.max(5_000, 0.1 * t));
        // Never a first read at the typical duration: the first look comes 5 s into the wait.
        if (reads.length > 1) expect(reads[1]).toBe(5_000);
        // A sane number of reads: 5 s steps while short, then a few percent of the elapsed wait.
        expect(reads.length, `${reads.length} reads for ${t / 1000} s`).toBeLessThanOrEqual(t <= 60_000 ? 14 : 110);
      }
    });
  }

  it("backs off: the gap grows with the elapsed wait, denser from a third of the typical duration on, capped at 2 min", () => {
    expect(defaultSchedule(0, 420_000)).toBe(5_000);
    expect(defaultSchedule(100_000, 420_000)).toBe(10_000);
    expect(defaultSchedule(200_000, 420_000)).toBe(8_000);
    expect(defaultSchedule(400_000, 0)).toBe(40_000);
    expect(defaultSchedule(10 * 3600_000, 420_000)).toBe(120_000);
  });

  it("a wait out of its budget ends with the caller's error after one last read at the budget", async () => {
    const clock = new SimClock(0);
    let reads = 0;
    const err = await pollUntil({
      clock,
      typicalMs: 60_000,
      budgetMs: 90_000,
      read: async () => (reads++, "pending"),
      done: (s) => s === "available",
      timeout: (s, elapsed) => new Error(`still ${s} after ${elapsed / 1000} s`),
    }).catch((e: Error) => e);
    expect((err as Error).message).toBe("still pending after 90 s");
    expect(clock.now()).toBe(90_000);
    expect(reads).toBeLessThan(25);
  });

  it("a failed state stops the wait at once, without waiting out the budget", async () => {
    const clock = new SimClock(0);
    let reads = 0;
    const err = await pollUntil({
      clock,
      typicalMs: 600_000,
      budgetMs: 3600_000,
      read: async (): Promise<string> => (++reads >= 3 ? "create-failed" : "creating"),
      done: (s) => s === "available",
      failure: (s) => (s === "create-failed" ? new Error("create-failed: insufficient capacity") : undefined),
      timeout: () => new Error("timeout"),
    }).catch((e: Error) => e);
    expect((err as Error).message).toBe("create-failed: insufficient capacity");
    expect(reads).toBe(3);
    expect(clock.now()).toBe(10_000);
  });

  it("a value the caller already read is checked before any sleep", async () => {
    const clock = new SimClock(0);
    let reads = 0;
    const v = await pollUntil({ clock, typicalMs: 1000, budgetMs: 1000, initial: { value: "available" }, read: async () => (reads++, "x"), done: (s) => s === "available", timeout: () => new Error("timeout") });
    expect([v, reads, clock.now()]).toEqual(["available", 0, 0]);
  });
});
