import { describe, expect, it } from "vitest";
import { CreateBucketCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { DescribeCertificateCommand } from "@aws-sdk/client-acm";
import { networkNodes } from "../../plans/network.js";

/** The network layer only: these tests add their own nodes on top. */
const environmentPlan = (config: Parameters<typeof networkNodes>[0], facts: Parameters<typeof networkNodes>[1]) => ({ name: "network", nodes: networkNodes(config, facts) });
import { down, up } from "../../src/engine/reconcile.js";
import { InputError } from "../../src/engine/errors.js";
import type { Plan, PlanNode, Refs } from "../../src/engine/plan.js";
import { contextFactory, type ResourceContext } from "../../src/resources/context.js";
import { gatherEnvironmentFacts } from "../../src/operations/environment.js";
import { certificate } from "../../src/resources/certificate.js";
import { certificateValidation } from "../../src/resources/certificate-validation.js";
import { dnsRecord } from "../../src/resources/dns-record.js";
import { findHostedZone } from "../../src/resources/hosted-zone-lookup.js";
import { listener } from "../../src/resources/listener.js";
import { loadBalancer } from "../../src/resources/load-balancer.js";
import { targetGroup } from "../../src/resources/target-group.js";
import { seedHostedZone } from "../../src/sandbox/services/route53.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { sandboxSession, taggedInventory, expectNoopRerun, effectiveWrites } from "../helpers/env.js";

type Node = PlanNode<ResourceContext>;
type Session = ReturnType<typeof sandboxSession>;

const DOMAIN = "example.com";
const API = "api.example.com";
const REGION = "eu-west-1";
const node = (id: string, deps: string[], resource: Node["resource"], spec: (r: Refs) => unknown): Node => ({ id, deps, resource, spec });

/** The network nodes the ALB needs (public subnets, internet gateway, SG-01), with everything they depend on. */
function networkFor(plan: Plan<ResourceContext>, roots: string[]): Node[] {
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const keep = new Set<string>();
  const visit = (n: string) => {
    if (keep.has(n)) return;
    keep.add(n);
    byId.get(n)!.deps.forEach(visit);
  };
  roots.forEach(visit);
  return plan.nodes.filter((n) => keep.has(n.id));
}

/** ALB-01..ALB-04 as the environment plan would wire them. `listenerCert` picks what the 443 listener names. */
function albNodes(zoneId: string, opts: { accessLogsBucket?: string; listenerCert?: "validation" | "certificate" } = {}): Node[] {
  const certNode = opts.listenerCert === "certificate" ? "certificate:api" : "certificate-validation:api";
  return [
    node("certificate:api", [], certificate, () => ({ domainName: API, region: REGION })),
    node("dns-record:api-validation", ["certificate:api"], dnsRecord, (r) => ({
      hostedZoneId: zoneId,
      name: String(r.out("certificate:api").validationName),
      type: "CNAME",
      ttl: 300,
      values: [String(r.out("certificate:api").validationValue)],
    })),
    node("certificate-validation:api", ["certificate:api", "dns-record:api-validation"], certificateValidation, (r) => ({ certificateArn: r.id("certificate:api"), region: REGION })),
    node("target-group:api", ["vpc:main"], targetGroup, (r) => ({ name: "demo-api", vpcId: r.id("vpc:main"), port: 3000, healthCheckPath: "/health", deregistrationDelaySeconds: 30 })),
    node("load-balancer:main", ["subnet:public-a", "subnet:public-b", "security-group:alb", "internet-gateway:main"], loadBalancer, (r) => ({
      name: "demo-alb",
      subnetIds: [r.id("subnet:public-a"), r.id("subnet:public-b")],
      securityGroupIds: [r.id("security-group:alb")],
      accessLogsBucket: opts.accessLogsBucket,
      accessLogsPrefix: opts.accessLogsBucket ? "alb" : undefined,
      idleTimeoutSeconds: 60,
    })),
    node("listener:http", ["load-balancer:main"], listener, (r) => ({ loadBalancerArn: r.id("load-balancer:main"), port: 80 })),
    node("listener:https", ["load-balancer:main", certNode, "target-group:api"], listener, (r) => ({
      loadBalancerArn: r.id("load-balancer:main"),
      port: 443,
      certificateArn: r.id(certNode),
      targetGroupArn: r.id("target-group:api"),
    })),
    ...(["A", "AAAA"] as const).map((type) =>
      node(`dns-record:api-${type.toLowerCase()}`, ["load-balancer:main"], dnsRecord, (r) => ({
        hostedZoneId: zoneId,
        name: API,
        type,
        alias: { dnsName: `dualstack.${String(r.out("load-balancer:main").dnsName)}`, hostedZoneId: String(r.out("load-balancer:main").canonicalHostedZoneId), evaluateTargetHealth: true },
      })),
    ),
  ];
}

async function setup(opts: { session?: Session; zoneId?: string; accessLogsBucket?: string; listenerCert?: "validation" | "certificate"; only?: string[] } = {}) {
  const s = opts.session ?? sandboxSession();
  const zoneId = opts.zoneId ?? seedHostedZone(s.sandbox, DOMAIN);
  const facts = await gatherEnvironmentFacts(s.aws, s.config);
  const env = environmentPlan(s.config, facts);
  let nodes = [...networkFor(env, ["subnet:public-a", "subnet:public-b", "security-group:alb", "internet-gateway:main"]), ...albNodes(zoneId, opts)];
  if (opts.only) nodes = nodes.filter((n) => opts.only!.includes(n.id));
  const plan: Plan<ResourceContext> = { name: "alb", nodes };
  const opts2 = () => {
    // A fresh context factory per run, as a new CLI invocation would have (no cached reads).
    const fresh = contextFactory({ env: "demo", region: REGION, aws: s.aws, clock: s.clock, facts, flags: { deleteData: false } });
    return { clock: s.clock, makeContext: (n: PlanNode<ResourceContext>) => fresh(n.id), emit: () => {} };
  };
  return { s, zoneId, plan, opts: opts2 };
}

const writes = (s: Session) => effectiveWrites(s.sandbox);
const records = (sandbox: Sandbox, zoneId: string) =>
  sandbox
    .records("us-east-1", "route53", "recordSets")
    .filter((r) => r._zoneId === zoneId)
    .map((r) => `${r.Name} ${r.Type}`)
    .sort();
const live = (sandbox: Sandbox) =>
  taggedInventory(sandbox, "demo")
    .filter(({ rec }) => !rec.DeletedDate && rec.State !== "deleted" && rec.State?.Name !== "terminated" && rec._goneAt === undefined)
    .map((r) => `${r.key.split("/").slice(1, 3).join("/")} ${r.node}`)
    .sort();

const MY_NODES = ["certificate:api", "dns-record:api-validation", "certificate-validation:api", "target-group:api", "load-balancer:main", "listener:http", "listener:https", "dns-record:api-a", "dns-record:api-aaaa"];

async function logBucket(s: Session): Promise<string> {
  const s3 = await s.aws.get("s3");
  const bucket = "opsctl-demo-logs-123456789012-eu-west-1";
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/alb/*` }],
      }),
    }),
  );
  return bucket;
}

describe("ALB-01..ALB-04 modules", () => {
  it("create, run again with zero writes, down leaves nothing", async () => {
    const s = sandboxSession();
    const bucket = await logBucket(s);
    const { zoneId, plan, opts } = await setup({ session: s, accessLogsBucket: bucket });
    const first = await up(plan, opts());
    expect(first.outcomes.filter((o) => o.status !== "done").map((o) => `${o.node}: ${String((o.error as Error)?.message)}`)).toEqual([]);
    for (const id of MY_NODES) {
      const o = first.outcomes.find((x) => x.node === id)!;
      // The validation node writes nothing: it exists with the certificate and waits for ISSUED.
      expect(o.action, id).toBe(id === "certificate-validation:api" ? "noop" : "create");
      // The certificate node is done once its validation record is known; issuance is the validation node's wait.
      if (id === "certificate:api") expect(o.description?.state).toBe("PENDING_VALIDATION");
      else expect(o.description?.healthy, id).toBe(true);
    }
    const lb = first.outcomes.find((o) => o.node === "load-balancer:main")!.description!;
    expect(lb.state).toBe("active");
    expect(lb.details).toMatchObject({ scheme: "internet-facing", ipAddressType: "dualstack", dropInvalidHeaderFields: "true", accessLogs: `s3://${bucket}/alb` });
    expect(first.outcomes.find((o) => o.node === "listener:http")!.description!.details!.action).toBe("redirect HTTPS:443 #{host}/#{path}?#{query} HTTP_301");
    expect(first.outcomes.find((o) => o.node === "listener:https")!.description!.details!.sslPolicy).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
    expect(records(s.sandbox, zoneId)).toEqual(
      expect.arrayContaining(["api.example.com. A", "api.example.com. AAAA", "_opsctl-a.api.example.com. TXT", "_opsctl-aaaa.api.example.com. TXT"]),
    );
    // The ALB's ENIs sit in the public subnets (one per subnet), where subnet deletion sees them.
    const enis = s.sandbox.records(REGION, "ec2", "networkInterfaces").filter((e) => e.Description?.startsWith("ELB app/demo-alb/"));
    expect(enis.length).toBe(2);

    await expectNoopRerun(plan, opts(), s.sandbox);

    const gone = await down(plan, opts());
    expect(gone.outcomes.filter((o) => o.status !== "done").map((o) => `${o.node}: ${String((o.error as Error)?.message)}`)).toEqual([]);
    expect(live(s.sandbox)).toEqual([]);
    expect(records(s.sandbox, zoneId)).toEqual(["example.com. NS", "example.com. SOA"]);
    expect(s.sandbox.records(REGION, "ec2", "networkInterfaces").filter((e) => e._elb)).toEqual([]);
    const b2 = writes(s);
    await down(plan, opts());
    expect(writes(s) - b2).toBe(0);
  }, 60_000);

  it("the certificate stays PENDING_VALIDATION until its validation record is written, then is ISSUED", async () => {
    const { s, plan, opts } = await setup({ only: ["certificate:api"] });
    const r = await up(plan, opts());
    expect(r.ok).toBe(true);
    const out = r.outcomes[0];
    expect(out.description!.state).toBe("PENDING_VALIDATION");
    const arn = out.id!;
    // Hours later, without the record, nothing has happened.
    await s.clock.sleep(6 * 3_600_000);
    const acm = await s.aws.get("acm");
    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate!.Status).toBe("PENDING_VALIDATION");

    const full = await setup({ session: s, zoneId: undefined, only: ["certificate:api", "dns-record:api-validation", "certificate-validation:api"] });
    const writtenAt = s.clock.now();
    const r2 = await up(full.plan, full.opts());
    expect(r2.ok).toBe(true);
    expect(r2.outcomes.find((o) => o.node === "certificate:api")!.action).toBe("noop");
    expect(r2.outcomes.find((o) => o.node === "dns-record:api-validation")!.action).toBe("create");
    const cert = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate!;
    expect(cert.Status).toBe("ISSUED");
    // Issued after the record went INSYNC plus the typical issuance time, not before.
    expect(cert.IssuedAt!.getTime()).toBeGreaterThanOrEqual(writtenAt + 45_000 + 120_000);
    expect(r2.outcomes.find((o) => o.node === "certificate-validation:api")!.description!.healthy).toBe(true);
  }, 60_000);

  it("the 443 listener refuses a certificate that is not issued", async () => {
    const { plan, opts } = await setup({ listenerCert: "certificate" });
    const r = await up(plan, opts());
    const https = r.outcomes.find((o) => o.node === "listener:https")!;
    expect(https.status).toBe("failed");
    expect((https.error as Error).name).toBe("UnsupportedCertificate");
    expect(r.outcomes.find((o) => o.node === "listener:http")!.status).toBe("done");
  }, 60_000);

  it("a domain outside the hosted zone is bad input naming the config field", async () => {
    const s = sandboxSession();
    const zoneId = seedHostedZone(s.sandbox, DOMAIN);
    seedHostedZone(s.sandbox, `dev.${DOMAIN}`);
    expect(await findHostedZone(s.aws, API)).toEqual({ id: zoneId, name: "example.com." });
    // Longest suffix wins.
    expect((await findHostedZone(s.aws, "api.dev.example.com")).name).toBe("dev.example.com.");
    await expect(findHostedZone(s.aws, "api.example.org")).rejects.toThrow(InputError);
    await expect(findHostedZone(s.aws, "api.example.org")).rejects.toThrow(/^dns\.domain: /);
    await expect(findHostedZone(s.aws, "api.example.org", zoneId)).rejects.toThrow(/^dns\.domain: api\.example\.org is not in hosted zone/);
    await expect(findHostedZone(s.aws, API, "ZNOSUCHZONE123")).rejects.toThrow(/^dns\.hostedZoneId: /);
    expect(s.sandbox.journal.filter((j) => j.write)).toEqual([]);
  });

  it("crash after every write of a from-zero up, then up again: one of each, no duplicate", async () => {
    const clean = await setup();
    const cleanRun = await up(clean.plan, clean.opts());
    expect(cleanRun.ok).toBe(true);
    const expected = live(clean.s.sandbox);
    const expectedRecords = records(clean.s.sandbox, clean.zoneId);
    expect(expected.filter((x) => x.startsWith("elbv2/loadBalancers"))).toHaveLength(1);
    expect(expected.filter((x) => x.startsWith("elbv2/targetGroups"))).toHaveLength(1);
    expect(expected.filter((x) => x.startsWith("elbv2/listeners"))).toHaveLength(2);
    expect(expected.filter((x) => x.startsWith("acm/certificates"))).toHaveLength(1);
    const total = writes(clean.s);
    expect(total).toBeGreaterThan(20);
    const failures: string[] = [];
    for (let k = 1; k <= total; k++) {
      const s = sandboxSession({ faults: { crashAfterWrites: k } });
      const zoneId = seedHostedZone(s.sandbox, DOMAIN);
      const crashed = await setup({ session: s, zoneId });
      const r = await up(crashed.plan, crashed.opts());
      if (r.ok) failures.push(`k=${k}: the crash did not stop the run`);
      const again = await setup({ session: sandboxSession({ sandbox: s.sandbox, faults: {} }), zoneId });
      const resumed = await up(again.plan, again.opts());
      if (!resumed.ok) {
        const f = resumed.outcomes.find((o) => o.status === "failed");
        failures.push(`k=${k}: resume failed at ${f?.node}: ${String((f?.error as Error)?.message)}`);
        continue;
      }
      const got = live(s.sandbox);
      if (JSON.stringify(got) !== JSON.stringify(expected)) failures.push(`k=${k}: inventory ${JSON.stringify(got.filter((x) => !expected.includes(x)))} vs ${JSON.stringify(expected.filter((x) => !got.includes(x)))} (${got.length} vs ${expected.length})`);
      if (JSON.stringify(records(s.sandbox, zoneId)) !== JSON.stringify(expectedRecords)) failures.push(`k=${k}: records ${JSON.stringify(records(s.sandbox, zoneId))}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
