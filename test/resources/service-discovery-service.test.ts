/** service-discovery-service (src/resources/service-discovery.ts) against the sandbox (src/sandbox/services/servicediscovery.ts): find, create, rerun, drift, delete. */
import { describe, expect, it } from "vitest";
import { CreatePrivateDnsNamespaceCommand, CreateServiceCommand, DeleteServiceCommand, GetOperationCommand, ListServicesCommand } from "@aws-sdk/client-servicediscovery";
import { CreateVpcCommand } from "@aws-sdk/client-ec2";
import { contextFactory, type Facts } from "../../src/resources/context.js";
import { serviceDiscoveryService } from "../../src/resources/service-discovery.js";
import { newSandbox } from "../helpers/sandbox.js";
import { lifecycle } from "../helpers/kind.js";

const FACTS: Facts = { accountId: "123456789012", region: "eu-west-1", azs: ["eu-west-1a", "eu-west-1b"], bastionAmi: "ami-0123456789abcdef0" };

/** Two namespaces (two VPCs) that both hold a service named "api" tagged as this env's node. */
async function twoNamespaces() {
  const { sandbox, aws } = newSandbox();
  const ec2 = await aws.get("ec2");
  const sd = await aws.get("servicediscovery");
  const ns: string[] = [];
  for (const name of ["a.internal", "b.internal"]) {
    const Vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
    const { OperationId } = await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: name, Vpc }));
    await sandbox.clock.sleep(60_000);
    ns.push((await sd.send(new GetOperationCommand({ OperationId }))).Operation!.Targets!.NAMESPACE!);
  }
  const make = contextFactory({ env: "demo", region: "eu-west-1", aws, clock: sandbox.clock, facts: FACTS, flags: { deleteData: false } });
  return { sandbox, aws, sd, ns, make };
}

describe("service-discovery-service: found through the NAMESPACE_ID filter of ListServices", () => {
  it("finds the service of the spec's namespace, though ListServices summaries carry no NamespaceId", async () => {
    const { sd, ns, make } = await twoNamespaces();
    // Created through the resource module in the second namespace; a same-named, same-tagged one in the first.
    const created = await serviceDiscoveryService.create(make("service-discovery-service:api"), { name: "api", namespaceId: ns[1] });
    const ctx = make("service-discovery-service:api");
    const tags = ctx.tags();
    const other = (await sd.send(new CreateServiceCommand({ Name: "api", NamespaceId: ns[0], DnsConfig: { DnsRecords: [{ Type: "A", TTL: 10 }] }, Tags: tags }))).Service!;

    // AWS's ServiceSummary has no NamespaceId (Cloud Map API reference), and the sandbox says so.
    const summaries = (await sd.send(new ListServicesCommand({}))).Services!;
    expect(summaries).toHaveLength(2);
    for (const s of summaries) expect(s).not.toHaveProperty("NamespaceId");

    const found = await serviceDiscoveryService.find(make("service-discovery-service:api"), { name: "api", namespaceId: ns[1] });
    expect(found?.Id).toBe(created.Id);
    expect(found?.NamespaceId).toBe(ns[1]);
    expect(serviceDiscoveryService.diff({ name: "api", namespaceId: ns[1] }, found!)).toEqual([]);
    const inFirst = await serviceDiscoveryService.find(make("service-discovery-service:api"), { name: "api", namespaceId: ns[0] });
    expect(inFirst?.Id).toBe(other.Id);
  });

  it("finds nothing in a namespace that has no such service (no match on another namespace's)", async () => {
    const { ns, make } = await twoNamespaces();
    await serviceDiscoveryService.create(make("service-discovery-service:api"), { name: "api", namespaceId: ns[0] });
    expect(await serviceDiscoveryService.find(make("service-discovery-service:api"), { name: "api", namespaceId: ns[1] })).toBeUndefined();
  });
});

lifecycle("service-discovery-service:api", {
  drift: async (s, id) => (await s.aws.get("servicediscovery")).send(new DeleteServiceCommand({ Id: id })),
  driftDeletes: true,
});
