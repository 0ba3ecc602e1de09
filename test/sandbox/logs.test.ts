import { describe, it, expect } from "vitest";
import {
  CloudWatchLogsServiceException,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeResourcePoliciesCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutResourcePolicyCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { newSandbox } from "../helpers/sandbox.js";

async function setup(opts: Parameters<typeof newSandbox>[0] = {}) {
  const { sandbox, aws } = newSandbox(opts);
  return { sandbox, aws, logs: await aws.get("logs") };
}

async function failure(p: Promise<unknown>): Promise<CloudWatchLogsServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CloudWatchLogsServiceException);
  return e as CloudWatchLogsServiceException;
}

describe("CloudWatch Logs", () => {
  it("creates a log group and describes it in AWS's shape", async () => {
    const { logs, sandbox } = await setup();
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/opsctl/app", kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k", tags: { env: "dev" } }));
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/opsctl/" }));
    expect(out.logGroups).toHaveLength(1);
    const g = out.logGroups![0];
    expect(g.logGroupName).toBe("/opsctl/app");
    expect(g.arn).toBe("arn:aws:logs:eu-west-1:123456789012:log-group:/opsctl/app:*");
    expect(g.logGroupArn).toBe("arn:aws:logs:eu-west-1:123456789012:log-group:/opsctl/app");
    expect(g.creationTime).toBe(sandbox.clock.now());
    expect(g.storedBytes).toBe(0);
    expect(g.kmsKeyId).toBe("arn:aws:kms:eu-west-1:123456789012:key/k");
    expect(g.retentionInDays).toBeUndefined();
    expect((g as Record<string, unknown>)._tags).toBeUndefined();
  });

  it("answers ResourceAlreadyExistsException and ResourceNotFoundException", async () => {
    const { logs } = await setup();
    await logs.send(new CreateLogGroupCommand({ logGroupName: "g" }));
    const dup = await failure(logs.send(new CreateLogGroupCommand({ logGroupName: "g" })));
    expect(dup.name).toBe("ResourceAlreadyExistsException");
    await logs.send(new DeleteLogGroupCommand({ logGroupName: "g" }));
    const gone = await failure(logs.send(new DeleteLogGroupCommand({ logGroupName: "g" })));
    expect(gone.name).toBe("ResourceNotFoundException");
    expect(gone.message).toBe("The specified log group does not exist.");
    expect((await failure(logs.send(new PutRetentionPolicyCommand({ logGroupName: "g", retentionInDays: 7 })))).name).toBe("ResourceNotFoundException");
  });

  it("accepts only the documented retention values", async () => {
    const { logs } = await setup();
    await logs.send(new CreateLogGroupCommand({ logGroupName: "r" }));
    for (const days of [1, 30, 400, 1096, 3653]) {
      await logs.send(new PutRetentionPolicyCommand({ logGroupName: "r", retentionInDays: days }));
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "r" }))).logGroups![0].retentionInDays).toBe(days);
    }
    for (const days of [0, 2, 31, 366, 4000]) {
      const e = await failure(logs.send(new PutRetentionPolicyCommand({ logGroupName: "r", retentionInDays: days })));
      expect(e.name).toBe("InvalidParameterException");
    }
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: "r" }));
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "r" }))).logGroups![0].retentionInDays).toBeUndefined();
  });

  it("filters by prefix or pattern (not both) and pages with limit/nextToken", async () => {
    const { logs } = await setup();
    for (const n of ["/a/one", "/a/two", "/a/three", "/b/One"]) await logs.send(new CreateLogGroupCommand({ logGroupName: n }));
    const p1 = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/a/", limit: 2 }));
    expect(p1.logGroups!.map((g) => g.logGroupName)).toEqual(["/a/one", "/a/three"]);
    const p2 = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/a/", limit: 2, nextToken: p1.nextToken }));
    expect(p2.logGroups!.map((g) => g.logGroupName)).toEqual(["/a/two"]);
    expect(p2.nextToken).toBeUndefined();
    const pat = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: "one" }));
    expect(pat.logGroups!.map((g) => g.logGroupName)).toEqual(["/a/one", "/b/One"]);
    const both = await failure(logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/a", logGroupNamePattern: "one" })));
    expect(both.name).toBe("InvalidParameterException");
  });

  it("tags through the resource ARN and the deprecated log-group operations", async () => {
    const { logs } = await setup();
    await logs.send(new CreateLogGroupCommand({ logGroupName: "t", tags: { a: "1" } }));
    const arn = "arn:aws:logs:eu-west-1:123456789012:log-group:t";
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { b: "2" } }));
    await logs.send(new TagLogGroupCommand({ logGroupName: "t", tags: { c: "3" } }));
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["a"] }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ b: "2", c: "3" });
    expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: "t" }))).tags).toEqual({ b: "2", c: "3" });
    const missing = await failure(logs.send(new ListTagsForResourceCommand({ resourceArn: arn + "x" })));
    expect(missing.name).toBe("ResourceNotFoundException");
  });

  it("hides a new log group while the NotFound lag lasts", async () => {
    const { logs, sandbox } = await setup({ faults: { notFoundLagMs: 3000 } });
    await logs.send(new CreateLogGroupCommand({ logGroupName: "lag" }));
    expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
    sandbox.clock.advance(3000);
    expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups!.map((g) => g.logGroupName)).toEqual(["lag"]);
  });

  it("rejects invalid log group names", async () => {
    const { logs } = await setup();
    expect((await failure(logs.send(new CreateLogGroupCommand({ logGroupName: "bad name!" })))).name).toBe("InvalidParameterException");
  });

  it("stores resource policies", async () => {
    const { logs } = await setup();
    await logs.send(new PutResourcePolicyCommand({ policyName: "p", policyDocument: '{"Version":"2012-10-17","Statement":[]}' }));
    const out = await logs.send(new DescribeResourcePoliciesCommand({}));
    expect(out.resourcePolicies!.map((p) => p.policyName)).toEqual(["p"]);
    expect((await failure(logs.send(new PutResourcePolicyCommand({ policyName: "q", policyDocument: "{" })))).name).toBe("InvalidParameterException");
  });
});
