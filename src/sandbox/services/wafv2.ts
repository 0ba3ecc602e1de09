import { WAFV2ServiceException, type WAFV2 } from "@aws-sdk/client-wafv2";
import { paginate, publicView } from "../filters.js";
import { keyValueTags, mergeTags, removeTags } from "../tags.js";
import { defineService, type HandlerContext, type SimRecord, type SimService, type Handlers } from "../types.js";

/*
 * Simulated WAFV2 (behaviour: wafv2.md beside this file).
 *
 * Web ACLs live in the "webacls" table of the client's region, keyed by Id, in WebACL's shape.
 * CLOUDFRONT-scope ACLs can only be reached through a us-east-1 client, so they are always in
 * the us-east-1 table (CloudFront's simulation reads it to check a distribution's WebACLId).
 * Private fields: _scope, _lockToken, _tags ([{Key, Value}], read by the test inventory).
 */

const NONEXISTENT = "AWS WAF couldn’t perform the operation because your resource doesn’t exist.";
const STALE = "AWS WAF couldn’t save your changes because someone changed the resource after you started to edit it. Reapply your changes.";
const DUPLICATE = "AWS WAF couldn’t perform the operation because some resource in your request is a duplicate of an existing one.";
const ASSOCIATED = "AWS WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.";

/** Web ACL capacity units of the AWS managed rule groups (Developer Guide, "AWS Managed Rules rule groups list"). */
const MANAGED_GROUPS: Record<string, number> = {
  AWSManagedRulesCommonRuleSet: 700,
  AWSManagedRulesKnownBadInputsRuleSet: 200,
  AWSManagedRulesAdminProtectionRuleSet: 100,
  AWSManagedRulesSQLiRuleSet: 200,
  AWSManagedRulesLinuxRuleSet: 200,
  AWSManagedRulesUnixRuleSet: 100,
  AWSManagedRulesAmazonIpReputationList: 25,
  AWSManagedRulesAnonymousIpList: 50,
  AWSManagedRulesBotControlRuleSet: 50,
};
/** Maximum capacity of a web ACL (the WAF quota "Maximum web ACL capacity units"). */
const MAX_WCU = 5000;
const AGGREGATE_KEYS = ["IP", "FORWARDED_IP", "CUSTOM_KEYS", "CONSTANT"];
const WINDOWS = [60, 120, 300, 600];

/** WAF's parameter error: "Error reason: …, field: …, parameter: …". */
function invalid(ctx: HandlerContext, reason: string, field: string, parameter: unknown): never {
  ctx.fail("WAFInvalidParameterException", `Error reason: ${reason}, field: ${field}, parameter: ${String(parameter)}`);
}

/** UUID-shaped id from the sandbox's deterministic sequence. */
function uuid(ctx: HandlerContext): string {
  const h = (ctx.newId("", 16) + ctx.newId("", 16)).slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function checkScope(ctx: HandlerContext, scope: unknown): "CLOUDFRONT" | "REGIONAL" {
  if (scope !== "CLOUDFRONT" && scope !== "REGIONAL") invalid(ctx, "The scope is not valid.", "SCOPE_VALUE", scope);
  // CLOUDFRONT scope is reached only through us-east-1 (API reference, Scope).
  if (scope === "CLOUDFRONT" && ctx.region !== "us-east-1") invalid(ctx, "The scope is not valid.", "SCOPE_VALUE", scope);
  return scope;
}

function visibility(ctx: HandlerContext, v: SimRecord | undefined, where: string): SimRecord {
  if (!v || typeof v.SampledRequestsEnabled !== "boolean" || typeof v.CloudWatchMetricsEnabled !== "boolean") invalid(ctx, "A required field is missing from the parameter.", "VISIBILITY_CONFIG", where);
  if (!/^[\w#:.\-/]{1,255}$/.test(String(v.MetricName ?? ""))) invalid(ctx, "The metric name is not valid.", "METRIC_NAME", v.MetricName);
  return { SampledRequestsEnabled: v.SampledRequestsEnabled, CloudWatchMetricsEnabled: v.CloudWatchMetricsEnabled, MetricName: v.MetricName };
}

function oneOf(ctx: HandlerContext, v: SimRecord | undefined, keys: string[], field: string): string {
  const set = keys.filter((k) => v?.[k] !== undefined);
  if (set.length !== 1) invalid(ctx, "Exactly one action must be specified.", field, JSON.stringify(v ?? null));
  return set[0];
}

/** Validates the rules and returns the web ACL capacity they use. */
function checkRules(ctx: HandlerContext, rules: SimRecord[]): number {
  const names = new Set<string>();
  const priorities = new Set<number>();
  let wcu = 0;
  for (const r of rules) {
    if (!/^[\w-]{1,128}$/.test(String(r.Name ?? ""))) invalid(ctx, "The rule name is not valid.", "RULE_NAME", r.Name);
    if (names.has(r.Name)) ctx.fail("WAFDuplicateItemException", DUPLICATE);
    names.add(r.Name);
    if (!Number.isInteger(r.Priority) || r.Priority < 0) invalid(ctx, "The priority is not valid.", "RULE_PRIORITY", r.Priority);
    if (priorities.has(r.Priority)) invalid(ctx, "Duplicate rule priority.", "RULE_PRIORITY", r.Priority);
    priorities.add(r.Priority);
    visibility(ctx, r.VisibilityConfig, `rule ${r.Name}`);
    const s = r.Statement ?? {};
    const kinds = Object.keys(s).filter((k) => s[k] !== undefined);
    if (kinds.length !== 1) invalid(ctx, "A statement must contain exactly one statement type.", "STATEMENT", r.Name);
    const isGroup = kinds[0] === "ManagedRuleGroupStatement" || kinds[0] === "RuleGroupReferenceStatement";
    // Rule group statements take an OverrideAction, every other statement an Action (Rule, API reference).
    if (isGroup) {
      if (r.Action !== undefined) invalid(ctx, "A rule group statement cannot have a rule action.", "RULE_ACTION", r.Name);
      oneOf(ctx, r.OverrideAction, ["None", "Count"], "OVERRIDE_ACTION");
    } else {
      if (r.OverrideAction !== undefined) invalid(ctx, "Only rule group statements take an override action.", "OVERRIDE_ACTION", r.Name);
      oneOf(ctx, r.Action, ["Block", "Allow", "Count", "Captcha", "Challenge"], "RULE_ACTION");
    }
    if (s.ManagedRuleGroupStatement) {
      const m = s.ManagedRuleGroupStatement;
      const cost = m.VendorName === "AWS" ? MANAGED_GROUPS[m.Name] : undefined;
      if (cost === undefined) ctx.fail("WAFNonexistentItemException", NONEXISTENT);
      wcu += cost;
    } else if (s.RateBasedStatement) {
      const rb = s.RateBasedStatement;
      if (!Number.isInteger(rb.Limit) || rb.Limit < 10 || rb.Limit > 2_000_000_000) invalid(ctx, "Your request is not valid: the limit is out of range.", "RATE_LIMIT", rb.Limit);
      if (!AGGREGATE_KEYS.includes(rb.AggregateKeyType)) invalid(ctx, "The aggregate key type is not valid.", "RATE_BASED_STATEMENT", rb.AggregateKeyType);
      if (rb.EvaluationWindowSec !== undefined && !WINDOWS.includes(rb.EvaluationWindowSec)) invalid(ctx, "The evaluation window is not valid.", "RATE_BASED_STATEMENT", rb.EvaluationWindowSec);
      rb.EvaluationWindowSec ??= 300;
      wcu += 2;
    } else {
      // Other statement types are stored as given (not validated, 1 WCU each).
      wcu += 1;
    }
  }
  if (wcu > MAX_WCU) ctx.fail("WAFLimitsExceededException", "AWS WAF couldn’t perform the operation because you exceeded your resource limit. For example, the maximum number of WebACL objects that you can create for an Amazon Web Services account.");
  return wcu;
}

function checkTags(ctx: HandlerContext, tags: SimRecord[]): { Key: string; Value: string }[] {
  if (tags.length > 50) ctx.fail("WAFTagOperationException", "AWS WAF couldn’t perform your tagging operation because of an internal error. Retry your request.");
  for (const t of tags) {
    if (!t.Key || String(t.Key).length > 128 || String(t.Value ?? "").length > 256) invalid(ctx, "The tag is not valid.", "TAGS", t.Key);
  }
  return tags.map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? "") }));
}

const acls = (ctx: HandlerContext) => ctx.table("webacls");

/** The web ACL named by Name + Scope + Id (or by ARN for GetWebACL). */
function aclOf(ctx: HandlerContext, input: SimRecord): SimRecord {
  let rec: SimRecord | undefined;
  if (input.ARN) {
    rec = Object.values(acls(ctx)).find((a) => a.ARN === input.ARN);
  } else {
    const scope = checkScope(ctx, input.Scope);
    rec = acls(ctx)[String(input.Id ?? "")];
    if (rec && (rec._scope !== scope || rec.Name !== input.Name)) rec = undefined;
  }
  if (!rec || !ctx.visible(rec)) ctx.fail("WAFNonexistentItemException", NONEXISTENT);
  return rec;
}

function definition(ctx: HandlerContext, input: SimRecord): SimRecord {
  oneOf(ctx, input.DefaultAction, ["Allow", "Block"], "DEFAULT_ACTION");
  const vc = visibility(ctx, input.VisibilityConfig, "web ACL");
  const rules: SimRecord[] = JSON.parse(JSON.stringify(input.Rules ?? []));
  const capacity = checkRules(ctx, rules);
  if (input.Description !== undefined && !/^[\w+=:#@/\-,.][\w+=:#@/\-,.\s]{0,255}$/.test(String(input.Description))) invalid(ctx, "The description is not valid.", "DESCRIPTION", input.Description);
  return { DefaultAction: input.DefaultAction, Description: input.Description, Rules: rules, VisibilityConfig: vc, Capacity: capacity };
}

const summary = (a: SimRecord) => ({ Name: a.Name, Id: a.Id, Description: a.Description, LockToken: a._lockToken, ARN: a.ARN });

/** True when a CloudFront distribution names this web ACL (WebACLId holds the ARN of a WAFv2 ACL). */
function usedByDistribution(ctx: HandlerContext, arn: string): boolean {
  return Object.values(ctx.tableOf("cloudfront", "distributions", "us-east-1")).some((d) => d.DistributionConfig?.WebACLId === arn);
}

function tagged(ctx: HandlerContext, arn: unknown): SimRecord {
  const rec = Object.values(acls(ctx)).find((a) => a.ARN === arn);
  if (!rec) ctx.fail("WAFNonexistentItemException", NONEXISTENT);
  return rec;
}

const handlers: Handlers<WAFV2> = {
  CreateWebACL(input, ctx) {
    const scope = checkScope(ctx, input.Scope);
    const name = String(input.Name ?? "");
    if (!/^[\w-]{1,128}$/.test(name)) invalid(ctx, "The name is not valid.", "NAME", name);
    const def = definition(ctx, input);
    const tags = checkTags(ctx, input.Tags ?? []);
    // Names are unique per scope and region.
    if (Object.values(acls(ctx)).some((a) => a._scope === scope && a.Name === name)) ctx.fail("WAFDuplicateItemException", DUPLICATE);
    const id = uuid(ctx);
    const arn = `arn:aws:wafv2:${ctx.region}:${ctx.accountId}:${scope === "CLOUDFRONT" ? "global" : "regional"}/webacl/${name}/${id}`;
    const rec = ctx.born({
      Name: name,
      Id: id,
      ARN: arn,
      ...def,
      ManagedByFirewallManager: false,
      LabelNamespace: `awswaf:${ctx.accountId}:webacl:${name}:`,
      _scope: scope,
      _lockToken: uuid(ctx),
      _tags: tags,
    });
    acls(ctx)[id] = rec;
    return { Summary: summary(rec) };
  },
  GetWebACL(input, ctx) {
    const rec = aclOf(ctx, input);
    const out = publicView(rec);
    if (out.Description === undefined) delete out.Description;
    return { WebACL: out, LockToken: rec._lockToken };
  },
  ListWebACLs(input, ctx) {
    const scope = checkScope(ctx, input.Scope);
    if (input.Limit !== undefined && (input.Limit < 1 || input.Limit > 100)) invalid(ctx, "The limit is not valid.", "LIMIT", input.Limit);
    const all = Object.values(acls(ctx)).filter((a) => a._scope === scope && ctx.visible(a));
    const { page, next } = paginate(all, input.Limit, input.NextMarker, 100);
    return { WebACLs: page.map(summary), ...(next ? { NextMarker: next } : {}) };
  },
  UpdateWebACL(input, ctx) {
    const rec = aclOf(ctx, input);
    if (input.LockToken !== rec._lockToken) ctx.fail("WAFOptimisticLockException", STALE);
    // UpdateWebACL replaces the whole definition: fields left out are cleared (API reference, UpdateWebACL).
    Object.assign(rec, definition(ctx, input));
    rec._lockToken = uuid(ctx);
    return { NextLockToken: rec._lockToken };
  },
  DeleteWebACL(input, ctx) {
    const rec = aclOf(ctx, input);
    if (input.LockToken !== rec._lockToken) ctx.fail("WAFOptimisticLockException", STALE);
    // A CLOUDFRONT ACL is associated by the distribution's WebACLId: remove it there first.
    if (rec._scope === "CLOUDFRONT" && usedByDistribution(ctx, rec.ARN)) ctx.fail("WAFAssociatedItemException", ASSOCIATED);
    delete acls(ctx)[rec.Id];
    return {};
  },
  ListTagsForResource(input, ctx) {
    const rec = tagged(ctx, input.ResourceARN);
    return { TagInfoForResource: { ResourceARN: rec.ARN, TagList: keyValueTags(rec) } };
  },
  TagResource(input, ctx) {
    const rec = tagged(ctx, input.ResourceARN);
    const add = checkTags(ctx, input.Tags ?? []);
    mergeTags(rec, add);
    return {};
  },
  UntagResource(input, ctx) {
    const rec = tagged(ctx, input.ResourceARN);
    const keys: string[] = input.TagKeys ?? [];
    removeTags(rec, keys);
    return {};
  },
};

/** Simulated WAFV2 (behaviour: wafv2.md beside this file). */
export const wafv2Service: SimService = defineService<WAFV2>({
  clientName: "WAFV2Client",
  key: "wafv2",
  exception: WAFV2ServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers,
});
