import type { Config } from "../src/config/schema.js";
import type { Plan } from "../src/engine/plan.js";
import type { ResourceContext } from "../src/resources/context.js";
import { signingSecretName, type Purpose } from "../src/resources/signing-keys.js";
import { signingKeyRotation, type SigningKeyRotationSpec } from "../src/resources/signing-key-rotation.js";
import { GRACE_MS } from "../src/rotation-lambda/grace.js";
import { node, type Node } from "./network.js";

/** What one `rotate-keys` run does (validated flags plus the run's time). */
export interface RotateKeysOptions {
  /** The purposes to rotate (`--only` narrows it to one). */
  purposes: readonly Purpose[];
  /** `--if-older-than` in ms; absent = rotate whatever the age. */
  maxAgeMs?: number;
  /** `--force`: rotate even inside the grace window. */
  force: boolean;
  /** The run's time (ms). */
  now: number;
  /** Keys an interrupted run already rotated (purpose → when), counted as done. */
  resumed?: Partial<Record<Purpose, number>>;
}

/** The plan node id of a purpose's rotation: `signing-key-rotation:active-session`, … */
export function rotationNodeId(purpose: Purpose): string {
  return `signing-key-rotation:${purpose.replace(/_/g, "-")}`;
}

/**
 * The `rotate-keys` runbook (notes §7, SM-04): one independent node per signing key, run by the same
 * executor as `up`. A pure function of the config and the options.
 */
export function rotateKeysPlan(config: Pick<Config, "env">, opts: RotateKeysOptions): Plan<ResourceContext> {
  const nodes: Node[] = opts.purposes.map((purpose) =>
    node(rotationNodeId(purpose), [], signingKeyRotation, (): SigningKeyRotationSpec => ({
      secretName: signingSecretName(config.env, purpose),
      purpose,
      maxAgeMs: opts.maxAgeMs,
      force: opts.force,
      graceMs: GRACE_MS[purpose],
      now: opts.now,
      resumedAt: opts.resumed?.[purpose],
    }), ["SM-04", "API-06"]),
  );
  return { name: "rotate-keys", nodes };
}
