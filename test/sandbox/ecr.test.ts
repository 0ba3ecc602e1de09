import { describe, expect, it } from "vitest";
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRServiceException,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ListTagsForResourceCommand,
  PutImageCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
} from "@aws-sdk/client-ecr";
import { createHash } from "node:crypto";
import { newSandbox } from "../helpers/sandbox.js";

async function setup() {
  const { sandbox, aws } = newSandbox();
  return { sandbox, ecr: await aws.get("ecr") };
}

async function failure(p: Promise<unknown>): Promise<ECRServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ECRServiceException);
  return e as ECRServiceException;
}

const manifest = (n: number) => JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.v2+json", layers: [{ size: 1000 * n, digest: `sha256:${String(n).repeat(64).slice(0, 64)}` }] });

describe("ECR repositories", () => {
  it("creates with immutability, scan on push, encryption and tags; describes; refuses duplicates", async () => {
    const { ecr } = await setup();
    const r = await ecr.send(
      new CreateRepositoryCommand({ repositoryName: "demo/api", imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true }, encryptionConfiguration: { encryptionType: "AES256" }, tags: [{ Key: "opsctl:env", Value: "demo" }] }),
    );
    expect(r.repository).toMatchObject({
      repositoryArn: "arn:aws:ecr:eu-west-1:123456789012:repository/demo/api",
      repositoryUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo/api",
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: "AES256" },
    });
    expect(r.repository!.createdAt).toBeInstanceOf(Date);
    expect((await failure(ecr.send(new CreateRepositoryCommand({ repositoryName: "demo/api" })))).name).toBe("RepositoryAlreadyExistsException");
    expect((await failure(ecr.send(new CreateRepositoryCommand({ repositoryName: "Bad_Name" })))).name).toBe("InvalidParameterException");
    expect((await failure(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["nope"] })))).name).toBe("RepositoryNotFoundException");
    expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn: r.repository!.repositoryArn }))).tags).toEqual([{ Key: "opsctl:env", Value: "demo" }]);
    await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: "demo/api", imageScanningConfiguration: { scanOnPush: false } }));
    await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: "demo/api", imageTagMutability: "MUTABLE" }));
    const d = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["demo/api"] }))).repositories![0];
    expect(d).toMatchObject({ imageTagMutability: "MUTABLE", imageScanningConfiguration: { scanOnPush: false } });
  });

  it("stores and validates a lifecycle policy", async () => {
    const { ecr } = await setup();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "api" }));
    expect((await failure(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: "api" })))).name).toBe("LifecyclePolicyNotFoundException");
    const text = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 }, action: { type: "expire" } }] });
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: "api", lifecyclePolicyText: text }));
    expect((await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: "api" }))).lifecyclePolicyText).toBe(text);
    expect((await failure(ecr.send(new PutLifecyclePolicyCommand({ repositoryName: "api", lifecyclePolicyText: '{"rules":[]}' })))).name).toBe("InvalidParameterException");
    const tagged = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: "tagged", countType: "imageCountMoreThan", countNumber: 1 }, action: { type: "expire" } }] });
    expect((await failure(ecr.send(new PutLifecyclePolicyCommand({ repositoryName: "api", lifecyclePolicyText: tagged })))).message).toMatch(/tagPrefixList/);
  });
});

describe("ECR images", () => {
  it("digests manifests, refuses overwriting an immutable tag, moves a mutable one, gets and describes images", async () => {
    const { ecr } = await setup();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "api", imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } }));
    const put = await ecr.send(new PutImageCommand({ repositoryName: "api", imageManifest: manifest(1), imageTag: "v1" }));
    const digest = `sha256:${createHash("sha256").update(manifest(1)).digest("hex")}`;
    expect(put.image!.imageId).toEqual({ imageDigest: digest, imageTag: "v1" });
    expect((await failure(ecr.send(new PutImageCommand({ repositoryName: "api", imageManifest: manifest(2), imageTag: "v1" })))).name).toBe("ImageTagAlreadyExistsException");
    expect((await failure(ecr.send(new PutImageCommand({ repositoryName: "api", imageManifest: manifest(1), imageTag: "v1" })))).name).toBe("ImageAlreadyExistsException");
    // A second tag on the same digest is fine.
    await ecr.send(new PutImageCommand({ repositoryName: "api", imageManifest: manifest(1), imageTag: "latest" }));
    const got = await ecr.send(new BatchGetImageCommand({ repositoryName: "api", imageIds: [{ imageTag: "v1" }, { imageTag: "nope" }, { imageDigest: digest, imageTag: "x" }] }));
    expect(got.images!.map((i) => i.imageId!.imageDigest)).toEqual([digest]);
    expect(got.images![0].imageManifest).toBe(manifest(1));
    expect(got.failures!.map((f) => f.failureCode)).toEqual(["ImageNotFound", "ImageTagDoesNotMatchDigest"]);
    const d = (await ecr.send(new DescribeImagesCommand({ repositoryName: "api" }))).imageDetails!;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ imageDigest: digest, imageTags: ["v1", "latest"], imageSizeInBytes: 1000, imageScanStatus: { status: "COMPLETE" } });
    expect((await failure(ecr.send(new DescribeImagesCommand({ repositoryName: "api", imageIds: [{ imageTag: "nope" }] })))).name).toBe("ImageNotFoundException");

    await ecr.send(new CreateRepositoryCommand({ repositoryName: "mutable" }));
    await ecr.send(new PutImageCommand({ repositoryName: "mutable", imageManifest: manifest(1), imageTag: "latest" }));
    await ecr.send(new PutImageCommand({ repositoryName: "mutable", imageManifest: manifest(2), imageTag: "latest" }));
    const m = (await ecr.send(new DescribeImagesCommand({ repositoryName: "mutable" }))).imageDetails!;
    const d2 = `sha256:${createHash("sha256").update(manifest(2)).digest("hex")}`;
    expect(Object.fromEntries(m.map((x) => [x.imageDigest, x.imageTags ?? []]))).toEqual({ [digest]: [], [d2]: ["latest"] });
  });

  it("refuses deleting a repository with images unless forced; hands out an authorization token", async () => {
    const { ecr } = await setup();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "api" }));
    await ecr.send(new PutImageCommand({ repositoryName: "api", imageManifest: manifest(3), imageTag: "v1" }));
    expect((await failure(ecr.send(new DeleteRepositoryCommand({ repositoryName: "api" })))).name).toBe("RepositoryNotEmptyException");
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: "api", force: true }));
    expect((await ecr.send(new DescribeRepositoriesCommand({}))).repositories).toEqual([]);
    const auth = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0];
    expect(Buffer.from(auth.authorizationToken!, "base64").toString()).toMatch(/^AWS:/);
    expect(auth.proxyEndpoint).toBe("https://123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    expect(auth.expiresAt).toBeInstanceOf(Date);
  });
});
