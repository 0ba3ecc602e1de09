/**
 * Resource kind `web-acl`.
 * Tests: test/resources/web-acl.test.ts.
 * Sandbox: src/sandbox/services/wafv2.ts.
 */
import {
  CreateWebACLCommand,
  DeleteWebACLCommand,
  GetWebACLCommand,
  ListWebACLsCommand,
  UpdateWebACLCommand,
  type Rule,
  type WebACL,
  type WebACLSummary,
} from "@aws-sdk/client-wafv2";
import { ListDistributionsCommand } from "@aws-sdk/client-cloudfront";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, orUndefined, pagesOf, retryOn } from "./toolkit.js";

/** CDN-03: the WAFv2 web ACL in front of the distribution. */
export interface WebAclSpec {
  /** Unique per scope; use the node's deterministic name (`ctx.name`). */
  name: string;
  /** Requests per 5 minutes from one IP before the rate-based rule blocks it (e.g. 2000). */
  rateLimit: number;
}

/** A web ACL as read with GetWebACL, with the LockToken every change must present. */
export interface WebAclActual {
  acl: WebACL;
  lockToken: string;
}

// A web ACL used by CloudFront has scope CLOUDFRONT and is managed through us-east-1 only
// (WAFv2 API reference, Scope: "you must also specify the Region US East (N. Virginia)").
const SCOPE = "CLOUDFRONT";
const REGION = "us-east-1";
const NONEXISTENT = "WAFNonexistentItemException";

const visibility = (metric: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: metric });

/** CDN-03's rules: AWS managed common rule set, known bad inputs, and a per-IP rate limit. */
export function webAclRules(spec: WebAclSpec): Rule[] {
  const managed = (name: string, priority: number, group: string): Rule => ({
    Name: name,
    Priority: priority,
    Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: group } },
    OverrideAction: { None: {} },
    VisibilityConfig: visibility(`${spec.name}-${name}`),
  });
  return [
    managed("aws-common", 0, "AWSManagedRulesCommonRuleSet"),
    managed("aws-known-bad-inputs", 1, "AWSManagedRulesKnownBadInputsRuleSet"),
    {
      Name: "rate-limit",
      Priority: 2,
      Statement: { RateBasedStatement: { Limit: spec.rateLimit, AggregateKeyType: "IP" } },
      Action: { Block: {} },
      VisibilityConfig: visibility(`${spec.name}-rate-limit`),
    },
  ];
}

/** What the diff compares of a rule (AWS adds defaults such as EvaluationWindowSec). */
function ruleKey(r: Rule): string {
  const s = r.Statement ?? {};
  const statement = s.ManagedRuleGroupStatement
    ? `managed:${s.ManagedRuleGroupStatement.VendorName}/${s.ManagedRuleGroupStatement.Name}`
    : s.RateBasedStatement
      ? `rate:${s.RateBasedStatement.Limit}/${s.RateBasedStatement.AggregateKeyType}`
      : `other:${Object.keys(s).join(",")}`;
  const action = r.OverrideAction ? `override:${Object.keys(r.OverrideAction).join()}` : `action:${Object.keys(r.Action ?? {}).join()}`;
  return `${r.Priority}:${r.Name}:${statement}:${action}`;
}

function listAcls(ctx: ResourceContext): Promise<WebACLSummary[]> {
  return ctx.once("wafv2:cloudfront-acls", async () => {
    const waf = await ctx.aws.get("wafv2", REGION);
    // WAFv2 has no SDK paginator for ListWebACLs.
    const pages = pagesOf((NextMarker: string | undefined) => waf.send(new ListWebACLsCommand({ Scope: SCOPE, NextMarker, Limit: 100 })), (r) => r.NextMarker);
    return collect(pages, (r) => r.WebACLs);
  });
}

async function read(ctx: ResourceContext, name: string, id: string): Promise<WebAclActual | undefined> {
  const waf = await ctx.aws.get("wafv2", REGION);
  const r = await orUndefined(waf.send(new GetWebACLCommand({ Name: name, Scope: SCOPE, Id: id })), NONEXISTENT);
  return r && { acl: r.WebACL!, lockToken: r.LockToken! };
}

export const webAcl: ResourceKind<WebAclSpec, WebAclActual, ResourceContext, { id: string; arn: string; name: string }> = {
  kind: "web-acl",
  // Deleting waits for the distribution to drop it (WAFAssociatedItemException until then).
  budget: { create: slowMs("wafv2.web-acl.create"), delete: 2 * slowMs("cloudfront.distribution.deploy") },
  typicalCreateMs: typicalMs("wafv2.web-acl.create"),

  // Web ACLs are listed by scope (names only, no tags): found by their deterministic name;
  // the tags are applied in CreateWebACL.
  async find(ctx, spec) {
    const name = spec?.name ?? ctx.name;
    const s = (await listAcls(ctx)).find((a) => a.Name === name);
    return s ? read(ctx, s.Name!, s.Id!) : undefined;
  },
  diff(spec, { acl }) {
    const c: FieldChange[] = [];
    const have = (acl.Rules ?? []).map(ruleKey);
    const want = webAclRules(spec).map(ruleKey);
    if (JSON.stringify(have) !== JSON.stringify(want)) c.push({ field: "Rules", from: have, to: want });
    if (!acl.DefaultAction?.Allow || acl.DefaultAction.Block) c.push({ field: "DefaultAction", from: Object.keys(acl.DefaultAction ?? {}), to: ["Allow"] });
    return c;
  },
  async create(ctx, spec) {
    const waf = await ctx.aws.get("wafv2", REGION);
    try {
      const r = await waf.send(
        new CreateWebACLCommand({
          Name: spec.name,
          Scope: SCOPE,
          DefaultAction: { Allow: {} },
          Rules: webAclRules(spec),
          VisibilityConfig: visibility(spec.name),
          Tags: ctx.tags(),
        }),
      );
      const got = await read(ctx, spec.name, r.Summary!.Id!);
      if (!got) throw new TryAgainLater(`web ACL ${spec.name} not visible yet`, 2_000);
      return got;
    } catch (e) {
      // Created by a run that crashed before it heard the answer: take it over by name.
      if (!isCode(e, "WAFDuplicateItemException")) throw e;
      ctx.forget("wafv2:cloudfront-acls");
      const found = await this.find(ctx, spec);
      if (!found) throw new TryAgainLater(`web ACL ${spec.name} exists but is not listed yet`, 2_000);
      return found;
    }
  },
  async update(ctx, spec, a) {
    const waf = await ctx.aws.get("wafv2", REGION);
    const { Name, Id } = a.acl;
    // Every change presents the current LockToken; a stale one answers WAFOptimisticLockException: read again.
    await retryOn(["WAFOptimisticLockException"], `web ACL ${Name}`, async () => {
      const cur = await read(ctx, Name!, Id!);
      if (!cur) throw new TryAgainLater(`web ACL ${Name} not visible yet`, 2_000);
      await waf.send(
        new UpdateWebACLCommand({
          Name,
          Scope: SCOPE,
          Id,
          LockToken: cur.lockToken,
          DefaultAction: { Allow: {} },
          Rules: webAclRules(spec),
          VisibilityConfig: cur.acl.VisibilityConfig ?? visibility(spec.name),
          Description: cur.acl.Description,
        }),
      );
    }, 1_000);
    return (await read(ctx, Name!, Id!)) ?? a;
  },
  async delete(ctx, a) {
    const waf = await ctx.aws.get("wafv2", REGION);
    const { Name, Id } = a.acl;
    const cur = await read(ctx, Name!, Id!);
    if (!cur) return;
    try {
      await waf.send(new DeleteWebACLCommand({ Name, Scope: SCOPE, Id, LockToken: cur.lockToken }));
    } catch (e) {
      if (isCode(e, NONEXISTENT)) return;
      // Still named by a distribution's WebACLId (being disabled/deleted), or changed meanwhile.
      if (isCode(e, "WAFAssociatedItemException", "WAFOptimisticLockException")) throw new TryAgainLater(`web ACL ${Name}: ${(e as Error).name}`, 15_000);
      throw e;
    }
  },
  async blockers(ctx, a) {
    const cf = await ctx.aws.get("cloudfront");
    const r = await cf.send(new ListDistributionsCommand({}));
    return (r.DistributionList?.Items ?? []).filter((d) => d.WebACLId === a.acl.ARN).map((d) => `distribution ${d.Id}`);
  },
  refresh: (ctx, a) => read(ctx, a.acl.Name!, a.acl.Id!),
  describe: ({ acl }) => ({
    id: acl.Name!,
    state: "active",
    healthy: true,
    details: { arn: acl.ARN, scope: SCOPE, rules: (acl.Rules ?? []).map((r) => r.Name), capacity: acl.Capacity },
  }),
  outputs: ({ acl }) => ({ id: acl.Id!, arn: acl.ARN!, name: acl.Name! }),
};
