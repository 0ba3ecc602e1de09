import { z } from "zod";
import { isKnownRegion } from "../aws/regions.js";
import { parseCidr4 } from "./cidr.js";

const cidr4 = z.string().superRefine((v, ctx) => {
  try {
    parseCidr4(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: `${(e as Error).message}` });
  }
});

const region = z.string().refine(isKnownRegion, { message: "unknown AWS region (e.g. eu-west-1, us-east-1)" });

/** Valid CloudWatch Logs retention values (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const retention = z
  .number()
  .int()
  .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), { message: `must be one of CloudWatch's retention values: ${LOG_RETENTION_DAYS.join(", ")}` });

/**
 * Performance Insights retention values RDS accepts (CreateDBInstance PerformanceInsightsRetentionPeriod:
 * 7, month * 31 for month = 1..23, or 731); Database Insights advanced mode (RDS-08) needs at least
 * 15 months (465 days), which leaves 465, 496, … 713 and 731.
 */
export const PI_RETENTION_DAYS: readonly number[] = [...Array.from({ length: 9 }, (_, i) => (15 + i) * 31), 731];

/** A DNS name as ACM and Route 53 take it: labels of 1–63 characters, 253 characters at most. */
const dnsName = (example: string) =>
  z
    .string()
    .regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/, `a ${example.includes("www") || example.includes("api") ? "host" : "domain"} name like ${example}`)
    .refine((d) => d.length <= 253, { message: "is longer than 253 characters (the DNS limit ACM and Route 53 enforce)" })
    .refine((d) => d.split(".").every((l) => l.length <= 63), { message: "has a label longer than 63 characters (the DNS limit ACM and Route 53 enforce)" });

/** The network layer (NET-*, SG-*, BAS-*). */
export const networkSchema = z.strictObject({
  vpcCidr: cidr4
    .default("10.40.0.0/16")
    .describe("NET-01/NET-10: private (RFC 1918) IPv4 block of the VPC, /16 to /25; split into 6 subnets"),
  natMode: z.enum(["single", "per-az"]).default("single").describe("NET-05: one NAT gateway, or one per availability zone"),
  availabilityZones: z.array(z.string().regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/, "an availability zone name like eu-west-1a")).length(2).optional().describe("NET-02: the two AZs; default: the region's first two"),
  flowLogRetentionDays: retention.default(90).describe("NET-09: retention of the flow-log group"),
});

/** The bastion host (BAS-*, SG-05). */
export const bastionSchema = z.strictObject({
  allowedCidrs: z.array(z.string()).default([]).describe("SG-05: IPv4/IPv6 CIDRs allowed to reach port 22 (empty: no SSH ingress)"),
  instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an EC2 instance type like t4g.nano").default("t4g.nano"),
});

/** DNS names (ALB-04, CDN-02); used by the compute/edge layer. */
export const dnsSchema = z.strictObject({
  domain: dnsName("example.com").optional().describe("ALB-04, CDN-02: needed for the load balancer's certificate and CloudFront"),
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]+$/, "a Route 53 hosted zone id like Z0123456789ABC").optional(),
  apiHost: dnsName("api.example.com").optional().describe("default: api.<domain>"),
  siteHost: dnsName("www.example.com").optional().describe("default: app.<domain>"),
});

/** RDS-01..RDS-12: the MySQL database. */
export const databaseSchema = z.strictObject({
  instanceClass: z
    .string()
    .regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, "an RDS instance class like db.r7g.large")
    .refine((c) => /^db\.(r|x|z)\d/.test(c), { message: "must be memory-optimized (db.r*, db.x* or db.z*: RDS-03), e.g. db.r7g.large" })
    .default("db.r7g.large"),
  engineVersion: z.string().regex(/^\d+\.\d+\.\d+$/, "a MySQL version like 8.4.3").optional().describe("RDS-01: pin a version; default: the newest available"),
  allocatedStorageGiB: z.number().int().min(20).max(65536).default(50),
  maxAllocatedStorageGiB: z.number().int().min(20).max(65536).default(200).describe("storage autoscaling ceiling"),
  backupRetentionDays: z.number().int().min(7).max(35).default(7).describe("RDS-12: at least 7"),
  performanceInsightsRetentionDays: z
    .number()
    .int()
    .refine((d) => PI_RETENTION_DAYS.includes(d), {
      message: `RDS accepts 7, 31 × n (n = 1..23) or 731 days, and Database Insights advanced (RDS-08) needs 465 or more: use one of ${PI_RETENTION_DAYS.join(", ")}`,
    })
    .default(465)
    .describe("RDS-08: Database Insights advanced needs 465+ (465, 496, … 713 or 731)"),
  databaseName: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, "letters, digits and _ , starting with a letter").default("app"),
  masterUsername: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,15}$/, "1-16 letters, digits and _ , starting with a letter")
    // RDS keeps these for its own management users (CreateDBInstance: "can't be a reserved word").
    .refine((u) => !["rdsadmin", "rdsrepladmin"].includes(u.toLowerCase()), { message: "is a name RDS reserves for its own users; use another, e.g. dbadmin" })
    .default("dbadmin"),
});

/** RED-01: the Redis / Valkey replication group. */
export const cacheSchema = z.strictObject({
  engine: z.enum(["redis", "valkey"]).default("valkey"),
  engineVersion: z.string().regex(/^\d+\.\d+(\.\d+)?$/, "a version like 8.0").optional(),
  nodeType: z
    .string()
    .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "a node type like cache.r7g.large")
    // T1 nodes support neither backups nor automatic failover, both of which RED-01's group uses.
    .refine((t) => !t.startsWith("cache.t1."), { message: "cache.t1 nodes support neither snapshots nor automatic failover; use e.g. cache.t4g.medium" })
    .default("cache.t4g.medium"),
});

/** S3-01..S3-03 and secrets (SM-*). */
export const storageSchema = z.strictObject({
  bucketPrefix: z.string().default("opsctl").describe("bucket names are <prefix>-<env>-<purpose>-<account>-<region>"),
  secretRecoveryWindowDays: z.number().int().min(7).max(30).default(30).describe("days a secret deleted by `down` stays restorable"),
});

/** Fargate CPU (units) → allowed memory (MiB), from the ECS developer guide ("Task CPU and memory"). */
export const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
  8192: Array.from({ length: 12 }, (_, i) => 16384 + i * 4096),
  16384: Array.from({ length: 12 }, (_, i) => 32768 + i * 8192),
};

/**
 * A container image reference (registry/repository[:tag][@sha256:digest]), per the OCI
 * distribution reference grammar (simplified: lowercase path components, optional port).
 */
export const IMAGE_REFERENCE = /^(?:[a-z0-9]+(?:[.-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** ECS-01..ECS-05, RDS-07: the API service. */
export const computeSchema = z
  .strictObject({
    image: z
      .string()
      .regex(IMAGE_REFERENCE, "a container image reference like 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-api@sha256:<64 hex>")
      .optional()
      .describe("the API image, pinned by digest (or a tag of the environment's ECR repository, resolved to its digest); default: the image `opsctl image push` pushed"),
    cpu: z.number().int().default(512).describe("Fargate CPU units"),
    memory: z.number().int().default(1024).describe("Fargate memory (MiB), a valid pair with cpu"),
    desiredCount: z.number().int().min(1, "must be at least 1 (ECS-03 runs 2 across both AZs)").max(100).default(2),
    keepLastImages: z.number().int().min(1).max(1000).default(10).describe("ECS-05: images kept by the ECR lifecycle policy"),
    logRetentionDays: retention.default(30),
    authRateLimit: z.string().regex(/^\d+\/\d+[smhd]$/, "N/window like 10/15m").default("10/15m").describe("API-03"),
  })
  .superRefine((c, ctx) => {
    const ok = FARGATE_SIZES[c.cpu];
    if (!ok) ctx.addIssue({ code: "custom", path: ["cpu"], message: `not a Fargate CPU size; use one of ${Object.keys(FARGATE_SIZES).join(", ")}` });
    else if (!ok.includes(c.memory)) ctx.addIssue({ code: "custom", path: ["memory"], message: `${c.memory} MiB is not valid with cpu ${c.cpu}; use one of ${ok.join(", ")}` });
  });

/** The whole opsctl.config.json. Unknown fields are errors. Later layers add their sections here. */
export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  env: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,19}$/, "2-20 characters: lowercase letters, digits and '-', starting with a letter")
    // Names such as the RDS and ElastiCache identifiers (`<env>-main`) "can't end with a hyphen or
    // contain two consecutive hyphens" (CreateDBInstance, CreateReplicationGroup).
    .refine((e) => !e.endsWith("-") && !e.includes("--"), { message: "must not end with '-' or contain '--' (RDS and ElastiCache identifiers are made from it)" })
    .default("demo")
    .describe("environment name; every resource is tagged opsctl:env=<env>"),
  region: region.default("eu-west-1"),
  secondaryRegion: region.default("eu-central-1").describe("SM-02: region of the secret replicas"),
  network: networkSchema.default(() => networkSchema.parse({})),
  bastion: bastionSchema.default(() => bastionSchema.parse({})),
  dns: dnsSchema.default(() => dnsSchema.parse({})),
  database: databaseSchema.default(() => databaseSchema.parse({})),
  cache: cacheSchema.default(() => cacheSchema.parse({})),
  storage: storageSchema.default(() => storageSchema.parse({})),
  compute: computeSchema.default(() => computeSchema.parse({})),
});

/** A validated config with every default filled in. */
export type Config = z.infer<typeof configSchema>;
