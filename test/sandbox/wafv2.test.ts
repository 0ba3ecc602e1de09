import { describe, expect, it } from "vitest";
import {
  CreateWebACLCommand,
  DeleteWebACLCommand,
  GetWebACLCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
  UpdateWebACLCommand,
  WAFV2ServiceException,
  type Rule,
} from "@aws-sdk/client-wafv2";
import { CreateDistributionWithTagsCommand, CreateOriginAccessControlCommand } from "@aws-sdk/client-cloudfront";
import { newSandbox } from "../helpers/sandbox.js";

const vis = (m: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: m });

const RULES: Rule[] = [
  { Name: "common", Priority: 0, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" } }, OverrideAction: { None: {} }, VisibilityConfig: vis("common") },
  { Name: "bad-inputs", Priority: 1, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesKnownBadInputsRuleSet" } }, OverrideAction: { None: {} }, VisibilityConfig: vis("bad") },
  { Name: "rate", Priority: 2, Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: "IP" } }, Action: { Block: {} }, VisibilityConfig: vis("rate") },
];

async function setup(region = "us-east-1") {
  const { sandbox, aws } = newSandbox();
  const waf = await aws.get("wafv2", region);
  return { sandbox, aws, waf };
}

async function failure(p: Promise<unknown>): Promise<WAFV2ServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WAFV2ServiceException);
  return e as WAFV2ServiceException;
}

const create = (waf: Awaited<ReturnType<typeof setup>>["waf"], over: Record<string, unknown> = {}) =>
  waf.send(new CreateWebACLCommand({ Name: "web", Scope: "CLOUDFRONT", DefaultAction: { Allow: {} }, Rules: RULES, VisibilityConfig: vis("web"), Tags: [{ Key: "opsctl:env", Value: "demo" }], ...over }));

describe("WAFv2: web ACLs", () => {
  it("creates a CLOUDFRONT-scope ACL through us-east-1 with a global ARN, reads it with its LockToken, lists and tags", async () => {
    const { waf } = await setup();
    const r = await create(waf);
    const s = r.Summary!;
    expect(s.ARN).toBe(`arn:aws:wafv2:us-east-1:123456789012:global/webacl/web/${s.Id}`);
    expect(s.Id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const got = await waf.send(new GetWebACLCommand({ Name: "web", Scope: "CLOUDFRONT", Id: s.Id }));
    expect(got.LockToken).toBe(s.LockToken);
    expect(got.WebACL!.Rules!.map((x) => x.Name)).toEqual(["common", "bad-inputs", "rate"]);
    expect(got.WebACL!.Capacity).toBe(700 + 200 + 2);
    expect(got.WebACL!.Rules![2].Statement!.RateBasedStatement!.EvaluationWindowSec).toBe(300);
    const byArn = await waf.send(new GetWebACLCommand({ ARN: s.ARN }));
    expect(byArn.WebACL!.Id).toBe(s.Id);
    const list = await waf.send(new ListWebACLsCommand({ Scope: "CLOUDFRONT" }));
    expect(list.WebACLs!.map((a) => a.Name)).toEqual(["web"]);
    expect((await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }))).WebACLs).toEqual([]);
    const tags = await waf.send(new ListTagsForResourceCommand({ ResourceARN: s.ARN }));
    expect(tags.TagInfoForResource!.TagList).toEqual([{ Key: "opsctl:env", Value: "demo" }]);
  });

  it("refuses CLOUDFRONT scope outside us-east-1, duplicates, bad rules", async () => {
    const eu = await setup("eu-west-1");
    const scope = await failure(create(eu.waf));
    expect(scope.name).toBe("WAFInvalidParameterException");
    expect(scope.message).toContain("SCOPE_VALUE");
    const { waf } = await setup();
    await create(waf);
    expect((await failure(create(waf))).name).toBe("WAFDuplicateItemException");
    const groupWithAction: Rule = { ...RULES[0], OverrideAction: undefined, Action: { Block: {} } };
    expect((await failure(create(waf, { Name: "b", Rules: [groupWithAction] }))).name).toBe("WAFInvalidParameterException");
    const lowRate: Rule = { ...RULES[2], Statement: { RateBasedStatement: { Limit: 5, AggregateKeyType: "IP" } } };
    expect((await failure(create(waf, { Name: "c", Rules: [lowRate] }))).name).toBe("WAFInvalidParameterException");
    const unknown: Rule = { ...RULES[0], Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "NoSuchRuleSet" } } };
    expect((await failure(create(waf, { Name: "d", Rules: [unknown] }))).name).toBe("WAFNonexistentItemException");
    const samePriority: Rule = { ...RULES[1], Priority: 0 };
    expect((await failure(create(waf, { Name: "e", Rules: [RULES[0], samePriority] }))).name).toBe("WAFInvalidParameterException");
    expect((await failure(waf.send(new GetWebACLCommand({ Name: "web", Scope: "CLOUDFRONT", Id: "00000000-0000-0000-0000-000000000000" })))).name).toBe("WAFNonexistentItemException");
  });

  it("updates with the LockToken (a stale one answers WAFOptimisticLockException) and deletes with it", async () => {
    const { waf } = await setup();
    const s = (await create(waf)).Summary!;
    const base = { Name: "web", Scope: "CLOUDFRONT" as const, Id: s.Id, DefaultAction: { Allow: {} }, VisibilityConfig: vis("web") };
    const up = await waf.send(new UpdateWebACLCommand({ ...base, LockToken: s.LockToken, Rules: RULES.slice(0, 2) }));
    expect(up.NextLockToken).not.toBe(s.LockToken);
    expect((await failure(waf.send(new UpdateWebACLCommand({ ...base, LockToken: s.LockToken, Rules: RULES })))).name).toBe("WAFOptimisticLockException");
    const got = await waf.send(new GetWebACLCommand({ Name: "web", Scope: "CLOUDFRONT", Id: s.Id }));
    expect(got.WebACL!.Rules!.length).toBe(2);
    expect((await failure(waf.send(new DeleteWebACLCommand({ Name: "web", Scope: "CLOUDFRONT", Id: s.Id, LockToken: s.LockToken })))).name).toBe("WAFOptimisticLockException");
    await waf.send(new DeleteWebACLCommand({ Name: "web", Scope: "CLOUDFRONT", Id: s.Id, LockToken: up.NextLockToken }));
    expect((await waf.send(new ListWebACLsCommand({ Scope: "CLOUDFRONT" }))).WebACLs).toEqual([]);
  });

  it("cannot be deleted while a CloudFront distribution's WebACLId names it", async () => {
    const { aws, waf } = await setup();
    const s = (await create(waf)).Summary!;
    const cf = await aws.get("cloudfront");
    const oac = await cf.send(new CreateOriginAccessControlCommand({ OriginAccessControlConfig: { Name: "o", SigningProtocol: "sigv4", SigningBehavior: "always", OriginAccessControlOriginType: "s3" } }));
    await cf.send(
      new CreateDistributionWithTagsCommand({
        DistributionConfigWithTags: {
          DistributionConfig: {
            CallerReference: "r",
            Comment: "",
            Enabled: true,
            Origins: { Quantity: 1, Items: [{ Id: "s3", DomainName: "b.s3.eu-west-1.amazonaws.com", OriginAccessControlId: oac.OriginAccessControl!.Id, S3OriginConfig: { OriginAccessIdentity: "" } }] },
            DefaultCacheBehavior: { TargetOriginId: "s3", ViewerProtocolPolicy: "redirect-to-https", CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" },
            WebACLId: s.ARN,
          },
          Tags: { Items: [] },
        },
      }),
    );
    const e = await failure(waf.send(new DeleteWebACLCommand({ Name: "web", Scope: "CLOUDFRONT", Id: s.Id, LockToken: s.LockToken })));
    expect(e.name).toBe("WAFAssociatedItemException");
  });
});
