import { describe, expect, it } from "vitest";
import {
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  DeleteNamespaceCommand,
  DeleteServiceCommand,
  GetNamespaceCommand,
  GetOperationCommand,
  GetServiceCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  RegisterInstanceCommand,
  DeregisterInstanceCommand,
  ServiceDiscoveryServiceException,
} from "@aws-sdk/client-servicediscovery";
import { CreateVpcCommand } from "@aws-sdk/client-ec2";
import { newSandbox } from "../helpers/sandbox.js";

async function setup() {
  const { sandbox, aws } = newSandbox();
  const ec2 = await aws.get("ec2");
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  return { sandbox, sd: await aws.get("servicediscovery"), vpc };
}

async function failure(p: Promise<unknown>): Promise<ServiceDiscoveryServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ServiceDiscoveryServiceException);
  return e as ServiceDiscoveryServiceException;
}

describe("Cloud Map namespaces", () => {
  it("creates asynchronously (SUBMITTED → SUCCESS), idempotent by CreatorRequestId, lists by filter, deletes when empty", async () => {
    const { sandbox, sd, vpc } = await setup();
    const input = { Name: "demo.internal", Vpc: vpc, CreatorRequestId: "req-1", Tags: [{ Key: "opsctl:env", Value: "demo" }] };
    const { OperationId } = await sd.send(new CreatePrivateDnsNamespaceCommand(input));
    expect((await sd.send(new CreatePrivateDnsNamespaceCommand(input))).OperationId).toBe(OperationId);
    let op = (await sd.send(new GetOperationCommand({ OperationId }))).Operation!;
    expect(op).toMatchObject({ Type: "CREATE_NAMESPACE", Status: "SUBMITTED" });
    const nsId = op.Targets!.NAMESPACE!;
    expect((await failure(sd.send(new GetNamespaceCommand({ Id: nsId })))).name).toBe("NamespaceNotFound");
    expect((await sd.send(new ListNamespacesCommand({}))).Namespaces).toEqual([]);
    await sandbox.clock.sleep(60_000);
    op = (await sd.send(new GetOperationCommand({ OperationId }))).Operation!;
    expect(op.Status).toBe("SUCCESS");
    const ns = (await sd.send(new GetNamespaceCommand({ Id: nsId }))).Namespace!;
    expect(ns).toMatchObject({ Name: "demo.internal", Type: "DNS_PRIVATE", Arn: `arn:aws:servicediscovery:eu-west-1:123456789012:namespace/${nsId}` });
    expect(ns.Properties!.DnsProperties!.HostedZoneId).toMatch(/^Z/);
    expect((await sd.send(new ListNamespacesCommand({ Filters: [{ Name: "NAME", Values: ["demo.internal"], Condition: "EQ" }] }))).Namespaces).toHaveLength(1);
    expect((await sd.send(new ListNamespacesCommand({ Filters: [{ Name: "TYPE", Values: ["HTTP"] }] }))).Namespaces).toEqual([]);
    expect((await sd.send(new ListTagsForResourceCommand({ ResourceARN: ns.Arn }))).Tags).toEqual([{ Key: "opsctl:env", Value: "demo" }]);
    expect((await failure(sd.send(new CreatePrivateDnsNamespaceCommand({ ...input, CreatorRequestId: "req-2" })))).name).toBe("NamespaceAlreadyExists");

    const del = await sd.send(new DeleteNamespaceCommand({ Id: nsId }));
    expect((await sd.send(new GetOperationCommand({ OperationId: del.OperationId }))).Operation!.Type).toBe("DELETE_NAMESPACE");
    await sandbox.clock.sleep(60_000);
    expect((await failure(sd.send(new GetNamespaceCommand({ Id: nsId })))).name).toBe("NamespaceNotFound");
  });
});

describe("Cloud Map services", () => {
  it("creates an A/MULTIVALUE service with custom health checks; in-use rules for namespace and instances", async () => {
    const { sandbox, sd, vpc } = await setup();
    const { OperationId } = await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: "demo.internal", Vpc: vpc, CreatorRequestId: "r" }));
    await sandbox.clock.sleep(60_000);
    const nsId = (await sd.send(new GetOperationCommand({ OperationId }))).Operation!.Targets!.NAMESPACE!;
    const input = { Name: "api", NamespaceId: nsId, DnsConfig: { RoutingPolicy: "MULTIVALUE" as const, DnsRecords: [{ Type: "A" as const, TTL: 10 }] }, HealthCheckCustomConfig: { FailureThreshold: 1 }, CreatorRequestId: "s-1", Tags: [{ Key: "k", Value: "v" }] };
    const s = (await sd.send(new CreateServiceCommand(input))).Service!;
    expect(s).toMatchObject({ Name: "api", NamespaceId: nsId, Type: "DNS_HTTP", DnsConfig: { RoutingPolicy: "MULTIVALUE", DnsRecords: [{ Type: "A", TTL: 10 }] } });
    expect(s.Id).toMatch(/^srv-[0-9a-f]{16}$/);
    expect((await sd.send(new CreateServiceCommand(input))).Service!.Id).toBe(s.Id);
    expect((await failure(sd.send(new CreateServiceCommand({ ...input, CreatorRequestId: "s-2" })))).name).toBe("ServiceAlreadyExists");
    expect((await sd.send(new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: [nsId] }] }))).Services!.map((x) => x.Id)).toEqual([s.Id]);
    expect((await failure(sd.send(new DeleteNamespaceCommand({ Id: nsId })))).name).toBe("ResourceInUse");
    await sd.send(new RegisterInstanceCommand({ ServiceId: s.Id, InstanceId: "task-1", Attributes: { AWS_INSTANCE_IPV4: "10.0.1.5" } }));
    expect((await sd.send(new GetServiceCommand({ Id: s.Id }))).Service!.InstanceCount).toBe(1);
    expect((await failure(sd.send(new DeleteServiceCommand({ Id: s.Id })))).name).toBe("ResourceInUse");
    await sd.send(new DeregisterInstanceCommand({ ServiceId: s.Id, InstanceId: "task-1" }));
    await sd.send(new DeleteServiceCommand({ Id: s.Id }));
    expect((await failure(sd.send(new GetServiceCommand({ Id: s.Id })))).name).toBe("ServiceNotFound");
  });
});

describe("Cloud Map ListServices", () => {
  it("answers ServiceSummary objects (no NamespaceId, no CreatorRequestId) and filters by NAMESPACE_ID (EQ, IN)", async () => {
    const { sandbox, sd, vpc } = await setup();
    const nsIds: string[] = [];
    for (const name of ["a.internal", "b.internal"]) {
      const { OperationId } = await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: name, Vpc: vpc, CreatorRequestId: name }));
      await sandbox.clock.sleep(60_000);
      nsIds.push((await sd.send(new GetOperationCommand({ OperationId }))).Operation!.Targets!.NAMESPACE!);
    }
    const ids = [];
    for (const ns of nsIds) ids.push((await sd.send(new CreateServiceCommand({ Name: "api", NamespaceId: ns, CreatorRequestId: `c-${ns}`, DnsConfig: { DnsRecords: [{ Type: "A", TTL: 10 }] } }))).Service!.Id!);
    const all = (await sd.send(new ListServicesCommand({}))).Services!;
    expect(all.map((s) => s.Id)).toEqual(ids);
    for (const s of all) {
      // Cloud Map API reference, ServiceSummary: Id, Arn, Name, Type, Description, InstanceCount, DnsConfig, … — no NamespaceId.
      expect(s).not.toHaveProperty("NamespaceId");
      expect(s).not.toHaveProperty("CreatorRequestId");
      expect(s).toMatchObject({ Name: "api", Type: "DNS_HTTP", InstanceCount: 0 });
    }
    const eq = await sd.send(new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: [nsIds[1]], Condition: "EQ" }] }));
    expect(eq.Services!.map((s) => s.Id)).toEqual([ids[1]]);
    const inBoth = await sd.send(new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: nsIds, Condition: "IN" }] }));
    expect(inBoth.Services!.map((s) => s.Id)).toEqual(ids);
    // The full Service (GetService) keeps its namespace.
    expect((await sd.send(new GetServiceCommand({ Id: ids[1] }))).Service!.NamespaceId).toBe(nsIds[1]);
    for (const n of (await sd.send(new ListNamespacesCommand({}))).Namespaces!) expect(n).not.toHaveProperty("CreatorRequestId");
  });
});
