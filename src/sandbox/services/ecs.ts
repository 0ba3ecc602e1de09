import { ECSServiceException, type ECS } from "@aws-sdk/client-ecs";
import { paginate } from "../filters.js";
import { lowerTags, mergeTags, removeTags } from "../tags.js";
import { defineService, type SimRecord, type SimService, type Handlers } from "../types.js";
import { LINGER_MS, arn, checkTags, clusterName, clusters, findTaskDef, lastPart, out, services, tasks, type Ctx } from "./ecs-common.js";
import { serviceHandlers, settleServices } from "./ecs-services.js";
import { taskDefinitionHandlers } from "./ecs-task-definitions.js";
import { purgeTasks, settleTask, taskHandlers } from "./ecs-tasks.js";

/*
 * Simulated ECS (behaviour: ecs.md beside this file). Tables of the region: `clusters` (by name),
 * `taskDefinitions` (by `family:revision`), `services` (by a unique key; a name can come back after
 * INACTIVE), `tasks` (by task id), `clientTokens`. Times are epoch ms, returned as Date.
 */

/** Brings every service and task of the region to "now" (no timers: state is computed on each call). */
function settle(ctx: Ctx): void {
  settleServices(ctx);
  for (const t of Object.values(tasks(ctx))) if (!t._service) settleTask(ctx, t, ctx.now());
  purgeTasks(ctx);
  const all = clusters(ctx);
  for (const [k, c] of Object.entries(all)) if (c.status === "INACTIVE" && ctx.now() >= c._purgeAt) delete all[k];
}

const SETTING_VALUES = ["enabled", "disabled", "enhanced"];

function settings(ctx: Ctx, list: SimRecord[] | undefined, old: SimRecord[] = [{ name: "containerInsights", value: "disabled" }]): SimRecord[] {
  const m = new Map(old.map((s) => [s.name, s.value]));
  for (const s of list ?? []) {
    if (s.name !== "containerInsights") ctx.fail("InvalidParameterException", `Invalid setting name ${s.name}.`);
    if (!SETTING_VALUES.includes(s.value)) ctx.fail("InvalidParameterException", `Invalid value ${s.value} for setting containerInsights. Valid values: enabled, disabled, enhanced.`);
    m.set(s.name, s.value);
  }
  return [...m].map(([name, value]) => ({ name, value }));
}

function clusterView(ctx: Ctx, c: SimRecord, include: string[]): SimRecord {
  const v = out(c);
  const mine = Object.values(tasks(ctx)).filter((t) => t.clusterArn === c.clusterArn);
  v.runningTasksCount = mine.filter((t) => t.lastStatus === "RUNNING").length;
  v.pendingTasksCount = mine.filter((t) => t.lastStatus === "PROVISIONING" || t.lastStatus === "PENDING").length;
  v.activeServicesCount = Object.values(services(ctx)).filter((s) => s.clusterArn === c.clusterArn && s.status === "ACTIVE").length;
  if (!include.includes("SETTINGS")) delete v.settings;
  if (include.includes("TAGS")) v.tags = lowerTags(c);
  if (!include.includes("STATISTICS")) delete v.statistics;
  if (!include.includes("CONFIGURATIONS")) delete v.configuration;
  return v;
}

/** The record an ECS ARN names, for the tag operations (clusters, services, tasks, task definitions). */
function byArn(ctx: Ctx, ref: string | undefined): SimRecord {
  const m = /^arn:aws[\w-]*:ecs:[\w-]+:\d{12}:(cluster|service|task|task-definition)\/(.+)$/.exec(ref ?? "");
  if (!m) ctx.fail("InvalidParameterException", "The ARN provided is invalid.");
  let rec: SimRecord | undefined;
  if (m[1] === "cluster") rec = clusters(ctx)[m[2]];
  else if (m[1] === "task") rec = tasks(ctx)[lastPart(m[2])];
  else if (m[1] === "task-definition") rec = findTaskDef(ctx, ref);
  else rec = Object.values(services(ctx)).find((s) => s.serviceArn === ref && s.status !== "INACTIVE");
  if (!rec) ctx.fail("ResourceNotFoundException", "The specified resource could not be found.");
  return rec;
}


const clusterHandlers: Handlers<ECS> = {
  CreateCluster(input, ctx) {
    const name: string = input.clusterName ?? "default";
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) ctx.fail("InvalidParameterException", "Cluster name must be 1-255 letters, numbers, hyphens and underscores.");
    const tags = checkTags(ctx, input.tags);
    const providers: string[] = input.capacityProviders ?? [];
    for (const p of providers) if (!["FARGATE", "FARGATE_SPOT"].includes(p)) ctx.fail("InvalidParameterException", `The specified capacity provider ${p} is not in an ACTIVE state (the sandbox has only FARGATE and FARGATE_SPOT).`);
    const existing = clusters(ctx)[name];
    // CreateCluster on an existing ACTIVE name answers that cluster (the call is idempotent by name).
    if (existing && existing.status === "ACTIVE") return { cluster: clusterView(ctx, existing, ["SETTINGS", "TAGS"]) };
    const c: SimRecord = ctx.born({
      clusterArn: arn(ctx, `cluster/${name}`),
      clusterName: name,
      status: "ACTIVE",
      registeredContainerInstancesCount: 0,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      activeServicesCount: 0,
      statistics: [],
      _tags: tags,
      settings: settings(ctx, input.settings),
      capacityProviders: providers,
      defaultCapacityProviderStrategy: (input.defaultCapacityProviderStrategy ?? []).map((s: SimRecord) => ({ base: 0, weight: 0, ...s })),
    });
    if (input.configuration) c.configuration = structuredClone(input.configuration);
    if (input.serviceConnectDefaults) c.serviceConnectDefaults = { namespace: input.serviceConnectDefaults.namespace };
    clusters(ctx)[name] = c;
    return { cluster: clusterView(ctx, c, ["SETTINGS", "TAGS"]) };
  },

  DescribeClusters(input, ctx) {
    const refs: string[] = input.clusters?.length ? input.clusters : ["default"];
    if (refs.length > 100) ctx.fail("InvalidParameterException", "clusters can have at most 100 items.");
    const found: SimRecord[] = [];
    const failures: SimRecord[] = [];
    for (const ref of refs) {
      const c = clusters(ctx)[clusterName(ref)];
      if (c && ctx.visible(c)) found.push(clusterView(ctx, c, input.include ?? []));
      else failures.push({ arn: ref.startsWith("arn:") ? ref : arn(ctx, `cluster/${ref}`), reason: "MISSING" });
    }
    return { clusters: found, failures };
  },

  ListClusters(input, ctx) {
    const list = Object.values(clusters(ctx))
      .filter((c) => c.status === "ACTIVE" && ctx.visible(c))
      .sort((a, b) => a.clusterName.localeCompare(b.clusterName));
    const { page, next } = paginate(list, input.maxResults, input.nextToken, 100);
    return { clusterArns: page.map((c) => c.clusterArn), nextToken: next };
  },

  UpdateClusterSettings(input, ctx) {
    const c = clusters(ctx)[clusterName(input.cluster)];
    if (!c || c.status !== "ACTIVE") return ctx.fail("ClusterNotFoundException", "Cluster not found.");
    if (!input.settings?.length) ctx.fail("InvalidParameterException", "settings can not be empty.");
    c.settings = settings(ctx, input.settings, c.settings);
    return { cluster: clusterView(ctx, c, ["SETTINGS"]) };
  },

  DeleteCluster(input, ctx) {
    const c = clusters(ctx)[clusterName(input.cluster)];
    if (!c || c.status !== "ACTIVE") return ctx.fail("ClusterNotFoundException", "Cluster not found.");
    if (Object.values(services(ctx)).some((s) => s.clusterArn === c.clusterArn && s.status !== "INACTIVE")) {
      ctx.fail("ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.");
    }
    if (Object.values(tasks(ctx)).some((t) => t.clusterArn === c.clusterArn && t.lastStatus !== "STOPPED")) {
      ctx.fail("ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.");
    }
    c.status = "INACTIVE";
    c._purgeAt = ctx.now() + LINGER_MS;
    return { cluster: clusterView(ctx, c, ["SETTINGS", "TAGS"]) };
  },

  ListTagsForResource(input, ctx) {
    const rec = byArn(ctx, input.resourceArn);
    return { tags: lowerTags(rec) };
  },

  TagResource(input, ctx) {
    const rec = byArn(ctx, input.resourceArn);
    if (mergeTags(rec, checkTags(ctx, input.tags)).length > 50) ctx.fail("InvalidParameterException", "Tags can not be more than 50.");
    return {};
  },

  UntagResource(input, ctx) {
    const rec = byArn(ctx, input.resourceArn);
    removeTags(rec, input.tagKeys);
    return {};
  },
};

/** Simulated ECS (behaviour: ecs.md beside this file). Every handler first settles the region to "now". */
export const ecsService: SimService = defineService<ECS>({
  clientName: "ECSClient",
  key: "ecs",
  exception: ECSServiceException as any,
  throttlingCode: "ThrottlingException",
  before: settle,
  handlers: { ...clusterHandlers, ...taskDefinitionHandlers, ...serviceHandlers, ...taskHandlers },
});
