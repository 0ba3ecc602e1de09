/**
 * A loopback HTTP shim in front of moto_server. It forwards every request unchanged, except the
 * few operations listed in {@link FIXES}: each one answers or corrects ONE operation where moto
 * 5.2.1 departs from the AWS API reference (a gap listed in MOTO-GAPS.md, by its id).
 * Nothing here changes what opsctl sends; it only makes moto answer as AWS documents.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";

/** One request as the shim sees it. */
export interface ShimRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Service signing name from the SigV4 credential scope (`rds`, `ec2`, `s3` …). */
  service: string;
  /** Query/JSON protocols: the action; REST protocols: `METHOD path` (matched by the fix). */
  operation: string;
  /** Form parameters of a query-protocol request. */
  params: URLSearchParams;
}

/** An HTTP answer. */
export interface ShimAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One correction: `answer` replaces moto's answer; `correct` edits moto's answer. */
export interface Fix {
  /** The MOTO-GAPS.md entry (G1, G2 …). */
  gap: string;
  service: string;
  /** The operation name, or a test on the request for REST services. */
  matches(req: ShimRequest): boolean;
  /** `forward(body, target)` sends the request to moto (with another body, and JSON target, when given). */
  answer?(req: ShimRequest, forward: Forward): ShimAnswer | Promise<ShimAnswer>;
  /** Not counted as a correction: it only watches (G2 notes the option groups created). */
  watchOnly?: boolean;
}

/** Sends the request on to moto, optionally with another body (and another JSON-protocol X-Amz-Target). */
export type Forward = (body?: string, target?: string) => Promise<ShimAnswer>;

/** Answers of each fix, counted (the conformance test reports them). */
export const fixCounts = new Map<string, number>();

const xml = (body: string): ShimAnswer => ({ status: 200, headers: { "content-type": "text/xml" }, body });
const RDS_NS = "http://rds.amazonaws.com/doc/2014-10-31/";
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * G1. moto has no DescribeDBEngineVersions (HTTP 500 HTML page). The answer lists MySQL 8.0.40, the
 * newest major whose option groups moto knows (G2), as the RDS API reference's DBEngineVersion shape.
 */
function describeDbEngineVersions(req: ShimRequest): ShimAnswer {
  const engine = req.params.get("Engine");
  const wanted = req.params.get("EngineVersion");
  const versions = engine && engine !== "mysql" ? [] : ["8.0.39", "8.0.40"].filter((v) => !wanted || v === wanted || v.startsWith(`${wanted}.`));
  const items = versions
    .map(
      (v) => `<DBEngineVersion><Engine>mysql</Engine><EngineVersion>${v}</EngineVersion><DBParameterGroupFamily>mysql8.0</DBParameterGroupFamily><MajorEngineVersion>8.0</MajorEngineVersion><Status>available</Status><ExportableLogTypes><member>audit</member><member>error</member><member>general</member><member>slowquery</member></ExportableLogTypes><SupportsLogExportsToCloudwatchLogs>true</SupportsLogExportsToCloudwatchLogs><DBEngineDescription>MySQL Community Edition</DBEngineDescription><DBEngineVersionDescription>MySQL ${esc(v)}</DBEngineVersionDescription></DBEngineVersion>`,
    )
    .join("");
  return xml(`<DescribeDBEngineVersionsResponse xmlns="${RDS_NS}"><DescribeDBEngineVersionsResult><DBEngineVersions>${items}</DBEngineVersions></DescribeDBEngineVersionsResult><ResponseMetadata><RequestId>shim-g1</RequestId></ResponseMetadata></DescribeDBEngineVersionsResponse>`);
}

/** Option groups created through the shim (G2 lists them by name: moto cannot list them). */
const optionGroupNames = new Set<string>();

/**
 * G2. DescribeOptionGroups without OptionGroupName: moto fails with KeyError 'option_group_name'
 * (HTTP 500) whatever else is asked; RDS lists every option group (EngineName and
 * MajorEngineVersion filter them), an empty OptionGroupsList when none matches. The shim asks moto
 * for each group created through it by name and filters as RDS does.
 */
async function describeOptionGroups(req: ShimRequest, forward: (body?: string) => Promise<ShimAnswer>): Promise<ShimAnswer> {
  if (req.params.get("OptionGroupName")) return forward();
  const engine = req.params.get("EngineName");
  const major = req.params.get("MajorEngineVersion");
  const groups: string[] = [];
  for (const name of optionGroupNames) {
    const a = await forward(new URLSearchParams({ Action: "DescribeOptionGroups", Version: "2014-10-31", OptionGroupName: name }).toString());
    if (a.status !== 200) continue;
    for (const g of a.body.match(/<OptionGroup>[\s\S]*?<\/OptionGroup>/g) ?? []) {
      if (engine && !g.includes(`<EngineName>${engine}</EngineName>`)) continue;
      if (major && !g.includes(`<MajorEngineVersion>${major}</MajorEngineVersion>`)) continue;
      groups.push(g);
    }
  }
  return xml(`<DescribeOptionGroupsResponse xmlns="${RDS_NS}"><DescribeOptionGroupsResult><OptionGroupsList>${groups.join("")}</OptionGroupsList></DescribeOptionGroupsResult><ResponseMetadata><RequestId>shim-g2</RequestId></ResponseMetadata></DescribeOptionGroupsResponse>`);
}

/** Notes the name of each option group moto creates (for G2). */
async function createOptionGroup(req: ShimRequest, forward: () => Promise<ShimAnswer>): Promise<ShimAnswer> {
  const a = await forward();
  const name = req.params.get("OptionGroupName");
  if (name && (a.status === 200 || a.body.includes("OptionGroupAlreadyExists"))) optionGroupNames.add(name);
  return a;
}

const withoutLength = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => k.toLowerCase() !== "content-length"));

/** Forwards to moto and edits a successful answer's body. */
const edit = (fn: (body: string, req: ShimRequest) => string) => async (req: ShimRequest, forward: Forward): Promise<ShimAnswer> => {
  const a = await forward();
  if (a.status >= 300) return a;
  const headers = Object.fromEntries(Object.entries(a.headers).filter(([k]) => k.toLowerCase() !== "content-length"));
  return { status: a.status, headers, body: fn(a.body, req) };
};

/**
 * G3. moto's DBSubnetGroup has no SupportedNetworkTypes. RDS lists IPV4, and DUAL when every
 * subnet of the group has an IPv6 CIDR block (opsctl's isolated subnets have one each, NET-02,
 * which the conformance run reads back with the AWS CLI).
 */
const supportedNetworkTypes = edit((body) =>
  body.replace(/<\/DBSubnetGroup>/g, (end, offset: number) => {
    const open = body.lastIndexOf("<DBSubnetGroup>", offset);
    return body.slice(open, offset).includes("<SupportedNetworkTypes>") ? end : `<SupportedNetworkTypes><member>IPV4</member><member>DUAL</member></SupportedNetworkTypes>${end}`;
  }),
);

/**
 * G4. CloudTrail StartLogging, StopLogging and DeleteTrail take the trail's name or its ARN
 * (CloudTrail API reference, `Name`); moto looks the name up as a dict key (KeyError, HTTP 500
 * for an ARN). The shim sends moto the name the ARN ends with.
 */
async function trailByArn(req: ShimRequest, forward: Forward): Promise<ShimAnswer> {
  const input = JSON.parse(req.body || "{}") as { Name?: string };
  if (!input.Name?.startsWith("arn:")) return forward();
  return forward(JSON.stringify({ ...input, Name: input.Name.slice(input.Name.lastIndexOf("/") + 1) }));
}

/** Containers G5 gave a memoryReservation, by task definition family. */
const injectedMemory = new Map<string, Set<string>>();
/** One-off tasks G6 stopped, by task ARN. */
const ranTasks = new Set<string>();

interface ContainerDef {
  name: string;
  memory?: number;
  memoryReservation?: number;
  [k: string]: unknown;
}

/** Removes the memoryReservation G5 injected from a task definition in an answer. */
function hideInjected(td: { family?: string; containerDefinitions?: ContainerDef[] } | undefined): void {
  const names = td?.family ? injectedMemory.get(td.family) : undefined;
  for (const c of td?.containerDefinitions ?? []) if (names?.has(c.name)) delete c.memoryReservation;
}

/**
 * G5. A Fargate task definition may set memory at task level only (ECS API reference,
 * ContainerDefinition `memory`: "optional for tasks hosted on Fargate"); moto's RunTask adds up
 * container memory and fails on None (TypeError, HTTP 500). The shim registers each container that
 * has neither memory nor memoryReservation with a memoryReservation of the task's memory divided
 * among them, and hides it again in every task definition it answers.
 */
async function registerTaskDefinition(req: ShimRequest, forward: Forward): Promise<ShimAnswer> {
  const input = JSON.parse(req.body) as { family: string; memory?: string; containerDefinitions: ContainerDef[] };
  const bare = input.containerDefinitions.filter((c) => c.memory === undefined && c.memoryReservation === undefined);
  if (!bare.length || !input.memory) return forward();
  const share = Math.floor(Number(input.memory) / bare.length);
  for (const c of bare) c.memoryReservation = share;
  injectedMemory.set(input.family, new Set(bare.map((c) => c.name)));
  const a = await forward(JSON.stringify(input));
  if (a.status !== 200) return a;
  const out = JSON.parse(a.body) as { taskDefinition?: { family?: string; containerDefinitions?: ContainerDef[] } };
  hideInjected(out.taskDefinition);
  return { ...a, headers: withoutLength(a.headers), body: JSON.stringify(out) };
}

const describeTaskDefinition = async (req: ShimRequest, forward: Forward): Promise<ShimAnswer> => {
  const a = await forward();
  if (a.status !== 200) return a;
  const out = JSON.parse(a.body) as { taskDefinition?: { family?: string; containerDefinitions?: ContainerDef[] } };
  hideInjected(out.taskDefinition);
  return { ...a, headers: withoutLength(a.headers), body: JSON.stringify(out) };
};

/**
 * G6. moto runs no container: a task stays RUNNING for ever. opsctl's one-off task (the database
 * bootstrap, ECS-02) must stop with its container's exit code. The shim stops each task RunTask
 * starts (moto's StopTask), and DescribeTasks then reports it as ECS does when the essential
 * container exited 0 (stopCode EssentialContainerExited, containers[].exitCode 0).
 */
async function runTask(req: ShimRequest, forward: Forward): Promise<ShimAnswer> {
  const a = await forward();
  if (a.status !== 200) return a;
  const input = JSON.parse(req.body) as { cluster?: string };
  const out = JSON.parse(a.body) as { tasks?: { taskArn: string }[] };
  for (const t of out.tasks ?? []) {
    ranTasks.add(t.taskArn);
    await forward(JSON.stringify({ cluster: input.cluster, task: t.taskArn, reason: "Essential container in task exited" }), "AmazonEC2ContainerServiceV20141113.StopTask");
  }
  return a;
}

const describeTasks = async (req: ShimRequest, forward: Forward): Promise<ShimAnswer> => {
  const a = await forward();
  if (a.status !== 200) return a;
  const out = JSON.parse(a.body) as { tasks?: { taskArn: string; lastStatus?: string; stopCode?: string; stoppedReason?: string; containers?: { exitCode?: number; lastStatus?: string }[] }[] };
  for (const t of out.tasks ?? []) {
    if (!ranTasks.has(t.taskArn) || t.lastStatus !== "STOPPED") continue;
    t.stopCode = "EssentialContainerExited";
    t.stoppedReason = "Essential container in task exited";
    for (const c of t.containers ?? []) Object.assign(c, { exitCode: 0, lastStatus: "STOPPED" });
  }
  return { ...a, headers: withoutLength(a.headers), body: JSON.stringify(out) };
};

/** A call the shim makes to moto itself (moto reads the service from the credential scope, never the signature). */
let motoCall: (service: string, region: string, body: string, target?: string) => Promise<ShimAnswer> = () => Promise.reject(new Error("shim not started"));

const regionOf = (req: ShimRequest) => /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "us-east-1";

/**
 * G7. moto's ECS service starts no task, so nothing registers with the service's target group and
 * DescribeTargetHealth stays empty for ever. ECS registers each running task's IP with the target
 * groups of the service (ECS developer guide, "Use load balancing to distribute ECS service traffic").
 * After CreateService / UpdateService / DeleteService the shim registers (or deregisters) in moto
 * as many IP targets as the service's desired count, with addresses from its first subnet.
 */
async function serviceTargets(req: ShimRequest, forward: Forward): Promise<ShimAnswer> {
  const a = await forward();
  if (a.status !== 200) return a;
  const region = regionOf(req);
  const svc = (JSON.parse(a.body) as { service?: { desiredCount?: number; status?: string; loadBalancers?: { targetGroupArn?: string; containerPort?: number }[]; networkConfiguration?: { awsvpcConfiguration?: { subnets?: string[] } } } }).service;
  const want = req.operation === "DeleteService" ? 0 : (svc?.desiredCount ?? 0);
  for (const lb of svc?.loadBalancers ?? []) {
    if (!lb.targetGroupArn) continue;
    const health = await motoCall("elasticloadbalancing", region, new URLSearchParams({ Action: "DescribeTargetHealth", Version: "2015-12-01", TargetGroupArn: lb.targetGroupArn }).toString());
    const have = [...health.body.matchAll(/<Id>([^<]+)<\/Id>/g)].map((m) => m[1]);
    const subnet = svc?.networkConfiguration?.awsvpcConfiguration?.subnets?.[0];
    let base = "10.0.0.0/24";
    if (subnet) {
      const d = await motoCall("ec2", region, new URLSearchParams({ Action: "DescribeSubnets", Version: "2016-11-15", "SubnetId.1": subnet }).toString());
      base = /<cidrBlock>([^<]+)<\/cidrBlock>/.exec(d.body)?.[1] ?? base;
    }
    const [a1, a2, a3] = base.split("/")[0].split(".");
    const params = (action: string, ids: string[]) => {
      const q = new URLSearchParams({ Action: action, Version: "2015-12-01", TargetGroupArn: lb.targetGroupArn! });
      ids.forEach((id, i) => {
        q.set(`Targets.member.${i + 1}.Id`, id);
        q.set(`Targets.member.${i + 1}.Port`, String(lb.containerPort ?? 80));
      });
      return q.toString();
    };
    if (have.length > want) await motoCall("elasticloadbalancing", region, params("DeregisterTargets", have.slice(want)));
    if (have.length < want) {
      const ids = Array.from({ length: want - have.length }, (_, i) => `${a1}.${a2}.${a3}.${10 + have.length + i}`);
      await motoCall("elasticloadbalancing", region, params("RegisterTargets", ids));
    }
  }
  return a;
}

/** Forwards to moto and edits a successful JSON answer. */
const editJson = (fn: (out: any, req: ShimRequest) => void) => async (req: ShimRequest, forward: Forward): Promise<ShimAnswer> => {
  const a = await forward();
  if (a.status >= 300 || !a.body.trim()) return a;
  const out = JSON.parse(a.body);
  fn(out, req);
  return { status: a.status, headers: withoutLength(a.headers), body: JSON.stringify(out) };
};

/** Remembers something of a request moto accepted (write-through for the answers it then omits). */
const remember = (note: (req: ShimRequest) => void) => async (req: ShimRequest, forward: Forward): Promise<ShimAnswer> => {
  const a = await forward();
  if (a.status < 300) note(req);
  return a;
};

/**
 * G8. moto writes a subnet's IPv6 association state as a Python dict, `{'State': 'associated'}`;
 * EC2's SubnetIpv6CidrBlockAssociation.Ipv6CidrBlockState.State is the bare enum `associated`.
 */
const subnetIpv6State = edit((body) => body.replace(/<state>\{'State': '(\w+)'\}<\/state>/g, "<state>$1</state>"));

/** Rotation periods asked for with EnableKeyRotation, by key id (G9). */
const rotationPeriods = new Map<string, number>();

/**
 * G9. GetKeyRotationStatus: KMS reports RotationPeriodInDays (the one EnableKeyRotation set, 365 by
 * default) whenever rotation is enabled (KMS API reference); moto omits it.
 */
const keyRotationStatus = editJson((out: { KeyRotationEnabled?: boolean; RotationPeriodInDays?: number; KeyId?: string }, req) => {
  const id = (JSON.parse(req.body) as { KeyId: string }).KeyId;
  if (out.KeyRotationEnabled && out.RotationPeriodInDays === undefined) out.RotationPeriodInDays = rotationPeriods.get(id) ?? 365;
});
const enableKeyRotation = remember((req) => {
  const input = JSON.parse(req.body) as { KeyId: string; RotationPeriodInDays?: number };
  rotationPeriods.set(input.KeyId, input.RotationPeriodInDays ?? 365);
});

/**
 * G10. An HTTP listener has no SslPolicy (ELBv2 API reference, Listener.SslPolicy: "[HTTPS or TLS
 * listener]"); moto reports ELBSecurityPolicy-2016-08 on every listener.
 */
const httpListenerSslPolicy = edit((body) =>
  body.replace(/<member>(?:(?!<\/member>)[\s\S])*?<Protocol>HTTP<\/Protocol>[\s\S]*?<\/member>/g, (m) => m.replace(/<SslPolicy>[^<]*<\/SslPolicy>/, "")),
);

/** DB instances created or modified with EnablePerformanceInsights=true, with their KMS key (G11). */
const insights = new Map<string, string | undefined>();

/**
 * G11. moto accepts EnablePerformanceInsights but never reports PerformanceInsightsEnabled (nor the
 * PerformanceInsightsKMSKeyId asked for) in DescribeDBInstances (RDS API reference, DBInstance).
 */
const noteInsights = remember((req) => {
  const id = req.params.get("DBInstanceIdentifier");
  if (id && req.params.get("EnablePerformanceInsights") === "true") insights.set(id, req.params.get("PerformanceInsightsKMSKeyId") ?? insights.get(id));
  if (id && req.params.get("EnablePerformanceInsights") === "false") insights.delete(id);
});
const dbInstanceInsights = edit((body) =>
  body.replace(/<DBInstance>[\s\S]*?<\/DBInstance>/g, (m) => {
    const id = /<DBInstanceIdentifier>([^<]+)<\/DBInstanceIdentifier>/.exec(m)?.[1];
    if (!id || !insights.has(id) || m.includes("<PerformanceInsightsEnabled>")) return m;
    const key = insights.get(id);
    return m.replace("</DBInstance>", `<PerformanceInsightsEnabled>true</PerformanceInsightsEnabled>${key && !m.includes("<PerformanceInsightsKMSKeyId>") ? `<PerformanceInsightsKMSKeyId>${key}</PerformanceInsightsKMSKeyId>` : ""}</DBInstance>`);
  }),
);

/** Replica keys asked for, by secret name or ARN and region (G12). */
const replicaKeys = new Map<string, string>();

/**
 * G12. A replica's KmsKeyId (Secrets Manager API reference, ReplicaRegionType / ReplicationStatusType):
 * moto keeps `alias/aws/secretsmanager` whatever key AddReplicaRegions named.
 */
const noteReplicaKeys = remember((req) => {
  const input = JSON.parse(req.body) as { Name?: string; SecretId?: string; AddReplicaRegions?: { Region: string; KmsKeyId?: string }[] };
  for (const r of input.AddReplicaRegions ?? []) if (r.KmsKeyId) replicaKeys.set(`${input.Name ?? input.SecretId}|${r.Region}`, r.KmsKeyId);
});
const secretReplicaKeys = editJson((out: { Name?: string; ARN?: string; ReplicationStatus?: { Region: string; KmsKeyId?: string }[] }) => {
  for (const r of out.ReplicationStatus ?? []) {
    const key = replicaKeys.get(`${out.Name}|${r.Region}`) ?? replicaKeys.get(`${out.ARN}|${r.Region}`);
    if (key) r.KmsKeyId = key;
  }
});

/** Lambda LoggingConfig asked for, by function name (G13). */
const loggingConfigs = new Map<string, unknown>();

/**
 * G13. moto ignores a function's LoggingConfig (Lambda API reference, CreateFunction /
 * UpdateFunctionConfiguration `LoggingConfig`); GetFunction(Configuration) never reports it.
 */
const noteLoggingConfig = remember((req) => {
  const input = JSON.parse(req.body || "{}") as { FunctionName?: string; LoggingConfig?: unknown };
  const name = input.FunctionName ?? /\/functions\/([^/]+)\/configuration/.exec(req.path)?.[1];
  if (name && input.LoggingConfig) loggingConfigs.set(decodeURIComponent(name), input.LoggingConfig);
});
const functionLoggingConfig = editJson((out: { Configuration?: { FunctionName?: string; LoggingConfig?: unknown }; FunctionName?: string; LoggingConfig?: unknown }) => {
  const c = out.Configuration ?? out;
  const logging = c.FunctionName ? loggingConfigs.get(c.FunctionName) : undefined;
  if (logging) c.LoggingConfig = logging;
});

/**
 * G14. DescribeDBParameters: every parameter of a custom group that the user set has Source `user`
 * (RDS API reference, Parameter.Source); moto lists only the parameters set, without Source.
 */
const dbParameterSource = edit((body) => body.replace(/<Parameter>((?:(?!<\/Parameter>)[\s\S])*?)<\/Parameter>/g, (m, inner: string) => (inner.includes("<Source>") ? m : `<Parameter>${inner}<Source>user</Source></Parameter>`)));

/** Origins as CreateDistribution / UpdateDistribution asked for them, by domain name (G15). */
const origins = new Map<string, { oac?: string; s3: boolean; oai: string }>();

/**
 * G15. moto drops an S3 origin's OriginAccessControlId, and its S3OriginConfig when the
 * OriginAccessIdentity is empty (CloudFront API reference, Origin / S3OriginConfig: with an OAC,
 * OriginAccessIdentity is the empty string). The shim puts both back as they were sent.
 */
const noteOrigins = remember((req) => {
  for (const o of req.body.match(/<Origin>[\s\S]*?<\/Origin>/g) ?? []) {
    const domain = /<DomainName>([^<]+)<\/DomainName>/.exec(o)?.[1];
    if (domain) origins.set(domain, { oac: /<OriginAccessControlId>([^<]*)<\/OriginAccessControlId>/.exec(o)?.[1], s3: o.includes("<S3OriginConfig>"), oai: /<OriginAccessIdentity>([^<]*)<\/OriginAccessIdentity>/.exec(o)?.[1] ?? "" });
  }
});
const distributionOrigins = edit((body) =>
  body.replace(/<Origin>[\s\S]*?<\/Origin>/g, (o) => {
    const sent = origins.get(/<DomainName>([^<]+)<\/DomainName>/.exec(o)?.[1] ?? "");
    if (!sent) return o;
    let out = o;
    if (sent.s3 && !out.includes("<S3OriginConfig>")) out = out.replace("</Origin>", `<S3OriginConfig><OriginAccessIdentity>${sent.oai}</OriginAccessIdentity></S3OriginConfig></Origin>`);
    if (sent.oac && !out.includes("<OriginAccessControlId>")) out = out.replace("</Origin>", `<OriginAccessControlId>${sent.oac}</OriginAccessControlId></Origin>`);
    return out;
  }),
);

/** The AZs CreateReplicationGroup asked for, by replication group id (G16). */
const cacheAzs = new Map<string, string[]>();

/**
 * G16. moto lists one member cluster (in one AZ) whatever NumCacheClusters and
 * PreferredCacheClusterAZs asked for (ElastiCache API reference, CreateReplicationGroup: "the order of the
 * Availability Zones in the list is the order in which clusters are allocated").
 */
const noteCacheAzs = remember((req) => {
  const id = req.params.get("ReplicationGroupId");
  const azs = [...req.params.entries()].filter(([k]) => k.startsWith("PreferredCacheClusterAZs.")).sort(([a], [b]) => Number(a.split(".").pop()) - Number(b.split(".").pop())).map(([, v]) => v);
  if (id && azs.length) cacheAzs.set(id, azs);
});
const replicationGroupAzs = edit((body) =>
  body.replace(/<ReplicationGroup>[\s\S]*?<ReplicationGroupId>([^<]+)<\/ReplicationGroupId>[\s\S]*?<\/ReplicationGroup>/g, (g, id: string) => {
    const azs = cacheAzs.get(id);
    if (!azs) return g;
    const members = g.match(/<NodeGroupMember>[\s\S]*?<\/NodeGroupMember>/g) ?? [];
    if (!members.length) return g;
    // One member per cluster, clusters `<id>-001`, `-002` … in the order of the AZs.
    const all = azs.map((az, i) => {
      const n = String(i + 1).padStart(3, "0");
      const m = members[i] ?? members[0]!.replace(/-001/g, `-${n}`).replace(/<CurrentRole>primary<\/CurrentRole>/, "<CurrentRole>replica</CurrentRole>");
      return m.replace(/<PreferredAvailabilityZone>[^<]*<\/PreferredAvailabilityZone>/, `<PreferredAvailabilityZone>${az}</PreferredAvailabilityZone>`);
    });
    return g.replace(/<NodeGroupMembers>[\s\S]*?<\/NodeGroupMembers>/, `<NodeGroupMembers>${all.join("")}</NodeGroupMembers>`);
  }),
);

/** Replication groups DeleteReplicationGroup was asked to delete (G17). */
const deletedGroups = new Set<string>();

/**
 * G17. A deleted replication group stays `deleting` in moto for ever; ElastiCache removes it once the
 * deletion completes, and DescribeReplicationGroups then answers ReplicationGroupNotFoundFault
 * (ElastiCache API reference, DeleteReplicationGroup / DescribeReplicationGroups).
 */
async function replicationGroupGone(req: ShimRequest, forward: Forward): Promise<ShimAnswer> {
  const id = req.params.get("ReplicationGroupId");
  if (req.operation === "DeleteReplicationGroup") {
    const a = await forward();
    if (a.status === 200 && id) deletedGroups.add(id);
    return a;
  }
  if (req.operation === "CreateReplicationGroup") {
    if (id) deletedGroups.delete(id);
    return noteCacheAzs(req, forward);
  }
  if (id && deletedGroups.has(id)) {
    return { status: 404, headers: { "content-type": "text/xml" }, body: `<ErrorResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><Error><Type>Sender</Type><Code>ReplicationGroupNotFoundFault</Code><Message>Replication group ${esc(id)} not found.</Message></Error><RequestId>shim-g17</RequestId></ErrorResponse>` };
  }
  const a = await replicationGroupAzs(req, forward);
  if (a.status !== 200 || !deletedGroups.size) return a;
  return { ...a, body: a.body.replace(/<ReplicationGroup>[\s\S]*?<ReplicationGroupId>([^<]+)<\/ReplicationGroupId>[\s\S]*?<\/ReplicationGroup>/g, (g, gid: string) => (deletedGroups.has(gid) ? "" : g)) };
}

/** Cache subnet groups the shim deleted for moto (G18), by name. */
const deletedSubnetGroups = new Set<string>();
const EC_NS = "http://elasticache.amazonaws.com/doc/2015-02-02/";
const subnetGroupNotFound = (name: string): ShimAnswer => ({
  status: 400,
  headers: { "content-type": "text/xml" },
  body: `<ErrorResponse xmlns="${EC_NS}"><Error><Type>Sender</Type><Code>CacheSubnetGroupNotFoundFault</Code><Message>Cache subnet group ${esc(name)} not found.</Message></Error><RequestId>shim-g18</RequestId></ErrorResponse>`,
});

/**
 * G18. moto has no DeleteCacheSubnetGroup (NotImplementedError, HTTP 500). ElastiCache deletes the
 * group and answers an empty DeleteCacheSubnetGroupResponse; an unknown name is
 * CacheSubnetGroupNotFoundFault, and DescribeCacheSubnetGroups no longer lists it (ElastiCache API
 * reference, DeleteCacheSubnetGroup). The shim checks the group exists in moto, then hides it.
 */
async function cacheSubnetGroupGone(req: ShimRequest, forward: Forward): Promise<ShimAnswer> {
  const name = req.params.get("CacheSubnetGroupName");
  if (req.operation === "DeleteCacheSubnetGroup") {
    if (!name || deletedSubnetGroups.has(name)) return subnetGroupNotFound(name ?? "");
    const exists = await forward(new URLSearchParams({ Action: "DescribeCacheSubnetGroups", Version: "2015-02-02", CacheSubnetGroupName: name }).toString());
    if (exists.status !== 200) return exists;
    deletedSubnetGroups.add(name);
    return xml(`<DeleteCacheSubnetGroupResponse xmlns="${EC_NS}"><ResponseMetadata><RequestId>shim-g18</RequestId></ResponseMetadata></DeleteCacheSubnetGroupResponse>`);
  }
  if (name && deletedSubnetGroups.has(name)) return subnetGroupNotFound(name);
  const a = await forward();
  if (a.status !== 200 || !deletedSubnetGroups.size) return a;
  return { ...a, headers: withoutLength(a.headers), body: a.body.replace(/<CacheSubnetGroup>[\s\S]*?<CacheSubnetGroupName>([^<]+)<\/CacheSubnetGroupName>[\s\S]*?<\/CacheSubnetGroup>/g, (g, n: string) => (deletedSubnetGroups.has(n) ? "" : g)) };
}

/**
 * G19. moto's DeleteKeyPair reads only KeyName: by KeyPairId it deletes nothing and still answers
 * success. EC2 deletes by KeyName or KeyPairId (EC2 API reference, DeleteKeyPair). The shim looks the
 * id up (DescribeKeyPairs, filter key-pair-id) and forwards the delete by that key's name.
 */
async function deleteKeyPairById(req: ShimRequest, forward: Forward): Promise<ShimAnswer> {
  const id = req.params.get("KeyPairId");
  if (!id || req.params.get("KeyName")) return forward();
  const version = req.params.get("Version") ?? "2016-11-15";
  const found = await forward(new URLSearchParams({ Action: "DescribeKeyPairs", Version: version, "Filter.1.Name": "key-pair-id", "Filter.1.Value.1": id }).toString());
  const name = found.status === 200 ? /<keyName>([^<]+)<\/keyName>/.exec(found.body)?.[1] : undefined;
  // An unknown id: EC2 answers success with nothing deleted (DeleteKeyPair is idempotent); so does moto.
  if (!name) return forward();
  const params = new URLSearchParams(req.params);
  params.delete("KeyPairId");
  params.set("KeyName", name.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">"));
  return forward(params.toString());
}

/** The corrections, in MOTO-GAPS.md order. */
export const FIXES: Fix[] = [
  { gap: "G1", service: "rds", matches: (r) => r.operation === "DescribeDBEngineVersions", answer: describeDbEngineVersions },
  { gap: "G2", service: "rds", matches: (r) => r.operation === "DescribeOptionGroups" && !r.params.get("OptionGroupName"), answer: describeOptionGroups },
  { gap: "G2", service: "rds", matches: (r) => r.operation === "CreateOptionGroup", answer: createOptionGroup, watchOnly: true },
  { gap: "G3", service: "rds", matches: (r) => /^(Create|Modify|Describe)DBSubnetGroups?$/.test(r.operation), answer: supportedNetworkTypes },
  { gap: "G4", service: "cloudtrail", matches: (r) => /^(StartLogging|StopLogging|DeleteTrail)$/.test(r.operation), answer: trailByArn },
  { gap: "G5", service: "ecs", matches: (r) => r.operation === "RegisterTaskDefinition", answer: registerTaskDefinition },
  { gap: "G5", service: "ecs", matches: (r) => r.operation === "DescribeTaskDefinition", answer: describeTaskDefinition, watchOnly: true },
  { gap: "G6", service: "ecs", matches: (r) => r.operation === "RunTask", answer: runTask },
  { gap: "G6", service: "ecs", matches: (r) => r.operation === "DescribeTasks", answer: describeTasks, watchOnly: true },
  { gap: "G7", service: "ecs", matches: (r) => /^(Create|Update|Delete)Service$/.test(r.operation), answer: serviceTargets },
  { gap: "G8", service: "ec2", matches: (r) => r.operation === "DescribeSubnets" || r.operation === "AssociateSubnetCidrBlock" || r.operation === "CreateSubnet", answer: subnetIpv6State },
  { gap: "G9", service: "kms", matches: (r) => r.operation === "GetKeyRotationStatus", answer: keyRotationStatus },
  { gap: "G9", service: "kms", matches: (r) => r.operation === "EnableKeyRotation", answer: enableKeyRotation, watchOnly: true },
  { gap: "G10", service: "elasticloadbalancing", matches: (r) => r.operation === "DescribeListeners" || r.operation === "CreateListener" || r.operation === "ModifyListener", answer: httpListenerSslPolicy },
  { gap: "G11", service: "rds", matches: (r) => r.operation === "CreateDBInstance" || r.operation === "ModifyDBInstance", answer: noteInsights, watchOnly: true },
  { gap: "G11", service: "rds", matches: (r) => r.operation === "DescribeDBInstances", answer: dbInstanceInsights },
  { gap: "G12", service: "secretsmanager", matches: (r) => r.operation === "CreateSecret" || r.operation === "ReplicateSecretToRegions", answer: noteReplicaKeys, watchOnly: true },
  { gap: "G12", service: "secretsmanager", matches: (r) => r.operation === "DescribeSecret", answer: secretReplicaKeys },
  { gap: "G13", service: "lambda", matches: (r) => (r.method === "POST" && /\/functions\/?$/.test(r.path.split("?")[0])) || (r.method === "PUT" && /\/configuration$/.test(r.path.split("?")[0])), answer: noteLoggingConfig, watchOnly: true },
  { gap: "G14", service: "rds", matches: (r) => r.operation === "DescribeDBParameters", answer: dbParameterSource },
  { gap: "G15", service: "cloudfront", matches: (r) => /\/distribution(\/[^/]+\/config)?$/.test(r.path.split("?")[0]) && (r.method === "POST" || r.method === "PUT"), answer: async (req, forward) => distributionOrigins(req, async () => (await noteOrigins(req, forward)) as ShimAnswer) },
  { gap: "G15", service: "cloudfront", matches: (r) => r.method === "GET" && /\/distribution\/[^/]+(\/config)?$/.test(r.path.split("?")[0]), answer: distributionOrigins },
  { gap: "G17", service: "elasticache", matches: (r) => /^(Create|Delete|Describe)ReplicationGroups?$/.test(r.operation), answer: replicationGroupGone },
  { gap: "G18", service: "elasticache", matches: (r) => r.operation === "DeleteCacheSubnetGroup" || (r.operation === "DescribeCacheSubnetGroups" && deletedSubnetGroups.size > 0), answer: cacheSubnetGroupGone },
  { gap: "G19", service: "ec2", matches: (r) => r.operation === "DeleteKeyPair" && !!r.params.get("KeyPairId") && !r.params.get("KeyName"), answer: deleteKeyPairById },
  { gap: "G13", service: "lambda", matches: (r) => r.method === "GET" && /\/functions\/[^/]+(\/configuration)?\/?$/.test(r.path.split("?")[0]), answer: functionLoggingConfig },
];

function serviceOf(headers: IncomingHttpHeaders): string {
  const auth = String(headers.authorization ?? "");
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? "";
}

function operationOf(method: string, path: string, headers: IncomingHttpHeaders, params: URLSearchParams): string {
  const target = headers["x-amz-target"];
  if (target) return String(target).split(".").pop()!;
  return params.get("Action") ?? new URL(path, "http://x").searchParams.get("Action") ?? `${method} ${path.split("?")[0]}`;
}

/** Starts the shim on a free loopback port in front of `motoUrl`; resolves to its URL and a stop function. */
export async function startShim(motoUrl: string, log?: (line: string) => void): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const moto = new URL(motoUrl);
  const forwardRaw = (method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<ShimAnswer & { raw: Buffer }> =>
    new Promise((done, fail) => {
      const r = request({ host: moto.hostname, port: moto.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const raw = Buffer.concat(chunks);
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(", ") : v;
          done({ status: res.statusCode ?? 500, headers: h, body: raw.toString("utf8"), raw });
        });
      });
      r.on("error", fail);
      r.end(body);
    });
  motoCall = (service, region, body, target) =>
    forwardRaw("POST", "/", {
      host: moto.host,
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      "content-type": target ? "application/x-amz-json-1.1" : "application/x-www-form-urlencoded",
      "content-length": String(Buffer.byteLength(body)),
      ...(target ? { "x-amz-target": target } : {}),
    }, Buffer.from(body));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const method = req.method ?? "GET";
        const path = req.url ?? "/";
        const ctype = String(req.headers["content-type"] ?? "");
        const params = new URLSearchParams(ctype.includes("x-www-form-urlencoded") ? raw.toString("utf8") : "");
        const sreq: ShimRequest = { method, path, headers: req.headers, body: raw.toString("utf8"), service: serviceOf(req.headers), operation: operationOf(method, path, req.headers, params), params };
        const fix = FIXES.find((f) => f.service === sreq.service && f.matches(sreq));
        const forward: Forward = async (body, target) =>
          body === undefined
            ? forwardRaw(method, path, req.headers, raw)
            : forwardRaw(method, path, { ...req.headers, "content-length": String(Buffer.byteLength(body)), ...(target ? { "x-amz-target": target } : {}) }, Buffer.from(body));
        try {
          if (fix?.answer) {
            if (!fix.watchOnly) {
              fixCounts.set(fix.gap, (fixCounts.get(fix.gap) ?? 0) + 1);
              log?.(`shim ${fix.gap}: ${sreq.service} ${sreq.operation}`);
            }
            const a = await fix.answer(sreq, forward);
            res.writeHead(a.status, { ...a.headers, "content-length": String(Buffer.byteLength(a.body)) });
            res.end(a.body);
            return;
          }
          const a = await forwardRaw(method, path, req.headers, raw);
          if (a.status >= 500) log?.(`moto ${a.status}: ${sreq.service} ${sreq.operation}`);
          res.writeHead(a.status, a.headers);
          res.end(a.raw);
        } catch (e) {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(`shim: ${String(e)}`);
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, server, close: () => new Promise<void>((r) => server.close(() => r())) };
}

// `node --import tsx test/conformance/shim.ts http://127.0.0.1:PORT`: a shim for manual runs.
if (process.argv[1]?.endsWith("shim.ts") && process.argv[2]) {
  const s = await startShim(process.argv[2], (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${s.url}\n`);
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createTcpServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

/**
 * Starts moto_server on a free loopback port with moto's own switches in `env` (MOTO-GAPS.md, "moto
 * settings"), waits until it answers, and resets it.
 */
export async function startMoto(env: Record<string, string>): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore", env: { ...process.env, ...env } });
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/moto-api/data.json`).then((r) => r.ok, () => false)) break;
    if (i > 120) {
      child.kill();
      throw new Error(`moto_server did not answer on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await fetch(`${url}/moto-api/reset`, { method: "POST" });
  return { url, process: child };
}
