/** dns-record (src/resources/dns-record.ts) against the sandbox (src/sandbox/services/route53.ts): find, create, rerun, drift, delete. */
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { lifecycle } from "../helpers/kind.js";

lifecycle("dns-record:api-aaaa", {
  // The record deleted in the hosted zone (its owner TXT record stays).
  drift: async (s, id) => {
    const r53 = await s.aws.get("route53");
    const [zoneId, name, type] = id.split("/") as [string, string, "AAAA"];
    const sets = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, StartRecordType: type, MaxItems: 1 }));
    const record = sets.ResourceRecordSets!.find((r) => r.Name === name && r.Type === type)!;
    return r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: "DELETE", ResourceRecordSet: record }] } }));
  },
  expectDriftFields: ["record"],
});
