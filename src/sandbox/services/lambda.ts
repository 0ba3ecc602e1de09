import { createHash } from "node:crypto";
import { unzipSync } from "fflate";
import { LambdaServiceException, type Lambda } from "@aws-sdk/client-lambda";
import { publicView } from "../filters.js";
import { fromMap, mergeTags, removeTags, tagMap, tagsOf } from "../tags.js";
import { advance, type Step } from "../transitions.js";
import { defineService, type HandlerContext, type SimRecord, type SimService } from "../types.js";

/*
 * Simulated Lambda (behaviour: lambda.md beside this file). Records live in the region's "functions"
 * table keyed by FunctionName, in GetFunctionConfiguration's shape; private fields: _zip (base64),
 * _tags, _policy (statements), _activeAt / _updatedAt (ms: when Pending → Active and InProgress →
 * Successful happen; settled on every read, no timers).
 */

/** Pending → Active for a function without VPC or EFS: a few seconds (Lambda developer guide, "function states"). */
const CREATE_MS = 5_000;
/** LastUpdateStatus InProgress → Successful after UpdateFunctionCode / UpdateFunctionConfiguration. */
const UPDATE_MS = 3_000;
/** Runtimes accepted for new functions (a subset of the Lambda runtimes list). */
const RUNTIMES = new Set(["nodejs18.x", "nodejs20.x", "nodejs22.x", "python3.12", "python3.13", "java21", "provided.al2023"]);
const NAME = /^[a-zA-Z0-9-_]{1,64}$/;

const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000");

function functions(ctx: HandlerContext): Record<string, SimRecord> {
  return ctx.table("functions");
}

/** Accepts a name, a full ARN (`arn:aws:lambda:<region>:<account>:function:<name>`) or a partial one. */
function nameOf(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const m = /(?:^|:)function:([^:]+)(?::[^:]+)?$/.exec(id);
  return m ? m[1] : id;
}

/** A function's state (Pending → Active) and its last update's (InProgress → Successful once Active). */
const STATE_STEPS: Step[] = [
  {
    from: "Pending",
    at: "_activeAt",
    to: "Active",
    then: (rec) => {
      rec.LastUpdateStatus = "Successful";
      delete rec.StateReason;
      delete rec.StateReasonCode;
    },
  },
];
const UPDATE_STEPS: Step[] = [{ from: "InProgress", at: (rec) => (rec.State === "Active" ? rec._updatedAt : undefined), to: "Successful" }];

function settle(ctx: HandlerContext, rec: SimRecord): SimRecord {
  advance(rec, ctx.now(), "State", STATE_STEPS);
  advance(rec, ctx.now(), "LastUpdateStatus", UPDATE_STEPS);
  return rec;
}

function find(ctx: HandlerContext, id: string | undefined): SimRecord {
  const name = nameOf(id);
  const rec = name ? functions(ctx)[name] : undefined;
  if (!rec || !ctx.visible(rec)) ctx.fail("ResourceNotFoundException", `Function not found: arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`, 404);
  return settle(ctx, rec);
}

/** Writes need an Active function with no update in progress (Lambda answers ResourceConflictException). */
function findIdle(ctx: HandlerContext, id: string | undefined): SimRecord {
  const rec = find(ctx, id);
  if (rec.State === "Pending" || rec.LastUpdateStatus === "InProgress") {
    ctx.fail("ResourceConflictException", `The operation cannot be performed at this time. An update is in progress for resource: ${rec.FunctionArn}`, 409);
  }
  return rec;
}

function config(rec: SimRecord): SimRecord {
  const o = publicView(rec);
  if (!o.Environment) delete o.Environment;
  return o;
}

/** The role must exist in the simulated IAM, trust lambda.amazonaws.com, and have propagated. */
function checkRole(ctx: HandlerContext, roleArn: string | undefined): void {
  const cannot: () => never = () => ctx.fail("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.", 400);
  const name = roleArn?.split("/").pop();
  const role = name ? ctx.tableOf("iam", "roles", "us-east-1")[name] : undefined;
  if (!role || role.Arn !== roleArn) cannot();
  let trust: any;
  try {
    trust = JSON.parse(role.AssumeRolePolicyDocument);
  } catch {
    cannot();
  }
  const statements = Array.isArray(trust?.Statement) ? trust.Statement : [trust?.Statement];
  const trusts = statements.some((s: any) => {
    const svc = s?.Principal?.Service;
    return s?.Effect === "Allow" && (svc === "lambda.amazonaws.com" || (Array.isArray(svc) && svc.includes("lambda.amazonaws.com")));
  });
  if (!trusts) cannot();
  if (ctx.now() < Date.parse(role.CreateDate) + ctx.duration("iam.propagation")) cannot();
}

function checkZip(ctx: HandlerContext, zip: unknown): Buffer {
  if (!(zip instanceof Uint8Array) || zip.length === 0) ctx.fail("InvalidParameterValueException", "Please provide a source for function code.", 400);
  try {
    unzipSync(zip);
  } catch {
    ctx.fail("InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.", 400);
  }
  return Buffer.from(zip);
}

function setCode(rec: SimRecord, zip: Buffer): void {
  rec._zip = zip.toString("base64");
  rec.CodeSize = zip.length;
  // CodeSha256 is the base64 (not hex) SHA-256 of the deployment package.
  rec.CodeSha256 = createHash("sha256").update(zip).digest("base64");
}

function checkConfig(ctx: HandlerContext, input: SimRecord): void {
  if (input.Runtime !== undefined && !RUNTIMES.has(input.Runtime)) {
    ctx.fail("InvalidParameterValueException", `The runtime parameter of ${input.Runtime} is no longer supported for creating or updating AWS Lambda functions.`, 400);
  }
  if (input.Timeout !== undefined && (!Number.isInteger(input.Timeout) || input.Timeout < 1 || input.Timeout > 900)) {
    ctx.fail("ValidationException", `1 validation error detected: Value '${input.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900`, 400);
  }
}

function touch(ctx: HandlerContext, rec: SimRecord): void {
  rec.LastModified = iso(ctx.now());
  rec.RevisionId = ctx.newId("", 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  rec.LastUpdateStatus = "InProgress";
  rec._updatedAt = ctx.now() + UPDATE_MS;
}

/** LoggingConfig as Lambda reports it: LogFormat Text, LogGroup `/aws/lambda/<name>` unless set. */
function loggingConfig(input: SimRecord | undefined, name: string): SimRecord {
  return { LogFormat: input?.LogFormat ?? "Text", LogGroup: input?.LogGroup ?? `/aws/lambda/${name}` };
}

function policyDoc(rec: SimRecord): string {
  return JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: rec._policy });
}

/** Simulated Lambda (behaviour: lambda.md beside this file). */
export const lambdaService: SimService = defineService<Lambda>({
  clientName: "LambdaClient",
  key: "lambda",
  exception: LambdaServiceException as any,
  throttlingCode: "TooManyRequestsException",
  handlers: {
    CreateFunction(input, ctx) {
      const name: string = input.FunctionName!;
      if (!name || !NAME.test(name)) ctx.fail("ValidationException", `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+`, 400);
      if ((input.PackageType ?? "Zip") !== "Zip") ctx.fail("InvalidParameterValueException", "The sandbox simulates Zip packages only.", 400);
      if (!input.Handler) ctx.fail("InvalidParameterValueException", "Handler is required for Zip package type.", 400);
      if (!input.Runtime) ctx.fail("InvalidParameterValueException", "Runtime is required for Zip package type.", 400);
      checkConfig(ctx, input);
      const table = functions(ctx);
      if (table[name]) ctx.fail("ResourceConflictException", `Function already exist: ${name}`, 409);
      checkRole(ctx, input.Role);
      const zip = checkZip(ctx, input.Code?.ZipFile);
      const rec: SimRecord = ctx.born({
        FunctionName: name,
        FunctionArn: `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`,
        Runtime: input.Runtime,
        Role: input.Role,
        Handler: input.Handler,
        Description: input.Description ?? "",
        Timeout: input.Timeout ?? 3,
        MemorySize: input.MemorySize ?? 128,
        Version: "$LATEST",
        PackageType: "Zip",
        Architectures: input.Architectures ?? ["x86_64"],
        State: "Pending",
        StateReason: "The function is being created.",
        StateReasonCode: "Creating",
        LastUpdateStatus: "InProgress",
        _activeAt: ctx.now() + CREATE_MS,
        _tags: fromMap(input.Tags),
        _policy: [],
      });
      if (input.Environment?.Variables) rec.Environment = { Variables: { ...input.Environment.Variables } };
      rec.LoggingConfig = loggingConfig(input.LoggingConfig, name);
      setCode(rec, zip);
      touch(ctx, rec);
      rec._updatedAt = rec._activeAt;
      table[name] = rec;
      return config(rec);
    },

    GetFunction(input, ctx) {
      const rec = find(ctx, input.FunctionName);
      const out: SimRecord = {
        Configuration: config(rec),
        Code: { RepositoryType: "S3", Location: `https://awslambda-${ctx.region}-tasks.s3.${ctx.region}.amazonaws.com/snapshots/${ctx.accountId}/${rec.FunctionName}` },
      };
      if (tagsOf(rec).length) out.Tags = tagMap(rec);
      return out;
    },

    GetFunctionConfiguration(input, ctx) {
      return config(find(ctx, input.FunctionName));
    },

    UpdateFunctionCode(input, ctx) {
      const rec = findIdle(ctx, input.FunctionName);
      if (input.RevisionId && input.RevisionId !== rec.RevisionId) ctx.fail("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", 412);
      setCode(rec, checkZip(ctx, input.ZipFile));
      touch(ctx, rec);
      return config(rec);
    },

    UpdateFunctionConfiguration(input, ctx) {
      const rec = findIdle(ctx, input.FunctionName);
      if (input.RevisionId && input.RevisionId !== rec.RevisionId) ctx.fail("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", 412);
      checkConfig(ctx, input);
      if (input.Role !== undefined && input.Role !== rec.Role) checkRole(ctx, input.Role);
      if (input.LoggingConfig !== undefined) rec.LoggingConfig = loggingConfig({ ...rec.LoggingConfig, ...input.LoggingConfig }, rec.FunctionName);
      for (const f of ["Role", "Handler", "Runtime", "Description", "Timeout", "MemorySize"]) if ((input as SimRecord)[f] !== undefined) rec[f] = (input as SimRecord)[f];
      if (input.Environment !== undefined) {
        const vars = input.Environment.Variables ?? {};
        if (Object.keys(vars).length) rec.Environment = { Variables: { ...vars } };
        else delete rec.Environment;
      }
      touch(ctx, rec);
      return config(rec);
    },

    DeleteFunction(input, ctx) {
      const rec = find(ctx, input.FunctionName);
      delete functions(ctx)[rec.FunctionName];
      return {};
    },

    ListTags(input, ctx) {
      const rec = find(ctx, input.Resource);
      if (!String(input.Resource).startsWith("arn:")) ctx.fail("ValidationException", "1 validation error detected: Value at 'resource' failed to satisfy constraint: Member must be an ARN", 400);
      return { Tags: tagMap(rec) };
    },

    TagResource(input, ctx) {
      const rec = find(ctx, input.Resource);
      mergeTags(rec, fromMap(input.Tags));
      return {};
    },

    UntagResource(input, ctx) {
      const rec = find(ctx, input.Resource);
      removeTags(rec, input.TagKeys);
      return {};
    },

    AddPermission(input, ctx) {
      const rec = find(ctx, input.FunctionName);
      if (!input.StatementId || !/^[a-zA-Z0-9-_]{1,100}$/.test(input.StatementId)) ctx.fail("ValidationException", "1 validation error detected: Value at 'statementId' failed to satisfy constraint", 400);
      if (!input.Action || !input.Principal) ctx.fail("ValidationException", "Action and Principal are required.", 400);
      if (rec._policy.some((s: SimRecord) => s.Sid === input.StatementId)) {
        ctx.fail("ResourceConflictException", `The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`, 409);
      }
      const principal = /^\d{12}$/.test(input.Principal!) ? { AWS: `arn:aws:iam::${input.Principal}:root` } : input.Principal === "*" ? "*" : { Service: input.Principal };
      const condition: SimRecord = {};
      if (input.SourceAccount) condition.StringEquals = { "AWS:SourceAccount": input.SourceAccount };
      if (input.SourceArn) condition.ArnLike = { "AWS:SourceArn": input.SourceArn };
      const statement: SimRecord = { Sid: input.StatementId, Effect: "Allow", Principal: principal, Action: input.Action, Resource: rec.FunctionArn };
      if (Object.keys(condition).length) statement.Condition = condition;
      rec._policy.push(statement);
      return { Statement: JSON.stringify(statement) };
    },

    GetPolicy(input, ctx) {
      const rec = find(ctx, input.FunctionName);
      if (rec._policy.length === 0) ctx.fail("ResourceNotFoundException", "The resource you requested does not exist.", 404);
      return { Policy: policyDoc(rec), RevisionId: rec.RevisionId };
    },

    RemovePermission(input, ctx) {
      const rec = find(ctx, input.FunctionName);
      const before = rec._policy.length;
      rec._policy = rec._policy.filter((s: SimRecord) => s.Sid !== input.StatementId);
      if (rec._policy.length === before) ctx.fail("ResourceNotFoundException", `Statement ${input.StatementId} is not found in resource policy.`, 404);
      return {};
    },
  },
});
