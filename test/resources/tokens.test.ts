import { TryAgainLater } from "../../src/engine/errors.js";
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
import { ecsService } from "../../src/resources/ecs-service.js";
import { certificate } from "../../src/resources/certificate.js";
import { distribution } from "../../src/resources/distribution.js";
import { rotateSecretToken } from "../../src/resources/secret-rotation.js";

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

/**
 * The tokens of CloudFront CreateDistribution (CallerReference), ECS CreateService (clientToken), ACM
 * RequestCertificate (IdempotencyToken) and Secrets Manager RotateSecret (ClientRequestToken), against
 * the answers AWS gives a replayed token once its resource is gone (a stub client records every token).
 */
describe("defect 1: the other services' tokens move on once the resource they produced is gone", () => {
  type Answer = (input: Record<string, unknown>, sent: Record<string, unknown>[]) => unknown;
  const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
  function stubContext(node: string, answers: Record<string, Answer>) {
    const sent: Record<string, Record<string, unknown>[]> = {};
    const client = {
      send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const op = cmd.constructor.name.replace(/Command$/, "");
        const log = (sent[op] ??= []);
        log.push(cmd.input);
        if (!answers[op]) throw new Error(`unexpected ${op}`);
        return answers[op](cmd.input, log);
      },
    };
    const clock = { t: 0, now: () => clock.t, sleep: async () => {} };
    const facts = { accountId: "123456789012", region: "eu-west-1", azs: ["eu-west-1a", "eu-west-1b"] as [string, string], bastionAmi: "ami-1" };
    const make = contextFactory({ env: "demo", region: "eu-west-1", aws: { get: async () => client } as unknown as ResourceContext["aws"], clock: clock as unknown as ResourceContext["clock"], facts, flags: { deleteData: false } });
    return { ctx: make(node), sent, clock };
  }

  /**
   * Runs a create as the engine does: a TryAgainLater ("not visible yet") is retried later, here after
   * 61 simulated seconds, past the window in which a just-created resource may be invisible to reads.
   * Returns the result and the messages of the TryAgainLater answers.
   */
  async function acrossWindow<T>(clock: { t: number }, create: () => Promise<T>): Promise<{ made: T; waits: string[] }> {
    const waits: string[] = [];
    for (;;) {
      try {
        return { made: await create(), waits };
      } catch (e) {
        if (!(e instanceof TryAgainLater) || waits.length > 3) throw e;
        waits.push(e.message);
        clock.t += 61_000;
      }
    }
  }

  it("ECS CreateService: a clientToken that answers the INACTIVE service deleted out of band is followed by the next one (≤ 36 characters), the same on a retry", async () => {
    const run = async () => {
      const { ctx, sent } = stubContext("ecs-service:api", {
        // The first token is the one of the service deleted out of band: ECS answers that (INACTIVE) service.
        CreateService: (_i, log) => ({ service: { serviceName: "demo-api", status: log.length === 1 ? "INACTIVE" : "ACTIVE", serviceArn: `arn:svc/${log.length}` } }),
      });
      const spec = { cluster: "demo-main", name: "demo-api", taskDefinitionArn: "arn:td", desiredCount: 2, subnetIds: ["s1", "s2"], securityGroupIds: ["sg"], containerName: "api", containerPort: 8080 };
      const made = await ecsService.create(ctx, spec);
      return { made, tokens: sent.CreateService.map((i) => String(i.clientToken)) };
    };
    const first = await run();
    expect(first.made.status).toBe("ACTIVE");
    expect(first.tokens).toHaveLength(2);
    expect(first.tokens[0]).not.toBe(first.tokens[1]);
    for (const t of first.tokens) expect(t.length).toBeLessThanOrEqual(36);
    expect((await run()).tokens).toEqual(first.tokens);
  });

  it("ACM RequestCertificate: an IdempotencyToken that answers a certificate deleted out of band (within ACM's hour) is followed by the next one (≤ 32 word characters), the same on a retry", async () => {
    const run = async () => {
      const { ctx, sent, clock } = stubContext("certificate:api", {
        // Idempotent like ACM: one certificate per token (the first token's was deleted out of band).
        RequestCertificate: (i, log) => ({ CertificateArn: `arn:aws:acm:eu-west-1:123456789012:certificate/${[...new Set(log.map((x) => x.IdempotencyToken))].indexOf(i.IdempotencyToken) + 1}` }),
        DescribeCertificate: (i) => {
          if (String(i.CertificateArn).endsWith("/1")) throw awsError("ResourceNotFoundException", "certificate not found");
          return { Certificate: { CertificateArn: i.CertificateArn, DomainName: "api.example.com", Status: "PENDING_VALIDATION" } };
        },
      });
      const { made, waits } = await acrossWindow(clock, () => certificate.create(ctx, { domainName: "api.example.com", region: "eu-west-1" }));
      return { made, waits, tokens: [...new Set(sent.RequestCertificate.map((i) => String(i.IdempotencyToken)))] };
    };
    const first = await run();
    // Not found right after the request may be ACM's eventual consistency: looked at again, never a new token at once.
    expect(first.waits).toEqual([expect.stringMatching(/not visible yet/)]);
    expect(first.made.cert.CertificateArn).toMatch(/\/2$/);
    expect(first.tokens).toHaveLength(2);
    expect(first.tokens[0]).not.toBe(first.tokens[1]);
    for (const t of first.tokens) expect(t).toMatch(/^\w{1,32}$/);
    expect((await run()).tokens).toEqual(first.tokens);
  });

  it("CloudFront CreateDistribution: a CallerReference that names a distribution deleted out of band (DistributionAlreadyExists, NoSuchDistribution) is followed by the next one, the same on a retry", async () => {
    const run = async () => {
      const { ctx, sent, clock } = stubContext("distribution:site", {
        CreateDistributionWithTags: (_i, log) => {
          if (log.length <= 2) throw awsError("DistributionAlreadyExists", "The caller reference that you are using to create a distribution is associated with another distribution. Already exists: EOLD1");
          return { Distribution: { Id: "ENEW2", Status: "InProgress", DistributionConfig: {} }, ETag: "E1" };
        },
        GetDistribution: () => {
          throw awsError("NoSuchDistribution", "The specified distribution does not exist.");
        },
      });
      const spec = { comment: "", originBucketDomainName: "demo-web.s3.eu-west-1.amazonaws.com", originAccessControlId: "OAC1", aliases: ["www.example.com"], certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/1", webAclArn: "arn:waf", defaultRootObject: "index.html", priceClass: "PriceClass_100" as const };
      const { made, waits } = await acrossWindow(clock, () => distribution.create(ctx, spec));
      const refs = [...new Set(sent.CreateDistributionWithTags.map((i) => String((i.DistributionConfigWithTags as { DistributionConfig: { CallerReference: string } }).DistributionConfig.CallerReference)))];
      return { made, refs, waits };
    };
    const first = await run();
    expect(first.waits).toEqual([expect.stringMatching(/not visible yet/)]);
    expect(first.made.distribution.Id).toBe("ENEW2");
    expect(first.refs).toHaveLength(2);
    expect(first.refs[0]).not.toBe(first.refs[1]);
    expect((await run()).refs).toEqual(first.refs);
  });

  it("Secrets Manager RotateSecret: the ClientRequestToken is the same for the same AWSCURRENT version (a retry) and changes once a rotation made a new one", () => {
    const { ctx } = stubContext("secret-rotation:signing-active-session", {});
    const spec = { secretArn: "arn:secret", lambdaArn: "arn:fn", afterDays: 30 };
    const at = (version: string) => rotateSecretToken(ctx, spec, { ARN: "arn:secret", VersionIdsToStages: { [version]: ["AWSCURRENT"], old: ["AWSPREVIOUS"] } });
    expect(at("v1")).toBe(at("v1"));
    expect(at("v2")).not.toBe(at("v1"));
    // RotateSecret: 32 to 64 characters.
    expect(at("v1").length).toBeGreaterThanOrEqual(32);
    expect(at("v1").length).toBeLessThanOrEqual(64);
  });
});
