import { createRequire } from "node:module";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Checks sandbox requests and responses against the AWS SDK clients' own models.
 *
 * The sandbox answers before serialization, so nothing else stops it from returning a member AWS's
 * model does not have (opsctl would then rely on a field AWS never sends) or from accepting a request
 * AWS would refuse. The models come from the SDK packages opsctl already depends on:
 * - the operation schemas (`dist-cjs`, exported as `<Operation>$`, SDK 3.1127 schema-based serde):
 *   member names, member types, and the required members (the trailing count of a structure schema:
 *   its first N members are required);
 * - the enum objects and the model types (`dist-types/models/*.d.ts`), which say which member holds
 *   which enum — the schemas themselves carry no enum traits.
 * The shipped schemas carry no length, range or pattern traits (the SDK strips them), so those are
 * not checked here; where AWS documents such a constraint, the sandbox service enforces it and cites
 * the page in its `.md`.
 *
 * Everything is loaded on first use, per client package, and cached.
 */

const require = createRequire(import.meta.url);

/** The SDK package of every client the sandbox simulates, by the client name the middleware sees. */
const PACKAGES: Record<string, string> = {
  EC2Client: "@aws-sdk/client-ec2",
  CloudWatchLogsClient: "@aws-sdk/client-cloudwatch-logs",
  IAMClient: "@aws-sdk/client-iam",
  SecretsManagerClient: "@aws-sdk/client-secrets-manager",
  SSMClient: "@aws-sdk/client-ssm",
  STSClient: "@aws-sdk/client-sts",
  KMSClient: "@aws-sdk/client-kms",
  RDSClient: "@aws-sdk/client-rds",
  ElastiCacheClient: "@aws-sdk/client-elasticache",
  S3Client: "@aws-sdk/client-s3",
  ECSClient: "@aws-sdk/client-ecs",
  ECRClient: "@aws-sdk/client-ecr",
  ElasticLoadBalancingV2Client: "@aws-sdk/client-elastic-load-balancing-v2",
  ACMClient: "@aws-sdk/client-acm",
  Route53Client: "@aws-sdk/client-route-53",
  CloudFrontClient: "@aws-sdk/client-cloudfront",
  WAFV2Client: "@aws-sdk/client-wafv2",
  CloudTrailClient: "@aws-sdk/client-cloudtrail",
  CloudWatchClient: "@aws-sdk/client-cloudwatch",
  ServiceDiscoveryClient: "@aws-sdk/client-servicediscovery",
  LambdaClient: "@aws-sdk/client-lambda",
};

/** Which way a value travels. */
export type Direction = "input" | "output";

/**
 * What a violation is about: AWS refuses an input with a `missing` member, an `invalid` one (wrong type)
 * or an `enum` value outside the model's enum; `unknown` members are dropped by the SDK's serializer.
 */
export type ViolationKind = "unknown" | "missing" | "invalid" | "enum";

/** One difference between a value and the model. */
export interface ModelViolation {
  service: string;
  operation: string;
  direction: Direction;
  kind: ViolationKind;
  /** Member path, e.g. `Services[0].NamespaceId`. */
  path: string;
  /** One line naming service, operation and member. */
  message: string;
}

/** How an enum-typed member holds its enum: the value itself, list items, map keys or map values. */
type EnumUse = { name: string; at: "value" | "item" | "key"; allowed?: string[] };

interface ClientModel {
  exports: Record<string, any>;
  ns: any;
  /** structure name → member name → enum use (from the model types). */
  enums?: Map<string, Map<string, EnumUse>>;
  enumValues: Map<string, Set<string | number>>;
}

/**
 * Output enum values AWS documents (or is seen to answer) although the SDK's enum lacks them, by
 * `Client Shape.member`. Each entry cites where the behaviour is documented; nothing else is allowed.
 */
const DOCUMENTED_OUTPUT_VALUES: Record<string, string[]> = {
  // EC2 API reference, InternetGatewayAttachment: "For an internet gateway, the state is `available`
  // when attached to a VPC" — the AttachmentStatus enum has only attaching/attached/detaching/detached.
  "EC2Client InternetGatewayAttachment.State": ["available"],
  // EC2 answers VPC endpoint states in lower case (pending, available, deleting …) although the SDK's
  // State enum spells them capitalised (terraform-provider-aws, internal/service/ec2, vpcEndpointState*).
  "EC2Client VpcEndpoint.State": ["pendingAcceptance", "pending", "available", "deleting", "deleted", "rejected", "failed", "expired", "partial"],
  // EC2 API reference, DescribeNetworkInterfaces, filter `interface-type`: a NAT gateway's interface is
  // of type `nat_gateway` (the NetworkInterfaceType enum spells `natGateway`).
  "EC2Client NetworkInterface.InterfaceType": ["nat_gateway"],
  // ACM DescribeCertificate spells the key algorithm with a hyphen (`RSA-2048`), the enum with an
  // underscore (aws-controllers-k8s/community#2394: "spec.keyAlgorithm mismatch with ACM DescribeCertificate").
  "ACMClient CertificateDetail.KeyAlgorithm": ["RSA-1024", "RSA-2048", "RSA-3072", "RSA-4096", "EC-prime256v1", "EC-secp384r1", "EC-secp521r1"],
};

const models = new Map<string, ClientModel | null>();
let NormalizedSchema: any;

function modelOf(clientName: string): ClientModel | null {
  if (models.has(clientName)) return models.get(clientName)!;
  const pkg = PACKAGES[clientName];
  let model: ClientModel | null = null;
  if (pkg) {
    NormalizedSchema ??= require("@smithy/core/schema").NormalizedSchema;
    model = { exports: require(pkg), ns: NormalizedSchema, enumValues: new Map() };
  }
  models.set(clientName, model);
  return model;
}

/**
 * Reads which members hold enums from the client's model types. Member lines look like
 * `    State?: VpcState | undefined;`, `    Values?: ServiceFilterName[] | undefined;`,
 * `    Map?: Partial<Record<EnumName, string>> | undefined;` inside `export interface Shape {`.
 */
function enumIndex(clientName: string, model: ClientModel): Map<string, Map<string, EnumUse>> {
  if (model.enums) return model.enums;
  const index = new Map<string, Map<string, EnumUse>>();
  const dir = join(dirname(require.resolve(`${PACKAGES[clientName]}/package.json`)), "dist-types", "models");
  let enumNames = new Set<string>();
  try {
    enumNames = new Set([...readFileSync(join(dir, "enums.d.ts"), "utf8").matchAll(/^export declare const (\w+): \{/gm)].map((m) => m[1]));
  } catch {
    // A client with no enums.
  }
  if (enumNames.size) {
    for (const file of readdirSync(dir).filter((f) => /^models_\d+\.d\.ts$/.test(f))) {
      const text = readFileSync(join(dir, file), "utf8");
      // Two linear scans (interface starts, member lines) merged by position: much cheaper than
      // matching each interface body.
      const starts = [...text.matchAll(/^export interface (\w+) \{$/gm)];
      let s = -1;
      for (const m of text.matchAll(/^ {4}(\w+)\??: (.+) \| undefined;$/gm)) {
        while (s + 1 < starts.length && starts[s + 1].index! < m.index!) s++;
        if (s < 0) continue;
        const use = enumUse(m[2], enumNames);
        if (!use) continue;
        const shape = starts[s][1];
        let members = index.get(shape);
        if (!members) index.set(shape, (members = new Map()));
        members.set(m[1], use);
      }
    }
  }
  model.enums = index;
  return index;
}

function enumUse(type: string, enumNames: Set<string>): EnumUse | undefined {
  let m = /^(\w+)$/.exec(type);
  if (m && enumNames.has(m[1])) return { name: m[1], at: "value" };
  m = /^\(?(\w+)\)?\[\]$/.exec(type);
  if (m && enumNames.has(m[1])) return { name: m[1], at: "item" };
  m = /^Record<string, (\w+)>$/.exec(type);
  if (m && enumNames.has(m[1])) return { name: m[1], at: "item" };
  m = /^Partial<Record<(\w+), /.exec(type);
  if (m && enumNames.has(m[1])) return { name: m[1], at: "key" };
  return undefined;
}

function enumValues(model: ClientModel, name: string): Set<string | number> | undefined {
  let values = model.enumValues.get(name);
  if (!values) {
    const obj = model.exports[name];
    if (!obj || typeof obj !== "object") return undefined;
    model.enumValues.set(name, (values = new Set(Object.values(obj) as (string | number)[])));
  }
  return values;
}

/** The static operation schema `[9, namespace, name, traits, input, output]`, if the client has the operation. */
function operationSchema(model: ClientModel, operation: string): any[] | undefined {
  const op = model.exports[`${operation}$`];
  return Array.isArray(op) && op[0] === 9 ? op : undefined;
}

/** True when the client's SDK package has a schema for the operation (so the check covers it). */
export function hasOperationSchema(clientName: string, operation: string): boolean {
  const model = modelOf(clientName);
  return !!model && !!operationSchema(model, operation);
}

/** Checks a request the sandbox received against the operation's input shape. */
export function checkRequest(clientName: string, operation: string, input: unknown): ModelViolation[] {
  return check(clientName, operation, "input", input);
}

/** Checks a response the sandbox is about to return against the operation's output shape. */
export function checkResponse(clientName: string, operation: string, output: unknown): ModelViolation[] {
  return check(clientName, operation, "output", output);
}

function check(clientName: string, operation: string, direction: Direction, value: unknown): ModelViolation[] {
  const service = clientName.replace(/Client$/, "");
  const model = modelOf(clientName);
  const out: ModelViolation[] = [];
  const report = (kind: ViolationKind, path: string, what: string) =>
    out.push({ service, operation, direction, kind, path, message: `${service} ${operation}: ${direction} member ${path} ${what}` });
  if (!model) {
    report("unknown", "(operation)", `cannot be checked: no SDK model for ${clientName}`);
    return out;
  }
  const op = operationSchema(model, operation);
  if (!op) {
    report("unknown", "(operation)", `cannot be checked: ${PACKAGES[clientName]} has no operation ${operation}`);
    return out;
  }
  const schema = model.ns.of(direction === "input" ? op[4] : op[5]);
  const walker = new Walker(clientName, model, direction, report);
  walker.walk(schema, value ?? {}, "", undefined, true);
  return out;
}

class Walker {
  constructor(
    private clientName: string,
    private model: ClientModel,
    private direction: Direction,
    private report: (kind: ViolationKind, path: string, what: string) => void,
  ) {}

  walk(ns: any, value: any, path: string, use: EnumUse | undefined, top = false): void {
    if (value === undefined || value === null) return;
    const here = path || "(top)";
    if (ns.isDocumentSchema() || ns.isStreaming()) return;
    if (ns.isStructSchema()) return this.struct(ns, value, path, top);
    if (ns.isListSchema()) {
      if (!Array.isArray(value)) return this.report("invalid", here, `should be a list, got ${kind(value)}`);
      const item = ns.getValueSchema();
      value.forEach((v, i) => this.walk(item, v, `${path}[${i}]`, use?.at === "item" ? { ...use, at: "value" } : undefined));
      return;
    }
    if (ns.isMapSchema()) {
      if (!isPlainObject(value)) return this.report("invalid", here, `should be a map, got ${kind(value)}`);
      const item = ns.getValueSchema();
      for (const [k, v] of Object.entries(value)) {
        if (use?.at === "key") this.enumCheck({ ...use, at: "value" }, k, `${path} key "${k}"`);
        this.walk(item, v, `${path}.${k}`, use?.at === "item" ? { ...use, at: "value" } : undefined);
      }
      return;
    }
    if (ns.isBlobSchema()) {
      // The SDK accepts a string for a blob input (it encodes it); it always returns bytes.
      if (value instanceof Uint8Array || (this.direction === "input" && typeof value === "string")) return;
      return this.report("invalid", here, `should be bytes (Uint8Array), got ${kind(value)}`);
    }
    if (ns.isTimestampSchema()) {
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) this.report("invalid", here, "is an invalid Date");
        return;
      }
      // The SDK's serializers also take epoch seconds or a date string on input; it returns Date objects.
      if (this.direction === "input" && (typeof value === "number" || typeof value === "string")) return;
      return this.report("invalid", here, `should be a timestamp (Date), got ${kind(value)}`);
    }
    if (ns.isBooleanSchema()) {
      if (typeof value !== "boolean") this.report("invalid", here, `should be a boolean, got ${kind(value)}`);
      return;
    }
    if (ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
      if (!["number", "bigint", "string"].includes(typeof value)) this.report("invalid", here, `should be a number, got ${kind(value)}`);
      return;
    }
    if (ns.isNumericSchema()) {
      if (typeof value !== "number" || Number.isNaN(value)) return this.report("invalid", here, `should be a number, got ${kind(value)}`);
      if (use?.at === "value") this.enumCheck(use, value, here);
      return;
    }
    if (ns.isStringSchema()) {
      if (typeof value !== "string") return this.report("invalid", here, `should be a string, got ${kind(value)}`);
      if (use?.at === "value") this.enumCheck(use, value, here);
    }
  }

  private struct(ns: any, value: any, path: string, top: boolean): void {
    const here = path || "(top)";
    if (!isPlainObject(value)) return this.report("invalid", here, `should be a structure, got ${kind(value)}`);
    const raw = ns.getSchema();
    const names: string[] = raw[4] ?? [];
    const required: number = typeof raw[6] === "number" ? raw[6] : 0;
    const enums = enumIndex(this.clientName, this.model).get(String(raw[2]));
    const prefix = path ? `${path}.` : "";
    let set = 0;
    for (const [k, v] of Object.entries(value)) {
      if (top && k === "$metadata") continue;
      if (!names.includes(k)) {
        this.report("unknown", prefix + k, "is not in the model");
        continue;
      }
      if (v !== undefined && v !== null) set++;
      let use = enums?.get(k);
      const documented = this.direction === "output" ? DOCUMENTED_OUTPUT_VALUES[`${this.clientName} ${String(raw[2])}.${k}`] : undefined;
      if (use && documented) use = { ...use, allowed: documented };
      this.walk(ns.getMemberSchema(k), v, prefix + k, use);
    }
    if (this.direction === "input") {
      for (let i = 0; i < required; i++) {
        if (value[names[i]] === undefined || value[names[i]] === null) this.report("missing", prefix + names[i], "is required and missing");
      }
    }
    // A union holds exactly one member (Smithy union: "exactly one member must be set").
    if (ns.isUnionSchema() && set !== 1) this.report("invalid", here, `is a union and must have exactly one member set, got ${set}`);
  }

  private enumCheck(use: EnumUse, value: string | number, here: string): void {
    const values = enumValues(this.model, use.name);
    if (values && !values.has(value) && !use.allowed?.includes(String(value))) {
      this.report("enum", here, `has value ${JSON.stringify(value)}, not one of ${use.name} (${[...values].map((v) => JSON.stringify(v)).join(", ")})`);
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v instanceof Date) return "a Date";
  if (v instanceof Uint8Array) return "bytes";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`.slice(0, 60);
}

/**
 * The error code each service answers a request that fails its model's validation with (missing
 * required member, wrong type, value outside an enum), as its API reference's "Common Errors" or
 * operation errors list it. `missing` defaults to `invalid`.
 */
const VALIDATION_CODES: Record<string, { invalid: string; missing?: string }> = {
  EC2Client: { invalid: "InvalidParameterValue", missing: "MissingParameter" },
  RDSClient: { invalid: "InvalidParameterValue", missing: "MissingParameter" },
  ElastiCacheClient: { invalid: "InvalidParameterValue", missing: "MissingParameter" },
  CloudWatchClient: { invalid: "InvalidParameterValue", missing: "MissingParameter" },
  IAMClient: { invalid: "ValidationError" },
  STSClient: { invalid: "ValidationError" },
  ElasticLoadBalancingV2Client: { invalid: "ValidationError" },
  CloudWatchLogsClient: { invalid: "InvalidParameterException" },
  SecretsManagerClient: { invalid: "InvalidParameterException" },
  ECSClient: { invalid: "InvalidParameterException" },
  ECRClient: { invalid: "InvalidParameterException" },
  CloudTrailClient: { invalid: "InvalidParameterException" },
  SSMClient: { invalid: "ValidationException" },
  KMSClient: { invalid: "ValidationException" },
  ACMClient: { invalid: "ValidationException" },
  LambdaClient: { invalid: "InvalidParameterValueException" },
  Route53Client: { invalid: "InvalidInput" },
  ServiceDiscoveryClient: { invalid: "InvalidInput" },
  CloudFrontClient: { invalid: "InvalidArgument" },
  S3Client: { invalid: "InvalidArgument" },
  WAFV2Client: { invalid: "WAFInvalidParameterException" },
};

/**
 * True when the service itself answers this violation with its own, more specific error instead of a
 * model validation error: S3 does not validate enum values against its model — an unknown
 * LocationConstraint is InvalidLocationConstraint (S3 API reference, Error responses) — so the
 * simulated S3 handler decides.
 */
export function handlerDecides(clientName: string, kind: ViolationKind): boolean {
  return clientName === "S3Client" && kind === "enum";
}

/** The AWS error code a service refuses this kind of invalid request with. */
export function validationCode(clientName: string, kind: ViolationKind): string {
  const codes = VALIDATION_CODES[clientName] ?? { invalid: "ValidationException" };
  return kind === "missing" ? (codes.missing ?? codes.invalid) : codes.invalid;
}

/** How the sandbox applies the model check: not at all, collecting violations, or failing on them. */
export type ModelCheckMode = "off" | "record" | "throw";

/** The mode named by `OPSCTL_SANDBOX_MODEL_CHECK` (`1`/`throw`, `record`; anything else: off). */
export function modelCheckModeFromEnv(env: NodeJS.ProcessEnv = process.env): ModelCheckMode {
  const v = (env.OPSCTL_SANDBOX_MODEL_CHECK ?? "").toLowerCase();
  if (v === "1" || v === "true" || v === "throw") return "throw";
  if (v === "record") return "record";
  return "off";
}

/** Thrown (mode "throw") when the sandbox returns a response AWS's model does not allow, or gets a request member the SDK would drop. */
export class ModelCheckError extends Error {
  constructor(readonly violations: ModelViolation[]) {
    super(`sandbox model check: ${violations.map((v) => v.message).join("; ")}`);
    this.name = "SandboxModelCheckError";
  }
}
