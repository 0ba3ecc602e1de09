import { describe, expect, it } from "vitest";
import { environmentPlan } from "../../plans/environment.js";
import { makeRefs } from "../../src/engine/plan.js";
import { validateConfig } from "../../src/config/load.js";
import type { SecurityGroupSpec, SgRuleSpec } from "../../src/resources/security-group.js";
import { TEST_CONFIG } from "../helpers/env.js";
import { PLAN_FACTS } from "../helpers/plan-graphs.js";

/** The facts every plan test builds with (test/helpers/plan-graphs.ts). */
const FACTS = PLAN_FACTS;

/**
 * EC2 API reference, IpRange / Ipv6Range / UserIdGroupPair `Description` and CreateSecurityGroup
 * `GroupDescription` (VPC): up to 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*.
 * The SDK model carries no pattern, so nothing but this test stops a description EC2 refuses
 * (an apostrophe made `up` fail at security-group:alb on AWS, issue 13 defect 2).
 */
const EC2_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;

/** Every security-group and security-group-rule description in the environment plan, with its node. */
function descriptions(): { node: string; text: string }[] {
  const { config } = validateConfig(TEST_CONFIG);
  const plan = environmentPlan(config, FACTS);
  const out: { node: string; text: string }[] = [];
  for (const n of plan.nodes.filter((x) => x.resource.kind === "security-group" || x.resource.kind === "security-group-rule")) {
    const spec = n.spec(makeRefs(n.id, n.deps, new Map())) as Partial<SecurityGroupSpec> & { ingress: SgRuleSpec[]; egress: SgRuleSpec[] };
    if (spec.description !== undefined) out.push({ node: n.id, text: spec.description });
    for (const r of [...spec.ingress, ...spec.egress]) if (r.description !== undefined) out.push({ node: n.id, text: r.description });
  }
  return out;
}

describe("security-group descriptions EC2 accepts (SG-01..SG-05)", () => {
  it("the pattern itself refuses the apostrophe and accepts EC2's documented set", () => {
    expect(EC2_DESCRIPTION.test("to the tasks' app port")).toBe(false);
    expect(EC2_DESCRIPTION.test("a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")).toBe(true);
  });

  it("every group and rule description in the environment plan matches EC2's pattern", () => {
    const all = descriptions();
    // Five groups, their CIDR rules and their peer rules: the walk really reached them.
    expect(all.filter((d) => d.node.startsWith("security-group:")).length).toBeGreaterThanOrEqual(10);
    expect(all.filter((d) => d.node.startsWith("security-group-rule:")).length).toBe(4);
    expect(all.filter((d) => !EC2_DESCRIPTION.test(d.text))).toEqual([]);
  });
});
