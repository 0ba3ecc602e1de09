import { gatherEnvironmentFacts } from "../../src/operations/environment.js";
import { describe, expect, it } from "vitest";
import { environmentPlan } from "../../plans/environment.js";
import { down, up } from "../../src/engine/reconcile.js";
import type { PlanNode } from "../../src/engine/plan.js";
import { contextFactory, type ResourceContext } from "../../src/resources/context.js";
import { sandboxSession, liveInventory, subplan, expectNoopRerun, effectiveWrites } from "../helpers/env.js";

async function setup() {
  const s = sandboxSession();
  const facts = await gatherEnvironmentFacts(s.aws, s.config);
  const plan = environmentPlan(s.config, facts);
  const opts = () => {
    // A fresh context factory per run, as a new CLI invocation would have (no cached reads).
    const fresh = contextFactory({ env: "demo", region: "eu-west-1", aws: s.aws, clock: s.clock, facts, flags: { deleteData: false } });
    return { clock: s.clock, makeContext: (n: PlanNode<ResourceContext>) => fresh(n.id), emit: () => {} };
  };
  return { s, plan, opts };
}

const writes = (s: ReturnType<typeof sandboxSession>) => effectiveWrites(s.sandbox);

/** One representative node per resource kind of the network plan. */
const KINDS: Record<string, string> = {
  vpc: "vpc:main",
  subnet: "subnet:private-a",
  "internet-gateway": "internet-gateway:main",
  "elastic-ip": "elastic-ip:nat-a",
  "nat-gateway": "nat-gateway:a",
  "route-table": "route-table:private-a",
  "vpc-endpoint": "vpc-endpoint:s3",
  "network-acl": "network-acl:public",
  "log-group": "log-group:flow-logs",
  "iam-role": "iam-role:flow-logs",
  "flow-log": "flow-log:vpc",
  "security-group": "security-group:rds",
  "security-group-rule": "security-group-rule:rds",
  "default-security-group": "default-security-group:main",
  secret: "secret:bastion-ssh-key",
  "key-pair": "key-pair:bastion",
  instance: "instance:bastion",
  "kms-key": "kms-key:smtp-replica",
  "key-policy": "key-policy:smtp",
  bucket: "bucket:app",
  "db-subnet-group": "db-subnet-group:main",
  "db-parameter-group": "db-parameter-group:main",
  "db-option-group": "db-option-group:main",
  "db-instance": "db-instance:main",
  "cache-subnet-group": "cache-subnet-group:redis",
  "replication-group": "replication-group:redis",
  "secret-fields": "secret-fields:redis-endpoint",
  "instance-profile": "instance-profile:bastion",
  "iam-user": "iam-user:dev",
  "ecr-repository": "ecr-repository:api",
  "ecs-cluster": "ecs-cluster:main",
  "task-definition": "task-definition:api",
  "ecs-service": "ecs-service:api",
  "ecs-one-off-task": "ecs-one-off-task:db-bootstrap",
  "service-discovery-namespace": "service-discovery-namespace:main",
  "service-discovery-service": "service-discovery-service:api",
  "metric-alarm": "metric-alarm:alb-5xx",
  "load-balancer": "load-balancer:api",
  "target-group": "target-group:api",
  listener: "listener:https",
  certificate: "certificate:site",
  "certificate-validation": "certificate-validation:api",
  "dns-record": "dns-record:api-aaaa",
  "origin-access-control": "origin-access-control:site",
  distribution: "distribution:site",
  "web-acl": "web-acl:site",
  trail: "trail:audit",
  "lambda-function": "lambda-function:secret-rotation",
  "lambda-permission": "lambda-permission:secret-rotation",
  "secret-rotation": "secret-rotation:signing-active-session",
  "target-health": "target-health:api",
};

/** Nodes a kind's sub-plan needs besides its node's dependencies. */
const WITH: Record<string, string[]> = { "ecs-service": ["ecs-one-off-task:db-bootstrap"] };

describe("every resource module: create, run again with zero writes, delete leaves nothing", () => {
  it("covers every kind used by the environment plan", async () => {
    const { plan } = await setup();
    expect(new Set(plan.nodes.map((n) => n.resource.kind))).toEqual(new Set(Object.keys(KINDS)));
  });

  for (const [kind, nodeId] of Object.entries(KINDS)) {
    it(kind, async () => {
      const { s, plan, opts } = await setup();
      // The service's tasks pass their health checks only once the bootstrap task has created the
      // app user: `up` runs the two side by side (issue 13, item 6), so the service's sub-plan takes it along.
      const ids = new Set([nodeId, ...(WITH[kind] ?? [])].flatMap((id) => subplan(plan, id).nodes.map((n) => n.id)));
      const sub = { name: nodeId, nodes: plan.nodes.filter((n) => ids.has(n.id)) };
      const first = await up(sub, opts());
      expect(first.ok).toBe(true);
      const target = first.outcomes.find((o) => o.node === nodeId)!;
      expect(target.exists).toBe(true);
      // A certificate alone is not ISSUED: its validation record is another node.
      if (kind !== "certificate") expect(target.description?.healthy).toBe(true);

      await expectNoopRerun(sub, opts(), s.sandbox);

      const gone = await down(sub, opts());
      expect(gone.ok).toBe(true);
      const left = liveInventory(s.sandbox, "demo");
      expect(left.map((l) => l.key)).toEqual([]);
      // Deleting again is a no-op.
      const b2 = writes(s);
      await down(sub, opts());
      expect(writes(s) - b2).toBe(0);
    });
  }
});
