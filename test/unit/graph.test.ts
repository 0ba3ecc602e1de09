import { describe, expect, it } from "vitest";
import { criticalPath, reverseGraph, validateGraph, waves } from "../../src/engine/graph.js";

describe("graph", () => {
  it("reports a cycle as a -> b -> a", () => {
    expect(() => validateGraph([{ id: "a", deps: ["b"] }, { id: "b", deps: ["a"] }])).toThrow("dependency cycle: a -> b -> a");
  });
  it("reports a longer cycle with its path", () => {
    expect(() => validateGraph([{ id: "x", deps: [] }, { id: "a", deps: ["c"] }, { id: "b", deps: ["a"] }, { id: "c", deps: ["b"] }])).toThrow(/a -> c -> b -> a/);
  });
  it("reports a missing dependency and a duplicate id", () => {
    expect(() => validateGraph([{ id: "a", deps: ["nope"] }])).toThrow("plan node a depends on nope, which is not in the plan");
    expect(() => validateGraph([{ id: "a", deps: [] }, { id: "a", deps: [] }])).toThrow("duplicate plan node a");
  });
  it("reverses arrows for teardown", () => {
    const r = reverseGraph([{ id: "vpc", deps: [] }, { id: "subnet", deps: ["vpc"] }]);
    expect(r.find((n) => n.id === "vpc")!.deps).toEqual(["subnet"]);
    expect(r.find((n) => n.id === "subnet")!.deps).toEqual([]);
  });
  it("computes waves and the weighted critical path", () => {
    const g = [
      { id: "vpc", deps: [] },
      { id: "eip", deps: [] },
      { id: "subnet", deps: ["vpc"] },
      { id: "nat", deps: ["subnet", "eip"] },
      { id: "sg", deps: ["vpc"] },
    ];
    expect(waves(g)).toEqual([["vpc", "eip"], ["subnet", "sg"], ["nat"]]);
    const w: Record<string, number> = { vpc: 7, eip: 1, subnet: 2, nat: 105, sg: 50 };
    expect(criticalPath(g, (id) => w[id])).toEqual({ total: 114, path: ["vpc", "subnet", "nat"] });
  });
});
