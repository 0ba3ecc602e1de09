import { describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeVpcsCommand, EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";
import { down, preview, retrying, up } from "../../src/engine/reconcile.js";
import { SimClock } from "../../src/engine/clock.js";
import { BudgetExceeded, OpsError, TryAgainLater } from "../../src/engine/errors.js";
import { criticalPath, PlanGraphError, validateGraph } from "../../src/engine/graph.js";
import { execute } from "../../src/engine/executor.js";
import { makeRefs, type PlanNode } from "../../src/engine/plan.js";
import type { ResourceKind } from "../../src/engine/resource.js";
import { isCode, isNotFound, isTransient } from "../../src/aws/errors.js";
import { NoSuchEntityException } from "@aws-sdk/client-iam";
import { contextFactory, type Facts, type ResourceContext } from "../../src/resources/context.js";
import { logGroup } from "../../src/resources/log-group.js";
import { newSandbox } from "../helpers/sandbox.js";

interface Thing {
  id: string;
  state: string;
}

/** A resource kind over an in-memory record whose state follows `stateAt(elapsed since create)`. */
function thing(opts: { stateAt: (ms: number) => string; clock: SimClock; budgetMs?: number; failure?: (a: Thing) => string | undefined; blockers?: string[] }): ResourceKind<unknown, Thing, unknown> & { reads: number } {
  let createdAt: number | undefined;
  let deletedAt: number | undefined;
  const now = (): Thing | undefined => {
    if (createdAt === undefined) return undefined;
    const state = deletedAt !== undefined ? opts.stateAt(-1) : opts.stateAt(opts.clock.now() - createdAt);
    return { id: "thing-1", state };
  };
  const kind = {
    reads: 0,
    kind: "thing",
    budget: { create: opts.budgetMs ?? 120_000, delete: opts.budgetMs ?? 120_000 },
    typicalCreateMs: 60_000,
    find: async () => (kind.reads++, now()),
    diff: () => [],
    create: async () => {
      createdAt = opts.clock.now();
      return now()!;
    },
    update: async (_c: unknown, _s: unknown, a: Thing) => a,
    delete: async () => {
      deletedAt = opts.clock.now();
    },
    refresh: async () => (kind.reads++, now()),
    isReady: (a: Thing) => a.state === "available",
    isGone: (a: Thing) => a.state === "deleted",
    failure: opts.failure,
    blockers: opts.blockers ? async () => opts.blockers! : undefined,
    describe: (a: Thing) => ({ id: a.id, state: a.state, healthy: a.state === "available" }),
    outputs: (a: Thing) => ({ id: a.id }),
  };
  return kind;
}

const run = { makeContext: () => ({}), emit: () => {} };

describe("engine failure paths (issue 14)", () => {
  it("a wait that runs out of its budget fails the node with BudgetExceeded naming the state and the time", async () => {
    const clock = new SimClock(0);
    const r = thing({ clock, stateAt: () => "pending", budgetMs: 120_000 });
    const report = await up({ name: "t", nodes: [{ id: "thing:a", deps: [], resource: r, spec: () => ({}) }] }, { ...run, clock });
    const o = report.outcomes[0];
    expect([report.ok, o.status]).toEqual([false, "failed"]);
    expect(o.error).toBeInstanceOf(BudgetExceeded);
    expect((o.error as BudgetExceeded).message).toBe("thing:a: not ready after 120 s (state pending)");
    expect((o.error as BudgetExceeded).hint).toMatch(/opsctl up` again later/);
    expect(clock.now()).toBe(120_000);
    expect(r.reads).toBeLessThan(30);
  });

  it("failure() stops a wait as soon as a read shows it, long before the budget", async () => {
    const clock = new SimClock(0);
    const r = thing({ clock, stateAt: (ms) => (ms >= 30_000 ? "failed" : "creating"), budgetMs: 3600_000, failure: (a) => (a.state === "failed" ? "insufficient capacity" : undefined) });
    const report = await up({ name: "t", nodes: [{ id: "thing:a", deps: [], resource: r, spec: () => ({}) }] }, { ...run, clock });
    const e = report.outcomes[0].error as OpsError;
    expect(e).toBeInstanceOf(OpsError);
    expect([e.code, e.message]).toEqual(["resource_failed", "thing:a (thing-1) failed: insufficient capacity"]);
    // Noticed at the first read at or after 30 s (reads every 5 s that early).
    expect(clock.now()).toBe(30_000);
  });

  it("a delete that never completes fails naming what blocks it", async () => {
    const clock = new SimClock(0);
    const r = thing({ clock, stateAt: (ms) => (ms < 0 ? "deleting" : "available"), budgetMs: 60_000, blockers: ["eni-0abc (in use by nat-0def)"] });
    await r.create(undefined, {});
    const report = await down({ name: "t", nodes: [{ id: "thing:a", deps: [], resource: r, spec: () => ({}) }] }, { ...run, clock });
    expect(String((report.outcomes[0].error as Error).message)).toBe("thing:a: still deleting after 60 s; blocked by eni-0abc (in use by nat-0def)");
  });

  it("retrying: try-again-later is retried on the clock until the budget, then fails with the last reason", async () => {
    const clock = new SimClock(0);
    let calls = 0;
    const err = await retrying({ clock, emit: () => {} }, "thing:a", 30_000, async () => {
      calls++;
      throw new TryAgainLater("dependency still being released", 10_000);
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(BudgetExceeded);
    expect((err as Error).message).toBe("thing:a: still not possible after 30 s: dependency still being released");
    expect([calls, clock.now()]).toEqual([4, 30_000]);
  });

  it("classifies AWS errors: throttling and 503 are transient, not-found codes are not-found, the rest permanent", () => {
    const aws = (name: string, httpStatusCode: number) => new EC2ServiceException({ name, $fault: httpStatusCode >= 500 ? "server" : "client", $metadata: { httpStatusCode }, message: name });
    for (const [name, status] of [["ThrottlingException", 400], ["RequestLimitExceeded", 503], ["Throttling", 400], ["SlowDown", 503], ["TooManyRequestsException", 429], ["ServiceUnavailable", 503], ["SomethingElse", 503]] as const) {
      expect(isTransient(aws(name, status)), name).toBe(true);
    }
    for (const [name, status] of [["InternalError", 500], ["AccessDenied", 403], ["InvalidParameterValue", 400], ["DependencyViolation", 400]] as const) {
      expect(isTransient(aws(name, status)), name).toBe(false);
    }
    for (const name of ["InvalidVpcID.NotFound", "NoSuchEntity", "NoSuchBucket", "DBInstanceNotFoundFault", "ResourceNotFoundException", "ReplicationGroupNotFoundFault"]) expect(isNotFound(aws(name, 404)), name).toBe(true);
    for (const name of ["AccessDenied", "InvalidVpcID.Malformed", "ThrottlingException"]) expect(isNotFound(aws(name, 400)), name).toBe(false);
    // IAM's NoSuchEntity as the SDK surfaces it from AWS: a NoSuchEntityException, the wire code in Code
    // (found by the differential check against moto): opsctl's checks by wire code still match.
    const iam = Object.assign(new NoSuchEntityException({ $metadata: { httpStatusCode: 404 }, message: "Role nope not found" }), { Code: "NoSuchEntity" });
    expect([iam.name, isCode(iam, "NoSuchEntity"), isCode(iam, "NoSuchEntityException"), isCode(iam, "EntityAlreadyExists"), isNotFound(iam)]).toEqual(["NoSuchEntityException", true, true, false, true]);
    // Not an AWS error (no $metadata): neither.
    expect([isTransient(new Error("ThrottlingException")), isNotFound(new Error("NotFound"))]).toEqual([false, false]);
  });

  it("throttling that escaped the SDK is retried with the same request; a permanent error is not (aws-sdk-client-mock)", async () => {
    // The point is the exact request: each retry sends the same DescribeVpcs input again.
    const ec2 = mockClient(EC2Client);
    const throttled = new EC2ServiceException({ name: "RequestLimitExceeded", $fault: "client", $metadata: { httpStatusCode: 503 }, message: "Request limit exceeded." });
    const missing = new EC2ServiceException({ name: "InvalidVpcID.NotFound", $fault: "client", $metadata: { httpStatusCode: 400 }, message: "The vpc ID 'vpc-2' does not exist" });
    ec2.on(DescribeVpcsCommand, { VpcIds: ["vpc-1"] }).rejectsOnce(throttled).rejectsOnce(throttled).resolves({ Vpcs: [{ VpcId: "vpc-1", State: "available" }] });
    ec2.on(DescribeVpcsCommand, { VpcIds: ["vpc-2"] }).rejects(missing);
    try {
      const client = new EC2Client({ region: "eu-west-1" });
      const clock = new SimClock(0);
      const opts = { clock, emit: () => {}, isTransient };
      const got = await retrying(opts, "vpc:main", 60_000, () => client.send(new DescribeVpcsCommand({ VpcIds: ["vpc-1"] })));
      expect(got.Vpcs?.[0]?.VpcId).toBe("vpc-1");
      expect(ec2.commandCalls(DescribeVpcsCommand, { VpcIds: ["vpc-1"] }, true)).toHaveLength(3);
      // Transient errors wait 5 s between attempts on the clock.
      expect(clock.now()).toBe(10_000);
      const err = await retrying(opts, "vpc:other", 60_000, () => client.send(new DescribeVpcsCommand({ VpcIds: ["vpc-2"] }))).catch((e: Error) => e);
      expect((err as Error).name).toBe("InvalidVpcID.NotFound");
      expect(ec2.commandCalls(DescribeVpcsCommand, { VpcIds: ["vpc-2"] }, true)).toHaveLength(1);
    } finally {
      ec2.restore();
    }
  });

  it("a spec that reads a node it does not depend on is refused (undeclared-dependency guard)", async () => {
    const refs = makeRefs("subnet:a", ["vpc:main"], new Map([["vpc:main", { id: "vpc-1" }], ["igw:main", { id: "igw-1" }]]));
    expect(refs.id("vpc:main")).toBe("vpc-1");
    expect(() => refs.id("igw:main")).toThrow("plan node subnet:a reads igw:main, which is not one of its dependencies");
    const clock = new SimClock(0);
    const ok = thing({ clock, stateAt: () => "available" });
    const nodes: PlanNode[] = [
      { id: "igw:main", deps: [], resource: ok, spec: () => ({}) },
      { id: "subnet:a", deps: [], resource: thing({ clock, stateAt: () => "available" }), spec: (r) => ({ igw: r.id("igw:main") }) },
    ];
    const report = await up({ name: "t", nodes }, { ...run, clock });
    expect(report.outcomes.map((o) => [o.node, o.status, o.error ? (o.error as Error).message : ""])).toEqual([
      ["igw:main", "done", ""],
      ["subnet:a", "failed", "plan node subnet:a reads igw:main, which is not one of its dependencies"],
    ]);
  });

  it("reports a dependency cycle as a path, and a dependency that is not in the plan", async () => {
    const cyc = [
      { id: "a", deps: ["c"] },
      { id: "b", deps: ["a"] },
      { id: "c", deps: ["b"] },
      { id: "d", deps: [] },
    ];
    expect(() => validateGraph(cyc)).toThrow(PlanGraphError);
    expect(() => validateGraph(cyc)).toThrow("dependency cycle: a -> c -> b -> a");
    expect(() => validateGraph([{ id: "x", deps: ["x"] }])).toThrow("dependency cycle: x -> x");
    expect(() => validateGraph([{ id: "x", deps: ["y"] }])).toThrow("plan node x depends on y, which is not in the plan");
    expect(() => validateGraph([{ id: "x", deps: [] }, { id: "x", deps: [] }])).toThrow("duplicate plan node x");
    // The executor refuses to start such a graph: nothing runs.
    let ran = 0;
    await expect(execute(cyc.map((n) => ({ ...n, run: async () => void ran++ })), { clock: new SimClock(0) })).rejects.toThrow("dependency cycle");
    expect(ran).toBe(0);
    expect(criticalPath([{ id: "a", deps: [] }, { id: "b", deps: ["a"] }, { id: "c", deps: ["a"] }], (id) => ({ a: 1, b: 5, c: 2 })[id]!)).toEqual({ total: 6, path: ["a", "b"] });
  });

  it("persistent 500s (sandbox failAfterWrites): the SDK retries each write, then the node fails with the AWS code and nothing after it starts", async () => {
    const { sandbox, aws } = newSandbox({ faults: { failAfterWrites: 0 } });
    const make = contextFactory({ env: "demo", region: "eu-west-1", aws, clock: sandbox.clock, facts: {} as Facts, flags: {} as never });
    const nodes: PlanNode<ResourceContext>[] = [
      { id: "log-group:one", deps: [], resource: logGroup, spec: () => ({ name: "/opsctl/demo/one", retentionDays: 30 }) },
      { id: "log-group:two", deps: ["log-group:one"], resource: logGroup, spec: () => ({ name: "/opsctl/demo/two", retentionDays: 30 }) },
    ];
    const report = await up({ name: "t", nodes }, { clock: sandbox.clock, makeContext: (n) => make(n.id), emit: () => {}, isTransient });
    const [one, two] = report.outcomes;
    expect(report.ok).toBe(false);
    expect([one.status, (one.error as Error).name, (one.error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode]).toEqual(["failed", "InternalError", 500]);
    // A 500 is retried by the SDK (8 attempts here), not again by the engine: it is not "transient".
    expect(sandbox.journal.filter((c) => c.operation === "CreateLogGroup").map((c) => c.error)).toEqual(Array(8).fill("InternalError"));
    expect(two.status).toBe("skipped");
    expect(sandbox.journal.filter((c) => c.write && !c.error)).toEqual([]);
    await aws.destroy();
  });

  it("preview is fail-soft: every node is read; a dependent that cannot be found without the failed node's outputs is 'not checked', not missing; one found has its drift not checked", async () => {
    const clock = new SimClock(0);
    const present = () => {
      const t = thing({ clock, stateAt: () => "available" });
      void t.create(undefined, {});
      return t;
    };
    const broken = { ...present(), find: async () => Promise.reject(new OpsError("bad_signing_key", "key is not in the SPEC.md format")) };
    // Found only with its parent's id: unknown once the parent failed.
    const needsParent = { ...present(), find: async (_c: unknown, spec: unknown) => ((spec as { parent: string }).parent === "thing-1" ? { id: "thing-2", state: "available" } : undefined) };
    const nodes: PlanNode[] = [
      { id: "thing:broken", deps: [], resource: broken, spec: () => ({}) },
      { id: "thing:by-tag", deps: ["thing:broken"], resource: present(), spec: (r) => ({ parent: r.id("thing:broken") }) },
      { id: "thing:by-parent", deps: ["thing:broken"], resource: needsParent, spec: (r) => ({ parent: r.id("thing:broken") }) },
      { id: "thing:grandchild", deps: ["thing:by-parent"], resource: needsParent, spec: (r) => ({ parent: r.id("thing:by-parent") }) },
      { id: "thing:independent", deps: [], resource: present(), spec: () => ({}) },
    ];
    const report = await preview({ name: "t", nodes }, { ...run, clock });
    expect(report.ok).toBe(false);
    expect(report.outcomes.map((o) => [o.node, o.status, o.exists, o.unchecked ?? (o.error ? (o.error as Error).message : "")])).toEqual([
      ["thing:broken", "failed", false, "key is not in the SPEC.md format"],
      // Found by tag, but its spec needs the failed node's id: shown, with its drift not checked.
      ["thing:by-tag", "done", true, "drift not checked: depends on thing:broken, which failed"],
      ["thing:by-parent", "skipped", false, "not checked: depends on thing:broken, which failed"],
      ["thing:grandchild", "skipped", false, "not checked: depends on thing:broken, which failed"],
      ["thing:independent", "done", true, ""],
    ]);
  });
});
