/**
 * Resource kinds `lambda-function`, `lambda-permission`.
 * Tests: test/resources/lambda-function.test.ts, test/resources/lambda-permission.test.ts.
 * Sandbox: src/sandbox/services/lambda.ts.
 */
import { createHash } from "node:crypto";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  RemovePermissionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
} from "@aws-sdk/client-lambda";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, orUndefined } from "./toolkit.js";

/**
 * Typical time for a new function (no VPC) to go Pending → Active, and for an update to finish.
 * Not in src/aws/aws-durations.json yet (ask: add "lambda.function.create"); the Lambda developer
 * guide ("Lambda function states") gives no figure, a few seconds is what the console shows.
 */
const LAMBDA_CREATE_MS = 5_000;

/** SM-04: a Lambda function deployed from a zip built in memory (the rotation function). */
export interface LambdaFunctionSpec {
  name: string;
  roleArn: string;
  /** `<file without extension>.<export>`, e.g. `src/rotation-lambda/handler.handler`. */
  handler: string;
  runtime: "nodejs22.x";
  /** The deployment package (a zip), built on demand; must be deterministic (its SHA-256 is compared). */
  code: () => Buffer;
  environment?: Record<string, string>;
  timeoutSeconds: number;
  description?: string;
  /** CloudWatch Logs group of the function (LoggingConfig.LogGroup); default `/aws/lambda/<name>`. */
  logGroup?: string;
}

/** A function as GetFunction answers it. */
export interface LambdaFunctionActual {
  config: FunctionConfiguration;
  tags: Record<string, string>;
}

const zips = new WeakMap<() => Buffer, { zip: Buffer; sha: string }>();

/** The spec's package and its CodeSha256 (base64 SHA-256, as Lambda reports it), built once per spec. */
export function packageOf(spec: Pick<LambdaFunctionSpec, "code">): { zip: Buffer; sha: string } {
  let p = zips.get(spec.code);
  if (!p) {
    const zip = spec.code();
    p = { zip, sha: createHash("sha256").update(zip).digest("base64") };
    zips.set(spec.code, p);
  }
  return p;
}

async function read(ctx: ResourceContext, name: string): Promise<LambdaFunctionActual | undefined> {
  const lambda = await ctx.aws.get("lambda");
  const r = await orUndefined(lambda.send(new GetFunctionCommand({ FunctionName: name })));
  return r?.Configuration ? { config: r.Configuration, tags: r.Tags ?? {} } : undefined;
}

const sameEnv = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

function configChanges(spec: LambdaFunctionSpec, c: FunctionConfiguration): FieldChange[] {
  const out: FieldChange[] = [];
  if (c.Role !== spec.roleArn) out.push({ field: "Role", from: c.Role, to: spec.roleArn });
  if (c.Handler !== spec.handler) out.push({ field: "Handler", from: c.Handler, to: spec.handler });
  if (c.Runtime !== spec.runtime) out.push({ field: "Runtime", from: c.Runtime, to: spec.runtime });
  if (c.Timeout !== spec.timeoutSeconds) out.push({ field: "Timeout", from: c.Timeout, to: spec.timeoutSeconds });
  if ((c.Description ?? "") !== (spec.description ?? "")) out.push({ field: "Description", from: c.Description, to: spec.description ?? "" });
  if (spec.logGroup !== undefined && c.LoggingConfig?.LogGroup !== spec.logGroup) out.push({ field: "LogGroup", from: c.LoggingConfig?.LogGroup, to: spec.logGroup });
  if (!sameEnv(c.Environment?.Variables, spec.environment)) out.push({ field: "Environment", from: Object.keys(c.Environment?.Variables ?? {}), to: Object.keys(spec.environment ?? {}) });
  return out;
}

/** "Pending", or an update still running: Lambda refuses the next write with ResourceConflictException. */
const busy = (c: FunctionConfiguration) => c.State === "Pending" || c.LastUpdateStatus === "InProgress";

export const lambdaFunction: ResourceKind<LambdaFunctionSpec, LambdaFunctionActual, ResourceContext, { id: string; arn: string }> = {
  kind: "lambda-function",
  budget: { create: 5 * 60_000 + slowMs("iam.propagation"), delete: 60_000 },
  typicalCreateMs: LAMBDA_CREATE_MS,

  find: (ctx, spec) => read(ctx, spec?.name ?? ctx.name),
  diff(spec, a) {
    const c: FieldChange[] = [];
    const { sha } = packageOf(spec);
    if (a.config.CodeSha256 !== sha) c.push({ field: "CodeSha256", from: a.config.CodeSha256, to: sha });
    return [...c, ...configChanges(spec, a.config)];
  },
  async create(ctx, spec) {
    const lambda = await ctx.aws.get("lambda");
    try {
      const r = await lambda.send(
        new CreateFunctionCommand({
          FunctionName: spec.name,
          Role: spec.roleArn,
          Runtime: spec.runtime,
          Handler: spec.handler,
          Code: { ZipFile: packageOf(spec).zip },
          Timeout: spec.timeoutSeconds,
          Description: spec.description,
          Environment: spec.environment ? { Variables: spec.environment } : undefined,
          PackageType: "Zip",
          LoggingConfig: spec.logGroup ? { LogGroup: spec.logGroup, LogFormat: "Text" } : undefined,
          Tags: ctx.tagMap(),
        }),
      );
      return { config: r, tags: ctx.tagMap() };
    } catch (e) {
      // A role created moments ago is not assumable until IAM has propagated it (documented in the
      // CreateFunction reference under InvalidParameterValueException): wait and call again.
      if (isCode(e, "InvalidParameterValueException") && /cannot be assumed/.test((e as Error).message)) {
        throw new TryAgainLater(`role ${spec.roleArn} not assumable by Lambda yet`, 5_000);
      }
      if (isCode(e, "ResourceConflictException")) {
        // Created by a run that crashed: the post-create diff converges it.
        const a = await read(ctx, spec.name);
        if (a) return a;
        throw new TryAgainLater(`function ${spec.name} exists but is not visible yet`, 2_000);
      }
      throw e;
    }
  },
  async update(ctx, spec, a) {
    const lambda = await ctx.aws.get("lambda");
    // Re-read: a retry after a ResourceConflictException applies only what still differs.
    const now = (await read(ctx, a.config.FunctionName!)) ?? a;
    if (busy(now.config)) throw new TryAgainLater(`function ${spec.name} is ${now.config.State}/${now.config.LastUpdateStatus}`, 2_000);
    const retryable = ["ResourceConflictException"];
    if (now.config.CodeSha256 !== packageOf(spec).sha) {
      try {
        await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: spec.name, ZipFile: packageOf(spec).zip, RevisionId: now.config.RevisionId }));
      } catch (e) {
        if (isCode(e, ...retryable, "PreconditionFailedException")) throw new TryAgainLater(`function ${spec.name}: ${(e as Error).message}`, 2_000);
        throw e;
      }
      // One update at a time: the configuration (if it differs too) follows once this one is done.
      if (configChanges(spec, now.config).length) throw new TryAgainLater(`function ${spec.name}: code update in progress`, 2_000);
      return (await read(ctx, spec.name)) ?? now;
    }
    if (configChanges(spec, now.config).length) {
      try {
        await lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: spec.name,
            Role: spec.roleArn,
            Handler: spec.handler,
            Runtime: spec.runtime,
            Timeout: spec.timeoutSeconds,
            Description: spec.description ?? "",
            Environment: { Variables: spec.environment ?? {} },
            LoggingConfig: spec.logGroup ? { LogGroup: spec.logGroup, LogFormat: "Text" } : undefined,
            RevisionId: now.config.RevisionId,
          }),
        );
      } catch (e) {
        if (isCode(e, ...retryable, "PreconditionFailedException") || (isCode(e, "InvalidParameterValueException") && /cannot be assumed/.test((e as Error).message))) {
          throw new TryAgainLater(`function ${spec.name}: ${(e as Error).message}`, 2_000);
        }
        throw e;
      }
    }
    return (await read(ctx, spec.name)) ?? now;
  },
  async delete(ctx, a) {
    const lambda = await ctx.aws.get("lambda");
    await deleted(lambda.send(new DeleteFunctionCommand({ FunctionName: a.config.FunctionName })));
  },
  refresh: (ctx, a) => read(ctx, a.config.FunctionName!),
  isReady: (a) => a.config.State === "Active" && a.config.LastUpdateStatus !== "InProgress",
  failure: (a) => (a.config.State === "Failed" || a.config.LastUpdateStatus === "Failed" ? `${a.config.StateReasonCode ?? a.config.LastUpdateStatusReasonCode ?? "Failed"}: ${a.config.StateReason ?? a.config.LastUpdateStatusReason ?? ""}` : undefined),
  describe: (a) => ({
    id: a.config.FunctionName!,
    state: `${a.config.State}${a.config.LastUpdateStatus === "InProgress" ? " (updating)" : ""}`,
    healthy: a.config.State === "Active",
    details: { arn: a.config.FunctionArn, runtime: a.config.Runtime, codeSha256: a.config.CodeSha256, role: a.config.Role },
  }),
  outputs: (a) => ({ id: a.config.FunctionName!, arn: a.config.FunctionArn! }),
};

/** Who may invoke a function (one statement of its resource policy). */
export interface LambdaPermissionSpec {
  functionName: string;
  statementId: string;
  /** A service principal, e.g. `secretsmanager.amazonaws.com`. */
  principal: string;
  action: "lambda:InvokeFunction";
  /** Confused-deputy guard: only calls on behalf of this account. */
  sourceAccount?: string;
}

/** The statement as found in the function's policy. */
export interface LambdaPermissionActual {
  functionName: string;
  statement: { Sid: string; Principal?: unknown; Action?: unknown; Condition?: Record<string, Record<string, string>> };
}

async function statement(ctx: ResourceContext, functionName: string, sid: string): Promise<LambdaPermissionActual | undefined> {
  const lambda = await ctx.aws.get("lambda");
  // No policy yet and no function both answer ResourceNotFoundException.
  const p = await orUndefined(lambda.send(new GetPolicyCommand({ FunctionName: functionName })));
  const doc = p?.Policy ? (JSON.parse(p.Policy) as { Statement?: LambdaPermissionActual["statement"][] }) : undefined;
  const s = doc?.Statement?.find((x) => x.Sid === sid);
  return s ? { functionName, statement: s } : undefined;
}

/**
 * SM-04: lets a service (Secrets Manager) invoke the function. A policy statement has no tags
 * (AddPermission takes none): it is found by its deterministic StatementId.
 */
export const lambdaPermission: ResourceKind<LambdaPermissionSpec, LambdaPermissionActual, ResourceContext, { id: string }> = {
  kind: "lambda-permission",
  budget: { create: 60_000, delete: 60_000 },
  typicalCreateMs: 1_000,

  find: (ctx, spec) => (spec ? statement(ctx, spec.functionName, spec.statementId) : Promise.resolve(undefined)),
  diff(spec, a) {
    const c: FieldChange[] = [];
    const principal = (a.statement.Principal as { Service?: string } | undefined)?.Service;
    // A statement cannot be edited: RemovePermission + AddPermission (reported, not applied silently).
    if (principal !== spec.principal) c.push({ field: "Principal", from: principal, to: spec.principal, replace: true });
    if (a.statement.Action !== spec.action) c.push({ field: "Action", from: a.statement.Action, to: spec.action, replace: true });
    const account = a.statement.Condition?.StringEquals?.["AWS:SourceAccount"];
    if (account !== spec.sourceAccount) c.push({ field: "SourceAccount", from: account, to: spec.sourceAccount, replace: true });
    return c;
  },
  async create(ctx, spec) {
    const lambda = await ctx.aws.get("lambda");
    try {
      await lambda.send(new AddPermissionCommand({ FunctionName: spec.functionName, StatementId: spec.statementId, Principal: spec.principal, Action: spec.action, SourceAccount: spec.sourceAccount }));
    } catch (e) {
      // The statement exists already (a run that crashed after adding it): read it back below.
      if (!isCode(e, "ResourceConflictException")) throw e;
    }
    const a = await statement(ctx, spec.functionName, spec.statementId);
    if (!a) throw new TryAgainLater(`permission ${spec.statementId} on ${spec.functionName} not visible yet`, 2_000);
    return a;
  },
  async update(_ctx, _spec, a) {
    return a;
  },
  async delete(ctx, a) {
    const lambda = await ctx.aws.get("lambda");
    await deleted(lambda.send(new RemovePermissionCommand({ FunctionName: a.functionName, StatementId: a.statement.Sid })));
  },
  refresh: (ctx, a) => statement(ctx, a.functionName, a.statement.Sid),
  describe: (a) => ({ id: `${a.functionName}/${a.statement.Sid}`, state: "active", healthy: true, details: { principal: a.statement.Principal } }),
  outputs: (a) => ({ id: `${a.functionName}/${a.statement.Sid}` }),
};
