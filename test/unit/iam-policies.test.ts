import { describe, expect, it } from "vitest";
import { environmentPlan } from "../../plans/environment.js";
import { makeRefs } from "../../src/engine/plan.js";
import { validateConfig } from "../../src/config/load.js";
import type { PolicyDocument } from "../../src/resources/policy.js";
import { TEST_CONFIG } from "../helpers/env.js";
import { PLAN_FACTS } from "../helpers/plan-graphs.js";

/** The facts every plan test builds with (test/helpers/plan-graphs.ts). */
const FACTS = PLAN_FACTS;

/** Actions for which AWS offers no resource-level permission, so "Resource": "*" is required. */
const NEEDS_STAR_RESOURCE = new Set(["ecr:GetAuthorizationToken", "logs:CreateLogGroup"]);

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Every inline policy of every IAM role and user in the environment plan (IAM-01..IAM-04). */
function policies(): { node: string; name: string; doc: PolicyDocument }[] {
  const { config } = validateConfig(TEST_CONFIG);
  const plan = environmentPlan(config, FACTS);
  const out: { node: string; name: string; doc: PolicyDocument }[] = [];
  for (const n of plan.nodes.filter((x) => x.resource.kind === "iam-role" || x.resource.kind === "iam-user")) {
    // Outputs of the dependencies are not known here: the placeholders are not wildcards.
    const spec = n.spec(makeRefs(n.id, n.deps, new Map())) as { inlinePolicies: Record<string, PolicyDocument> };
    for (const [name, doc] of Object.entries(spec.inlinePolicies)) out.push({ node: n.id, name, doc });
  }
  return out;
}

describe("IAM policies generated from the plan", () => {
  it("covers the app, execution, bootstrap, flow-log, bastion and rotation roles and the dev user", () => {
    const nodes = new Set(policies().map((p) => p.node));
    for (const n of ["iam-role:app-task", "iam-role:task-execution", "iam-role:bootstrap-task", "iam-role:flow-logs", "iam-user:dev", "iam-role:secret-rotation"]) expect(nodes).toContain(n);
  });

  it("never grants * actions, or * resources where AWS does not require them", () => {
    const problems: string[] = [];
    for (const { node, name, doc } of policies()) {
      for (const st of doc.Statement) {
        if (st.Effect !== "Allow") continue;
        const actions = list(st.Action);
        for (const a of actions) if (a === "*" || /:\*$/.test(a)) problems.push(`${node}/${name}: action ${a}`);
        for (const r of list(st.Resource)) {
          if (r === "*" && !actions.every((a) => NEEDS_STAR_RESOURCE.has(a))) problems.push(`${node}/${name}: Resource "*" for ${actions.join(", ")}`);
        }
        if (st.NotAction || st.NotResource) problems.push(`${node}/${name}: NotAction/NotResource`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("gives the dev user exactly the app role's policy (IAM-04)", () => {
    const all = policies();
    const app = all.find((p) => p.node === "iam-role:app-task")!.doc;
    const dev = all.find((p) => p.node === "iam-user:dev")!.doc;
    expect(dev).toEqual(app);
    // rds-db:connect as the app's IAM user only, S3 on its bucket only.
    const actions = app.Statement.flatMap((s) => list(s.Action));
    expect(actions).toContain("rds-db:connect");
    expect(app.Statement.find((s) => list(s.Action).includes("s3:GetObject"))!.Resource).toBe("arn:aws:s3:::opsctl-demo-app-123456789012-eu-west-1/*");
  });
});
