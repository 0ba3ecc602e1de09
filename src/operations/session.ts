import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { RealClock, type Clock } from "../engine/clock.js";
import { InputError } from "../engine/errors.js";
import { AwsClients } from "../aws/clients.js";
import { isKnownRegion } from "../aws/regions.js";
import { CONFIG_FILE, loadConfigFile, validateConfig, type ConfigWarning } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import type { Faults } from "../sandbox/types.js";

/** Flags every command takes (SPEC.md "Every command"). */
export interface GlobalOptions {
  env?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  config?: string;
  json?: boolean;
  yes?: boolean;
  sandbox?: boolean;
  debug?: boolean;
  concurrency?: number;
  /** `--reset-sandbox`: start the sandbox from a fresh simulated AWS (replaces the saved state). */
  resetSandbox?: boolean;
  /** `--force-unlock`: remove another run's lease on the environment (after confirmation). */
  forceUnlock?: boolean;
}

/** Everything a command needs to talk to AWS (real or simulated) about one environment. */
export interface Session {
  config: Config;
  warnings: ConfigWarning[];
  configPath?: string;
  aws: AwsClients;
  clock: Clock;
  sandbox?: Sandbox;
  /** Aborted on Ctrl-C: runs stop starting nodes (set by the CLI for writing commands). */
  signal?: AbortSignal;
  /** Persists the sandbox state (no-op against real AWS). */
  save(): void;
  close(): Promise<void>;
}

/** The API image of the sandbox demo: a made-up digest (the simulated ECS accepts images outside ECR). */
export const DEMO_IMAGE = `public.ecr.aws/opsctl/api@sha256:${"5a".repeat(32)}`;

/** The built-in demo config of the sandbox when there is no config file. */
export const DEMO_CONFIG = {
  env: "demo",
  region: "eu-west-1",
  secondaryRegion: "eu-central-1",
  bastion: { allowedCidrs: ["203.0.113.0/24"] },
  dns: { domain: "opsctl-demo.example.com" },
  compute: { image: DEMO_IMAGE },
};

/**
 * Loads and validates the config (applying --env/--region), then builds the
 * client factory. Nothing is called yet: clients are created on first use.
 */
export async function openSession(opts: GlobalOptions): Promise<Session> {
  const path = resolve(opts.config ?? CONFIG_FILE);
  let loaded;
  if (opts.sandbox && !opts.config && !existsSync(path)) loaded = validateConfig(DEMO_CONFIG, "(built-in demo config)");
  else loaded = loadConfigFile(path);
  let config = loaded.config;
  if (opts.region !== undefined && !isKnownRegion(opts.region)) throw new InputError("--region", `unknown AWS region "${opts.region}"`, "use a region code such as eu-west-1 or us-east-1");
  if (opts.env !== undefined || opts.region !== undefined) {
    const raw = { ...config, env: opts.env ?? config.env, region: opts.region ?? config.region };
    config = validateConfig(raw, opts.env !== undefined ? "--env" : "--region").config;
  }
  let sandbox: Sandbox | undefined;
  let statePath: string | undefined;
  let clock: Clock = new RealClock();
  if (opts.sandbox) {
    const { Sandbox, defaultStatePath } = await import("../sandbox/sandbox.js");
    const { allServices } = await import("../sandbox/services/index.js");
    statePath = defaultStatePath();
    sandbox = Sandbox.open(statePath, { services: allServices(), faults: faultsFromEnv(), fresh: opts.resetSandbox });
    clock = sandbox.clock;
    // The simulated account has the hosted zone of the configured domain (unless a zone id is pinned).
    if (!config.dns.hostedZoneId && config.dns.domain) {
      const { seedHostedZone } = await import("../sandbox/services/route53.js");
      const domain = config.dns.domain;
      const s = sandbox;
      s.update(() => seedHostedZone(s, domain));
    }
  }
  const aws = new AwsClients({ region: config.region, profile: opts.profile, endpointUrl: opts.endpointUrl, sandbox });
  return {
    config,
    warnings: loaded.warnings,
    configPath: loaded.path,
    aws,
    clock,
    sandbox,
    save: () => {
      if (sandbox && statePath) sandbox.save(statePath);
    },
    close: () => aws.destroy(),
  };
}

function faultsFromEnv(): Faults {
  const raw = process.env.OPSCTL_SANDBOX_FAULTS;
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Faults;
  } catch {
    throw new InputError("OPSCTL_SANDBOX_FAULTS", "is not valid JSON", `e.g. OPSCTL_SANDBOX_FAULTS='{"throttleRate":0.2}'`);
  }
}
