import { describe, expect, it } from "vitest";
import { DBInstanceNotFoundFault } from "@aws-sdk/client-rds";
import { CacheSubnetGroupNotFoundFault } from "@aws-sdk/client-elasticache";
import { LoadBalancerNotFoundException } from "@aws-sdk/client-elastic-load-balancing-v2";
import { WAFNonexistentItemException } from "@aws-sdk/client-wafv2";
import { collect, deleted, ofNode, orUndefined, ownedBy, pagesOf, tagValue } from "../../src/resources/toolkit.js";

const owner = { env: "dev", node: "subnet:public-a" };
const meta = { $metadata: { httpStatusCode: 404 }, message: "gone" };

describe("ownership by tag", () => {
  it("reads every tag shape AWS answers", () => {
    expect(tagValue([{ Key: "opsctl:env", Value: "dev" }], "opsctl:env")).toBe("dev");
    expect(tagValue([{ key: "opsctl:env", value: "dev" }], "opsctl:env")).toBe("dev");
    expect(tagValue([{ TagKey: "opsctl:env", TagValue: "dev" }], "opsctl:env")).toBe("dev");
    expect(tagValue({ "opsctl:env": "dev" }, "opsctl:env")).toBe("dev");
    expect(tagValue(undefined, "opsctl:env")).toBeUndefined();
  });

  it("owns only what names both this env and this node", () => {
    const tags = (env: string, node: string) => [
      { Key: "opsctl:env", Value: env },
      { Key: "opsctl:node", Value: node },
    ];
    expect(ownedBy(owner, tags("dev", "subnet:public-a"))).toBe(true);
    // Node ids repeat in every environment: the node tag alone is not ownership.
    expect(ownedBy(owner, tags("prod", "subnet:public-a"))).toBe(false);
    expect(ownedBy(owner, tags("dev", "subnet:public-b"))).toBe(false);
    expect(ownedBy(owner, tags("dev", "secret:db"), "secret:db")).toBe(true);
    const items = [{ Tags: tags("dev", "subnet:public-a"), id: 1 }, { Tags: tags("prod", "subnet:public-a"), id: 2 }, { id: 3 }];
    expect(ofNode(owner, items).map((i) => i.id)).toEqual([1]);
  });
});

describe("not found", () => {
  it("orUndefined recognises the SDK's NotFound faults and exceptions of RDS, ElastiCache and ELBv2", async () => {
    for (const e of [new DBInstanceNotFoundFault(meta), new CacheSubnetGroupNotFoundFault(meta), new LoadBalancerNotFoundException(meta)]) {
      await expect(orUndefined(Promise.reject(e))).resolves.toBeUndefined();
      await expect(deleted(Promise.reject(e))).resolves.toBeUndefined();
    }
  });

  it("takes a service's other nothing-there codes only when named, and rethrows the rest", async () => {
    const waf = new WAFNonexistentItemException(meta);
    await expect(orUndefined(Promise.reject(waf))).rejects.toBe(waf);
    await expect(orUndefined(Promise.reject(waf), "WAFNonexistentItemException")).resolves.toBeUndefined();
    const other = Object.assign(new Error("no"), { name: "AccessDenied", $metadata: {} });
    await expect(orUndefined(Promise.reject(other))).rejects.toBe(other);
  });
});

describe("pagination", () => {
  it("pagesOf follows the position until there is none, and collect gathers every page", async () => {
    const pages: Record<string, { items: number[]; next?: string }> = { start: { items: [1, 2], next: "b" }, b: { items: [3], next: "c" }, c: { items: [] } };
    const asked: (string | undefined)[] = [];
    const all = await collect(
      pagesOf(
        async (at: string | undefined) => {
          asked.push(at);
          return pages[at ?? "start"];
        },
        (p) => p.next,
      ),
      (p) => p.items,
    );
    expect(all).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, "b", "c"]);
  });
});
