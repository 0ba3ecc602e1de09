import { readFileSync } from "node:fs";
import { z } from "zod";
import ipaddr from "ipaddr.js";
import { InputError } from "../engine/errors.js";
import { configSchema, type Config } from "./schema.js";
import { isRfc1918, parseCidr4, planSubnets } from "./cidr.js";

/** Default file name, in the current folder. */
export const CONFIG_FILE = "opsctl.config.json";

/** A config problem that is worth a warning but not an error (e.g. SSH open to the world). */
export interface ConfigWarning {
  field: string;
  message: string;
}

/** The api and site host names (ALB-04, CDN-02), with their defaults. */
export function hostNames(config: Config): { api: string; site: string } {
  const domain = config.dns.domain!;
  return { api: config.dns.apiHost ?? `api.${domain}`, site: config.dns.siteHost ?? `app.${domain}` };
}

/** A validated config and its warnings. */
export interface LoadedConfig {
  config: Config;
  warnings: ConfigWarning[];
  /** Where it came from (`undefined` for the built-in demo config). */
  path?: string;
}

/**
 * Validates raw config data: schema, then the cross-field rules (NET-10, SM-02, SG-05).
 * Throws {@link InputError} naming the first bad field and the fix.
 */
export function validateConfig(raw: unknown, source = CONFIG_FILE): LoadedConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(`${source}: ${fieldOf(parsed.error.issues[0])}`, messageOf(parsed.error.issues[0]), hintOf(parsed.error.issues[0]));
  const config = parsed.data;
  const vpc = parseCidr4(config.network.vpcCidr);
  if (!isRfc1918(vpc)) {
    throw new InputError(`${source}: network.vpcCidr`, `${config.network.vpcCidr} is not a private (RFC 1918) range`, "use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, e.g. 10.40.0.0/16");
  }
  if (vpc.prefix < 16 || vpc.prefix > 25) {
    const why = vpc.prefix > 25 ? "is too small for 6 subnets of at least /28" : "is larger than AWS allows for a VPC (/16 at most)";
    throw new InputError(`${source}: network.vpcCidr`, `${config.network.vpcCidr} ${why}`, "use a block between /16 and /25, e.g. 10.40.0.0/16");
  }
  planSubnets(config.network.vpcCidr);
  if (config.secondaryRegion === config.region) {
    throw new InputError(`${source}: secondaryRegion`, `must differ from region (${config.region}): the secret replicas need another region`, "set secondaryRegion to another region, e.g. eu-central-1");
  }
  const azs = config.network.availabilityZones;
  if (azs) {
    // CreateSubnet takes an AZ of the VPC's region only: caught here, not after the first writes.
    azs.forEach((az, i) => {
      if (!new RegExp(`^${config.region}[a-z]$`).test(az)) {
        throw new InputError(`${source}: network.availabilityZones[${i}]`, `${az} is not an availability zone of region ${config.region}`, `use zones of ${config.region}, e.g. ["${config.region}a", "${config.region}b"], or leave the field out`);
      }
    });
    if (azs[0] === azs[1]) throw new InputError(`${source}: network.availabilityZones`, `names ${azs[0]} twice: NET-02 needs two different zones`, `use two zones, e.g. ["${config.region}a", "${config.region}b"]`);
  }
  const db = config.database;
  if (db.maxAllocatedStorageGiB <= db.allocatedStorageGiB) {
    // CreateDBInstance: "Max storage size must be greater than storage size" (storage autoscaling ceiling).
    throw new InputError(`${source}: database.maxAllocatedStorageGiB`, `${db.maxAllocatedStorageGiB} must be greater than database.allocatedStorageGiB (${db.allocatedStorageGiB})`, `raise it, e.g. to ${Math.min(65536, db.allocatedStorageGiB * 4)}`);
  }
  if (!config.dns.domain) {
    throw new InputError(`${source}: dns.domain`, "is required: the load balancer's certificate (ALB-03) and CloudFront (CDN-02) need a domain in a Route 53 hosted zone", "set dns.domain (and dns.hostedZoneId if the zone is ambiguous), e.g. example.com");
  }
  for (const field of ["apiHost", "siteHost"] as const) {
    const host = config.dns[field];
    if (host && host !== config.dns.domain && !host.endsWith(`.${config.dns.domain}`)) {
      throw new InputError(`${source}: dns.${field}`, `${host} is not in dns.domain (${config.dns.domain})`, `use a name under ${config.dns.domain}, e.g. ${field === "apiHost" ? "api" : "app"}.${config.dns.domain}`);
    }
  }
  const warnings: ConfigWarning[] = [];
  config.bastion.allowedCidrs.forEach((c, i) => {
    const field = `${source}: bastion.allowedCidrs[${i}]`;
    const v6 = c.includes(":");
    if (v6 ? !ipaddr.IPv6.isValidCIDR(c) : !isIpv4Cidr(c)) {
      const hostBits = !v6 && /host bits/.test(cidrProblem(c));
      if (hostBits) throw new InputError(field, cidrProblem(c), "write the network address of the block (EC2 refuses host bits: \"CIDR block … is malformed\")");
      throw new InputError(field, `"${c}" is not a CIDR block`, "write an address block like 203.0.113.10/32 or 2001:db8::/64");
    }
    if (v6 && !isIpv6Network(c)) {
      const net = ipaddr.IPv6.networkAddressFromCIDR(c).toString();
      throw new InputError(field, `"${c}" has host bits set; the network is ${net}/${ipaddr.IPv6.parseCIDR(c)[1]}`, "write the network address of the block (EC2 refuses host bits: \"CIDR block … is malformed\")");
    }
    if (c === "0.0.0.0/0" || c === "::/0") warnings.push({ field: `bastion.allowedCidrs[${i}]`, message: `SSH (port 22) is open to the whole internet (${c}); restrict it to your office or VPN addresses` });
  });
  return { config, warnings };
}

function isIpv4Cidr(c: string): boolean {
  try {
    parseCidr4(c);
    return true;
  } catch {
    return false;
  }
}

function cidrProblem(c: string): string {
  try {
    parseCidr4(c);
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

/** True when an IPv6 block has no host bits set: EC2 refuses one that has ("CIDR block … is malformed"), as for IPv4 (parseCidr4). */
function isIpv6Network(c: string): boolean {
  const [addr] = ipaddr.IPv6.parseCIDR(c);
  return ipaddr.IPv6.networkAddressFromCIDR(c).toNormalizedString() === addr.toNormalizedString();
}

/** Reads and validates a config file. Malformed JSON and schema errors become one-line {@link InputError}s. */
export function loadConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e: any) {
    if (e?.code === "ENOENT") throw new InputError(path, "no such config file", "run `opsctl init` to write one, or pass --config PATH (or --sandbox to try the demo)");
    throw new InputError(path, `cannot be read: ${e.message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e: any) {
    throw new InputError(path, `is not valid JSON (${e.message})`, "fix the syntax, or run `opsctl init --force` to write a fresh one");
  }
  return { ...validateConfig(raw, path), path };
}

function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
  if (issue.code === "unrecognized_keys") return [path, issue.keys[0]].filter(Boolean).join(".");
  return path || "(top level)";
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return "unknown field";
  if (issue.code === "invalid_type") return `expected ${issue.expected}`;
  return issue.message;
}

function hintOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === "unrecognized_keys") return "remove it or check its spelling (`opsctl config schema` lists every field)";
  if (issue.code === "invalid_value" && "values" in issue) return `use one of: ${(issue.values as unknown[]).join(", ")}`;
  return undefined;
}
