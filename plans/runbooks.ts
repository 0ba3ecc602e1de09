import type { Config } from "../src/config/schema.js";
import { InputError } from "../src/engine/errors.js";
import { validateGraph } from "../src/engine/graph.js";
import { node, ref, type Plan, type Refs } from "../src/engine/plan.js";
import { absent, readOnly } from "../src/engine/wrappers.js";
import type { ResourceContext } from "../src/resources/context.js";
import { dbInstancePower } from "../src/resources/db-instance-power.js";
import { instancePower } from "../src/resources/instance-power.js";
import { ecsDrained } from "../src/resources/ecs-drained.js";
import { PASS_AFTER_MS } from "../src/resources/target-health.js";
import { routeTable } from "../src/resources/route-table.js";
import { ecsService, type EcsServiceSpec } from "../src/resources/ecs-service.js";
import { ecsCluster } from "../src/resources/ecs-cluster.js";
import { dbInstance } from "../src/resources/db-instance.js";
import { instance } from "../src/resources/instance.js";
import { subnet } from "../src/resources/subnet.js";
import { vpc } from "../src/resources/vpc.js";
import { environmentPlan, type EnvironmentFacts } from "./environment.js";
import { slowMs, typicalMs } from "../src/aws/durations.js";
import type { Node } from "./names.js";

const notUp = (config: Config, id: string) => () =>
  new InputError("environment", `${config.env} has no ${id}: it was never brought up (or is incomplete)`, "run `opsctl up` first");

/**
 * Builds a runbook from the environment plan: `acting` nodes converge (their own spec, or an
 * override), and every node they depend on is read-only — it must exist, and it is never changed.
 */
/**
 * A runbook's plan, with the nodes it only reads (`requires`): they must all exist before the
 * runbook writes anything (checked by src/operations/runbooks.ts).
 */
export interface Runbook extends Plan<ResourceContext> {
  requires: string[];
}

function runbook(name: string, config: Config, env: EnvNodes, acting: Node[], mustExist: string[] = []): Runbook {
  const nodes = new Map(acting.map((n) => [n.id, n]));
  const actingIds = new Set(acting.map((n) => n.id));
  const visit = (id: string) => {
    if (nodes.has(id)) return;
    const n = env.get(id);
    if (!n) throw new Error(`runbook ${name} needs ${id}, which the environment plan does not have`);
    // A read-only node waits for nothing the runbook changes (e.g. the bootstrap task's ordering after
    // the private routes, which restore re-creates): it is looked for at once, before the first write.
    nodes.set(id, { ...n, deps: n.deps.filter((d) => !actingIds.has(d)), resource: readOnly(n.resource, notUp(config, id)) });
    n.deps.forEach(visit);
  };
  for (const n of acting) n.deps.forEach(visit);
  const plan = { name, nodes: [...nodes.values()], requires: [...[...nodes.keys()].filter((id) => !actingIds.has(id)), ...mustExist] };
  validateGraph(plan.nodes);
  return plan;
}

/** An acting node that changes what `up` made but never creates it: a missing one fails like a read-only node. */
function existing(config: Config, n: Node): Node {
  const missing = notUp(config, n.id);
  return { ...n, resource: { ...n.resource, create: async () => { throw missing(); } } };
}

/** The environment plan's nodes by id: built once per runbook. */
type EnvNodes = Map<string, Node>;

function envNodes(config: Config, facts: EnvironmentFacts): EnvNodes {
  return new Map(environmentPlan(config, facts).nodes.map((n) => [n.id, n]));
}

/** A node of the environment plan, acting with its own spec (optionally other deps or spec). */
function from(env: EnvNodes, id: string, change: { deps?: (deps: string[]) => string[]; spec?: (spec: any, r: Refs) => unknown } = {}): Node {
  const n = env.get(id);
  if (!n) throw new Error(`no node ${id} in the environment plan`);
  const deps = [...new Set(change.deps ? change.deps(n.deps) : n.deps)];
  return {
    ...n,
    deps,
    spec: change.spec ? (r: Refs) => change.spec!(n.spec(r), r) : n.spec,
    reads: n.reads?.filter((r) => deps.includes(r.id)),
  };
}

/** restore's health check grace period: the whole budget opsctl gives an RDS start (src/aws/aws-durations.json, slow). */
export const RESTORE_GRACE_S = Math.ceil(slowMs("rds.instance.start") / 1000);

const natIds = (config: Config) => (config.network.natMode === "per-az" ? ["a", "b"] : ["a"]);

// The environment plan's nodes the runbooks' own nodes read.
const database = ref(dbInstance, "db-instance:main");
const bastion = ref(instance, "instance:bastion");

/**
 * restore (notes §17) as a dependency graph, not as the list: RDS starts at once (it takes longest);
 * NAT gateway, ALB (target group kept by pause, listeners, api records) and bastion in parallel; the
 * ECS service goes back to its desired count as soon as the tasks have what they need — a route to
 * the NAT gateway for the image pull, the target group behind the HTTPS listener, the database.
 */
export function restorePlan(config: Config, facts: EnvironmentFacts, opts: { healthCheckGraceSeconds?: number } = {}): Runbook {
  const env = envNodes(config, facts);
  const nats = natIds(config);
  const acting: Node[] = [
    ...nats.flatMap((az) => [from(env, `elastic-ip:nat-${az}`), from(env, `nat-gateway:${az}`)]),
    from(env, "route-table:private-a"),
    from(env, "route-table:private-b"),
    from(env, "target-group:api"),
    from(env, "load-balancer:api"),
    from(env, "listener:http"),
    from(env, "listener:https"),
    from(env, "dns-record:api-a"),
    from(env, "dns-record:api-aaaa"),
    // The new ALB has a new ARN: its alarms (MON-01) follow it.
    from(env, "metric-alarm:unhealthy-targets"),
    from(env, "metric-alarm:alb-5xx"),
    from(env, "metric-alarm:target-5xx"),
    node(dbInstancePower, "db-instance-power:main", () => ({ identifier: `${config.env}-main`, state: "available" }), ["RDS-02"], [database]),
    node(instancePower, "instance-power:bastion", (r) => ({ instanceId: r.id(bastion), state: "running" }), ["BAS-01"]),
  ];
  if (facts.image) {
    // The tasks start while RDS is still starting: their /readyz (the target group's health check)
    // fails until the database is available. A grace period that covers the whole RDS start budget
    // keeps ECS from stopping them for it (healthCheckGracePeriodSeconds: "the Amazon ECS service
    // scheduler ignores unhealthy Elastic Load Balancing … health checks … after a task has first
    // started"), so neither the circuit breaker nor the rollout sees a failure; the rollout completes
    // once the targets pass, shortly after the database is available.
    const grace = opts.healthCheckGraceSeconds ?? RESTORE_GRACE_S;
    const scaled = from(env, "ecs-service:api", {
      deps: (d) => [...d, "route-table:private-a", "route-table:private-b"],
      spec: (s: EcsServiceSpec) => ({ ...s, healthCheckGracePeriodSeconds: grace }),
    });
    // A running service keeps the grace period `up` set: a restore with nothing to scale makes no write.
    const diff: typeof scaled.resource.diff = (spec, actual) => {
      const changes = scaled.resource.diff(spec, actual);
      return changes.every((c) => c.field === "healthCheckGracePeriodSeconds") ? [] : changes;
    };
    acting.push({ ...scaled, resource: { ...scaled.resource, diff } });
    // The targets pass their health checks (/readyz queries the database) only once RDS is available.
    const health = from(env, "target-health:api", { deps: (d) => [...d, "db-instance-power:main"] });
    acting.push({ ...health, resource: { ...health.resource, typicalCreateMs: PASS_AFTER_MS } });
    // Then the grace period goes back to the environment's (UpdateService; "This parameter doesn't
    // trigger a new service deployment").
    const settled = from(env, "ecs-service:api", { deps: (d) => [...d, "route-table:private-a", "route-table:private-b", "ecs-service:api", "target-health:api"] });
    acting.push(existing(config, { ...settled, id: "ecs-service-grace:api", resource: { ...settled.resource, typicalCreateMs: 0 } }));
  }
  return runbook("restore", config, env, acting);
}

/**
 * pause: the inverse, cutting the hourly cost without losing data. ECS to 0 (drained), then the
 * listeners, the api records and the ALB; the private default routes, then the NAT gateway, then its
 * Elastic IP once the gateway is `deleted` (releasing earlier fails with InvalidIPAddress.InUse);
 * the bastion and RDS stopped. The target group is kept: it costs nothing, and the ECS service keeps
 * pointing at it, so restore needs no change to the service's load balancer configuration.
 */
export function pausePlan(config: Config, facts: EnvironmentFacts): Runbook {
  const nats = natIds(config);
  const env = envNodes(config, facts);
  const gone = (id: string, deps: string[]): Node => ({ ...env.get(id)!, deps, spec: () => ({}), resource: absent(env.get(id)!.resource, (ctx) => ctx.clock), reads: [] });
  // Only what the service's spec reads: the listeners and the ALB are going away, and the bootstrap
  // task (which depends on the private routes this runbook changes) is done already.
  const serviceReads = ["ecs-cluster:main", "task-definition:api", "subnet:private-a", "subnet:private-b", "security-group:ecs", "service-discovery-service:api", "target-group:api"];
  // "Wait for the tasks to drain": ECS stops counting them at once, they stop a deregistration delay later.
  const drained = facts.image
    ? [node(ecsDrained, "ecs-drained:api", (r) => ({ cluster: String(r.out(ref(ecsCluster, "ecs-cluster:main")).name), serviceName: "api" }), ["ECS-03"], [ref(ecsService, "ecs-service:api")])]
    : [];
  const service = drained.map((n) => n.id);
  const acting: Node[] = [
    ...(facts.image
      ? [
          (() => {
            const n = existing(config, from(env, "ecs-service:api", { deps: () => serviceReads, spec: (s: EcsServiceSpec) => ({ ...s, desiredCount: 0 }) }));
            // Setting the count takes no time of its own: the drain is the next node.
            return { ...n, resource: { ...n.resource, typicalCreateMs: 0 } };
          })(),
          ...drained,
        ]
      : []),
    gone("listener:https", service),
    gone("listener:http", service),
    gone("dns-record:api-a", []),
    gone("dns-record:api-aaaa", []),
    gone("load-balancer:api", ["listener:https", "listener:http", "dns-record:api-a", "dns-record:api-aaaa", ...service]),
    // The private tables keep their subnets but lose the default route to the NAT gateway.
    ...(["a", "b"] as const).map((az) =>
      existing(config, node(routeTable, `route-table:private-${az}`, (r) => ({ vpcId: r.id(ref(vpc, "vpc:main")), routes: [], subnetIds: [r.id(ref(subnet, `subnet:private-${az}`))] }), env.get(`route-table:private-${az}`)!.controls ?? [], drained)),
    ),
    ...nats.map((az) => gone(`nat-gateway:${az}`, ["route-table:private-a", "route-table:private-b", ...service])),
    ...nats.map((az) => gone(`elastic-ip:nat-${az}`, [`nat-gateway:${az}`])),
    node({ ...instancePower, typicalCreateMs: typicalMs("ec2.instance.stop") }, "instance-power:bastion", (r) => ({ instanceId: r.id(bastion), state: "stopped" }), ["BAS-01"]),
    node({ ...dbInstancePower, typicalCreateMs: typicalMs("rds.instance.stop") }, "db-instance-power:main", () => ({ identifier: `${config.env}-main`, state: "stopped" }), ["RDS-02"], [database, ...drained]),
  ];
  // Pause changes these but must not create them: an environment without them is incomplete.
  return runbook("pause", config, env, acting, [...(facts.image ? ["ecs-service:api"] : []), "route-table:private-a", "route-table:private-b"]);
}
