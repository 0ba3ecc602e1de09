import { validateConfig } from "../../src/config/load.js";
import type { Plan } from "../../src/engine/plan.js";
import type { ResourceContext } from "../../src/resources/context.js";
import { PURPOSES } from "../../src/resources/signing-keys.js";
import { environmentPlan, type EnvironmentFacts } from "../../plans/environment.js";
import { pausePlan, restorePlan } from "../../plans/runbooks.js";
import { rotateKeysPlan } from "../../plans/rotate-keys.js";
import { TEST_CONFIG } from "./env.js";

/** Facts as gatherEnvironmentFacts reads them from the sandbox (same values as test/unit/iam-policies.test.ts). */
export const PLAN_FACTS: EnvironmentFacts = {
  accountId: "123456789012",
  region: "eu-west-1",
  azs: ["eu-west-1a", "eu-west-1b"],
  bastionAmi: "ami-0123456789abcdef0",
  callerArn: "arn:aws:iam::123456789012:user/operator",
  mysqlVersion: "8.4.10",
  logExports: ["audit", "error", "general", "slowquery"],
  hostedZoneId: "Z0123456789ABC",
  image: `public.ecr.aws/opsctl/api@sha256:${"5a".repeat(32)}`,
};

/** Every plan opsctl builds, under each variant that changes its shape (NAT mode, image present or not). */
export function everyPlan(): Record<string, Plan<ResourceContext>> {
  const single = validateConfig(TEST_CONFIG).config;
  const perAz = validateConfig({ ...TEST_CONFIG, network: { natMode: "per-az" } }).config;
  const noImage: EnvironmentFacts = { ...PLAN_FACTS, image: undefined };
  const plans: Record<string, Plan<ResourceContext>> = {};
  for (const [name, config] of [["single", single], ["per-az", perAz]] as const) {
    for (const [variant, facts] of [["image", PLAN_FACTS], ["no-image", noImage]] as const) {
      plans[`environment/${name}/${variant}`] = environmentPlan(config, facts);
      plans[`restore/${name}/${variant}`] = restorePlan(config, facts);
      plans[`pause/${name}/${variant}`] = pausePlan(config, facts);
    }
  }
  plans["rotate-keys/all"] = rotateKeysPlan(single, { purposes: PURPOSES, force: false, now: 1_700_000_000_000 });
  plans["rotate-keys/one"] = rotateKeysPlan(single, { purposes: [PURPOSES[0]], maxAgeMs: 86_400_000, force: true, now: 1_700_000_000_000 });
  return plans;
}

/** One node as the graph sees it: id, kind, dependencies (in declaration order), controls. */
export interface NodeShape {
  id: string;
  kind: string;
  deps: string[];
  controls: string[];
}

/** The shape of every plan of {@link everyPlan}, node order kept. */
export function planShapes(): Record<string, NodeShape[]> {
  return Object.fromEntries(
    Object.entries(everyPlan()).map(([name, plan]) => [name, plan.nodes.map((n) => ({ id: n.id, kind: n.resource.kind, deps: [...n.deps], controls: [...(n.controls ?? [])] }))]),
  );
}
