import { describe, expect, it } from "vitest";
import { CreateBucketCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { CreateKeyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { down, up } from "../../src/engine/reconcile.js";
import type { PlanNode } from "../../src/engine/plan.js";
import { AwsClients } from "../../src/aws/clients.js";
import { contextFactory, type ResourceContext } from "../../src/resources/context.js";
import { originAccessControl } from "../../src/resources/origin-access-control.js";
import { distribution } from "../../src/resources/distribution.js";
import { webAcl } from "../../src/resources/web-acl.js";
import { trail } from "../../src/resources/trail.js";
import { newSandbox } from "../helpers/sandbox.js";
import { taggedInventory } from "../helpers/env.js";

const ACCOUNT = "123456789012";

describe("edge modules under throttling and NotFound lag", () => {
  it("converge, run again with zero writes, and tear down", async () => {
    const { sandbox, aws } = newSandbox();
    const s3 = await aws.get("s3");
    await s3.send(new CreateBucketCommand({ Bucket: "demo-logs", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    const put = { Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:PutObject", Resource: `arn:aws:s3:::demo-logs/AWSLogs/${ACCOUNT}/*` };
    await s3.send(new PutBucketPolicyCommand({ Bucket: "demo-logs", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [put] }) }));
    const kms = await aws.get("kms");
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const gen = { Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "kms:GenerateDataKey*", Resource: "*" };
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: "default", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }, gen] }) }));
    sandbox.reset({ throttleRate: 0.2, notFoundLagMs: 5_000, seed: 7 });

    const nodes: PlanNode<ResourceContext>[] = [
      { id: "origin-access-control:web", deps: [], resource: originAccessControl, spec: () => ({ name: "demo-web", description: "web" }) },
      { id: "web-acl:web", deps: [], resource: webAcl, spec: () => ({ name: "demo-web", rateLimit: 2000 }) },
      {
        id: "distribution:web",
        deps: ["origin-access-control:web", "web-acl:web"],
        resource: distribution,
        spec: (refs) => ({
          comment: "web",
          originBucketDomainName: "demo-web.s3.eu-west-1.amazonaws.com",
          originAccessControlId: refs.id("origin-access-control:web"),
          aliases: [],
          certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0a1b2c3d-1111-2222-3333-444455556666`,
          webAclArn: String(refs.out("web-acl:web").arn),
          defaultRootObject: "index.html",
          priceClass: "PriceClass_All",
        }),
      },
      { id: "trail:main", deps: [], resource: trail, spec: () => ({ name: "demo-main", bucketName: "demo-logs", kmsKeyArn: key.Arn! }) },
    ];
    const plan = { name: "edge", nodes };
    const opts = () => {
      const make = contextFactory({ env: "demo", region: "eu-west-1", aws: new AwsClients({ region: "eu-west-1", sandbox }), clock: sandbox.clock, facts: { accountId: ACCOUNT, region: "eu-west-1", azs: ["eu-west-1a", "eu-west-1b"], bastionAmi: "ami-0" }, flags: { deleteData: false } });
      return { clock: sandbox.clock, makeContext: (n: PlanNode<ResourceContext>) => make(n.id), emit: () => {} };
    };
    const first = await up(plan, opts());
    expect(first.ok, String((first.outcomes.find((o) => o.error)?.error as Error)?.message)).toBe(true);
    const writes = () => sandbox.journal.filter((j) => j.write && !j.error).length;
    const before = writes();
    expect((await up(plan, opts())).ok).toBe(true);
    expect(writes() - before).toBe(0);
    expect(sandbox.records("us-east-1", "cloudfront", "distributions").length).toBe(1);
    const gone = await down(plan, opts());
    expect(gone.ok, String((gone.outcomes.find((o) => o.error)?.error as Error)?.message)).toBe(true);
    expect(taggedInventory(sandbox, "demo")).toEqual([]);
    expect(sandbox.records("us-east-1", "cloudfront", "oacs")).toEqual([]);
  }, 60_000);
});
