import { describe, expect, it } from "vitest";
import { CreateSubnetCommand, DescribeVpcsCommand, EC2ServiceException } from "@aws-sdk/client-ec2";
import { ServiceDiscoveryServiceException } from "@aws-sdk/client-servicediscovery";
import { allServices } from "../../src/sandbox/services/index.js";
import { checkRequest, checkResponse, hasOperationSchema, ModelCheckError, modelCheckModeFromEnv } from "../../src/sandbox/model-check.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { AwsClients } from "../../src/aws/clients.js";
import type { SimService } from "../../src/sandbox/types.js";

const messages = (v: { message: string }[]) => v.map((x) => x.message);

describe("model check: coverage", () => {
  it("every operation every sandbox service implements has an operation schema in its SDK client", () => {
    const ops = allServices().flatMap((s) => Object.keys(s.handlers).map((op) => ({ client: s.clientName, op })));
    // A guard against enumerating nothing: the sandbox simulates well over a hundred operations.
    expect(ops.length).toBeGreaterThan(150);
    const missing = ops.filter(({ client, op }) => !hasOperationSchema(client, op)).map(({ client, op }) => `${client} ${op}`);
    expect(missing).toEqual([]);
  });

  it("knows when an operation is not in the model", () => {
    expect(hasOperationSchema("EC2Client", "DescribeVpcs")).toBe(true);
    expect(hasOperationSchema("EC2Client", "DescribeUnicorns")).toBe(false);
    expect(hasOperationSchema("NoSuchClient", "DescribeVpcs")).toBe(false);
    expect(messages(checkResponse("EC2Client", "DescribeUnicorns", {}))).toEqual(["EC2 DescribeUnicorns: output member (operation) cannot be checked: @aws-sdk/client-ec2 has no operation DescribeUnicorns"]);
  });
});

describe("model check: responses", () => {
  it("names a member the output shape does not have, with its path (defect 1: ServiceSummary.NamespaceId)", () => {
    const v = checkResponse("ServiceDiscoveryClient", "ListServices", { Services: [{ Id: "srv-1", Name: "api" }, { Id: "srv-2", NamespaceId: "ns-1" }] });
    expect(messages(v)).toEqual(["ServiceDiscovery ListServices: output member Services[1].NamespaceId is not in the model"]);
    expect(v[0]).toMatchObject({ kind: "unknown", direction: "output", path: "Services[1].NamespaceId" });
  });

  it("accepts a well-formed response with Dates, numbers, booleans, maps and $metadata", () => {
    const ok = checkResponse("ServiceDiscoveryClient", "ListServices", {
      Services: [{ Id: "srv-1", Name: "api", Type: "DNS_HTTP", InstanceCount: 2, CreateDate: new Date(0), DnsConfig: { RoutingPolicy: "MULTIVALUE", DnsRecords: [{ Type: "A", TTL: 10 }] } }],
      $metadata: { httpStatusCode: 200 },
    });
    expect(ok).toEqual([]);
    expect(checkResponse("EC2Client", "DescribeVpcs", { Vpcs: [{ VpcId: "vpc-1", State: "available", IsDefault: false, Tags: [{ Key: "k", Value: "v" }] }] })).toEqual([]);
    expect(checkResponse("SecretsManagerClient", "GetSecretValue", { SecretBinary: new Uint8Array([1]), CreatedDate: new Date(0) })).toEqual([]);
  });

  it("reports enum values outside the model, wrong types, and timestamps that are not Dates", () => {
    const v = checkResponse("EC2Client", "DescribeVpcs", { Vpcs: [{ VpcId: "vpc-1", State: "ready", IsDefault: "no" }] });
    expect(messages(v)).toEqual([
      'EC2 DescribeVpcs: output member Vpcs[0].State has value "ready", not one of VpcState ("available", "deleting", "pending")',
      'EC2 DescribeVpcs: output member Vpcs[0].IsDefault should be a boolean, got string "no"',
    ]);
    const t = checkResponse("ServiceDiscoveryClient", "GetService", { Service: { Id: "srv-1", CreateDate: "2026-01-05T09:00:00Z", InstanceCount: "2" } });
    expect(messages(t)).toEqual([
      'ServiceDiscovery GetService: output member Service.CreateDate should be a timestamp (Date), got string "2026-01-05T09:00:00Z"',
      'ServiceDiscovery GetService: output member Service.InstanceCount should be a number, got string "2"',
    ]);
    expect(messages(checkResponse("SecretsManagerClient", "GetSecretValue", { SecretBinary: "abc" }))).toEqual([
      'SecretsManager GetSecretValue: output member SecretBinary should be bytes (Uint8Array), got string "abc"',
    ]);
    expect(messages(checkResponse("EC2Client", "DescribeVpcs", { Vpcs: { VpcId: "vpc-1" } }))).toEqual(["EC2 DescribeVpcs: output member Vpcs should be a list, got an object"]);
  });

  it("checks map keys and values, and list items of enum type", () => {
    // Lambda's Environment.Variables is a map of strings, Architectures a list of an enum.
    expect(checkResponse("LambdaClient", "GetFunctionConfiguration", { Environment: { Variables: { A: "1" } } })).toEqual([]);
    expect(messages(checkResponse("LambdaClient", "GetFunctionConfiguration", { Environment: { Variables: { A: 1 } } }))).toEqual([
      "Lambda GetFunctionConfiguration: output member Environment.Variables.A should be a string, got number 1",
    ]);
    expect(messages(checkResponse("LambdaClient", "GetFunctionConfiguration", { Architectures: ["x86_64", "sparc"] }))).toEqual([
      'Lambda GetFunctionConfiguration: output member Architectures[1] has value "sparc", not one of Architecture ("arm64", "x86_64")',
    ]);
  });

  it("allows only the documented enum deviations, and only where documented", () => {
    // EC2 API reference, InternetGatewayAttachment: "available" when attached.
    expect(checkResponse("EC2Client", "DescribeInternetGateways", { InternetGateways: [{ Attachments: [{ State: "available", VpcId: "vpc-1" }] }] })).toEqual([]);
    expect(checkResponse("EC2Client", "DescribeVpcs", { Vpcs: [{ State: "attached" }] })).toHaveLength(1);
    // ACM DescribeCertificate's hyphenated key algorithm is allowed there, not in ListCertificates.
    expect(checkResponse("ACMClient", "DescribeCertificate", { Certificate: { KeyAlgorithm: "RSA-2048" } })).toEqual([]);
    expect(checkResponse("ACMClient", "ListCertificates", { CertificateSummaryList: [{ KeyAlgorithm: "RSA-2048" }] })).toHaveLength(1);
  });
});

describe("model check: requests", () => {
  it("reports a missing required member, at any depth", () => {
    expect(messages(checkRequest("EC2Client", "CreateSubnet", { CidrBlock: "10.0.0.0/24" }))).toEqual(["EC2 CreateSubnet: input member VpcId is required and missing"]);
    const v = checkRequest("ServiceDiscoveryClient", "ListServices", { Filters: [{ Name: "NAMESPACE_ID" }] });
    expect(messages(v)).toEqual(["ServiceDiscovery ListServices: input member Filters[0].Values is required and missing"]);
    expect(v[0].kind).toBe("missing");
  });

  it("reports a bad enum value, an unknown member and a wrong type", () => {
    const v = checkRequest("ServiceDiscoveryClient", "ListServices", { Filters: [{ Name: "NAMESPACE", Values: ["ns-1"], Condition: "EQ" }], MaxResults: "10", Colour: "blue" });
    expect(messages(v)).toEqual([
      'ServiceDiscovery ListServices: input member Filters[0].Name has value "NAMESPACE", not one of ServiceFilterName ("NAMESPACE_ID", "RESOURCE_OWNER")',
      'ServiceDiscovery ListServices: input member MaxResults should be a number, got string "10"',
      "ServiceDiscovery ListServices: input member Colour is not in the model",
    ]);
    expect(v.map((x) => x.kind)).toEqual(["enum", "invalid", "unknown"]);
  });

  it("accepts what the SDK accepts on input: strings for blobs, epoch numbers for timestamps", () => {
    expect(checkRequest("KMSClient", "Encrypt", { KeyId: "k", Plaintext: "secret" })).toEqual([]);
    expect(checkRequest("CloudWatchClient", "GetMetricStatistics", { Namespace: "n", MetricName: "m", StartTime: 0, EndTime: new Date(), Period: 60 })).toEqual([]);
  });

  it("holds a union to exactly one member", () => {
    // S3's AnalyticsFilter is a union (Prefix | Tag | And).
    const input = (Filter: unknown) => ({ Bucket: "b", Id: "a", AnalyticsConfiguration: { Id: "a", StorageClassAnalysis: {}, Filter } });
    expect(checkRequest("S3Client", "PutBucketAnalyticsConfiguration", input({ Prefix: "logs/" }))).toEqual([]);
    expect(messages(checkRequest("S3Client", "PutBucketAnalyticsConfiguration", input({ Prefix: "logs/", Tag: { Key: "k", Value: "v" } })))).toEqual([
      "S3 PutBucketAnalyticsConfiguration: input member AnalyticsConfiguration.Filter is a union and must have exactly one member set, got 2",
    ]);
  });
});

describe("model check: the sandbox's dispatch (Sandbox.call)", () => {
  const fake = (out: unknown): SimService => ({
    clientName: "ServiceDiscoveryClient",
    key: "servicediscovery",
    exception: ServiceDiscoveryServiceException as any,
    throttlingCode: "ThrottlingException",
    handlers: { ListServices: () => out },
  });

  it('mode "throw": a response member AWS\'s model does not have fails the call with the message', () => {
    const sandbox = new Sandbox({ services: [fake({ Services: [{ Id: "srv-1", NamespaceId: "ns-1" }] })], modelCheck: "throw" });
    expect(() => sandbox.call("ServiceDiscoveryClient", "ListServices", {}, "eu-west-1")).toThrow(ModelCheckError);
    expect(() => sandbox.call("ServiceDiscoveryClient", "ListServices", {}, "eu-west-1")).toThrow("ServiceDiscovery ListServices: output member Services[0].NamespaceId is not in the model");
  });

  it('mode "record" keeps the violations and answers; mode "off" checks nothing', () => {
    const recording = new Sandbox({ services: [fake({ Services: [{ Id: "srv-1", NamespaceId: "ns-1" }] })], modelCheck: "record" });
    expect(recording.call("ServiceDiscoveryClient", "ListServices", {}, "eu-west-1").Services).toHaveLength(1);
    expect(messages(recording.modelViolations)).toEqual(["ServiceDiscovery ListServices: output member Services[0].NamespaceId is not in the model"]);
    const off = new Sandbox({ services: [fake({ Bogus: 1 })], modelCheck: "off" });
    expect(off.call("ServiceDiscoveryClient", "ListServices", { Colour: "blue" }, "eu-west-1")).toEqual({ Bogus: 1 });
    expect(off.modelViolations).toEqual([]);
  });

  it("answers an invalid request as AWS refuses it: the service's validation error, before the handler runs", async () => {
    let ran = 0;
    const sandbox = new Sandbox({ services: [{ ...fake({}), handlers: { ListServices: () => (ran++, {}) } }], modelCheck: "record" });
    let err: any;
    try {
      sandbox.call("ServiceDiscoveryClient", "ListServices", { Filters: [{ Name: "BAD", Values: ["x"] }] }, "eu-west-1");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServiceDiscoveryServiceException);
    expect(err.name).toBe("InvalidInput");
    expect(err.message).toContain("ServiceDiscovery ListServices: input member Filters[0].Name has value \"BAD\"");
    expect(ran).toBe(0);
    expect(sandbox.journal.at(-1)?.error).toBe("InvalidInput");
  });

  it("through the real SDK client: EC2 answers MissingParameter / InvalidParameterValue", async () => {
    const { allServices: all } = await import("../../src/sandbox/services/index.js");
    const sandbox = new Sandbox({ services: all(), modelCheck: "throw" });
    const aws = new AwsClients({ region: "eu-west-1", sandbox });
    const ec2 = await aws.get("ec2");
    const missing = await ec2.send(new CreateSubnetCommand({ CidrBlock: "10.0.0.0/24" } as any)).catch((e) => e);
    expect(missing).toBeInstanceOf(EC2ServiceException);
    expect(missing.name).toBe("MissingParameter");
    expect(missing.message).toBe("EC2 CreateSubnet: input member VpcId is required and missing");
    const bad = await ec2.send(new DescribeVpcsCommand({ MaxResults: "5" as any })).catch((e) => e);
    expect(bad.name).toBe("InvalidParameterValue");
    // An unknown member never reaches AWS (the SDK drops it): in mode "throw" it fails the call.
    const unknown = await ec2.send(new DescribeVpcsCommand({ VpcIds: [], Colour: "blue" } as any)).catch((e) => e);
    expect(unknown).toBeInstanceOf(ModelCheckError);
    expect(unknown.message).toContain("EC2 DescribeVpcs: input member Colour is not in the model");
    await aws.destroy();
  });

  it("reads its mode from OPSCTL_SANDBOX_MODEL_CHECK (the test suite sets it to throw)", () => {
    expect(modelCheckModeFromEnv({ OPSCTL_SANDBOX_MODEL_CHECK: "1" })).toBe("throw");
    expect(modelCheckModeFromEnv({ OPSCTL_SANDBOX_MODEL_CHECK: "record" })).toBe("record");
    expect(modelCheckModeFromEnv({})).toBe("off");
    expect(process.env.OPSCTL_SANDBOX_MODEL_CHECK).toBe("throw");
    expect(new Sandbox({}).modelCheck).toBe("throw");
  });
});
