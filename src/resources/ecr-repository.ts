/**
 * Resource kind `ecr-repository`.
 * Tests: test/resources/ecr-repository.test.ts.
 * Sandbox: src/sandbox/services/ecr.ts.
 */
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  ListTagsForResourceCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
  paginateDescribeRepositories,
  type Repository,
} from "@aws-sdk/client-ecr";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { collect, deleted, envTagged, orUndefined, ownedBy } from "./toolkit.js";
import { canonicalPolicy } from "./policy.js";

/** ECS-05: the image repository: scan on push, immutable tags, a lifecycle policy keeping the last N images. */
export interface EcrRepositorySpec {
  name: string;
  keepLastImages: number;
}

/** A repository with its lifecycle policy and number of images. */
export interface EcrRepositoryActual {
  repo: Repository;
  lifecyclePolicy?: string;
  imageCount: number;
}

/** The lifecycle policy of ECS-05: expire every image beyond the newest `n`. */
export function keepLastPolicy(n: number): string {
  return JSON.stringify({
    rules: [{ rulePriority: 1, description: `keep the last ${n} images`, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: n }, action: { type: "expire" } }],
  });
}

async function read(ctx: ResourceContext, name: string): Promise<EcrRepositoryActual | undefined> {
  const ecr = await ctx.aws.get("ecr");
  const repo = (await orUndefined(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))))?.repositories?.[0];
  if (!repo) return undefined;
  const lifecyclePolicy = (await orUndefined(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name }))))?.lifecyclePolicyText;
  const images = await ecr.send(new DescribeImagesCommand({ repositoryName: name, maxResults: 1 }));
  return { repo, lifecyclePolicy, imageCount: images.imageDetails?.length ?? 0 };
}

/** Every repository of this environment with its tags (ECR cannot list by tag: one tag read per repository). */
async function envRepos(ctx: ResourceContext) {
  const ecr = await ctx.aws.get("ecr");
  const list = () => collect(paginateDescribeRepositories({ client: ecr }, {}), (p) => p.repositories);
  return envTagged(ctx, "ecr:repos", list, async (repo) => (await ecr.send(new ListTagsForResourceCommand({ resourceArn: repo.repositoryArn }))).tags ?? []);
}

export const ecrRepository: ResourceKind<EcrRepositorySpec, EcrRepositoryActual, ResourceContext, { id: string; name: string; arn: string; uri: string }> = {
  kind: "ecr-repository",
  budget: { create: slowMs("ecr.repository.create") * 6, delete: slowMs("ecr.repository.create") * 6 },
  typicalCreateMs: typicalMs("ecr.repository.create"),

  async find(ctx, spec) {
    if (spec) return read(ctx, spec.name);
    const mine = (await envRepos(ctx)).find((r) => ownedBy(ctx, r.tags));
    return mine ? read(ctx, mine.item.repositoryName!) : undefined;
  },
  diff(spec, a) {
    const c: FieldChange[] = [];
    if (a.repo.imageScanningConfiguration?.scanOnPush !== true) c.push({ field: "scanOnPush", from: a.repo.imageScanningConfiguration?.scanOnPush ?? false, to: true });
    if (a.repo.imageTagMutability !== "IMMUTABLE") c.push({ field: "imageTagMutability", from: a.repo.imageTagMutability, to: "IMMUTABLE" });
    const want = keepLastPolicy(spec.keepLastImages);
    if (!a.lifecyclePolicy || canonicalPolicy(a.lifecyclePolicy) !== canonicalPolicy(want)) c.push({ field: "lifecyclePolicy", from: a.lifecyclePolicy ? "(other policy)" : undefined, to: `keep the last ${spec.keepLastImages} images` });
    return c;
  },
  async create(ctx, spec) {
    const ecr = await ctx.aws.get("ecr");
    try {
      const r = await ecr.send(
        new CreateRepositoryCommand({
          repositoryName: spec.name,
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfiguration: { encryptionType: "AES256" },
          tags: ctx.tags(),
        }),
      );
      // The lifecycle policy cannot be given to CreateRepository: the post-create diff puts it.
      return { repo: r.repository!, imageCount: 0 };
    } catch (e) {
      if (!isCode(e, "RepositoryAlreadyExistsException")) throw e;
      const a = await read(ctx, spec.name);
      if (!a) throw new TryAgainLater(`repository ${spec.name} exists but is not visible yet`, 1_000);
      return a;
    }
  },
  async update(ctx, spec, a, changes) {
    const ecr = await ctx.aws.get("ecr");
    const repositoryName = a.repo.repositoryName!;
    const fields = new Set(changes.map((c) => c.field));
    if (fields.has("scanOnPush")) await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName, imageScanningConfiguration: { scanOnPush: true } }));
    if (fields.has("imageTagMutability")) await ecr.send(new PutImageTagMutabilityCommand({ repositoryName, imageTagMutability: "IMMUTABLE" }));
    if (fields.has("lifecyclePolicy")) await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: keepLastPolicy(spec.keepLastImages) }));
    return (await read(ctx, repositoryName)) ?? a;
  },
  async delete(ctx, a) {
    const ecr = await ctx.aws.get("ecr");
    const repositoryName = a.repo.repositoryName!;
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName }));
    const n = images.imageDetails?.length ?? 0;
    // Images are data: kept unless the operator asked to delete data (`down --delete-data`).
    if (n > 0 && !ctx.flags.deleteData) return { kept: `holds ${n}${images.nextToken ? "+" : ""} image(s); \`opsctl down --delete-data\` deletes it with its images` };
    await deleted(ecr.send(new DeleteRepositoryCommand({ repositoryName, force: ctx.flags.deleteData })));
  },
  refresh: (ctx, a) => read(ctx, a.repo.repositoryName!),
  describe: (a) => ({
    id: a.repo.repositoryName!,
    state: "active",
    healthy: a.repo.imageTagMutability === "IMMUTABLE" && a.repo.imageScanningConfiguration?.scanOnPush === true && a.lifecyclePolicy !== undefined,
    details: { uri: a.repo.repositoryUri, scanOnPush: a.repo.imageScanningConfiguration?.scanOnPush, tagMutability: a.repo.imageTagMutability, images: a.imageCount > 0 ? "yes" : "none" },
  }),
  outputs: (a) => ({ id: a.repo.repositoryName!, name: a.repo.repositoryName!, arn: a.repo.repositoryArn!, uri: a.repo.repositoryUri! }),
};
