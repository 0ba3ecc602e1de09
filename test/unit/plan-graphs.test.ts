import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkRefs } from "../../src/engine/plan.js";
import { everyPlan, planShapes, type NodeShape } from "../helpers/plan-graphs.js";

/**
 * The graph of every plan (environment, restore, pause, rotate-keys; both NAT modes, with and
 * without an image), recorded from the plans as they were before the typed builder (issue 14).
 * Kinds, controls and dependencies (as sets) must match exactly. The typed builder derives a
 * node's dependencies from the refs its spec reads, then its `after` list, so their order may
 * differ; the environment and rotate-keys plans keep their node order exactly, the runbooks
 * their nodes (the read-only ones they add are listed in dependency order, which may differ).
 */
const RECORDED = JSON.parse(readFileSync(new URL("../fixtures/plan-graphs.json", import.meta.url), "utf8")) as Record<string, NodeShape[]>;

const asSets = (nodes: NodeShape[]) => nodes.map((n) => ({ ...n, deps: [...n.deps].sort() }));
const byId = (nodes: NodeShape[]) => asSets(nodes).sort((a, b) => a.id.localeCompare(b.id));

describe("plan graphs: every plan keeps its node ids, kinds, controls and dependencies", () => {
  const now = planShapes();
  it("builds the same set of plans", () => {
    expect(Object.keys(now).sort()).toEqual(Object.keys(RECORDED).sort());
  });
  for (const name of Object.keys(RECORDED)) {
    it(name, () => {
      if (name.startsWith("environment/") || name.startsWith("rotate-keys/")) expect(asSets(now[name] ?? [])).toEqual(asSets(RECORDED[name]));
      else expect(byId(now[name] ?? [])).toEqual(byId(RECORDED[name]));
    });
  }
  it("every typed handle names a node of its plan, of the kind it was typed by", () => {
    for (const plan of Object.values(everyPlan())) expect(() => checkRefs(plan.nodes)).not.toThrow();
  });
});
