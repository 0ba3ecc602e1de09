import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";
import { AwsClients } from "../../src/aws/clients.js";
import type { Faults } from "../../src/sandbox/types.js";

/** A fresh simulated AWS with every service, and an SDK client factory plugged into it. */
export function newSandbox(opts: { region?: string; faults?: Faults } = {}): { sandbox: Sandbox; aws: AwsClients } {
  const sandbox = new Sandbox({ services: allServices(), faults: opts.faults });
  const aws = new AwsClients({ region: opts.region ?? "eu-west-1", sandbox });
  return { sandbox, aws };
}
