import { commandText, type CommandEvent } from "./events.js";

/** The two streams a command writes to: results on `out`, everything else on `err`. */
export interface Streams {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

/**
 * Renders a command event without a progress renderer: for commands that open no session
 * (`init`, `config schema`), and for what is said before the renderer starts or after it quit.
 */
export function print(e: CommandEvent, streams: Streams = { out: process.stdout, err: process.stderr }): void {
  const { stream, text } = commandText(e);
  (stream === "stdout" ? streams.out : streams.err).write(text);
}

/** Writes a JSON document on stdout (the --json result). */
export function printJson(doc: unknown): void {
  print({ type: "result-json", doc });
}
