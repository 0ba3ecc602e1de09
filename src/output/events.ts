import type { EngineEvent } from "../engine/events.js";

/*
 * Everything a command shows is one of these events, and only src/output turns them into text.
 *
 * The engine's own events (node started, waiting, done…) stay in src/engine/events.ts, which knows
 * no AWS service. The events below name buckets, distributions and images, so they live here,
 * beside the renderers that print them (STYLE.md: "src/output/ progress events and their
 * renderers"); operations import them as types only.
 */

/** Progress of `deploy-web` (CDN-01). */
export type DeployWebEvent =
  | { type: "web-upload"; bucket: string; files: number }
  | { type: "web-invalidation-wait"; invalidationId: string; distributionId: string };

/** Progress of `image push` (ECS-05). */
export type ImagePushEvent =
  | { type: "image-found"; ref: string }
  | { type: "image-build"; ref: string; engine: string; context: string }
  | { type: "image-push"; ref: string }
  | { type: "image-simulated"; ref: string }
  /** Output of the container engine as it comes (build and push progress), passed through untouched. */
  | { type: "tool-output"; chunk: string };

/**
 * What a command tells the user outside the engine's progress: its result (stdout: text, or one
 * JSON document with --json, and nothing else), a notice or a warning (stderr).
 */
export type CommandEvent =
  /** Result text on stdout; a line break is added unless the text ends with one. */
  | { type: "result"; text: string }
  /** The --json result: one JSON document on stdout. */
  | { type: "result-json"; doc: unknown }
  /** A line on stderr, printed as it is (`wrote FILE`, `sandbox: …`, `interrupted: …`). */
  | { type: "notice"; text: string }
  /** A warning on stderr: `WARNING: [field: ]text`. */
  | { type: "warning"; field?: string; text: string };

/** Every event a command can emit. */
export type OutputEvent = EngineEvent | DeployWebEvent | ImagePushEvent | CommandEvent;

/** A sink for output events. */
export type OutputSink = (e: OutputEvent) => void;

/** The progress line of an operation event (the container engine's own output has no line of its own). */
export function operationLine(e: DeployWebEvent | Exclude<ImagePushEvent, { type: "tool-output" }>): string {
  switch (e.type) {
    case "web-upload":
      return `uploading ${e.files} file(s) to s3://${e.bucket}`;
    case "web-invalidation-wait":
      return `invalidation ${e.invalidationId} of ${e.distributionId}: waiting for Completed`;
    case "image-found":
      return `${e.ref} is already in ECR: nothing to build`;
    case "image-build":
      return `building ${e.ref} with ${e.engine} (context ${e.context})`;
    case "image-push":
      return `pushing ${e.ref}`;
    case "image-simulated":
      return `sandbox: simulating the build of ${e.ref} (no engine runs)`;
  }
}

/** The text of a command event on its stream. */
export function commandText(e: CommandEvent): { stream: "stdout" | "stderr"; text: string } {
  switch (e.type) {
    case "result":
      return { stream: "stdout", text: e.text.endsWith("\n") ? e.text : e.text + "\n" };
    case "result-json":
      return { stream: "stdout", text: JSON.stringify(e.doc, null, 2) + "\n" };
    case "notice":
      return { stream: "stderr", text: e.text + "\n" };
    case "warning":
      return { stream: "stderr", text: `WARNING: ${e.field ? `${e.field}: ` : ""}${e.text}\n` };
  }
}
