import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importCircles, importGraph } from "../helpers/import-graph.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("import circles (issue 14)", () => {
  it("finds a circle in a graph that has one, and none in a tree", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts", "d.ts"]],
      ["d.ts", []],
      ["e.ts", ["e.ts"]],
    ]);
    expect(importCircles(graph)).toEqual([["a.ts", "b.ts", "c.ts"], ["e.ts"]]);
    expect(importCircles(new Map([["a.ts", ["b.ts"]], ["b.ts", []]]))).toEqual([]);
  });

  it("reads the imports of the tree (type-only imports and re-exports count)", () => {
    const graph = importGraph(ROOT, ["plans"]);
    expect(graph.get("plans/environment.ts")).toEqual(expect.arrayContaining(["plans/facts.ts", "plans/network.ts", "plans/names.ts"]));
    expect(graph.get("plans/compute.ts")).toContain("plans/facts.ts");
  });

  it("src/, plans/, commands/, bin/ and api/src/ have no import circle", () => {
    const graph = importGraph(ROOT, ["src", "plans", "commands", "bin", "api/src"]);
    expect(graph.size).toBeGreaterThan(150);
    expect(importCircles(graph)).toEqual([]);
  });
});
