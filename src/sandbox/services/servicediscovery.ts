import { ServiceDiscoveryServiceException, type ServiceDiscovery } from "@aws-sdk/client-servicediscovery";
import { paginate, publicView } from "../filters.js";
import { keyValueTags, mergeTags, removeTags } from "../tags.js";
import { advance, type Step } from "../transitions.js";
import { defineService, type HandlerContext, type SimRecord, type SimService } from "../types.js";

/*
 * Simulated AWS Cloud Map (behaviour: servicediscovery.md beside this file). Tables of the region:
 * `operations` (by id), `namespaces` (by id), `services` (by id), `instances` (`<serviceId>|<instanceId>`,
 * also written by the simulated ECS for the tasks of a service with serviceRegistries).
 * Namespaces are created and deleted asynchronously: the operation carries the time it succeeds.
 */

type Ctx = HandlerContext;

function id(ctx: Ctx, prefix: string): string {
  return `${prefix}-${ctx.newId("", 16)}`;
}

function tagList(ctx: Ctx, tags: any[] | undefined): { Key: string; Value: string }[] {
  const list = (tags ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? "") }));
  if (list.length > 200) ctx.fail("TooManyTagsException", "The resource can't be tagged because it would have more than 200 tags.");
  return list;
}

/** Completes the operations whose time has come: namespaces appear or go. */
function settle(ctx: Ctx): void {
  const ns = ctx.table("namespaces");
  const done = (op: SimRecord, at: number) => {
    op.UpdateDate = at;
    const target = ns[op.Targets.NAMESPACE];
    if (op.Type === "CREATE_NAMESPACE" && target) target._live = true;
    if (op.Type === "DELETE_NAMESPACE") delete ns[op.Targets.NAMESPACE];
  };
  // SUBMITTED → PENDING at _pendingAt; SUBMITTED or PENDING → SUCCESS at _doneAt (the namespace appears or goes).
  const steps: Step[] = [
    { from: ["SUBMITTED", "PENDING"], at: "_doneAt", to: "SUCCESS", then: done },
    { from: "SUBMITTED", at: "_pendingAt", to: "PENDING" },
  ];
  for (const op of Object.values(ctx.table("operations"))) advance(op, ctx.now(), "Status", steps);
}

function view(rec: SimRecord): SimRecord {
  const v = publicView(rec);
  for (const k of ["CreateDate", "UpdateDate"]) if (typeof v[k] === "number") v[k] = new Date(v[k]);
  return v;
}

/** Keeps only the members a summary shape has. */
function pick(v: SimRecord, members: string[]): SimRecord {
  const out: SimRecord = {};
  for (const k of members) if (v[k] !== undefined) out[k] = v[k];
  return out;
}

/**
 * Cloud Map API reference, ServiceSummary / NamespaceSummary: a summary has no NamespaceId and no
 * CreatorRequestId (only GetService's Service has them), so a caller finds a namespace's services
 * with the NAMESPACE_ID filter of ListServices, never by reading the summary.
 */
const SERVICE_SUMMARY = ["Id", "Arn", "ResourceOwner", "Name", "Type", "Description", "InstanceCount", "DnsConfig", "HealthCheckConfig", "HealthCheckCustomConfig", "CreateDate", "CreatedByAccount"];
const NAMESPACE_SUMMARY = ["Id", "Arn", "ResourceOwner", "Name", "Type", "Description", "ServiceCount", "Properties", "CreateDate"];

function namespace(ctx: Ctx, nsId: string | undefined): SimRecord {
  const rec = nsId ? ctx.table("namespaces")[nsId] : undefined;
  if (!rec || !rec._live) ctx.fail("NamespaceNotFound", `Namespace not found: ${nsId}`);
  return rec;
}

function service(ctx: Ctx, srvId: string | undefined): SimRecord {
  const rec = srvId ? ctx.table("services")[srvId] : undefined;
  if (!rec) ctx.fail("ServiceNotFound", `Service not found: ${srvId}`);
  return rec;
}

function instancesOf(ctx: Ctx, srvId: string): SimRecord[] {
  return Object.values(ctx.table("instances")).filter((i) => i.ServiceId === srvId);
}

function byArn(ctx: Ctx, arn: string | undefined): SimRecord {
  const m = /^arn:aws[\w-]*:servicediscovery:[\w-]+:\d{12}:(namespace|service)\/(.+)$/.exec(arn ?? "");
  if (!m) ctx.fail("InvalidInput", `Invalid ARN: ${arn}`);
  const rec = m[1] === "namespace" ? ctx.table("namespaces")[m[2]] : ctx.table("services")[m[2]];
  if (!rec || (m[1] === "namespace" && !rec._live)) ctx.fail("ResourceNotFoundException", `Resource not found: ${arn}`);
  return rec;
}

function newOperation(ctx: Ctx, type: string, nsId: string, creatorRequestId?: string): SimRecord {
  const opId = ctx.newId("", 32).slice(0, 32);
  const now = ctx.now();
  const took = ctx.duration("servicediscovery.namespace.create");
  const op: SimRecord = {
    Id: opId,
    Type: type,
    Status: "SUBMITTED",
    CreateDate: now,
    UpdateDate: now,
    Targets: { NAMESPACE: nsId },
    _pendingAt: now + 1_000,
    _doneAt: now + took,
    _creatorRequestId: creatorRequestId,
  };
  ctx.table("operations")[opId] = op;
  return op;
}

function matches(value: string, f: SimRecord): boolean {
  const cond = f.Condition ?? "EQ";
  const vals: string[] = f.Values ?? [];
  if (cond === "BEGINS_WITH") return vals.some((v) => value.startsWith(v));
  if (cond === "IN") return vals.includes(value);
  return vals.length > 0 && value === vals[0];
}

/** Simulated AWS Cloud Map (behaviour: servicediscovery.md beside this file). */
export const servicediscoveryService: SimService = defineService<ServiceDiscovery>({
  clientName: "ServiceDiscoveryClient",
  key: "servicediscovery",
  exception: ServiceDiscoveryServiceException as any,
  throttlingCode: "ThrottlingException",
  before: settle,
  handlers: {
    CreatePrivateDnsNamespace(input, ctx) {
      const name: string = input.Name ?? "";
      if (!/^[!-~]{1,253}$/.test(name)) ctx.fail("InvalidInput", "Name must be 1-253 characters.");
      if (!input.Vpc) return ctx.fail("InvalidInput", "Vpc is required for a private DNS namespace.");
      if (!ctx.tableOf("ec2", "vpcs")[input.Vpc]) ctx.fail("InvalidInput", `The VPC ${input.Vpc} does not exist.`);
      const ops = Object.values(ctx.table("operations"));
      if (input.CreatorRequestId) {
        // Same CreatorRequestId → the same operation (the request is not run twice).
        const prev = ops.find((o) => o.Type === "CREATE_NAMESPACE" && o._creatorRequestId === input.CreatorRequestId);
        if (prev) return { OperationId: prev.Id };
      }
      const clash = Object.values(ctx.table("namespaces")).find((n) => n.Name === name && n.Type === "DNS_PRIVATE" && n._vpc === input.Vpc);
      if (clash) {
        ctx.fail("NamespaceAlreadyExists", `Namespace with name ${name} already exists for VPC ${input.Vpc}.`);
      }
      const nsId = id(ctx, "ns");
      const ns: SimRecord = ctx.born({
        Id: nsId,
        Arn: `arn:aws:servicediscovery:${ctx.region}:${ctx.accountId}:namespace/${nsId}`,
        Name: name,
        Type: "DNS_PRIVATE",
        Description: input.Description,
        ServiceCount: 0,
        Properties: { DnsProperties: { HostedZoneId: `Z${ctx.newId("", 20).toUpperCase()}`, SOA: { TTL: input.Properties?.DnsProperties?.SOA?.TTL ?? 15 } }, HttpProperties: { HttpName: name } },
        CreateDate: ctx.now(),
        CreatorRequestId: input.CreatorRequestId,
        _vpc: input.Vpc,
        _tags: tagList(ctx, input.Tags),
        _live: false,
      });
      ctx.table("namespaces")[nsId] = ns;
      return { OperationId: newOperation(ctx, "CREATE_NAMESPACE", nsId, input.CreatorRequestId).Id };
    },

    GetOperation(input, ctx) {
      const op = ctx.table("operations")[input.OperationId ?? ""];
      if (!op) ctx.fail("OperationNotFound", `Operation not found: ${input.OperationId}`);
      return { Operation: view(op) };
    },

    ListOperations(input, ctx) {
      const list = Object.values(ctx.table("operations")).sort((a, b) => a.CreateDate - b.CreateDate);
      const { page, next } = paginate(list, input.MaxResults, input.NextToken, 100);
      return { Operations: page.map((o) => ({ Id: o.Id, Status: o.Status })), NextToken: next };
    },

    GetNamespace(input, ctx) {
      const ns = namespace(ctx, input.Id);
      return { Namespace: view({ ...ns, ServiceCount: Object.values(ctx.table("services")).filter((s) => s.NamespaceId === ns.Id).length }) };
    },

    ListNamespaces(input, ctx) {
      const list = Object.values(ctx.table("namespaces"))
        .filter((n) => n._live && ctx.visible(n))
        .filter((n) =>
          (input.Filters ?? []).every((f: SimRecord) => {
            if (f.Name === "TYPE") return matches(n.Type, f);
            if (f.Name === "NAME") return matches(n.Name, f);
            if (f.Name === "HTTP_NAME") return matches(n.Properties.HttpProperties.HttpName, f);
            return ctx.fail("InvalidInput", `Unknown filter ${f.Name}`);
          }),
        )
        .sort((a, b) => a.CreateDate - b.CreateDate);
      const { page, next } = paginate(list, input.MaxResults, input.NextToken, 100);
      return { Namespaces: page.map((n) => pick(view({ ...n, ServiceCount: Object.values(ctx.table("services")).filter((s) => s.NamespaceId === n.Id).length }), NAMESPACE_SUMMARY)), NextToken: next };
    },

    DeleteNamespace(input, ctx) {
      const ns = namespace(ctx, input.Id);
      if (Object.values(ctx.table("services")).some((s) => s.NamespaceId === ns.Id)) ctx.fail("ResourceInUse", `Namespace ${ns.Id} has associated services`);
      const pending = Object.values(ctx.table("operations")).find((o) => o.Type === "DELETE_NAMESPACE" && o.Targets.NAMESPACE === ns.Id);
      if (pending) return { OperationId: pending.Id };
      return { OperationId: newOperation(ctx, "DELETE_NAMESPACE", ns.Id).Id };
    },

    CreateService(input, ctx) {
      const name: string = input.Name ?? "";
      if (!/^((?=^.{1,127}$)^([a-zA-Z0-9_][a-zA-Z0-9-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9])(\.([a-zA-Z0-9_][a-zA-Z0-9-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9]))*$)|(^\.$)$/.test(name)) {
        ctx.fail("InvalidInput", "Service name is invalid.");
      }
      const nsId = input.NamespaceId ?? input.DnsConfig?.NamespaceId;
      const ns = namespace(ctx, nsId);
      const existing = Object.values(ctx.table("services")).find((s) => s.NamespaceId === ns.Id && s.Name === name);
      if (existing) {
        // A retry with the same CreatorRequestId answers the service it created.
        if (input.CreatorRequestId && existing.CreatorRequestId === input.CreatorRequestId) return { Service: view(existing) };
        ctx.fail("ServiceAlreadyExists", `Service ${name} already exists in namespace ${ns.Id}`);
      }
      if (input.HealthCheckConfig && input.HealthCheckCustomConfig) ctx.fail("InvalidInput", "HealthCheckConfig and HealthCheckCustomConfig cannot both be specified.");
      const dns = input.DnsConfig;
      if (dns) {
        if (!dns.DnsRecords?.length) return ctx.fail("InvalidInput", "DnsRecords must contain at least one record.");
        for (const r of dns.DnsRecords) {
          if (!["A", "AAAA", "SRV", "CNAME"].includes(r.Type!)) ctx.fail("InvalidInput", `Invalid DNS record type ${r.Type}`);
          if (!(r.TTL! >= 0 && r.TTL! <= 2147483647)) ctx.fail("InvalidInput", "TTL must be between 0 and 2147483647.");
        }
        if (dns.RoutingPolicy && !["MULTIVALUE", "WEIGHTED"].includes(dns.RoutingPolicy)) ctx.fail("InvalidInput", `Invalid routing policy ${dns.RoutingPolicy}`);
      }
      const srvId = id(ctx, "srv");
      const rec: SimRecord = ctx.born({
        Id: srvId,
        Arn: `arn:aws:servicediscovery:${ctx.region}:${ctx.accountId}:service/${srvId}`,
        Name: name,
        NamespaceId: ns.Id,
        Description: input.Description,
        DnsConfig: dns ? { NamespaceId: ns.Id, RoutingPolicy: dns.RoutingPolicy ?? "MULTIVALUE", DnsRecords: dns.DnsRecords!.map((r: SimRecord) => ({ Type: r.Type, TTL: r.TTL })) } : undefined,
        Type: dns ? "DNS_HTTP" : "HTTP",
        HealthCheckConfig: input.HealthCheckConfig,
        HealthCheckCustomConfig: input.HealthCheckCustomConfig ? { FailureThreshold: 1 } : undefined,
        CreateDate: ctx.now(),
        CreatorRequestId: input.CreatorRequestId,
        _tags: tagList(ctx, input.Tags),
      });
      ctx.table("services")[srvId] = rec;
      return { Service: view(rec) };
    },

    GetService(input, ctx) {
      const s = service(ctx, input.Id);
      return { Service: view({ ...s, InstanceCount: instancesOf(ctx, s.Id).length }) };
    },

    ListServices(input, ctx) {
      const list = Object.values(ctx.table("services"))
        .filter((s) => ctx.visible(s))
        .filter((s) =>
          (input.Filters ?? []).every((f: SimRecord) => {
            if (f.Name === "NAMESPACE_ID") return (f.Condition ?? "EQ") === "IN" ? f.Values.includes(s.NamespaceId) : f.Values?.[0] === s.NamespaceId;
            return ctx.fail("InvalidInput", `Unknown filter ${f.Name}`);
          }),
        )
        .sort((a, b) => a.CreateDate - b.CreateDate);
      const { page, next } = paginate(list, input.MaxResults, input.NextToken, 100);
      return { Services: page.map((s) => pick(view({ ...s, InstanceCount: instancesOf(ctx, s.Id).length }), SERVICE_SUMMARY)), NextToken: next };
    },

    DeleteService(input, ctx) {
      const s = service(ctx, input.Id);
      if (instancesOf(ctx, s.Id).length) ctx.fail("ResourceInUse", `Service ${s.Id} has registered instances`);
      delete ctx.table("services")[s.Id];
      return {};
    },

    RegisterInstance(input, ctx) {
      const s = service(ctx, input.ServiceId);
      if (!input.InstanceId) ctx.fail("InvalidInput", "InstanceId is required.");
      ctx.table("instances")[`${s.Id}|${input.InstanceId}`] = { Id: input.InstanceId, ServiceId: s.Id, Attributes: { ...(input.Attributes ?? {}) } };
      const op = newOperation(ctx, "REGISTER_INSTANCE", s.NamespaceId);
      op._doneAt = ctx.now();
      op.Targets = { SERVICE: s.Id, INSTANCE: input.InstanceId };
      return { OperationId: op.Id };
    },

    DeregisterInstance(input, ctx) {
      const s = service(ctx, input.ServiceId);
      const key = `${s.Id}|${input.InstanceId}`;
      if (!ctx.table("instances")[key]) ctx.fail("InstanceNotFound", `Instance not found: ${input.InstanceId}`);
      delete ctx.table("instances")[key];
      const op = newOperation(ctx, "DEREGISTER_INSTANCE", s.NamespaceId);
      op._doneAt = ctx.now();
      op.Targets = { SERVICE: s.Id, INSTANCE: input.InstanceId };
      return { OperationId: op.Id };
    },

    ListInstances(input, ctx) {
      const s = service(ctx, input.ServiceId);
      const { page, next } = paginate(instancesOf(ctx, s.Id), input.MaxResults, input.NextToken, 100);
      return { Instances: page.map((i) => ({ Id: i.Id, Attributes: { ...i.Attributes } })), NextToken: next };
    },

    ListTagsForResource(input, ctx) {
      return { Tags: keyValueTags(byArn(ctx, input.ResourceARN)) };
    },

    TagResource(input, ctx) {
      mergeTags(byArn(ctx, input.ResourceARN), tagList(ctx, input.Tags));
      return {};
    },

    UntagResource(input, ctx) {
      removeTags(byArn(ctx, input.ResourceARN), input.TagKeys);
      return {};
    },
  },
});
