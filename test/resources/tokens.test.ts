/**
 * Issue 9, defect 1: a create that sends an idempotency token must still re-create a resource that
 * was deleted behind opsctl's back. AWS answers a token with the resource it made even after that
 * resource is gone (RunInstances: for at least 24 h after termination), or refuses the token; the
 * token stays stable across a crash-and-retry of the same create and moves on once its resource is gone.
 */
import { describe, expect, it } from "vitest";
import { DeleteFlowLogsCommand, DeleteNatGatewayCommand, DeleteNetworkAclCommand, DeleteRouteTableCommand, DeleteVpcEndpointsCommand, DescribeNetworkAclsCommand, DescribeRouteTablesCommand, DisassociateRouteTableCommand, ReplaceNetworkAclAssociationCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { DeleteNamespaceCommand } from "@aws-sdk/client-servicediscovery";
import { gatherEnvironmentFacts } from "../../src/operations/environment.js";
import { environmentPlan } from "../../plans/environment.js";
import { up } from "../../src/engine/reconcile.js";
import type { PlanNode } from "../../src/engine/plan.js";
import { contextFactory, type ResourceContext } from "../../src/resources/context.js";
import { sandboxSession, subplan, expectNoopRerun } from "../helpers/env.js";

type S = ReturnType<typeof sandboxSession>;
const HOUR = 3600_000;

async function setup(id: string) {
  const s = sandboxSession();
  const facts = await gatherEnvironmentFacts(s.aws, s.config);
  const plan = subplan(environmentPlan(s.config, facts), id);
  const opts = () => {
    // A fresh context factory per run, as a new CLI invocation would have (no cached reads).
    const fresh = contextFactory({ env: "demo", region: "eu-west-1", aws: s.aws, clock: s.clock, facts, flags: { deleteData: false } });
    return { clock: s.clock, makeContext: (n: PlanNode<ResourceContext>) => fresh(n.id), emit: () => {} };
  };
  return { s, plan, opts };
}

const ec2 = (s: S) => s.aws.get("ec2");

/** Every kind that sends an idempotency token, and how an operator (or the console) deletes it. */
const CASES: { node: string; remove: (s: S, id: string) => Promise<unknown>; wait?: number; label?: string }[] = [
  { node: "flow-log:vpc", remove: async (s, id) => (await ec2(s)).send(new DeleteFlowLogsCommand({ FlowLogIds: [id] })) },
  { node: "instance:bastion", label: "terminated, still shutting-down", remove: async (s, id) => (await ec2(s)).send(new TerminateInstancesCommand({ InstanceIds: [id] })) },
  { node: "instance:bastion", label: "terminated 2 h ago (gone from DescribeInstances, token still answers it)", wait: 2 * HOUR, remove: async (s, id) => (await ec2(s)).send(new TerminateInstancesCommand({ InstanceIds: [id] })) },
  { node: "instance:bastion", label: "terminated 30 h ago (token refused)", wait: 30 * HOUR, remove: async (s, id) => (await ec2(s)).send(new TerminateInstancesCommand({ InstanceIds: [id] })) },
  { node: "vpc-endpoint:s3", remove: async (s, id) => (await ec2(s)).send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] })) },
  { node: "vpc-endpoint:s3", label: "deleted 2 h ago", wait: 2 * HOUR, remove: async (s, id) => (await ec2(s)).send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] })) },
  { node: "nat-gateway:a", remove: async (s, id) => (await ec2(s)).send(new DeleteNatGatewayCommand({ NatGatewayId: id })) },
  { node: "nat-gateway:a", label: "deleted 3 h ago (purged)", wait: 3 * HOUR, remove: async (s, id) => (await ec2(s)).send(new DeleteNatGatewayCommand({ NatGatewayId: id })) },
  {
    node: "route-table:private-a",
    remove: async (s, id) => {
      const c = await ec2(s);
      const rt = (await c.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables![0];
      for (const a of rt.Associations ?? []) await c.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId }));
      await c.send(new DeleteRouteTableCommand({ RouteTableId: id }));
    },
  },
  {
    node: "network-acl:public",
    remove: async (s, id) => {
      const c = await ec2(s);
      const acls = (await c.send(new DescribeNetworkAclsCommand({}))).NetworkAcls ?? [];
      const mine = acls.find((a) => a.NetworkAclId === id)!;
      const fallback = acls.find((a) => a.IsDefault && a.VpcId === mine.VpcId)!;
      for (const a of mine.Associations ?? []) await c.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: a.NetworkAclAssociationId, NetworkAclId: fallback.NetworkAclId }));
      await c.send(new DeleteNetworkAclCommand({ NetworkAclId: id }));
    },
  },
  { node: "service-discovery-namespace:main", wait: 10 * 60_000, remove: async (s, id) => (await s.aws.get("servicediscovery")).send(new DeleteNamespaceCommand({ Id: id })) },
];

describe("defect 1: a token-sending create after an out-of-band delete", () => {
  for (const c of CASES) {
    it(`${c.node}${c.label ? ` (${c.label})` : ""}: deleted through the SDK → one up repairs it → up again makes 0 writes`, async () => {
      const { s, plan, opts } = await setup(c.node);
      const first = await up(plan, opts());
      expect(first.ok).toBe(true);
      const before = first.outcomes.find((o) => o.node === c.node)!;
      await c.remove(s, before.id!);
      s.sandbox.clock.advance(c.wait ?? 1_000);

      const repair = await up(plan, opts());
      const o = repair.outcomes.find((x) => x.node === c.node)!;
      expect({ ok: repair.ok, error: o.error ? String(o.error) : undefined }).toEqual({ ok: true, error: undefined });
      expect(o.action).toBe("create");
      expect(o.id).not.toBe(before.id);
      expect(o.description?.healthy).toBe(true);
      await expectNoopRerun(plan, opts(), s.sandbox);
    });
  }

  for (const id of ["instance:bastion", "nat-gateway:a", "vpc-endpoint:s3"]) {
    it(`${id}: the token is stable across a crash-and-retry — a create repeated before the repaired resource is listed answers it, no second one`, async () => {
      const { s, plan, opts } = await setup(id);
      const first = await up(plan, opts());
      expect(first.ok).toBe(true);
      const remove = CASES.find((c) => c.node === id)!.remove;
      await remove(s, first.outcomes.find((o) => o.node === id)!.id!);
      s.sandbox.clock.advance(1_000);
      const repaired = await up(plan, opts());
      expect(repaired.ok).toBe(true);
      const repairedId = repaired.outcomes.find((o) => o.node === id)!.id;
      // The retry after a crash: the node's resource is not listed yet, so the create runs again.
      const blind = { ...plan, nodes: plan.nodes.map((n) => (n.id === id ? { ...n, resource: { ...n.resource, find: async () => undefined } } : n)) };
      const retry = await up(blind as typeof plan, opts());
      const o = retry.outcomes.find((x) => x.node === id)!;
      expect(retry.ok).toBe(true);
      expect(o.action).toBe("create");
      expect(o.id).toBe(repairedId);
      await expectNoopRerun(plan, opts(), s.sandbox);
    });
  }
});
