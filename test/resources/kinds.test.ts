/**
 * Issue 14: every resource kind has its own test file, `test/resources/<kind>.test.ts`, and every
 * resource module's header names its test file(s). The kinds are those of the plans (environment,
 * pause, restore, rotate-keys) and every `kind: "…"` a module under src/resources declares.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { rotateKeysPlan } from "../../plans/rotate-keys.js";
import { pausePlan, restorePlan } from "../../plans/runbooks.js";
import { PURPOSES } from "../../src/resources/signing-keys.js";
import { kindEnv } from "../helpers/kind.js";

const RESOURCES = "src/resources";
const moduleKinds = (): Map<string, string> => {
  const out = new Map<string, string>();
  for (const f of readdirSync(RESOURCES).filter((x) => x.endsWith(".ts"))) {
    for (const m of readFileSync(`${RESOURCES}/${f}`, "utf8").matchAll(/^\s*kind: "([a-z0-9-]+)",$/gm)) out.set(m[1], f);
  }
  return out;
};

describe("one test file per resource kind", () => {
  it("every kind of the plans and of src/resources has test/resources/<kind>.test.ts", async () => {
    const { s, plan, facts } = await kindEnv();
    const plans = [plan, pausePlan(s.config, facts), restorePlan(s.config, facts), rotateKeysPlan(s.config, { purposes: PURPOSES, force: false, now: 0 })];
    const inPlans = new Set(plans.flatMap((p) => p.nodes.map((n) => n.resource.kind)));
    const declared = moduleKinds();
    // The scan finds what the plans use (so it is not reading the wrong thing), and more.
    for (const k of inPlans) expect(declared.has(k), `${k} declared in src/resources`).toBe(true);
    expect(declared.size).toBeGreaterThanOrEqual(inPlans.size);
    const missing = [...declared.keys()].filter((k) => !existsSync(`test/resources/${k}.test.ts`));
    expect(missing).toEqual([]);
  });

  it("every resource module's header comment names the test file of each kind it declares", () => {
    const unnamed = [...moduleKinds()].filter(([k, f]) => !readFileSync(`${RESOURCES}/${f}`, "utf8").split(/^import /m)[0].includes(`test/resources/${k}.test.ts`));
    expect(unnamed).toEqual([]);
  });
});
