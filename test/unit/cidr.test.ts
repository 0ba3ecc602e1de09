import { describe, expect, it } from "vitest";
import { cidrSubnet4, ipv6Subnet64, isRfc1918, overlaps4, parseCidr4, planSubnets } from "../../src/config/cidr.js";

describe("CIDR planning (NET-02, NET-10)", () => {
  it("splits a /16 into six non-overlapping /19 subnets across two AZs", () => {
    const s = planSubnets("10.40.0.0/16");
    expect(s.map((x) => `${x.name}=${x.cidr}`)).toEqual([
      "public-a=10.40.0.0/19",
      "public-b=10.40.32.0/19",
      "private-a=10.40.64.0/19",
      "private-b=10.40.96.0/19",
      "isolated-a=10.40.128.0/19",
      "isolated-b=10.40.160.0/19",
    ]);
    for (const a of s) for (const b of s) if (a !== b) expect(overlaps4(parseCidr4(a.cidr), parseCidr4(b.cidr))).toBe(false);
  });
  it("gives each subnet its own /64 of the VPC's /56", () => {
    expect(ipv6Subnet64("2600:1f18:abcd:4200::/56", 0)).toBe("2600:1f18:abcd:4200::/64");
    expect(ipv6Subnet64("2600:1f18:abcd:4200::/56", 5)).toBe("2600:1f18:abcd:4205::/64");
    expect(() => ipv6Subnet64("2600:1f18:abcd:4200::/56", 256)).toThrow(/only 256/);
  });
  it("knows RFC 1918 blocks", () => {
    expect(isRfc1918(parseCidr4("10.0.0.0/16"))).toBe(true);
    expect(isRfc1918(parseCidr4("172.31.0.0/16"))).toBe(true);
    expect(isRfc1918(parseCidr4("192.168.10.0/24"))).toBe(true);
    expect(isRfc1918(parseCidr4("172.32.0.0/16"))).toBe(false);
    expect(isRfc1918(parseCidr4("8.8.0.0/16"))).toBe(false);
    expect(isRfc1918(parseCidr4("10.0.0.0/7"))).toBe(false);
  });
  it("rejects malformed blocks and host bits", () => {
    expect(() => parseCidr4("10.0.0.0/33")).toThrow(/not an IPv4 CIDR/);
    expect(() => parseCidr4("10.0.0.5/16")).toThrow(/host bits/);
    expect(cidrSubnet4(parseCidr4("192.168.0.0/25"), 3, 7)).toBe("192.168.0.112/28");
  });
});

describe("strict IPv4 CIDR syntax", () => {
  it("rejects the legacy three-part form that ipaddr.js accepts", () => {
    expect(() => parseCidr4("10.0.0/16")).toThrow(/not an IPv4 CIDR/);
    expect(() => parseCidr4("10.0.0.0")).toThrow(/not an IPv4 CIDR/);
  });
});
