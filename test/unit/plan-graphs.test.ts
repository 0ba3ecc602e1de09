import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planShapes, type NodeShape } from "../helpers/plan-graphs.js";

/**
 * The graph of every plan (environment, restore, pause, rotate-keys; both NAT modes, with and
 * without an image), recorded from the plans as they were before the typed builder (issue 14).
 * Node order, kinds and controls must match exactly; dependencies as sets (the typed builder
 * derives them from the refs a spec reads, then the `after` list, so their order may differ).
 */
const RECORDED = JSON.parse(readFileSync(new URL("../fixtures/plan-graphs.json", import.meta.url), "utf8")) as Record<string, NodeShape[]>;

const asSets = (nodes: NodeShape[]) => nodes.map((n) => ({ ...n, deps: [...n.deps].sort() }));

describe("plan graphs: every plan keeps its node ids, kinds, controls and dependencies", () => {
  const now = planShapes();
  it("builds the same set of plans", () => {
    expect(Object.keys(now).sort()).toEqual(Object.keys(RECORDED).sort());
  });
  for (const name of Object.keys(RECORDED)) {
    it(name, () => {
      expect(asSets(now[name] ?? [])).toEqual(asSets(RECORDED[name]));
    });
  }
});
