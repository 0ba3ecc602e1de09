import type { Facts } from "../src/resources/context.js";

/** Facts the data layer adds (read before planning; see gatherDataFacts). */
export interface DataFacts {
  /** RDS-01: the newest available MySQL version, or the pin. */
  mysqlVersion: string;
  /** RDS-09: the log types to export, checked against the version. */
  logExports: string[];
  /** `up --apply-immediately`: RDS changes queued for the maintenance window are applied now. */
  applyImmediately?: boolean;
}

/** Facts the compute layer adds: the API image, pinned by digest (absent: no image yet). */
export interface ComputeFacts {
  image?: string;
}

/** Facts the edge layer adds: the Route 53 hosted zone holding dns.domain. */
export interface EdgeFacts {
  hostedZoneId: string;
}

/** Everything read before planning. */
export type EnvironmentFacts = Facts & DataFacts & ComputeFacts & EdgeFacts;
