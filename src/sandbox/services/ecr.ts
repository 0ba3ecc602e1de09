import { createHash } from "node:crypto";
import { ECRServiceException, type ECR } from "@aws-sdk/client-ecr";
import { paginate, publicView } from "../filters.js";
import { keyValueTags, mergeTags, removeTags, tagsOf } from "../tags.js";
import { defineService, type HandlerContext, type SimRecord, type SimService } from "../types.js";

/*
 * Simulated ECR (behaviour: ecr.md beside this file). Repositories live in the region's
 * "repositories" table keyed by name, in DescribeRepositories' shape (createdAt epoch ms,
 * returned as Date). Private: `_tags` ([{Key, Value}]), `_lifecyclePolicy`, `_images`
 * (digest -> { manifest, mediaType, tags, pushedAt, size }).
 */

/** Repository name pattern and length (CreateRepository reference). */
const NAME_RE = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json";

function repos(ctx: HandlerContext): Record<string, SimRecord> {
  return ctx.table("repositories");
}

function registryId(ctx: HandlerContext, input: any): string {
  return input.registryId ?? ctx.accountId;
}

function repo(ctx: HandlerContext, input: any): SimRecord {
  const name = input.repositoryName;
  const rec = name ? repos(ctx)[name] : undefined;
  if (!rec || !ctx.visible(rec) || registryId(ctx, input) !== ctx.accountId) {
    ctx.fail("RepositoryNotFoundException", `The repository with name '${name}' does not exist in the registry with id '${registryId(ctx, input)}'`);
  }
  return rec;
}

function repoByArn(ctx: HandlerContext, arn: string | undefined): SimRecord {
  const m = /^arn:aws[\w-]*:ecr:([\w-]+):(\d{12}):repository\/(.+)$/.exec(arn ?? "");
  if (!m) ctx.fail("InvalidParameterException", `Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'`);
  return repo(ctx, { repositoryName: m[3], registryId: m[2] });
}

function view(rec: SimRecord): SimRecord {
  const v = publicView(rec);
  v.createdAt = new Date(rec.createdAt);
  return v;
}

function images(rec: SimRecord): Record<string, SimRecord> {
  return (rec._images ??= {});
}

function checkTags(ctx: HandlerContext, tags: any[] | undefined): { Key: string; Value: string }[] {
  const out = (tags ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? "") }));
  if (out.length > 50) ctx.fail("TooManyTagsException", "The list of tags on the repository is over the limit. The maximum number of tags that can be applied to a repository is 50.");
  for (const t of out) if (t.Key.startsWith("aws:")) ctx.fail("InvalidTagParameterException", "Tag keys starting with 'aws:' are reserved.");
  return out;
}


/** Finds an image by digest and/or tag; the reason when it does not match. */
/**
 * The ids of a batch operation, one at a time (each looked up after the previous one was handled, as
 * a delete may remove what a later id names); an id not found becomes an entry of `failures`.
 */
function* eachImage(rec: SimRecord, ids: SimRecord[] | undefined, failures: SimRecord[]): Generator<{ id: SimRecord; digest: string }> {
  for (const id of ids ?? []) {
    const r = lookup(rec, id);
    if (r.digest) yield { id, digest: r.digest };
    else failures.push({ imageId: { ...id }, failureCode: r.code, failureReason: r.reason });
  }
}

function lookup(rec: SimRecord, id: SimRecord): { digest?: string; code?: string; reason?: string } {
  const all = images(rec);
  const byTag = id.imageTag ? Object.keys(all).find((d) => all[d].tags.includes(id.imageTag)) : undefined;
  if (id.imageDigest) {
    if (!all[id.imageDigest]) return { code: "ImageNotFound", reason: "Requested image not found" };
    if (id.imageTag && byTag !== id.imageDigest) return { code: "ImageTagDoesNotMatchDigest", reason: "Invalid image tag for the specified digest" };
    return { digest: id.imageDigest };
  }
  if (id.imageTag) return byTag ? { digest: byTag } : { code: "ImageNotFound", reason: "Requested image not found" };
  return { code: "MissingDigestAndTag", reason: "Both image digest and tag are missing" };
}

function checkPolicy(ctx: HandlerContext, text: string | undefined): void {
  let doc: any;
  try {
    doc = JSON.parse(text ?? "");
  } catch {
    ctx.fail("InvalidParameterException", "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: could not parse JSON'");
  }
  const rules = doc?.rules;
  if (!Array.isArray(rules) || rules.length === 0) ctx.fail("InvalidParameterException", "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: object has missing required properties ([\"rules\"])'");
  const prios = new Set<number>();
  for (const r of rules) {
    const ok =
      Number.isInteger(r?.rulePriority) &&
      ["tagged", "untagged", "any"].includes(r?.selection?.tagStatus) &&
      ["imageCountMoreThan", "sinceImagePushed"].includes(r?.selection?.countType) &&
      Number.isInteger(r?.selection?.countNumber) &&
      r.selection.countNumber >= 1 &&
      r?.action?.type === "expire";
    if (!ok || prios.has(r.rulePriority)) ctx.fail("InvalidParameterException", "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure'");
    if (r.selection.tagStatus === "tagged" && !r.selection.tagPrefixList?.length && !r.selection.tagPatternList?.length) {
      ctx.fail("InvalidParameterException", "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: tagPrefixList or tagPatternList is required when tagStatus is tagged'");
    }
    prios.add(r.rulePriority);
  }
}

function detail(ctx: HandlerContext, rec: SimRecord, digest: string): SimRecord {
  const img = images(rec)[digest];
  const d: SimRecord = {
    registryId: ctx.accountId,
    repositoryName: rec.repositoryName,
    imageDigest: digest,
    imageSizeInBytes: img.size,
    imagePushedAt: new Date(img.pushedAt),
    imageManifestMediaType: img.mediaType,
    artifactMediaType: "application/vnd.docker.container.image.v1+json",
  };
  if (img.tags.length) d.imageTags = [...img.tags];
  if (rec.imageScanningConfiguration?.scanOnPush) {
    d.imageScanStatus = { status: "COMPLETE", description: "The scan was completed successfully." };
    d.imageScanFindingsSummary = { findingSeverityCounts: {}, imageScanCompletedAt: new Date(img.pushedAt), vulnerabilitySourceUpdatedAt: new Date(img.pushedAt) };
  }
  return d;
}

/** Simulated ECR (behaviour: ecr.md beside this file). */
export const ecrService: SimService = defineService<ECR>({
  clientName: "ECRClient",
  key: "ecr",
  exception: ECRServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {
    CreateRepository(input, ctx) {
      const name: string = input.repositoryName ?? "";
      if (name.length < 2 || name.length > 256 || !NAME_RE.test(name)) {
        ctx.fail("InvalidParameterException", `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`);
      }
      if (repos(ctx)[name]) ctx.fail("RepositoryAlreadyExistsException", `The repository with name '${name}' already exists in the registry with id '${ctx.accountId}'`);
      const mutability = input.imageTagMutability ?? "MUTABLE";
      if (!["MUTABLE", "IMMUTABLE", "MUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION"].includes(mutability)) ctx.fail("InvalidParameterException", `Invalid parameter at 'imageTagMutability'`);
      const enc = input.encryptionConfiguration ?? { encryptionType: "AES256" };
      if (!["AES256", "KMS", "KMS_DSSE"].includes(enc.encryptionType!)) ctx.fail("InvalidParameterException", "Invalid parameter at 'encryptionType'");
      if (enc.encryptionType === "AES256" && enc.kmsKey) ctx.fail("InvalidParameterException", "Invalid parameter: kmsKey can only be specified when encryptionType is KMS");
      const tags = checkTags(ctx, input.tags);
      const rec = ctx.born({
        repositoryArn: `arn:aws:ecr:${ctx.region}:${ctx.accountId}:repository/${name}`,
        registryId: ctx.accountId,
        repositoryName: name,
        repositoryUri: `${ctx.accountId}.dkr.ecr.${ctx.region}.amazonaws.com/${name}`,
        createdAt: ctx.now(),
        imageTagMutability: mutability,
        imageScanningConfiguration: { scanOnPush: !!input.imageScanningConfiguration?.scanOnPush },
        encryptionConfiguration: enc.encryptionType === "KMS" ? { encryptionType: "KMS", kmsKey: enc.kmsKey ?? `arn:aws:kms:${ctx.region}:${ctx.accountId}:alias/aws/ecr` } : { encryptionType: enc.encryptionType },
        _tags: tags,
        _images: {},
      });
      repos(ctx)[name] = rec;
      return { repository: view(rec) };
    },

    DescribeRepositories(input, ctx) {
      let list: SimRecord[];
      if (input.repositoryNames?.length) list = input.repositoryNames.map((n: string) => repo(ctx, { repositoryName: n, registryId: input.registryId }));
      else list = Object.values(repos(ctx)).filter((r) => ctx.visible(r)).sort((a, b) => a.repositoryName.localeCompare(b.repositoryName));
      const { page, next } = paginate(list, input.maxResults, input.nextToken, 100);
      return { repositories: page.map(view), nextToken: next };
    },

    PutImageScanningConfiguration(input, ctx) {
      const rec = repo(ctx, input);
      rec.imageScanningConfiguration = { scanOnPush: !!input.imageScanningConfiguration?.scanOnPush };
      return { registryId: ctx.accountId, repositoryName: rec.repositoryName, imageScanningConfiguration: { ...rec.imageScanningConfiguration } };
    },

    PutImageTagMutability(input, ctx) {
      const rec = repo(ctx, input);
      if (!["MUTABLE", "IMMUTABLE"].includes(input.imageTagMutability!)) ctx.fail("InvalidParameterException", "Invalid parameter at 'imageTagMutability'");
      rec.imageTagMutability = input.imageTagMutability;
      return { registryId: ctx.accountId, repositoryName: rec.repositoryName, imageTagMutability: rec.imageTagMutability };
    },

    PutLifecyclePolicy(input, ctx) {
      const rec = repo(ctx, input);
      checkPolicy(ctx, input.lifecyclePolicyText);
      rec._lifecyclePolicy = { text: input.lifecyclePolicyText, at: ctx.now() };
      return { registryId: ctx.accountId, repositoryName: rec.repositoryName, lifecyclePolicyText: input.lifecyclePolicyText };
    },

    GetLifecyclePolicy(input, ctx) {
      const rec = repo(ctx, input);
      if (!rec._lifecyclePolicy) ctx.fail("LifecyclePolicyNotFoundException", `Lifecycle policy does not exist for the repository with name '${rec.repositoryName}' in the registry with id '${ctx.accountId}'`);
      return { registryId: ctx.accountId, repositoryName: rec.repositoryName, lifecyclePolicyText: rec._lifecyclePolicy.text, lastEvaluatedAt: new Date(rec._lifecyclePolicy.at) };
    },

    DeleteLifecyclePolicy(input, ctx) {
      const rec = repo(ctx, input);
      if (!rec._lifecyclePolicy) ctx.fail("LifecyclePolicyNotFoundException", `Lifecycle policy does not exist for the repository with name '${rec.repositoryName}' in the registry with id '${ctx.accountId}'`);
      const text = rec._lifecyclePolicy.text;
      delete rec._lifecyclePolicy;
      return { registryId: ctx.accountId, repositoryName: rec.repositoryName, lifecyclePolicyText: text, lastEvaluatedAt: new Date(ctx.now()) };
    },

    DeleteRepository(input, ctx) {
      const rec = repo(ctx, input);
      if (Object.keys(images(rec)).length && !input.force) {
        ctx.fail("RepositoryNotEmptyException", `The repository with name '${rec.repositoryName}' in registry with id '${ctx.accountId}' cannot be deleted because it still contains images`);
      }
      delete repos(ctx)[rec.repositoryName];
      return { repository: view(rec) };
    },

    PutImage(input, ctx) {
      const rec = repo(ctx, input);
      const manifest: string = input.imageManifest || ctx.fail("InvalidParameterException", "Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Member must not be null'");
      let parsed: any;
      try {
        parsed = JSON.parse(manifest);
      } catch {
        ctx.fail("InvalidParameterException", "Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Invalid JSON syntax'");
      }
      const digest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
      if (input.imageDigest && input.imageDigest !== digest) ctx.fail("InvalidParameterException", "Invalid parameter at 'imageDigest' failed to satisfy constraint: 'digest does not match the manifest'");
      const tag: string | undefined = input.imageTag;
      const all = images(rec);
      const holder = tag ? Object.keys(all).find((d) => all[d].tags.includes(tag)) : undefined;
      if (all[digest] && (!tag || holder === digest)) {
        ctx.fail("ImageAlreadyExistsException", `Image with digest '${digest}'${tag ? ` and tag '${tag}'` : ""} already exists in the repository with name '${rec.repositoryName}' in registry with id '${ctx.accountId}'`);
      }
      if (tag && holder && holder !== digest) {
        if (rec.imageTagMutability.startsWith("IMMUTABLE")) {
          ctx.fail("ImageTagAlreadyExistsException", `The image tag '${tag}' already exists in the '${rec.repositoryName}' repository and cannot be overwritten because the repository is immutable.`);
        }
        all[holder].tags = all[holder].tags.filter((t: string) => t !== tag);
      }
      const layers = (parsed?.layers ?? []) as SimRecord[];
      const size = layers.reduce((n, l) => n + (Number(l.size) || 0), 0) || manifest.length;
      if (!all[digest]) all[digest] = { mediaType: input.imageManifestMediaType ?? parsed?.mediaType ?? DOCKER_V2, manifest, tags: [], pushedAt: ctx.now(), size };
      if (tag) all[digest].tags.push(tag);
      return {
        image: { registryId: ctx.accountId, repositoryName: rec.repositoryName, imageId: { imageDigest: digest, ...(tag ? { imageTag: tag } : {}) }, imageManifest: manifest, imageManifestMediaType: all[digest].mediaType },
      };
    },

    BatchGetImage(input, ctx) {
      const rec = repo(ctx, input);
      const out: SimRecord[] = [];
      const failures: SimRecord[] = [];
      for (const { id, digest } of eachImage(rec, input.imageIds, failures)) {
        const img = images(rec)[digest];
        out.push({ registryId: ctx.accountId, repositoryName: rec.repositoryName, imageId: { imageDigest: digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) }, imageManifest: img.manifest, imageManifestMediaType: img.mediaType });
      }
      return { images: out, failures };
    },

    DescribeImages(input, ctx) {
      const rec = repo(ctx, input);
      let digests: string[];
      if (input.imageIds?.length) {
        digests = input.imageIds.map((id: SimRecord) => {
          const r = lookup(rec, id);
          if (!r.digest) ctx.fail("ImageNotFoundException", `The image with imageId {imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'} does not exist within the repository with name '${rec.repositoryName}' in the registry with id '${ctx.accountId}'`);
          return r.digest as string;
        });
      } else {
        const all = images(rec);
        const status = input.filter?.tagStatus ?? "ANY";
        digests = Object.keys(all)
          .filter((d) => status === "ANY" || (status === "TAGGED") === all[d].tags.length > 0)
          .sort((a, b) => all[a].pushedAt - all[b].pushedAt || a.localeCompare(b));
      }
      const { page, next } = paginate(digests, input.maxResults, input.nextToken, 100);
      return { imageDetails: page.map((d) => detail(ctx, rec, d)), nextToken: next };
    },

    BatchDeleteImage(input, ctx) {
      const rec = repo(ctx, input);
      const imageIds: SimRecord[] = [];
      const failures: SimRecord[] = [];
      for (const { id, digest } of eachImage(rec, input.imageIds, failures)) {
        const img = images(rec)[digest];
        // Deleting by tag removes the tag; the image goes with its last tag (or when named by digest).
        if (id.imageTag && !id.imageDigest) img.tags = img.tags.filter((t: string) => t !== id.imageTag);
        if (id.imageDigest || img.tags.length === 0) delete images(rec)[digest];
        imageIds.push({ imageDigest: digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) });
      }
      return { imageIds, failures };
    },

    GetAuthorizationToken(_input, ctx) {
      const token = Buffer.from(`AWS:sandbox-${ctx.newId("", 24)}`).toString("base64");
      return {
        authorizationData: [{ authorizationToken: token, expiresAt: new Date(ctx.now() + 12 * 3_600_000), proxyEndpoint: `https://${ctx.accountId}.dkr.ecr.${ctx.region}.amazonaws.com` }],
      };
    },

    ListTagsForResource(input, ctx) {
      const rec = repoByArn(ctx, input.resourceArn);
      return { tags: keyValueTags(rec) };
    },

    TagResource(input, ctx) {
      const rec = repoByArn(ctx, input.resourceArn);
      mergeTags(rec, checkTags(ctx, input.tags));
      if (tagsOf(rec).length > 50) ctx.fail("TooManyTagsException", "The list of tags on the repository is over the limit. The maximum number of tags that can be applied to a repository is 50.");
      return {};
    },

    UntagResource(input, ctx) {
      const rec = repoByArn(ctx, input.resourceArn);
      removeTags(rec, input.tagKeys);
      return {};
    },
  },
});
