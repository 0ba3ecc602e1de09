import { describe, expect, it } from "vitest";
import { isHealthy, runDown, runStatus, runUp } from "../../src/operations/environment.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";
import { sandboxSession, TEST_CONFIG } from "../helpers/env.js";

const emit = () => {};

/**
 * A sandbox whose DescribeDBEngineVersions can be switched off: it then fails as an unavailable
 * service does (HTTP 500 InternalError), every other operation unchanged (issue 13, defect 3).
 */
function sandboxWithSwitch() {
  // The service objects are shared by every sandbox of the process: patch a copy.
  const services = allServices().map((s) => (s.clientName === "RDSClient" ? { ...s, handlers: { ...s.handlers } } : s));
  const rds = services.find((s) => s.clientName === "RDSClient")!;
  const real = rds.handlers.DescribeDBEngineVersions;
  const sw = { broken: false, calls: 0 };
  rds.handlers.DescribeDBEngineVersions = (input, ctx) => {
    sw.calls++;
    if (sw.broken) ctx.fail("InternalError", "DescribeDBEngineVersions is unavailable (test)", 500);
    return real(input, ctx);
  };
  return { sandbox: new Sandbox({ services }), sw };
}

describe("RDS-01's engine-version lookup is read only where it decides something (defect 3)", () => {
  it("status and down work while DescribeDBEngineVersions fails, and neither calls it", async () => {
    const { sandbox, sw } = sandboxWithSwitch();
    const s = sandboxSession({ sandbox });
    expect((await runUp(s, { emit })).report.ok).toBe(true);
    expect(sw.calls).toBeGreaterThan(0);
    sw.broken = true;
    sw.calls = 0;

    const status = await runStatus(s, { emit });
    expect(isHealthy(status)).toBe(true);
    // The version status compares against is the one the instance runs (no drift on db-instance).
    expect(status.facts.mysqlVersion).toBe("8.4.10");
    const down = await runDown(s, { emit });
    expect(down.report.ok, JSON.stringify(down.report.outcomes.filter((o) => o.status === "failed"))).toBe(true);
    expect(down.apiCalls.write).toBeGreaterThan(0);
    expect((await runDown(s, { emit })).apiCalls.write).toBe(0);
    expect(sw.calls).toBe(0);
  });

  it("up with the pin the instance already runs works without the lookup (0 writes); an unpinned up still needs it", async () => {
    const { sandbox, sw } = sandboxWithSwitch();
    const pinned = { ...TEST_CONFIG, database: { engineVersion: "8.4.10" } };
    const s = sandboxSession({ sandbox, config: pinned });
    expect((await runUp(s, { emit })).report.ok).toBe(true);
    sw.broken = true;
    sw.calls = 0;
    const again = await runUp(s, { emit });
    expect(again.report.ok).toBe(true);
    expect(again.apiCalls.write).toBe(0);
    expect(sw.calls).toBe(0);

    // Without a pin, up must learn the newest version: the failure names the operation.
    const unpinned = sandboxSession({ sandbox });
    const err = await runUp(unpinned, { emit }).catch((e: unknown) => e as Error & { $operation?: string });
    expect(err).toBeInstanceOf(Error);
    expect((err as { $operation?: string }).$operation).toBe("DescribeDBEngineVersions");
    expect(sw.calls).toBeGreaterThan(0);
  });

  it("a pin the instance does not run yet is still checked before any write", async () => {
    const { sandbox, sw } = sandboxWithSwitch();
    const s = sandboxSession({ sandbox, config: { ...TEST_CONFIG, database: { engineVersion: "8.4.99" } } });
    const err = await runUp(s, { emit }).catch((e: Error) => e);
    expect(String(err)).toMatch(/database\.engineVersion: MySQL 8\.4\.99 is not an available/);
    expect(sw.calls).toBeGreaterThan(0);
    expect(sandbox.writeCount).toBe(0);
  });
});
