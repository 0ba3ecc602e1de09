import { describe, expect, it } from "vitest";
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourceCommand,
  type Change,
} from "@aws-sdk/client-route-53";
import { newSandbox } from "../helpers/sandbox.js";
import { seedHostedZone } from "../../src/sandbox/services/route53.js";

async function setup() {
  const { sandbox, aws } = newSandbox();
  const r53 = await aws.get("route53");
  return { sandbox, r53 };
}

const code = (p: Promise<unknown>) => p.then(() => "ok", (e: Error) => e.name);
const cname = (action: Change["Action"], name: string, value: string, ttl = 300): Change => ({ Action: action, ResourceRecordSet: { Name: name, Type: "CNAME", TTL: ttl, ResourceRecords: [{ Value: value }] } });

describe("simulated Route 53", () => {
  it("creates zones with SOA and NS, refuses a reused caller reference, lists them by reversed name", async () => {
    const { r53 } = await setup();
    const z = await r53.send(new CreateHostedZoneCommand({ Name: "example.com", CallerReference: "ref-1", HostedZoneConfig: { Comment: "demo" } }));
    expect(z.HostedZone!.Id).toMatch(/^\/hostedzone\/Z[0-9A-Z]+$/);
    expect(z.HostedZone!.Name).toBe("example.com.");
    expect(z.HostedZone!.ResourceRecordSetCount).toBe(2);
    expect(z.DelegationSet!.NameServers).toHaveLength(4);
    expect(z.ChangeInfo!.Status).toBe("PENDING");
    expect(await code(r53.send(new CreateHostedZoneCommand({ Name: "other.com", CallerReference: "ref-1" })))).toBe("HostedZoneAlreadyExists");
    await r53.send(new CreateHostedZoneCommand({ Name: "a.example.com", CallerReference: "ref-2" }));
    await r53.send(new CreateHostedZoneCommand({ Name: "example.org", CallerReference: "ref-3" }));
    const byName = await r53.send(new ListHostedZonesByNameCommand({}));
    // com.example. < com.example.a. < org.example.
    expect(byName.HostedZones!.map((h) => h.Name)).toEqual(["example.com.", "a.example.com.", "example.org."]);
    const paged = await r53.send(new ListHostedZonesByNameCommand({ MaxItems: 1 }));
    expect(paged.IsTruncated).toBe(true);
    expect(paged.NextDNSName).toBe("a.example.com.");
    const rest = await r53.send(new ListHostedZonesByNameCommand({ DNSName: paged.NextDNSName, HostedZoneId: paged.NextHostedZoneId }));
    expect(rest.HostedZones!.map((h) => h.Name)).toEqual(["a.example.com.", "example.org."]);
    const list = await r53.send(new ListHostedZonesCommand({ MaxItems: 2 }));
    expect(list.HostedZones).toHaveLength(2);
    expect((await r53.send(new ListHostedZonesCommand({ Marker: list.NextMarker }))).HostedZones).toHaveLength(1);
    expect(await code(r53.send(new GetHostedZoneCommand({ Id: "ZNOSUCH" })))).toBe("NoSuchHostedZone");
  });

  it("CREATE / UPSERT / DELETE with exact values, atomic batches, changes PENDING → INSYNC", async () => {
    const { sandbox, r53 } = await setup();
    const zoneId = seedHostedZone(sandbox, "example.com");
    const c = await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [cname("CREATE", "www.example.com", "target.example.net")] } }));
    expect(c.ChangeInfo!.Id).toMatch(/^\/change\/C/);
    expect(c.ChangeInfo!.Status).toBe("PENDING");
    expect((await r53.send(new GetChangeCommand({ Id: c.ChangeInfo!.Id }))).ChangeInfo!.Status).toBe("PENDING");
    await sandbox.clock.sleep(45_000);
    expect((await r53.send(new GetChangeCommand({ Id: c.ChangeInfo!.Id }))).ChangeInfo!.Status).toBe("INSYNC");
    const again = (p: Change[]) => code(r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: p } })));
    expect(await again([cname("CREATE", "www.example.com", "x.example.net")])).toBe("InvalidChangeBatch");
    expect(await again([cname("DELETE", "www.example.com", "other.example.net")])).toBe("InvalidChangeBatch");
    expect(await again([cname("DELETE", "www.example.com", "target.example.net", 60)])).toBe("InvalidChangeBatch");
    expect(await again([cname("DELETE", "nope.example.com", "target.example.net")])).toBe("InvalidChangeBatch");
    expect(await again([cname("CREATE", "www.other.org", "x.example.net")])).toBe("InvalidChangeBatch");
    expect(await again([{ Action: "CREATE", ResourceRecordSet: { Name: "www.example.com", Type: "A", TTL: 60, ResourceRecords: [{ Value: "192.0.2.1" }] } }])).toBe("InvalidChangeBatch");
    // Atomic: the valid first change is not applied when the second fails.
    expect(await again([cname("CREATE", "new.example.com", "a.example.net"), cname("DELETE", "nope.example.com", "x")])).toBe("InvalidChangeBatch");
    expect(await again([cname("UPSERT", "www.example.com", "moved.example.net")])).toBe("ok");
    expect(await again([cname("DELETE", "www.example.com", "moved.example.net")])).toBe("ok");
    const names = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets!.map((r) => `${r.Name} ${r.Type}`);
    expect(names).toEqual(["example.com. NS", "example.com. SOA"]);
    expect(await again([{ Action: "DELETE", ResourceRecordSet: (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets![1] }])).toBe("InvalidChangeBatch");
  });

  it("alias records must target an existing ELB endpoint; listing pages by name then type", async () => {
    const { sandbox, r53 } = await setup();
    const zoneId = seedHostedZone(sandbox, "example.com");
    const alias = (name: string, type: "A" | "AAAA", dns: string): Change => ({ Action: "UPSERT", ResourceRecordSet: { Name: name, Type: type, AliasTarget: { HostedZoneId: "Z32O12XQLNTSW2", DNSName: dns, EvaluateTargetHealth: true } } });
    expect(await code(r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [alias("api.example.com", "A", "nope-1.eu-west-1.elb.amazonaws.com")] } })))).toBe("InvalidChangeBatch");
    sandbox.state.regions["eu-west-1"] ??= {};
    (sandbox.state.regions["eu-west-1"].elbv2 ??= {}).loadBalancers = { x: { DNSName: "demo-1.eu-west-1.elb.amazonaws.com" } };
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [alias("api.example.com", "A", "dualstack.demo-1.eu-west-1.elb.amazonaws.com"), alias("api.example.com", "AAAA", "dualstack.demo-1.eu-west-1.elb.amazonaws.com"), cname("UPSERT", "b.api.example.com", "x.example.net"), cname("UPSERT", "a.example.com", "x.example.net")] } }));
    const all = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets!.map((r) => `${r.Name} ${r.Type}`);
    expect(all).toEqual(["example.com. NS", "example.com. SOA", "a.example.com. CNAME", "api.example.com. A", "api.example.com. AAAA", "b.api.example.com. CNAME"]);
    const p1 = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: "api.example.com", StartRecordType: "AAAA", MaxItems: 1 }));
    expect(p1.ResourceRecordSets!.map((r) => `${r.Name} ${r.Type}`)).toEqual(["api.example.com. AAAA"]);
    expect([p1.IsTruncated, p1.NextRecordName, p1.NextRecordType]).toEqual([true, "b.api.example.com.", "CNAME"]);
    expect(await code(r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordType: "A" })))).toBe("InvalidInput");
    // A CNAME cannot share a name with other records.
    expect(await code(r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [cname("CREATE", "api.example.com", "x.example.net")] } })))).toBe("InvalidChangeBatch");
  });

  it("tags hosted zones; a zone with records cannot be deleted", async () => {
    const { sandbox, r53 } = await setup();
    const zoneId = seedHostedZone(sandbox, "example.com");
    expect(seedHostedZone(sandbox, "example.com")).toBe(zoneId);
    await r53.send(new ChangeTagsForResourceCommand({ ResourceType: "hostedzone", ResourceId: zoneId, AddTags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }], RemoveTagKeys: [] }));
    await r53.send(new ChangeTagsForResourceCommand({ ResourceType: "hostedzone", ResourceId: zoneId, RemoveTagKeys: ["a"] }));
    expect((await r53.send(new ListTagsForResourceCommand({ ResourceType: "hostedzone", ResourceId: zoneId }))).ResourceTagSet!.Tags).toEqual([{ Key: "b", Value: "2" }]);
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [cname("CREATE", "www.example.com", "x.example.net")] } }));
    expect(await code(r53.send(new DeleteHostedZoneCommand({ Id: zoneId })))).toBe("HostedZoneNotEmpty");
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [cname("DELETE", "www.example.com", "x.example.net")] } }));
    await r53.send(new DeleteHostedZoneCommand({ Id: zoneId }));
    expect(await code(r53.send(new GetHostedZoneCommand({ Id: zoneId })))).toBe("NoSuchHostedZone");
  });
});
