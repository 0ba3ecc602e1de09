import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { opsctl, sandboxWrites, workdir } from "../helpers/cli.js";
import { VERSION } from "../../src/version.js";

describe("opsctl CLI on the sandbox", () => {
  it("--help loads no AWS SDK module and lists every command", () => {
    const w = workdir();
    const r = opsctl(["--help"], { ...w, nodeArgs: ["--import", join(process.cwd(), "test/helpers/trace-imports.mjs")] });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("SDK-LOADED");
    for (const c of ["init", "plan", "up", "status", "down", "ssh-key", "config"]) expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
    // The tracer does see the SDK when a command really talks to AWS.
    const s = opsctl(["status", "--sandbox"], { ...w, nodeArgs: ["--import", join(process.cwd(), "test/helpers/trace-imports.mjs")] });
    expect(s.stderr).toContain("SDK-LOADED");
  });

  it("--version matches package.json", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(opsctl(["--version"], workdir()).stdout.trim()).toBe(pkg.version);
  });

  it("plan → up → status → down with --json documents, exit codes and a 0-write second up", () => {
    const w = workdir();
    const plan = opsctl(["plan", "--sandbox", "--json"], w);
    expect(plan.code, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout);
    const nodes = p.actions.length;
    expect(nodes).toBeGreaterThan(40);
    expect(p.summary).toEqual({ create: nodes, update: 0, delete: 0, noop: 0 });
    expect(p.apiCalls.write).toBe(0);
    expect(p.waves.length).toBeGreaterThan(2);
    expect(p.estimatedSeconds).toBeGreaterThan(100);

    const before = opsctl(["status", "--sandbox", "--json"], w);
    expect(before.code).toBe(1);
    const sb = JSON.parse(before.stdout);
    expect(sb.healthy).toBe(false);
    expect(sb.resources.find((r: { node: string }) => r.node === "vpc:main")).not.toHaveProperty("id");

    const up = opsctl(["up", "--sandbox", "--json"], w);
    expect(up.code, up.stderr).toBe(0);
    const u = JSON.parse(up.stdout);
    expect(u.actions[0]).toMatchObject({ node: "vpc:main", action: "create", status: "done" });
    // Not created: the VPC's default security group (emptied), the Redis endpoint fields (written into
    // their secret) and the two certificate validations (they wait for ISSUED).
    // … the rotation schedules of the three signing secrets (set on secrets that exist) and the wait
    // for healthy targets.
    expect(u.summary.create).toBe(nodes - 8);
    expect(u.apiCalls.write).toBeGreaterThan(50);
    expect(up.stderr).toMatch(/✔ nat-gateway:a created nat-[0-9a-f]{17} \(1m45s simulated\)/);

    const again = JSON.parse(opsctl(["up", "--sandbox", "--json"], w).stdout);
    expect(again.apiCalls.write).toBe(0);
    expect(again.summary).toEqual({ create: 0, update: 0, delete: 0, noop: nodes });

    const st = opsctl(["status", "--sandbox", "--json"], w);
    expect(st.code).toBe(0);
    const s = JSON.parse(st.stdout);
    expect(s.healthy).toBe(true);
    expect(s.resources.find((r: { node: string }) => r.node === "nat-gateway:a")).toMatchObject({ kind: "nat-gateway", state: "available", drift: [] });
    const table = opsctl(["status", "--sandbox"], w);
    // status also shows the three signing keys' ages.
    expect(table.stdout).toContain(`healthy: all ${nodes + 3} resources exist`);

    const noConfirm = opsctl(["down", "--sandbox"], w);
    expect(noConfirm.code).toBe(2);
    expect(noConfirm.stderr).toMatch(/error: --yes: down deletes environment demo in eu-west-1 and needs confirmation/);

    const key = opsctl(["ssh-key", "--sandbox", "--out", "bastion.pem"], w);
    expect(key.code, key.stderr).toBe(0);
    expect(statSync(join(w.dir, "bastion.pem")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(w.dir, "bastion.pem"), "utf8")).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    try {
      const pub = execFileSync("ssh-keygen", ["-y", "-f", join(w.dir, "bastion.pem")], { encoding: "utf8" });
      expect(pub.trim().split(" ").slice(0, 2)).toEqual(opsctl(["ssh-key", "--sandbox", "--public"], w).stdout.trim().split(" ").slice(0, 2));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // ssh-keygen not installed
    }

    const down = opsctl(["down", "--sandbox", "--yes", "--json"], w);
    expect(down.code, down.stderr).toBe(0);
    const d = JSON.parse(down.stdout);
    // Nothing of their own to delete: the default security group and the secret fields go with their
    // parents, the certificate validations and the one-off task are not resources, the Lambda
    // permission is part of the function's policy and a key policy goes with its key.
    const untouched = d.actions.filter((a: { action: string }) => a.action !== "delete").map((a: { node: string }) => a.node).sort();
    expect(untouched).toEqual([
      "certificate-validation:api",
      "certificate-validation:site",
      "default-security-group:main",
      "ecs-one-off-task:db-bootstrap",
      "key-policy:database",
      "key-policy:signing",
      "key-policy:smtp",
      "lambda-permission:secret-rotation",
      "secret-fields:redis-endpoint",
      "target-health:api",
    ]);
    expect(d.kept.join(" ")).toContain("demo/bastion/ssh-key");
    const writes = sandboxWrites(w.state);
    const d2 = JSON.parse(opsctl(["down", "--sandbox", "--yes", "--json"], w).stdout);
    expect(d2.apiCalls.write).toBe(0);
    expect(sandboxWrites(w.state)).toBe(writes);
  });

  it("init writes a valid config without a TTY, refuses to overwrite, and config schema is a JSON Schema", () => {
    const w = workdir();
    const r = opsctl(["init", "--yes", "--env", "prod", "--vpc-cidr", "10.60.0.0/16", "--bastion-cidr", "198.51.100.0/24", "--nat-mode", "per-az", "--domain", "example.com"], w);
    expect(r.code, r.stderr).toBe(0);
    const cfg = JSON.parse(readFileSync(join(w.dir, "opsctl.config.json"), "utf8"));
    expect(cfg).toMatchObject({ env: "prod", network: { vpcCidr: "10.60.0.0/16", natMode: "per-az" }, bastion: { allowedCidrs: ["198.51.100.0/24"] } });
    const again = opsctl(["init", "--yes", "--domain", "example.com"], w);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists.*--force/);
    const bad = workdir();
    const b = opsctl(["init", "--yes", "--vpc-cidr", "8.8.0.0/16", "--domain", "example.com"], bad);
    expect(b.code).toBe(2);
    expect(existsSync(join(bad.dir, "opsctl.config.json"))).toBe(false);
    const schema = JSON.parse(opsctl(["config", "schema"], w).stdout);
    expect(schema.type).toBe("object");
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["env", "region", "secondaryRegion", "network", "bastion", "dns"]));
    expect(schema.properties.network.properties.natMode.enum).toEqual(["single", "per-az"]);
  });
});
