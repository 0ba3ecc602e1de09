import type { EC2Client } from "@aws-sdk/client-ec2";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { STSClient } from "@aws-sdk/client-sts";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import type { S3Client } from "@aws-sdk/client-s3";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ACMClient } from "@aws-sdk/client-acm";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { WAFV2Client } from "@aws-sdk/client-wafv2";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { Sandbox } from "../sandbox/sandbox.js";
import { CallCounter, isReadOperation } from "./call-counter.js";
import { isNonAwsAnswer, nonAwsAnswerMessage } from "./errors.js";
import { OpsError } from "../engine/errors.js";
import { VERSION } from "../version.js";

/** The SDK clients opsctl uses, by short name. */
export interface ClientTypes {
  ec2: EC2Client;
  logs: CloudWatchLogsClient;
  iam: IAMClient;
  secrets: SecretsManagerClient;
  ssm: SSMClient;
  sts: STSClient;
  kms: KMSClient;
  rds: RDSClient;
  elasticache: ElastiCacheClient;
  s3: S3Client;
  ecs: ECSClient;
  ecr: ECRClient;
  elbv2: ElasticLoadBalancingV2Client;
  acm: ACMClient;
  route53: Route53Client;
  cloudfront: CloudFrontClient;
  wafv2: WAFV2Client;
  cloudtrail: CloudTrailClient;
  cloudwatch: CloudWatchClient;
  servicediscovery: ServiceDiscoveryClient;
  lambda: LambdaClient;
}

// Loaded on first use, so `opsctl --help` never loads the SDK.
const loaders: { [K in keyof ClientTypes]: () => Promise<new (cfg: any) => ClientTypes[K]> } = {
  ec2: async () => (await import("@aws-sdk/client-ec2")).EC2Client,
  logs: async () => (await import("@aws-sdk/client-cloudwatch-logs")).CloudWatchLogsClient,
  iam: async () => (await import("@aws-sdk/client-iam")).IAMClient,
  secrets: async () => (await import("@aws-sdk/client-secrets-manager")).SecretsManagerClient,
  ssm: async () => (await import("@aws-sdk/client-ssm")).SSMClient,
  sts: async () => (await import("@aws-sdk/client-sts")).STSClient,
  kms: async () => (await import("@aws-sdk/client-kms")).KMSClient,
  rds: async () => (await import("@aws-sdk/client-rds")).RDSClient,
  elasticache: async () => (await import("@aws-sdk/client-elasticache")).ElastiCacheClient,
  s3: async () => (await import("@aws-sdk/client-s3")).S3Client,
  ecs: async () => (await import("@aws-sdk/client-ecs")).ECSClient,
  ecr: async () => (await import("@aws-sdk/client-ecr")).ECRClient,
  elbv2: async () => (await import("@aws-sdk/client-elastic-load-balancing-v2")).ElasticLoadBalancingV2Client,
  acm: async () => (await import("@aws-sdk/client-acm")).ACMClient,
  route53: async () => (await import("@aws-sdk/client-route-53")).Route53Client,
  cloudfront: async () => (await import("@aws-sdk/client-cloudfront")).CloudFrontClient,
  wafv2: async () => (await import("@aws-sdk/client-wafv2")).WAFV2Client,
  cloudtrail: async () => (await import("@aws-sdk/client-cloudtrail")).CloudTrailClient,
  cloudwatch: async () => (await import("@aws-sdk/client-cloudwatch")).CloudWatchClient,
  servicediscovery: async () => (await import("@aws-sdk/client-servicediscovery")).ServiceDiscoveryClient,
  lambda: async () => (await import("@aws-sdk/client-lambda")).LambdaClient,
};

/** How to reach AWS. */
export interface AwsAccess {
  region: string;
  profile?: string;
  /** A LocalStack-style endpoint for every service (also read from AWS_ENDPOINT_URL by the SDK itself). */
  endpointUrl?: string;
  /** When set, every client talks to this simulated AWS instead of the network. */
  sandbox?: Sandbox;
  /** Maximum attempts per call, retries included (default 8). */
  maxAttempts?: number;
  /** Awaited before each write call is sent (the CLI takes the environment's lease there); a rejection stops the call. */
  beforeWrite?: () => Promise<void>;
}

/**
 * The one client factory: standard credential chain (env, profiles, SSO) or
 * `profile`, region, optional endpoint, adaptive retries, a user agent naming
 * opsctl, and a call counter shared by all clients. Clients are created lazily.
 */
export class AwsClients {
  readonly counter = new CallCounter();
  private cache = new Map<string, Promise<unknown>>();

  constructor(readonly access: AwsAccess) {
    // The SDK prints a 7-line warning on Node < 22 once per process; opsctl's CLI says it once, briefly.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  }

  /** The client `name` for `region` (default: the configured region). */
  get<K extends keyof ClientTypes>(name: K, region = this.access.region): Promise<ClientTypes[K]> {
    const key = `${name}@${region}`;
    let p = this.cache.get(key) as Promise<ClientTypes[K]> | undefined;
    if (!p) {
      p = this.create(name, region);
      // Loading an SDK module is real I/O: simulated time must wait for it.
      if (this.access.sandbox) p = this.access.sandbox.clock.hold(p);
      this.cache.set(key, p);
    }
    return p;
  }

  private async create<K extends keyof ClientTypes>(name: K, region: string): Promise<ClientTypes[K]> {
    const Ctor = await loaders[name]();
    const { sandbox } = this.access;
    const retry = await import("@smithy/core/retry");
    const maxAttempts = this.access.maxAttempts ?? 8;
    const config: Record<string, unknown> = {
      region,
      customUserAgent: [["opsctl", VERSION]],
    };
    if (sandbox) {
      // Fixed fake credentials: the sandbox answers before the request is signed, and nothing is sent.
      config.credentials = { accessKeyId: "ASIASANDBOX", secretAccessKey: "sandbox", sessionToken: "sandbox" };
      // Same retry decisions as AWS, but the back-off is not slept in real time (see SANDBOX-NOTES).
      config.retryStrategy = new retry.ConfiguredRetryStrategy(maxAttempts, () => 1);
    } else {
      config.retryStrategy = new retry.AdaptiveRetryStrategy(async () => maxAttempts);
      // The client's own `profile` option feeds the standard credential chain (env, SSO, ini files).
      if (this.access.profile) config.profile = this.access.profile;
      if (this.access.endpointUrl) config.endpoint = this.access.endpointUrl;
    }
    const client = new Ctor(config) as any;
    const counter = this.counter;
    const service = String(name);
    const access = this.access;
    client.middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        const operation = String(context.commandName).replace(/Command$/, "");
        if (access.beforeWrite && !isReadOperation(operation)) await access.beforeWrite();
        counter.record(service, operation);
        try {
          return await next(args);
        } catch (e) {
          // An HTML page or an empty body is no AWS answer: one line naming the endpoint and the
          // operation, instead of the parser's "XML parse error: mismatched tags" (issue 13, defect 3).
          if (!sandbox && isNonAwsAnswer(e)) {
            const endpoint = context.endpointV2?.url ? String(context.endpointV2.url).replace(/\/$/, "") : (this.access.endpointUrl ?? `the ${service} endpoint of ${region}`);
            throw new OpsError("not_an_aws_answer", nonAwsAnswerMessage(e, endpoint, service, operation), {
              fault: "aws",
              cause: e,
              hint: this.access.endpointUrl ? "check --endpoint-url (or AWS_ENDPOINT_URL): an emulator may not implement this operation" : "check the network path to AWS (a proxy or firewall answered), then run the command again",
            });
          }
          // Lets error messages name the AWS operation that failed.
          if (e && typeof e === "object") Object.defineProperty(e, "$operation", { value: operation, enumerable: false, configurable: true });
          throw e;
        }
      },
      { step: "initialize", priority: "high", name: "opsctlCallCounter" },
    );
    if (sandbox) {
      // The SDK sleeps its retry back-off in real time (1 ms here, see above). Simulated time must
      // not jump during that gap, or a loaded machine sees minutes pass inside one throttled call:
      // a failed attempt holds the clock until the SDK sends the next attempt or gives up.
      const pending = new WeakMap<object, () => void>();
      const releaseHold = (context: object) => {
        pending.get(context)?.();
        pending.delete(context);
      };
      client.middlewareStack.add(
        (next: any, context: any) => async (args: any) => {
          try {
            return await next(args);
          } finally {
            releaseHold(context);
          }
        },
        { step: "initialize", priority: "low", name: "opsctlSandboxRetryHold" },
      );
      client.middlewareStack.addRelativeTo(
        (_next: any, context: any) => async (args: any) => {
          releaseHold(context);
          const operation = String(context.commandName).replace(/Command$/, "");
          const latency = sandbox.latencyMs(String(context.clientName), operation);
          if (latency) await sandbox.clock.sleep(latency);
          try {
            const output = sandbox.call(String(context.clientName), operation, args.input, region);
            return { output: { ...output, $metadata: { httpStatusCode: 200, requestId: "sandbox" } }, response: undefined };
          } catch (e) {
            let release!: () => void;
            void sandbox.clock.hold(new Promise<void>((r) => (release = r)));
            pending.set(context, release);
            throw e;
          }
        },
        // After the retry middleware, so simulated throttling goes through the SDK's real retry
        // decisions; before signing, which would cost CPU for a request that is never sent.
        { relation: "before", toMiddleware: "httpSigningMiddleware", name: "opsctlSandbox" },
      );
    }
    return client as ClientTypes[K];
  }

  /** Closes every client created so far. */
  async destroy(): Promise<void> {
    for (const p of this.cache.values()) ((await p) as { destroy(): void }).destroy();
    this.cache.clear();
  }
}
