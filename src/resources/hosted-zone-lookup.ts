import { GetHostedZoneCommand, ListHostedZonesByNameCommand, type HostedZone } from "@aws-sdk/client-route-53";
import type { AwsClients } from "../aws/clients.js";
import { isCode } from "../aws/errors.js";
import { InputError } from "../engine/errors.js";
import { collect, pagesOf } from "./toolkit.js";

/** A public hosted zone: bare id (`Z…`) and name with the trailing dot. */
export interface HostedZoneRef {
  id: string;
  name: string;
}

const fqdn = (n: string) => {
  const x = n.toLowerCase();
  return x.endsWith(".") ? x : `${x}.`;
};
const within = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);
const ref = (z: HostedZone): HostedZoneRef => ({ id: z.Id!.replace(/^\/?hostedzone\//, ""), name: fqdn(z.Name!) });

/**
 * The public hosted zone that holds `domain` (ALB-04, CDN-02): the configured `hostedZoneId`, checked to
 * contain the domain, or else the zone with the longest name that is a suffix of the domain.
 * Bad input (checked before any write) is an {@link InputError} naming `dns.domain` or `dns.hostedZoneId`.
 */
export async function findHostedZone(aws: AwsClients, domain: string, hostedZoneId?: string): Promise<HostedZoneRef> {
  const r53 = await aws.get("route53");
  const name = fqdn(domain);
  if (hostedZoneId) {
    let zone: HostedZone | undefined;
    try {
      zone = (await r53.send(new GetHostedZoneCommand({ Id: hostedZoneId }))).HostedZone;
    } catch (e) {
      if (isCode(e, "NoSuchHostedZone", "InvalidInput")) {
        throw new InputError("dns.hostedZoneId", `hosted zone ${hostedZoneId} does not exist in this account`, "set dns.hostedZoneId to the id of the public zone of your domain (aws route53 list-hosted-zones), or remove it to look the zone up by name");
      }
      throw e;
    }
    const z = ref(zone!);
    if (zone!.Config?.PrivateZone) throw new InputError("dns.hostedZoneId", `hosted zone ${z.id} (${z.name}) is private`, "use the public hosted zone of the domain");
    if (!within(name, z.name)) {
      throw new InputError("dns.domain", `${domain} is not in hosted zone ${z.id} (${z.name})`, `set dns.domain to ${z.name.slice(0, -1)} or a name below it, or set dns.hostedZoneId to the zone of ${domain}`);
    }
    return z;
  }
  // Zones come sorted by name with the labels reversed (ListHostedZonesByName): scan them all, keep the longest suffix.
  // Route 53 has no SDK paginator for ListHostedZonesByName.
  type Next = { DNSName?: string; HostedZoneId?: string };
  const pages = pagesOf(
    (next: Next | undefined) => r53.send(new ListHostedZonesByNameCommand({ ...next, MaxItems: 100 })),
    (r) => (r.IsTruncated ? { DNSName: r.NextDNSName, HostedZoneId: r.NextHostedZoneId } : undefined),
  );
  let best: HostedZoneRef | undefined;
  for (const zone of await collect(pages, (r) => r.HostedZones)) {
    if (zone.Config?.PrivateZone) continue;
    const z = ref(zone);
    if (within(name, z.name) && (!best || z.name.length > best.name.length)) best = z;
  }
  if (!best) throw new InputError("dns.domain", `no public Route 53 hosted zone of this account contains ${domain}`, "create a public hosted zone for the domain (or a parent of it), or set dns.hostedZoneId");
  return best;
}
