import { Command } from "commander";
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { InputError } from "../src/engine/errors.js";
import { globalOptions, interactive } from "./command-runner.js";

interface InitFlags {
  force?: boolean;
  secondaryRegion?: string;
  vpcCidr?: string;
  natMode?: string;
  bastionCidr?: string[];
  domain?: string;
  hostedZoneId?: string;
}

/** `opsctl init`: writes opsctl.config.json (asks on a TTY; defaults + flags with --yes or without a TTY). */
export function initCommand(): Command {
  return new Command("init")
    .description("write opsctl.config.json in the current folder (interactive on a terminal; --yes takes defaults and flags)")
    .option("--force", "overwrite an existing config file")
    .option("--secondary-region <region>", "region of the secret replicas (SM-02)")
    .option("--vpc-cidr <cidr>", "private IPv4 block of the VPC, /16 to /25 (NET-01, NET-10)")
    .option("--nat-mode <mode>", "single | per-az (NET-05)")
    .option("--bastion-cidr <cidr...>", "CIDRs allowed to SSH to the bastion (SG-05)")
    .option("--domain <domain>", "domain of the site and the api host (ALB-04, CDN-02)")
    .option("--hosted-zone-id <id>", "Route 53 hosted zone of the domain")
    .action(async (f: InitFlags, cmd: Command) => {
      const g = globalOptions(cmd);
      const path = resolve(g.config ?? "opsctl.config.json");
      if (existsSync(path) && !f.force) throw new InputError(path, "already exists", "pass --force to overwrite it, or --config PATH to write elsewhere");
      const { validateConfig } = await import("../src/config/load.js");
      const { configSchema } = await import("../src/config/schema.js");
      const defaults = configSchema.parse({});
      const raw: Record<string, any> = {
        env: g.env ?? defaults.env,
        region: g.region ?? defaults.region,
        secondaryRegion: f.secondaryRegion ?? defaults.secondaryRegion,
        network: { ...defaults.network, vpcCidr: f.vpcCidr ?? defaults.network.vpcCidr, natMode: f.natMode ?? defaults.network.natMode },
        bastion: { ...defaults.bastion, allowedCidrs: f.bastionCidr ?? defaults.bastion.allowedCidrs },
        dns: { ...(f.domain ? { domain: f.domain } : {}), ...(f.hostedZoneId ? { hostedZoneId: f.hostedZoneId } : {}) },
      };
      if (!g.yes && interactive() && process.stdin.isTTY) {
        const { input, select } = await import("@inquirer/prompts");
        const o = { output: process.stderr };
        const check = (field: string, patch: (v: string) => void) => (v: string) => {
          const copy = structuredClone(raw);
          patch.call(copy, v);
          try {
            validateConfig(applyTo(copy, field, v));
            return true;
          } catch (e) {
            return (e as Error).message;
          }
        };
        raw.env = await input({ message: "Environment name", default: raw.env, validate: check("env", () => {}) }, o);
        raw.region = await input({ message: "AWS region", default: raw.region, validate: check("region", () => {}) }, o);
        raw.secondaryRegion = await input({ message: "Secondary region for secret replicas", default: raw.secondaryRegion, validate: check("secondaryRegion", () => {}) }, o);
        raw.network.vpcCidr = await input({ message: "VPC CIDR (RFC 1918)", default: raw.network.vpcCidr, validate: check("network.vpcCidr", () => {}) }, o);
        raw.network.natMode = await select({ message: "NAT gateways", choices: [{ value: "single", name: "single (cheaper)" }, { value: "per-az", name: "one per AZ (survives an AZ outage)" }], default: raw.network.natMode }, o);
        const cidrs = await input({ message: "CIDRs allowed to SSH to the bastion (comma-separated, empty for none)", default: raw.bastion.allowedCidrs.join(",") }, o);
        raw.bastion.allowedCidrs = cidrs.split(",").map((c: string) => c.trim()).filter(Boolean);
        const domain = await input({ message: "Domain (optional, for the ALB and CloudFront layers)", default: raw.dns.domain ?? "" }, o);
        if (domain) raw.dns.domain = domain;
      }
      const { config, warnings } = validateConfig(raw, "init");
      const { print } = await import("../src/output/print.js");
      for (const w of warnings) print({ type: "warning", field: w.field, text: w.message });
      writeFileSync(path, JSON.stringify(config, null, 2) + "\n");
      print({ type: "notice", text: `wrote ${path} (\`opsctl config schema > opsctl.schema.json\` gives editors completion; \`opsctl plan\` shows what up would do)` });
    });
}

function applyTo(raw: Record<string, any>, field: string, v: string): Record<string, any> {
  const parts = field.split(".");
  let o = raw;
  for (const p of parts.slice(0, -1)) o = o[p];
  o[parts[parts.length - 1]] = v;
  return raw;
}
