import { createHash } from "node:crypto";
import type { Clock } from "../engine/clock.js";
import type { AwsClients } from "../aws/clients.js";
import { isCode } from "../aws/errors.js";
import { OpsError, TryAgainLater } from "../engine/errors.js";

/** Tag keys every resource carries. */
export const TAG_ENV = "opsctl:env";
export const TAG_NODE = "opsctl:node";

/** Facts read once before planning (account, AZs, AMI …). */
export interface Facts {
  accountId: string;
  region: string;
  /** The two availability zones used. */
  azs: [string, string];
  /** Current Amazon Linux 2023 AMI for the bastion. */
  bastionAmi: string;
  /** IAM ARN of the principal running opsctl (an assumed role is given as its role ARN). */
  callerArn?: string;
}

/** Operator choices that change what resources do. */
export interface Flags {
  /** `down --delete-data`: delete data for good (no final snapshot, no recovery window). */
  deleteData: boolean;
  /** Days a secret deleted by `down` stays restorable (7–30). */
  secretRecoveryDays?: number;
}

/** What a resource module gets for one plan node. */
export interface ResourceContext {
  env: string;
  /** Plan node id, `kind:name`. */
  node: string;
  region: string;
  aws: AwsClients;
  clock: Clock;
  facts: Facts;
  /** Operator choices that change what resources do (e.g. `down --delete-data`). */
  flags: Flags;
  /** The `Name` tag / name of this node's resource: `<env>-<name part of the node id>`. */
  name: string;
  /** EC2-style tags for this node: opsctl:env, opsctl:node, Name (+ extra). */
  tags(extra?: Record<string, string>): { Key: string; Value: string }[];
  /** The same tags as a map (for services that take `{key: value}`). */
  tagMap(extra?: Record<string, string>): Record<string, string>;
  /**
   * Deterministic idempotency token from env, node and the request's identifying parts, so a retried
   * create returns the same resource. AWS answers it with that resource even after it was deleted: a
   * create that may follow an out-of-band delete goes through {@link createWithToken}.
   */
  token(...parts: string[]): string;
  /** Run-wide memo: one batched read per key shared by every node (e.g. all subnets of the env). */
  once<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** Drops a memoized read (after a write that changes it). */
  forget(key: string): void;
  /** Run-wide state under `key`, made by `init` on first use (state of this run, never of the process). */
  run<T>(key: string, init: () => T): T;
}

/** Creates the per-node contexts of one run; they share the memo. */
export function contextFactory(base: { env: string; region: string; aws: AwsClients; clock: Clock; facts: Facts; flags: Flags }): (node: string) => ResourceContext {
  const memo = new Map<string, Promise<unknown>>();
  const runState = new Map<string, unknown>();
  return (node) => {
    const name = `${base.env}-${node.slice(node.indexOf(":") + 1)}`;
    const tagMap = (extra: Record<string, string> = {}) => ({ [TAG_ENV]: base.env, [TAG_NODE]: node, Name: name, ...extra });
    return {
      ...base,
      node,
      name,
      tagMap,
      tags: (extra) => Object.entries(tagMap(extra)).map(([Key, Value]) => ({ Key, Value })),
      token: (...parts) => "opsctl-" + createHash("sha256").update([base.env, node, ...parts].join("\u0000")).digest("hex").slice(0, 40),
      once: <T>(key: string, read: () => Promise<T>) => {
        let p = memo.get(key) as Promise<T> | undefined;
        if (!p) {
          p = read();
          memo.set(key, p);
          p.catch(() => memo.delete(key));
        }
        return p;
      },
      forget: (key) => void memo.delete(key),
      run: <T>(key: string, init: () => T) => {
        if (!runState.has(key)) runState.set(key, init());
        return runState.get(key) as T;
      },
    };
  };
}

/** How long a resource a create just answered may stay invisible to reads (eventual consistency) before a not-found means "deleted". */
export const CONSISTENCY_WINDOW_MS = 60_000;

/**
 * For {@link createWithToken}'s `isDead` when a create answered resource `id` but a read does not find
 * it: that is a resource deleted out of band, or one not visible yet (ACM, CloudFront and Cloud Map
 * are eventually consistent). Looked at again (TryAgainLater) until it has stayed unseen for
 * {@link CONSISTENCY_WINDOW_MS}; only then is it gone. Taking it as gone at once would make a new
 * resource under the next token: a duplicate.
 */
export function unseenLongEnough(ctx: ResourceContext, id: string): true {
  const unseen = ctx.run("create:unseen-since", () => new Map<string, number>());
  const since = unseen.get(id) ?? ctx.clock.now();
  unseen.set(id, since);
  if (ctx.clock.now() - since < CONSISTENCY_WINDOW_MS) throw new TryAgainLater(`${id} (just created) is not visible yet`, 5_000);
  return true;
}

/** How many generations of one node's resource a create walks before giving up (each step is one replayed call). */
export const MAX_TOKEN_GENERATIONS = 25;

/**
 * Runs a create that sends an idempotency token, so that the token is stable across a crash-and-retry
 * of the same create and changes once the resource it produced is gone.
 *
 * The first attempt uses `ctx.token(...parts)`. AWS keeps answering a token with the resource it made,
 * even after that resource was deleted or terminated (a RunInstances token stays valid for at least
 * 24 h after termination: EC2 API guide, "Ensuring idempotency"), or refuses it with
 * IdempotentParameterMismatch ("associated with a resource that is already deleted"). In both cases
 * the next generation's token is tried: `ctx.token(...parts, "generation", n)`. The walk depends only
 * on what AWS answers, so a retried create walks the same steps and ends at the same live resource.
 *
 * @param isDead tells whether an answer is a resource that is gone (deleted, terminated, shutting down …).
 */
export async function createWithToken<T>(ctx: ResourceContext, parts: string[], create: (token: string) => Promise<T>, isDead: (answer: T) => boolean | Promise<boolean>): Promise<T> {
  for (let generation = 0; generation < MAX_TOKEN_GENERATIONS; generation++) {
    const token = generation === 0 ? ctx.token(...parts) : ctx.token(...parts, "generation", String(generation));
    let answer: T;
    try {
      answer = await create(token);
    } catch (e) {
      // The token belongs to a resource already deleted, or to a request with other parameters (the spec changed since).
      if (isCode(e, "IdempotentParameterMismatch")) continue;
      throw e;
    }
    if (!(await isDead(answer))) return answer;
  }
  throw new OpsError("create_failed", `${ctx.node}: ${MAX_TOKEN_GENERATIONS} idempotency tokens in a row answered a deleted resource; delete the node's dead resources and run \`opsctl up\` again`, { fault: "aws" });
}
