import { createHash } from "node:crypto";
import type { Clock } from "../engine/clock.js";
import type { AwsClients } from "../aws/clients.js";

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
   * Deterministic idempotency token from env, node and the request's identifying parts
   * (so a retried create returns the same resource, and a re-create after delete does not).
   */
  token(...parts: string[]): string;
  /** Run-wide memo: one batched read per key shared by every node (e.g. all subnets of the env). */
  once<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** Drops a memoized read (after a write that changes it). */
  forget(key: string): void;
}

/** Creates the per-node contexts of one run; they share the memo. */
export function contextFactory(base: { env: string; region: string; aws: AwsClients; clock: Clock; facts: Facts; flags: Flags }): (node: string) => ResourceContext {
  const memo = new Map<string, Promise<unknown>>();
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
    };
  };
}

/** The value of tag `key` in an EC2-style tag list. */
export function tagValue(tags: { Key?: string; Value?: string }[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}
