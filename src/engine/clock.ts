/**
 * One clock for every sleep and wait in opsctl, so the sandbox can run a
 * 20-minute `up` on simulated time in seconds.
 */
export interface Clock {
  /** Milliseconds since the epoch (real or simulated). */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/** Wall-clock time. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A discrete-event clock: time stands still while anything is runnable and
 * jumps to the earliest pending timer once the event loop has drained (the
 * way fake-timer libraries do it). Work that resolves immediately — such as
 * the simulated AWS — therefore costs no simulated time unless it sleeps.
 */
export class SimClock implements Clock {
  private t: number;
  private timers: Timer[] = [];
  private seq = 0;
  private activity = 0;
  private pumping = false;
  private holds = 0;

  constructor(startMs: number) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  /** Marks that something happened (a simulated call); delays the next jump. */
  touch(): void {
    this.activity++;
  }

  /**
   * Real (non-simulated) work in flight, such as loading a module from disk: time
   * must not jump while it runs, or the work would seem to take simulated time.
   */
  hold<T>(work: Promise<T>): Promise<T> {
    this.holds++;
    this.activity++;
    const release = () => {
      this.holds--;
      this.activity++;
    };
    work.then(release, release);
    return work;
  }

  /** Moves time forward without waiting (used between CLI invocations). */
  advance(ms: number): void {
    this.t += ms;
  }

  sleep(ms: number): Promise<void> {
    this.activity++;
    const at = this.t + Math.max(0, ms);
    const p = new Promise<void>((resolve) => this.timers.push({ at, seq: this.seq++, resolve }));
    if (!this.pumping) {
      this.pumping = true;
      void this.pump();
    }
    return p;
  }

  private async pump(): Promise<void> {
    for (;;) {
      let seen: number;
      do {
        seen = this.activity;
        for (let i = 0; i < 4; i++) await new Promise<void>((r) => setImmediate(r));
      } while (seen !== this.activity || this.holds > 0);
      if (this.timers.length === 0) {
        this.pumping = false;
        return;
      }
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const first = this.timers[0].at;
      this.t = Math.max(this.t, first);
      const due = this.timers.filter((x) => x.at <= this.t);
      this.timers = this.timers.filter((x) => x.at > this.t);
      this.activity++;
      for (const d of due) d.resolve();
    }
  }
}
