import { describe, expect, it } from "vitest";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { Lease, LeaseHeld, LEASE_RENEW_MS, LEASE_TTL_MS, leaseName, type LeaseRecord } from "../../src/operations/lock.js";
import { sandboxSession } from "../helpers/env.js";

/** The lease as stored in the simulated SSM. */
async function stored(s: ReturnType<typeof sandboxSession>): Promise<LeaseRecord | undefined> {
  const ssm = await s.aws.get("ssm");
  try {
    return JSON.parse((await ssm.send(new GetParameterCommand({ Name: leaseName("demo") }))).Parameter!.Value!) as LeaseRecord;
  } catch (e) {
    if ((e as Error).name === "ParameterNotFound") return undefined;
    throw e;
  }
}

describe("the environment lease (SSM /opsctl/<env>/lock) on the session clock", () => {
  it("is taken once, renewed when due, refused to a second run, released only by its holder", async () => {
    const s = sandboxSession();
    const warnings: string[] = [];
    const a = new Lease(s, { command: "up", warn: (t) => warnings.push(t) });
    await a.check();
    await Promise.all([a.ensure(), a.ensure()]);
    const first = (await stored(s))!;
    expect(first.who).toBe("arn:aws:iam::123456789012:user/sandbox");
    expect(Date.parse(first.expiresAt) - Date.parse(first.startedAt)).toBe(LEASE_TTL_MS);

    const b = new Lease(s, { command: "down", warn: (t) => warnings.push(t) });
    await expect(b.check()).rejects.toBeInstanceOf(LeaseHeld);
    await expect(b.ensure()).rejects.toThrow(/environment demo is locked by .*\(opsctl up, pid \d+\) since 2026-01-05T09:00:00\.000Z/);
    await b.release(); // holds nothing: leaves a's lease alone
    expect((await stored(s))?.id).toBe(first.id);

    s.sandbox.clock.advance(LEASE_RENEW_MS - 1);
    a.renewIfDue();
    await a.ensure();
    expect((await stored(s))!.expiresAt).toBe(first.expiresAt); // not due yet
    s.sandbox.clock.advance(1);
    a.renewIfDue();
    await a.release(); // waits for the renewal in flight, then deletes
    expect(await stored(s)).toBeUndefined();
    expect(warnings).toEqual([]);
    // The renewal happened before the release: the journal shows an overwrite of the lease.
    expect(s.sandbox.journal.filter((j) => j.operation === "PutParameter" && (j.input as { Overwrite?: boolean }).Overwrite).length).toBe(1);
  });

  it("an expired lease is taken over with a warning; --force-unlock removes a live one only when confirmed", async () => {
    const s = sandboxSession();
    const dead = new Lease(s, { command: "up", warn: () => {} });
    await dead.ensure(); // its process dies: never released
    const warnings: string[] = [];
    const refused = new Lease(s, { command: "up", warn: (t) => warnings.push(t), forceUnlock: async () => false });
    await expect(refused.check()).rejects.toBeInstanceOf(LeaseHeld);
    const forced = new Lease(s, { command: "pause", warn: (t) => warnings.push(t), forceUnlock: async (h) => h.command === "up" });
    await forced.check();
    expect(warnings).toEqual([expect.stringMatching(/^removed the lease of arn:aws:iam::123456789012:user\/sandbox on \S+ \(opsctl up, pid \d+\) \(held since 2026-/)]);
    await forced.ensure();
    expect((await stored(s))!.command).toBe("pause");

    s.sandbox.clock.advance(LEASE_TTL_MS);
    warnings.length = 0;
    const next = new Lease(s, { command: "restore", warn: (t) => warnings.push(t) });
    await next.check(); // expired: no refusal
    await next.ensure();
    expect(warnings).toEqual([expect.stringMatching(/^taking over the expired lease of .*\(opsctl pause, pid \d+\) \(held since 2026-.*, expired 2026-/)]);
    expect((await stored(s))!.command).toBe("restore");
    await next.release();
    expect(await stored(s)).toBeUndefined();
  });
});
