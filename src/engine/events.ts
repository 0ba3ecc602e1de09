import type { FieldChange } from "./resource.js";

/** What a node does in a run. */
export type Action = "create" | "update" | "noop" | "delete";

/** Progress events: the core emits them, one renderer prints them (spinners, plain lines or nothing). */
export type EngineEvent =
  | { type: "node-start"; node: string; at: number }
  | { type: "node-action"; node: string; action: Action; changes?: FieldChange[]; at: number }
  | { type: "node-wait"; node: string; message: string; at: number }
  | { type: "node-warn"; node: string; message: string; at: number }
  | { type: "node-done"; node: string; action: Action; id?: string; at: number; elapsedMs: number }
  | { type: "node-failed"; node: string; error: unknown; at: number; elapsedMs: number }
  | { type: "node-skipped"; node: string; reason: string }
  | { type: "message"; level: "info" | "warn"; text: string };

/** A sink for events. */
export type EventSink = (e: EngineEvent) => void;
