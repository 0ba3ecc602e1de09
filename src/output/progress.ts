import type { Clock } from "../engine/clock.js";
import { errorText } from "../operations/environment.js";
import { commandText, operationLine, type OutputEvent, type OutputSink } from "./events.js";

/** Where progress goes and how it looks. */
export interface ProgressOptions {
  /** Spinners (a TTY and not CI) or plain lines. */
  interactive: boolean;
  /** Stream for progress (default: stderr; stdout carries results). */
  stream?: NodeJS.WriteStream;
  /** Stream for results (default: stdout). */
  out?: { write(text: string): unknown };
  clock: Clock;
  /** Shown after times when the clock is simulated. */
  simulated: boolean;
  quiet?: boolean;
}

/** A renderer: an event sink plus a way to stop cleanly. */
export interface Progress {
  emit: OutputSink;
  stop(): void;
}

const VERB = { create: "created", update: "updated", delete: "deleted", noop: "unchanged" } as const;

function secs(ms: number): string {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s` : `${Math.round(ms / 1000)}s`;
}

/**
 * The renderer of every output event: one line per finished node, on a TTY an ora spinner that lists
 * the running nodes with their elapsed time; results on stdout, the rest on stderr.
 * `quiet` drops the progress, never a result.
 */
export async function createProgress(opts: ProgressOptions): Promise<Progress> {
  const out = opts.out ?? process.stdout;
  const err = opts.stream ?? process.stderr;
  const running = new Map<string, { start: number; note?: string }>();
  const actions = new Map<string, string>();
  const sim = opts.simulated ? " simulated" : "";
  let spinner: { text: string; clear(): void; render(): void; stop(): void; start(): unknown } | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (opts.interactive && !opts.quiet) {
    const { default: ora } = await import("ora");
    spinner = ora({ stream: err, text: "starting" }).start() as never;
    timer = setInterval(() => refresh(), 250);
    timer.unref();
  }
  const refresh = () => {
    if (!spinner) return;
    const now = opts.clock.now();
    const items = [...running.entries()].map(([n, r]) => `${n} ${actions.get(n) ?? ""}${r.note ? ` (${r.note})` : ""} ${secs(now - r.start)}`.replace(/\s+/g, " "));
    spinner.text = items.length ? items.slice(0, 6).join(" | ") + (items.length > 6 ? ` | +${items.length - 6} more` : "") : "…";
  };
  const raw = (stream: { write(text: string): unknown }, text: string) => {
    if (spinner) spinner.clear();
    stream.write(text);
    if (spinner) spinner.render();
  };
  const line = (text: string) => raw(err, text + "\n");
  const emit: OutputSink = (e: OutputEvent) => {
    if (e.type === "result" || e.type === "result-json" || e.type === "notice" || e.type === "warning") {
      const c = commandText(e);
      raw(c.stream === "stdout" ? out : err, c.text);
      return;
    }
    if (opts.quiet) return;
    switch (e.type) {
      case "node-start":
        running.set(e.node, { start: e.at });
        break;
      case "node-action":
        actions.set(e.node, e.action === "create" ? "creating" : e.action === "update" ? "updating" : "deleting");
        if (e.changes?.length && !spinner) line(`  ~ ${e.node}: ${e.changes.map((c) => c.field).join(", ")}`);
        break;
      case "node-wait": {
        const r = running.get(e.node);
        if (r) r.note = e.message;
        if (!spinner) line(`  … ${e.node}: ${e.message}`);
        break;
      }
      case "node-warn":
        line(`  ! ${e.node}: ${e.message}`);
        break;
      case "node-done":
        running.delete(e.node);
        if (e.action !== "noop" || !spinner) line(`  ${e.action === "noop" ? "=" : "✔"} ${e.node} ${VERB[e.action]}${e.id ? ` ${e.id}` : ""} (${secs(e.elapsedMs)}${sim})`);
        break;
      case "node-failed":
        running.delete(e.node);
        line(`  ✖ ${e.node} failed after ${secs(e.elapsedMs)}${sim}: ${errorText(e.error)}`);
        break;
      case "node-skipped":
        line(`  - ${e.node} skipped (${e.reason})`);
        break;
      case "message":
        line(e.level === "warn" ? `warning: ${e.text}` : e.text);
        break;
      case "tool-output":
        raw(err, e.chunk);
        break;
      default:
        line(operationLine(e));
    }
    refresh();
  };
  return {
    emit,
    stop: () => {
      if (timer) clearInterval(timer);
      spinner?.stop();
      // Lines after stop() are plain: a stopped spinner must not be drawn again.
      spinner = undefined;
    },
  };
}
