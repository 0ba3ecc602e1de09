import { IAMServiceException, type IAM } from "@aws-sdk/client-iam";
import { paginate, publicView } from "../filters.js";
import { keyValueTags, mergeTags, removeTags, tagsOf, type Tag } from "../tags.js";
import { defineService, type HandlerContext, type SimRecord, type SimService } from "../types.js";

/**
 * IAM's modeled errors as the SDK surfaces them: named after the model's error shape
 * (`NoSuchEntityException`), AWS's wire code (`NoSuchEntity`, IAM API reference "Errors") in `Code`.
 * Found by the differential check against moto (test/conformance/differential.test.ts).
 */
const MODELED = new Set(["NoSuchEntity", "EntityAlreadyExists", "DeleteConflict", "LimitExceeded", "MalformedPolicyDocument", "InvalidInput"]);
function fail(ctx: HandlerContext, code: string, message: string, status?: number): never {
  try {
    return ctx.fail(MODELED.has(code) ? `${code}Exception` : code, message, status);
  } catch (e) {
    throw Object.assign(e as object, { Code: code });
  }
}

/*
 * Simulated IAM (behaviour: iam.md beside this file). IAM is global: every collection lives in
 * us-east-1 whatever the client's region. Records keep the output shape with dates as ISO
 * strings (Date on the way out) and policy documents decoded (URL-encoded on the way out).
 */

const HOME = "us-east-1";

/** AWS managed policies the sandbox knows (arn:aws:iam::aws:policy/<path><name>). */
const AWS_MANAGED = new Set([
  "AmazonSSMManagedInstanceCore",
  "CloudWatchAgentServerPolicy",
  "AmazonEC2ContainerRegistryReadOnly",
  "AmazonS3ReadOnlyAccess",
  "AmazonS3FullAccess",
  "AdministratorAccess",
  "ReadOnlyAccess",
  "PowerUserAccess",
  "SecretsManagerReadWrite",
  "CloudWatchLogsFullAccess",
  "AmazonSSMReadOnlyAccess",
  "AmazonEC2ReadOnlyAccess",
  "service-role/AmazonRDSEnhancedMonitoringRole",
  "service-role/AmazonEC2RoleforSSM",
  "service-role/AmazonECSTaskExecutionRolePolicy",
  "service-role/AWSLambdaBasicExecutionRole",
  "service-role/AWSLambdaVPCAccessExecutionRole",
]);

const t = (ctx: HandlerContext, name: string) => ctx.tableOf("iam", name, HOME);
const iso = (ms: number) => new Date(ms).toISOString();

/** AWS URL-encodes policy documents in IAM responses (RFC 3986). */
export function encodePolicy(doc: string): string {
  return encodeURIComponent(doc).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function uniqueId(ctx: HandlerContext, prefix: string): string {
  return prefix + ctx.newId("", 17).toUpperCase();
}

function checkPolicy(ctx: HandlerContext, doc: string | undefined): void {
  let parsed: any;
  try {
    parsed = JSON.parse(doc ?? "");
  } catch {
    fail(ctx, "MalformedPolicyDocument", "This policy contains invalid Json");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) fail(ctx, "MalformedPolicyDocument", "This policy contains invalid Json");
  if (!parsed.Statement) fail(ctx, "MalformedPolicyDocument", "Syntax errors in policy.");
}

function checkPath(ctx: HandlerContext, path: string): void {
  if (!/^\/([\x21-\x7e]*\/)?$/.test(path) || path.length > 512) {
    fail(ctx, "ValidationError", `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`);
  }
}

function checkName(ctx: HandlerContext, name: string | undefined, what: string, max = 64): asserts name is string {
  if (!name || name.length > max || !/^[\w+=,.@-]+$/.test(name)) {
    fail(ctx, "ValidationError", `The specified value for ${what} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-`);
  }
}

/** The request's Tags in the stored form. */
function inputTags(input: SimRecord): Tag[] {
  return (input.Tags ?? []).map((x: SimRecord) => ({ Key: x.Key, Value: x.Value }));
}

function out(rec: SimRecord, docField?: string): SimRecord {
  const o = publicView(rec);
  for (const f of ["CreateDate"]) if (typeof o[f] === "string") o[f] = new Date(o[f]);
  if (docField && typeof o[docField] === "string") o[docField] = encodePolicy(o[docField]);
  if (tagsOf(rec).length) o.Tags = keyValueTags(rec);
  return o;
}

function role(ctx: HandlerContext, name: string | undefined, forRead = true): SimRecord {
  const rec = name ? t(ctx, "roles")[name] : undefined;
  if (!rec || (forRead && !ctx.visible(rec))) fail(ctx, "NoSuchEntity", `The role with name ${name} cannot be found.`, 404);
  return rec;
}

function user(ctx: HandlerContext, name: string | undefined, forRead = true): SimRecord {
  const rec = name ? t(ctx, "users")[name] : undefined;
  if (!rec || (forRead && !ctx.visible(rec))) fail(ctx, "NoSuchEntity", `The user with name ${name} cannot be found.`, 404);
  return rec;
}

function profile(ctx: HandlerContext, name: string | undefined, forRead = true): SimRecord {
  const rec = name ? t(ctx, "instanceProfiles")[name] : undefined;
  if (!rec || (forRead && !ctx.visible(rec))) fail(ctx, "NoSuchEntity", `Instance Profile ${name} cannot be found.`, 404);
  return rec;
}

function roleOut(rec: SimRecord): SimRecord {
  return out(rec, "AssumeRolePolicyDocument");
}

function profileOut(ctx: HandlerContext, rec: SimRecord): SimRecord {
  const o = out(rec);
  // Stored as Role snapshots (AWS shape, so the simulated EC2 can read them); answered from the live role.
  o.Roles = (rec.Roles as SimRecord[]).map((x) => t(ctx, "roles")[x.RoleName]).filter(Boolean).map(roleOut);
  return o;
}

function hasRole(p: SimRecord, roleName: string): boolean {
  return (p.Roles as SimRecord[]).some((x) => x.RoleName === roleName);
}

/** Marker/MaxItems paging (the marker is an opaque offset). */
function page<T>(items: T[], input: SimRecord): { IsTruncated: boolean; Marker?: string; page: T[] } {
  const { page: p, next } = paginate(items, input.MaxItems, input.Marker, 100);
  return next ? { IsTruncated: true, Marker: next, page: p } : { IsTruncated: false, page: p };
}

function policyExists(ctx: HandlerContext, arn: string): boolean {
  const aws = /^arn:aws:iam::aws:policy\/(.+)$/.exec(arn);
  if (aws) return AWS_MANAGED.has(aws[1]);
  const p = t(ctx, "policies")[arn];
  return !!p && ctx.visible(p);
}

function policyName(arn: string): string {
  return arn.split("/").pop() ?? arn;
}

/** Simulated IAM (behaviour: iam.md beside this file). */
export const iamService: SimService = defineService<IAM>({
  clientName: "IAMClient",
  key: "iam",
  exception: IAMServiceException as any,
  throttlingCode: "Throttling",
  handlers: {
    // ---- roles ----
    CreateRole(input, ctx) {
      checkName(ctx, input.RoleName, "roleName");
      const path: string = input.Path ?? "/";
      checkPath(ctx, path);
      checkPolicy(ctx, input.AssumeRolePolicyDocument);
      const roles = t(ctx, "roles");
      if (roles[input.RoleName]) fail(ctx, "EntityAlreadyExists", `Role with name ${input.RoleName} already exists.`, 409);
      const max = input.MaxSessionDuration ?? 3600;
      if (max < 3600 || max > 43200) fail(ctx, "ValidationError", "The requested MaxSessionDuration must be between 3600 and 43200 seconds.");
      const rec: SimRecord = ctx.born({
        Path: path,
        RoleName: input.RoleName,
        RoleId: uniqueId(ctx, "AROA"),
        Arn: `arn:aws:iam::${ctx.accountId}:role${path}${input.RoleName}`,
        CreateDate: iso(ctx.now()),
        AssumeRolePolicyDocument: input.AssumeRolePolicyDocument,
        Description: input.Description,
        MaxSessionDuration: max,
        _tags: inputTags(input),
        _inline: {},
        _attached: [],
      });
      roles[input.RoleName] = rec;
      return { Role: roleOut(rec) };
    },

    GetRole(input, ctx) {
      return { Role: roleOut(role(ctx, input.RoleName)) };
    },

    UpdateAssumeRolePolicy(input, ctx) {
      const rec = role(ctx, input.RoleName, false);
      checkPolicy(ctx, input.PolicyDocument);
      rec.AssumeRolePolicyDocument = input.PolicyDocument;
      return {};
    },

    UpdateRole(input, ctx) {
      const rec = role(ctx, input.RoleName, false);
      if (input.Description !== undefined) rec.Description = input.Description;
      if (input.MaxSessionDuration !== undefined) {
        if (input.MaxSessionDuration < 3600 || input.MaxSessionDuration > 43200) {
          fail(ctx, "ValidationError", "The requested MaxSessionDuration must be between 3600 and 43200 seconds.");
        }
        rec.MaxSessionDuration = input.MaxSessionDuration;
      }
      return {};
    },

    UpdateRoleDescription(input, ctx) {
      const rec = role(ctx, input.RoleName, false);
      rec.Description = input.Description;
      return { Role: roleOut(rec) };
    },

    ListRoles(input, ctx) {
      const prefix: string = input.PathPrefix ?? "/";
      const list = Object.values(t(ctx, "roles"))
        .filter((r) => ctx.visible(r) && r.Path.startsWith(prefix))
        .sort((a, b) => a.RoleName.localeCompare(b.RoleName));
      const p = page(list, input);
      // ListRoles does not return tags (GetRole / ListRoleTags do).
      return { Roles: p.page.map((r) => ({ ...roleOut(r), Tags: undefined })), IsTruncated: p.IsTruncated, Marker: p.Marker };
    },

    DeleteRole(input, ctx) {
      const rec = role(ctx, input.RoleName, false);
      if (Object.keys(rec._inline).length) fail(ctx, "DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
      if (rec._attached.length) fail(ctx, "DeleteConflict", "Cannot delete entity, must detach all policies first.", 409);
      if (Object.values(t(ctx, "instanceProfiles")).some((p) => hasRole(p, rec.RoleName))) {
        fail(ctx, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409);
      }
      delete t(ctx, "roles")[rec.RoleName];
      return {};
    },

    ListRoleTags(input, ctx) {
      const rec = role(ctx, input.RoleName);
      const p = page(keyValueTags(rec), input);
      return { Tags: p.page, IsTruncated: p.IsTruncated, Marker: p.Marker };
    },

    TagRole(input, ctx) {
      const rec = role(ctx, input.RoleName, false);
      mergeTags(rec, inputTags(input));
      if (tagsOf(rec).length > 50) fail(ctx, "LimitExceeded", "Cannot exceed quota for TagsPerRole: 50", 409);
      return {};
    },

    UntagRole(input, ctx) {
      const rec = role(ctx, input.RoleName, false);
      removeTags(rec, input.TagKeys);
      return {};
    },

    PutRolePolicy(input, ctx) {
      const rec = role(ctx, input.RoleName, false);
      checkName(ctx, input.PolicyName, "policyName", 128);
      checkPolicy(ctx, input.PolicyDocument);
      rec._inline[input.PolicyName] = input.PolicyDocument;
      return {};
    },

    GetRolePolicy(input, ctx) {
      const rec = role(ctx, input.RoleName);
      const doc = rec._inline[input.PolicyName!];
      if (doc === undefined) fail(ctx, "NoSuchEntity", `The role policy with name ${input.PolicyName} cannot be found.`, 404);
      return { RoleName: rec.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodePolicy(doc) };
    },

    ListRolePolicies(input, ctx) {
      const rec = role(ctx, input.RoleName);
      const p = page(Object.keys(rec._inline).sort(), input);
      return { PolicyNames: p.page, IsTruncated: p.IsTruncated, Marker: p.Marker };
    },

    DeleteRolePolicy(input, ctx) {
      const rec = role(ctx, input.RoleName, false);
      if (rec._inline[input.PolicyName!] === undefined) fail(ctx, "NoSuchEntity", `The role policy with name ${input.PolicyName} cannot be found.`, 404);
      delete rec._inline[input.PolicyName!];
      return {};
    },

    AttachRolePolicy(input, ctx) {
      const rec = role(ctx, input.RoleName, false);
      const arn: string = input.PolicyArn ?? "";
      if (!arn.startsWith("arn:")) fail(ctx, "InvalidInput", `ARN ${arn} is not valid.`);
      if (!policyExists(ctx, arn)) fail(ctx, "NoSuchEntity", `Policy ${arn} does not exist or is not attachable.`, 404);
      if (!rec._attached.includes(arn)) {
        if (rec._attached.length >= 10) fail(ctx, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10", 409);
        rec._attached.push(arn);
      }
      return {};
    },

    DetachRolePolicy(input, ctx) {
      const rec = role(ctx, input.RoleName, false);
      if (!rec._attached.includes(input.PolicyArn)) fail(ctx, "NoSuchEntity", `Policy ${input.PolicyArn} was not found.`, 404);
      rec._attached = rec._attached.filter((a: string) => a !== input.PolicyArn);
      return {};
    },

    ListAttachedRolePolicies(input, ctx) {
      const rec = role(ctx, input.RoleName);
      const prefix: string = input.PathPrefix ?? "/";
      const list = (rec._attached as string[])
        .filter((arn) => {
          const path = arn.split(":policy")[1] ?? "/";
          return path.startsWith(prefix);
        })
        .map((arn) => ({ PolicyName: policyName(arn), PolicyArn: arn }));
      const p = page(list, input);
      return { AttachedPolicies: p.page, IsTruncated: p.IsTruncated, Marker: p.Marker };
    },

    // ---- customer managed policies (small: so that a customer policy ARN can exist) ----
    CreatePolicy(input, ctx) {
      checkName(ctx, input.PolicyName, "policyName", 128);
      checkPolicy(ctx, input.PolicyDocument);
      const path: string = input.Path ?? "/";
      checkPath(ctx, path);
      const arn = `arn:aws:iam::${ctx.accountId}:policy${path}${input.PolicyName}`;
      const policies = t(ctx, "policies");
      if (policies[arn]) fail(ctx, "EntityAlreadyExists", `A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`, 409);
      const rec = ctx.born({
        PolicyName: input.PolicyName,
        PolicyId: uniqueId(ctx, "ANPA"),
        Arn: arn,
        Path: path,
        DefaultVersionId: "v1",
        AttachmentCount: 0,
        IsAttachable: true,
        Description: input.Description,
        CreateDate: iso(ctx.now()),
        UpdateDate: iso(ctx.now()),
        _tags: inputTags(input),
        _document: input.PolicyDocument,
      });
      policies[arn] = rec;
      return { Policy: { ...out(rec), UpdateDate: new Date(rec.UpdateDate) } };
    },

    GetPolicy(input, ctx) {
      const rec = t(ctx, "policies")[input.PolicyArn!];
      if (!rec || !ctx.visible(rec)) {
        if (policyExists(ctx, input.PolicyArn!)) {
          return { Policy: { PolicyName: policyName(input.PolicyArn!), Arn: input.PolicyArn, Path: "/", DefaultVersionId: "v1", IsAttachable: true } };
        }
        fail(ctx, "NoSuchEntity", `Policy ${input.PolicyArn} was not found.`, 404);
      }
      const count = Object.values(t(ctx, "roles")).filter((r) => r._attached.includes(rec.Arn)).length;
      return { Policy: { ...out(rec), AttachmentCount: count, UpdateDate: new Date(rec.UpdateDate) } };
    },

    DeletePolicy(input, ctx) {
      const policies = t(ctx, "policies");
      if (!policies[input.PolicyArn!]) fail(ctx, "NoSuchEntity", `Policy ${input.PolicyArn} was not found.`, 404);
      if (Object.values(t(ctx, "roles")).some((r) => r._attached.includes(input.PolicyArn))) {
        fail(ctx, "DeleteConflict", "Cannot delete a policy attached to entities.", 409);
      }
      delete policies[input.PolicyArn!];
      return {};
    },

    // ---- instance profiles ----
    CreateInstanceProfile(input, ctx) {
      checkName(ctx, input.InstanceProfileName, "instanceProfileName", 128);
      const path: string = input.Path ?? "/";
      checkPath(ctx, path);
      const profiles = t(ctx, "instanceProfiles");
      if (profiles[input.InstanceProfileName]) {
        fail(ctx, "EntityAlreadyExists", `Instance Profile ${input.InstanceProfileName} already exists.`, 409);
      }
      const rec = ctx.born({
        Path: path,
        InstanceProfileName: input.InstanceProfileName,
        InstanceProfileId: uniqueId(ctx, "AIPA"),
        Arn: `arn:aws:iam::${ctx.accountId}:instance-profile${path}${input.InstanceProfileName}`,
        CreateDate: iso(ctx.now()),
        Roles: [],
        _tags: inputTags(input),
      });
      profiles[input.InstanceProfileName] = rec;
      return { InstanceProfile: profileOut(ctx, rec) };
    },

    GetInstanceProfile(input, ctx) {
      return { InstanceProfile: profileOut(ctx, profile(ctx, input.InstanceProfileName)) };
    },

    ListInstanceProfiles(input, ctx) {
      const prefix: string = input.PathPrefix ?? "/";
      const list = Object.values(t(ctx, "instanceProfiles"))
        .filter((p) => ctx.visible(p) && p.Path.startsWith(prefix))
        .sort((a, b) => a.InstanceProfileName.localeCompare(b.InstanceProfileName));
      const p = page(list, input);
      return { InstanceProfiles: p.page.map((x) => profileOut(ctx, x)), IsTruncated: p.IsTruncated, Marker: p.Marker };
    },

    AddRoleToInstanceProfile(input, ctx) {
      const rec = profile(ctx, input.InstanceProfileName, false);
      const r = role(ctx, input.RoleName, false);
      if (hasRole(rec, r.RoleName)) {
        fail(ctx, "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409);
      }
      if (rec.Roles.length >= 1) fail(ctx, "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409);
      rec.Roles.push({ Path: r.Path, RoleName: r.RoleName, RoleId: r.RoleId, Arn: r.Arn, CreateDate: r.CreateDate });
      rec._roleAddedAt = ctx.now();
      return {};
    },

    RemoveRoleFromInstanceProfile(input, ctx) {
      const rec = profile(ctx, input.InstanceProfileName, false);
      if (!hasRole(rec, input.RoleName!)) fail(ctx, "NoSuchEntity", `The role with name ${input.RoleName} cannot be found.`, 404);
      rec.Roles = rec.Roles.filter((x: SimRecord) => x.RoleName !== input.RoleName);
      return {};
    },

    DeleteInstanceProfile(input, ctx) {
      const rec = profile(ctx, input.InstanceProfileName, false);
      if (rec.Roles.length) fail(ctx, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409);
      delete t(ctx, "instanceProfiles")[rec.InstanceProfileName];
      return {};
    },

    ListInstanceProfilesForRole(input, ctx) {
      const r = role(ctx, input.RoleName);
      const list = Object.values(t(ctx, "instanceProfiles"))
        .filter((p) => ctx.visible(p) && hasRole(p, r.RoleName))
        .sort((a, b) => a.InstanceProfileName.localeCompare(b.InstanceProfileName));
      const p = page(list, input);
      return { InstanceProfiles: p.page.map((x) => profileOut(ctx, x)), IsTruncated: p.IsTruncated, Marker: p.Marker };
    },

    TagInstanceProfile(input, ctx) {
      mergeTags(profile(ctx, input.InstanceProfileName, false), inputTags(input));
      return {};
    },

    ListInstanceProfileTags(input, ctx) {
      const rec = profile(ctx, input.InstanceProfileName);
      const p = page(keyValueTags(rec), input);
      return { Tags: p.page, IsTruncated: p.IsTruncated, Marker: p.Marker };
    },

    // ---- users (small) ----
    CreateUser(input, ctx) {
      checkName(ctx, input.UserName, "userName");
      const path: string = input.Path ?? "/";
      checkPath(ctx, path);
      const users = t(ctx, "users");
      if (users[input.UserName]) fail(ctx, "EntityAlreadyExists", `User with name ${input.UserName} already exists.`, 409);
      const rec = ctx.born({
        Path: path,
        UserName: input.UserName,
        UserId: uniqueId(ctx, "AIDA"),
        Arn: `arn:aws:iam::${ctx.accountId}:user${path}${input.UserName}`,
        CreateDate: iso(ctx.now()),
        _tags: inputTags(input),
        _inline: {},
        _keys: [],
      });
      users[input.UserName] = rec;
      return { User: out(rec) };
    },

    GetUser(input, ctx) {
      if (!input.UserName) {
        return { User: { Path: "/", UserName: "sandbox", UserId: "AIDASANDBOX0000000000", Arn: `arn:aws:iam::${ctx.accountId}:user/sandbox`, CreateDate: new Date(0) } };
      }
      return { User: out(user(ctx, input.UserName)) };
    },

    ListUserTags(input, ctx) {
      const rec = user(ctx, input.UserName);
      const p = page(keyValueTags(rec), input);
      return { Tags: p.page, IsTruncated: p.IsTruncated, Marker: p.Marker };
    },

    TagUser(input, ctx) {
      mergeTags(user(ctx, input.UserName, false), inputTags(input));
      return {};
    },

    DeleteUser(input, ctx) {
      const rec = user(ctx, input.UserName, false);
      if (Object.keys(rec._inline).length) fail(ctx, "DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
      if (rec._keys.length) fail(ctx, "DeleteConflict", "Cannot delete entity, must delete access keys first.", 409);
      delete t(ctx, "users")[rec.UserName];
      return {};
    },

    PutUserPolicy(input, ctx) {
      const rec = user(ctx, input.UserName, false);
      checkName(ctx, input.PolicyName, "policyName", 128);
      checkPolicy(ctx, input.PolicyDocument);
      rec._inline[input.PolicyName] = input.PolicyDocument;
      return {};
    },

    GetUserPolicy(input, ctx) {
      const rec = user(ctx, input.UserName);
      const doc = rec._inline[input.PolicyName!];
      if (doc === undefined) fail(ctx, "NoSuchEntity", `The user policy with name ${input.PolicyName} cannot be found.`, 404);
      return { UserName: rec.UserName, PolicyName: input.PolicyName, PolicyDocument: encodePolicy(doc) };
    },

    ListUserPolicies(input, ctx) {
      const rec = user(ctx, input.UserName);
      const p = page(Object.keys(rec._inline).sort(), input);
      return { PolicyNames: p.page, IsTruncated: p.IsTruncated, Marker: p.Marker };
    },

    DeleteUserPolicy(input, ctx) {
      const rec = user(ctx, input.UserName, false);
      if (rec._inline[input.PolicyName!] === undefined) fail(ctx, "NoSuchEntity", `The user policy with name ${input.PolicyName} cannot be found.`, 404);
      delete rec._inline[input.PolicyName!];
      return {};
    },

    CreateAccessKey(input, ctx) {
      const rec = user(ctx, input.UserName, false);
      if (rec._keys.length >= 2) fail(ctx, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409);
      const id = "AKIA" + ctx.newId("", 16).toUpperCase();
      const secret = Buffer.from(ctx.newId("", 17) + ctx.newId("", 17) + ctx.newId("", 17)).toString("base64").slice(0, 40);
      const key = { UserName: rec.UserName, AccessKeyId: id, Status: "Active", CreateDate: iso(ctx.now()) };
      rec._keys.push(key);
      return { AccessKey: { ...key, SecretAccessKey: secret, CreateDate: new Date(key.CreateDate) } };
    },

    ListAccessKeys(input, ctx) {
      const rec = user(ctx, input.UserName);
      const p = page(rec._keys as SimRecord[], input);
      return { AccessKeyMetadata: p.page.map((k) => ({ ...k, CreateDate: new Date(k.CreateDate) })), IsTruncated: p.IsTruncated, Marker: p.Marker };
    },

    DeleteAccessKey(input, ctx) {
      const rec = user(ctx, input.UserName, false);
      if (!rec._keys.some((k: SimRecord) => k.AccessKeyId === input.AccessKeyId)) {
        fail(ctx, "NoSuchEntity", `The Access Key with id ${input.AccessKeyId} cannot be found.`, 404);
      }
      rec._keys = rec._keys.filter((k: SimRecord) => k.AccessKeyId !== input.AccessKeyId);
      return {};
    },
  },
});
