/**
 * Resource kinds `service-discovery-namespace`, `service-discovery-service`.
 * Tests: test/resources/service-discovery-namespace.test.ts, test/resources/service-discovery-service.test.ts.
 * Sandbox: src/sandbox/services/servicediscovery.ts.
 */
import {
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  DeleteNamespaceCommand,
  DeleteServiceCommand,
  GetNamespaceCommand,
  GetOperationCommand,
  GetServiceCommand,
  ListTagsForResourceCommand,
  type Namespace,
  type Service,
  paginateListNamespaces,
  paginateListServices,
} from "@aws-sdk/client-servicediscovery";
import type { ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import { createWithToken, unseenLongEnough, type ResourceContext } from "./context.js";
import { collect, deleted, envTagged, orUndefined, ownedBy, retryOn } from "./toolkit.js";

/** ECS-04: the private DNS namespace of the VPC (Cloud Map). */
export interface NamespaceSpec {
  name: string;
  vpcId: string;
}

/** A namespace, or the operation still creating it. */
export interface NamespaceActual {
  namespace?: Namespace;
  operationId?: string;
  operationStatus?: string;
  error?: string;
}

/** ECS-04: the Cloud Map service the ECS service registers its tasks in (A records, multivalue). */
export interface DiscoveryServiceSpec {
  name: string;
  namespaceId: string;
}

/** DNS TTL of the tasks' A records: short, so replaced tasks drop out quickly. */
const RECORD_TTL = 10;

async function tagsOf(ctx: ResourceContext, arn: string) {
  const sd = await ctx.aws.get("servicediscovery");
  return (await orUndefined(sd.send(new ListTagsForResourceCommand({ ResourceARN: arn }))))?.Tags ?? [];
}

async function namespaceById(ctx: ResourceContext, id: string): Promise<Namespace | undefined> {
  const sd = await ctx.aws.get("servicediscovery");
  return (await orUndefined(sd.send(new GetNamespaceCommand({ Id: id }))))?.Namespace;
}

/** Private DNS namespaces of this environment with their tags (one list + a tag read each, per run). */
function envNamespaces(ctx: ResourceContext) {
  const list = async () => {
    const sd = await ctx.aws.get("servicediscovery");
    return collect(paginateListNamespaces({ client: sd }, { Filters: [{ Name: "TYPE", Values: ["DNS_PRIVATE"], Condition: "EQ" }] }), (p) => p.Namespaces as Namespace[] | undefined);
  };
  return envTagged(ctx, "servicediscovery:namespaces", list, (ns) => tagsOf(ctx, ns.Arn!));
}

async function readOperation(ctx: ResourceContext, operationId: string): Promise<NamespaceActual> {
  const sd = await ctx.aws.get("servicediscovery");
  const op = (await sd.send(new GetOperationCommand({ OperationId: operationId }))).Operation!;
  if (op.Status === "SUCCESS") {
    const ns = await namespaceById(ctx, op.Targets?.NAMESPACE ?? "");
    if (ns) return { namespace: ns };
  }
  return { operationId, operationStatus: op.Status, error: op.Status === "FAIL" ? `${op.ErrorCode ?? "failed"}: ${op.ErrorMessage ?? ""}` : undefined };
}

export const serviceDiscoveryNamespace: ResourceKind<NamespaceSpec, NamespaceActual, ResourceContext, { id: string | undefined; name: string | undefined; arn: string | undefined }> = {
  kind: "service-discovery-namespace",
  budget: { create: slowMs("servicediscovery.namespace.create"), delete: slowMs("servicediscovery.namespace.create") },
  typicalCreateMs: typicalMs("servicediscovery.namespace.create"),
  typicalDeleteMs: typicalMs("servicediscovery.namespace.create"),

  async find(ctx, spec) {
    const mine = (await envNamespaces(ctx)).find((t) => ownedBy(ctx, t.tags) && (!spec || t.item.Name === spec.name));
    return mine ? { namespace: mine.item } : undefined;
  },
  diff: () => [],
  async create(ctx, spec) {
    const sd = await ctx.aws.get("servicediscovery");
    // The same CreatorRequestId after a crash answers the operation already under way; after the
    // namespace was deleted it still answers that (successful) operation: take the next generation.
    return createWithToken(
      ctx,
      [spec.name, spec.vpcId],
      async (CreatorRequestId) => {
        const r = await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: spec.name, Vpc: spec.vpcId, Description: `opsctl ${ctx.env}: private service discovery`, CreatorRequestId, Tags: ctx.tags() }));
        return readOperation(ctx, r.OperationId!);
      },
      (a) => !a.namespace && a.operationStatus === "SUCCESS" && unseenLongEnough(ctx, `namespace of operation ${a.operationId ?? spec.name}`),
    );
  },
  update: async (_ctx, _spec, a) => a,
  async delete(ctx, a) {
    const sd = await ctx.aws.get("servicediscovery");
    if (!a.namespace) return;
    await deleted(retryOn(["ResourceInUse"], `namespace ${a.namespace.Name}`, () => sd.send(new DeleteNamespaceCommand({ Id: a.namespace!.Id })), 10_000));
  },
  async refresh(ctx, a) {
    if (a.namespace) {
      const ns = await namespaceById(ctx, a.namespace.Id!);
      return ns ? { namespace: ns } : undefined;
    }
    return readOperation(ctx, a.operationId!);
  },
  isReady: (a) => a.namespace !== undefined,
  failure: (a) => a.error,
  describe: (a) => ({
    id: a.namespace?.Id ?? `operation ${a.operationId}`,
    state: a.namespace ? "active" : (a.operationStatus ?? "pending").toLowerCase(),
    healthy: a.namespace !== undefined,
    details: { name: a.namespace?.Name, hostedZone: a.namespace?.Properties?.DnsProperties?.HostedZoneId, services: a.namespace?.ServiceCount },
  }),
  outputs: (a) => ({ id: a.namespace?.Id, name: a.namespace?.Name, arn: a.namespace?.Arn }),
};

async function serviceById(ctx: ResourceContext, id: string): Promise<Service | undefined> {
  const sd = await ctx.aws.get("servicediscovery");
  return (await orUndefined(sd.send(new GetServiceCommand({ Id: id }))))?.Service;
}

/**
 * Cloud Map services with their tags (per run), those of one namespace when `namespaceId` is given.
 * ListServices summaries carry no NamespaceId (Cloud Map API reference, ServiceSummary): a namespace's
 * services are found with the NAMESPACE_ID filter, and the summaries are stamped with the namespace
 * they were listed under.
 */
function envDiscoveryServices(ctx: ResourceContext, namespaceId?: string) {
  const list = async () => {
    const sd = await ctx.aws.get("servicediscovery");
    const Filters = namespaceId ? [{ Name: "NAMESPACE_ID" as const, Values: [namespaceId], Condition: "EQ" as const }] : undefined;
    const all = await collect(paginateListServices({ client: sd }, { Filters }), (p) => p.Services);
    return all.map((s) => (namespaceId ? { ...s, NamespaceId: namespaceId } : s) as Service);
  };
  return envTagged(ctx, `servicediscovery:services:${namespaceId ?? "*"}`, list, (s) => tagsOf(ctx, s.Arn!));
}

export const serviceDiscoveryService: ResourceKind<DiscoveryServiceSpec, Service, ResourceContext, { id: string; arn: string; name: string }> = {
  kind: "service-discovery-service",
  budget: { create: 60_000, delete: slowMs("ecs.service.drain") * 2 },
  typicalCreateMs: 1_000,

  async find(ctx, spec) {
    const mine = (await envDiscoveryServices(ctx, spec?.namespaceId)).find((t) => ownedBy(ctx, t.tags) && (!spec || t.item.Name === spec.name));
    return mine?.item;
  },
  diff(spec, s) {
    const c = [];
    if (s.NamespaceId !== spec.namespaceId) c.push({ field: "NamespaceId", from: s.NamespaceId, to: spec.namespaceId, replace: true });
    return c;
  },
  async create(ctx, spec) {
    const sd = await ctx.aws.get("servicediscovery");
    try {
      const r = await sd.send(
        new CreateServiceCommand({
          Name: spec.name,
          NamespaceId: spec.namespaceId,
          Description: `opsctl ${ctx.env}: ${spec.name}`,
          DnsConfig: { RoutingPolicy: "MULTIVALUE", DnsRecords: [{ Type: "A", TTL: RECORD_TTL }] },
          // ECS reports task health to Cloud Map (custom health checks).
          HealthCheckCustomConfig: { FailureThreshold: 1 },
          CreatorRequestId: ctx.token(spec.name, spec.namespaceId),
          Tags: ctx.tags(),
        }),
      );
      return r.Service!;
    } catch (e) {
      if (isCode(e, "NamespaceNotFound")) throw new TryAgainLater(`namespace ${spec.namespaceId} not visible yet`, 5_000);
      throw e;
    }
  },
  update: async (_ctx, _spec, s) => s,
  async delete(ctx, s) {
    const sd = await ctx.aws.get("servicediscovery");
    // Instances registered by ECS tasks go as the tasks drain.
    await deleted(retryOn(["ResourceInUse"], `Cloud Map service ${s.Name}`, () => sd.send(new DeleteServiceCommand({ Id: s.Id })), 10_000));
  },
  refresh: (ctx, s) => serviceById(ctx, s.Id!),
  describe: (s) => ({ id: s.Id!, state: "active", healthy: true, details: { name: s.Name, namespace: s.NamespaceId, instances: s.InstanceCount } }),
  outputs: (s) => ({ id: s.Id!, arn: s.Arn!, name: s.Name! }),
};
