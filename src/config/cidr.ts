import ipaddr from "ipaddr.js";

/** A parsed IPv4 CIDR block. */
export interface Cidr4 {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
  text: string;
}

/** Parses `a.b.c.d/n`; throws with a readable message when it is not a valid IPv4 CIDR. */
export function parseCidr4(text: string): Cidr4 {
  // ipaddr.js also accepts legacy forms such as "10.0.0/16" (three parts); AWS wants four.
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) || !ipaddr.IPv4.isValidCIDR(text)) throw new Error(`"${text}" is not an IPv4 CIDR block like 10.0.0.0/16`);
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(text);
  const base = toInt(addr);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((base & mask) >>> 0 !== base) {
    throw new Error(`"${text}" has host bits set; the network is ${fromInt((base & mask) >>> 0)}/${prefix}`);
  }
  return { base, prefix, text };
}

const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((t) => ipaddr.IPv4.parseCIDR(t));

/** True when the whole block lies inside one RFC 1918 private range. */
export function isRfc1918(c: Cidr4): boolean {
  const addr = ipaddr.IPv4.parse(fromInt(c.base));
  return RFC1918.some(([net, len]) => c.prefix >= len && addr.match(net, len));
}

/** True when two IPv4 blocks share at least one address. */
export function overlaps4(a: Cidr4, b: Cidr4): boolean {
  const aEnd = a.base + 2 ** (32 - a.prefix) - 1;
  const bEnd = b.base + 2 ** (32 - b.prefix) - 1;
  return a.base <= bEnd && b.base <= aEnd;
}

/** Terraform's `cidrsubnet`: the `index`-th block of `prefix + newBits` inside `parent`. */
export function cidrSubnet4(parent: Cidr4, newBits: number, index: number): string {
  const prefix = parent.prefix + newBits;
  if (prefix > 32) throw new Error(`${parent.text} cannot be split into /${prefix} blocks`);
  if (index >= 2 ** newBits) throw new Error(`${parent.text} has only ${2 ** newBits} /${prefix} blocks`);
  const base = parent.base + index * 2 ** (32 - prefix);
  return `${fromInt(base)}/${prefix}`;
}

/** The `index`-th /64 inside an IPv6 block such as an Amazon-provided /56. */
export function ipv6Subnet64(parent: string, index: number): string {
  const [addr, prefix] = ipaddr.IPv6.parseCIDR(parent);
  if (prefix > 64) throw new Error(`${parent} is smaller than a /64`);
  if (index >= 2 ** (64 - prefix)) throw new Error(`${parent} has only ${2 ** (64 - prefix)} /64 blocks`);
  const parts = addr.parts.slice(); // eight 16-bit groups
  let v = (BigInt(parts[0]) << 48n) | (BigInt(parts[1]) << 32n) | (BigInt(parts[2]) << 16n) | BigInt(parts[3]);
  v += BigInt(index);
  const out = new ipaddr.IPv6([Number((v >> 48n) & 0xffffn), Number((v >> 32n) & 0xffffn), Number((v >> 16n) & 0xffffn), Number(v & 0xffffn), 0, 0, 0, 0]);
  return `${out.toString()}/64`;
}

function toInt(a: ipaddr.IPv4): number {
  return a.octets.reduce((acc, o) => acc * 256 + o, 0);
}

function fromInt(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** The six subnets of the environment: public, private and isolated in each of two AZs. */
export interface SubnetLayout {
  tier: "public" | "private" | "isolated";
  az: 0 | 1;
  name: string;
  cidr: string;
  /** Index of its /64 inside the VPC's IPv6 /56. */
  ipv6Index: number;
}

const TIERS = ["public", "private", "isolated"] as const;

/**
 * NET-02 / NET-10: splits the VPC block into 8 equal blocks and uses 6 of them
 * (2 spare for later tiers), so no two subnets can overlap. The VPC must be
 * /25 or larger so each subnet is at least AWS's minimum /28.
 */
export function planSubnets(vpcCidr: string): SubnetLayout[] {
  const parent = parseCidr4(vpcCidr);
  const out: SubnetLayout[] = [];
  TIERS.forEach((tier, t) => {
    for (const az of [0, 1] as const) {
      const index = t * 2 + az;
      out.push({ tier, az, name: `${tier}-${az === 0 ? "a" : "b"}`, cidr: cidrSubnet4(parent, 3, index), ipv6Index: index });
    }
  });
  return out;
}
