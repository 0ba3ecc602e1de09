/**
 * Issue 9, defect 8: values AWS would refuse are caught by the config, before the first write, as a
 * one-line error naming the field and the fix (InputError → exit 2 in the CLI).
 */
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/load.js";
import { InputError } from "../../src/engine/errors.js";
import { runUp } from "../../src/operations/environment.js";
import { effectiveWrites, sandboxSession, TEST_CONFIG } from "../helpers/env.js";

const base = TEST_CONFIG as Record<string, any>;
const withPart = (part: string, v: Record<string, unknown>) => ({ ...base, [part]: { ...(base[part] ?? {}), ...v } });

/** [what, config, field the error names, what the message or hint says]. */
const REFUSED: [string, unknown, RegExp, RegExp][] = [
  ["Performance Insights retention between the allowed values", withPart("database", { performanceInsightsRetentionDays: 500 }), /database\.performanceInsightsRetentionDays/, /7, 31 × n \(n = 1\.\.23\) or 731.*465, 496, 527/],
  ["Performance Insights retention 600 (inside the old 465..731 range)", withPart("database", { performanceInsightsRetentionDays: 600 }), /database\.performanceInsightsRetentionDays/, /731/],
  ["Performance Insights retention below what Database Insights advanced needs", withPart("database", { performanceInsightsRetentionDays: 7 }), /database\.performanceInsightsRetentionDays/, /465 or more/],
  ["availability zones of another region", withPart("network", { availabilityZones: ["us-east-1a", "us-east-1b"] }), /network\.availabilityZones\[0\]/, /not an availability zone of region eu-west-1.*eu-west-1a/],
  ["the same availability zone twice", withPart("network", { availabilityZones: ["eu-west-1a", "eu-west-1a"] }), /network\.availabilityZones/, /twice/],
  ["an env ending with a hyphen", { ...base, env: "demo-" }, /env/, /must not end with '-' or contain '--'/],
  ["an env with two consecutive hyphens", { ...base, env: "de--mo" }, /env/, /must not end with '-' or contain '--'/],
  ["a storage ceiling not above the allocated storage", withPart("database", { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 100 }), /database\.maxAllocatedStorageGiB/, /must be greater than database\.allocatedStorageGiB \(100\)/],
  ["a master user name RDS reserves", withPart("database", { masterUsername: "rdsadmin" }), /database\.masterUsername/, /reserves/],
  ["a T1 cache node (no snapshots, no automatic failover)", withPart("cache", { nodeType: "cache.t1.micro" }), /cache\.nodeType/, /cache\.t4g\.medium/],
  ["a domain label longer than 63 characters", withPart("dns", { domain: `${"a".repeat(64)}.example.com` }), /dns\.domain/, /63 characters/],
  ["a domain label that ends with a hyphen", withPart("dns", { domain: "bad-.example.com" }), /dns\.domain/, /domain name like example\.com/],
  ["an IPv4 bastion CIDR with host bits set", withPart("bastion", { allowedCidrs: ["203.0.113.10/24"] }), /bastion\.allowedCidrs\[0\]/, /host bits set; the network is 203\.0\.113\.0\/24/],
  ["an IPv6 bastion CIDR with host bits set", withPart("bastion", { allowedCidrs: ["2001:db8::1/64"] }), /bastion\.allowedCidrs\[0\]/, /host bits set; the network is 2001:db8::\/64/],
];

/** Values AWS takes, so the checks are not stricter than the API reference. */
const ACCEPTED: [string, unknown][] = [
  ["Performance Insights retention 465 (15 × 31)", withPart("database", { performanceInsightsRetentionDays: 465 })],
  ["Performance Insights retention 713 (23 × 31)", withPart("database", { performanceInsightsRetentionDays: 713 })],
  ["Performance Insights retention 731", withPart("database", { performanceInsightsRetentionDays: 731 })],
  ["availability zones of the region", withPart("network", { availabilityZones: ["eu-west-1b", "eu-west-1c"] })],
  ["an env with single hyphens", { ...base, env: "team-a-dev" }],
  ["a storage ceiling above the allocated storage", withPart("database", { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 101 })],
  ["an IPv6 network CIDR", withPart("bastion", { allowedCidrs: ["2001:db8::/64"] })],
];

describe("defect 8: the config refuses what AWS would refuse, naming the field and the fix", () => {
  for (const [what, config, field, text] of REFUSED) {
    it(`refuses ${what}`, () => {
      let caught: unknown;
      try {
        validateConfig(config);
      } catch (e) {
        caught = e;
      }
      expect(caught, "no error").toBeInstanceOf(InputError);
      const e = caught as InputError;
      expect(e.fault).toBe("user");
      expect(e.message).toMatch(field);
      expect(`${e.message} ${e.hint ?? ""}`).toMatch(text);
      expect(e.message).not.toContain("\n");
    });
  }
  for (const [what, config] of ACCEPTED) it(`accepts ${what}`, () => expect(() => validateConfig(config)).not.toThrow());

  it("an availability zone the region does not have: refused by `up` before its first write", async () => {
    const s = sandboxSession({ config: withPart("network", { availabilityZones: ["eu-west-1a", "eu-west-1z"] }) });
    const err = await runUp(s, { emit: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/network\.availabilityZones: .*eu-west-1z/);
    expect(effectiveWrites(s.sandbox)).toBe(0);
  });
});
