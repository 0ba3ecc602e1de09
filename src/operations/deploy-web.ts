import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, posix, relative, resolve, sep } from "node:path";
import { BudgetExceeded, InputError } from "../engine/errors.js";
import { isCode, isNotFound } from "../aws/errors.js";
import { ownedBy } from "../resources/toolkit.js";
import { bucketName } from "../../plans/network.js";
import type { Session } from "./session.js";
import { pollUntil } from "../engine/poll.js";
import type { DeployWebEvent } from "../output/events.js";

/*
 * CDN-01: `opsctl deploy-web DIR` uploads a built frontend to the web bucket (S3-02) with content
 * types and cache headers, then invalidates the distribution. Only changed files are uploaded; nothing
 * is deleted unless asked.
 */

/**
 * Content types by extension. An explicit table: the `mime-types` package is only in node_modules as a
 * dependency of the API's dev tools, not of opsctl. Text types carry charset=utf-8 (what bundlers emit).
 */
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mp3": "audio/mpeg",
};

/** The Content-Type of a key (application/octet-stream when the extension is not in the table). */
export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[extname(key).toLowerCase()] ?? "application/octet-stream";
}

/** Cache-Control of content-hashed files: their name changes with their content. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** Cache-Control of everything else: caches must revalidate (ETag) before each use. */
export const NO_CACHE = "no-cache";

/**
 * True for a file whose name carries a content hash (`app.3f2a1c9b.js`, Vite's `index-BkP2x9aQ.js`)
 * or that lives under `assets/` (Vite's output folder for hashed files). `index.html` never is.
 */
export function isHashed(key: string): boolean {
  const base = posix.basename(key);
  if (base === "index.html") return false;
  if (key.startsWith("assets/")) return true;
  const m = /[.-]([A-Za-z0-9_]{8,})\.[A-Za-z0-9]+$/.exec(base);
  if (!m) return false;
  const h = m[1];
  // A hex run, or a base64url-style run with letters and digits: not a word like "template".
  return /^[0-9a-f]{8,}$/.test(h) || (/[0-9]/.test(h) && /[A-Za-z]/.test(h));
}

/** Cache-Control for a key. */
export const cacheControlOf = (key: string): string => (isHashed(key) ? IMMUTABLE : NO_CACHE);

/** A local file to deploy. */
export interface WebFile {
  key: string;
  path: string;
  size: number;
  /** hex MD5: what S3 reports as the ETag of a single-part SSE-S3 upload. */
  md5: string;
  contentType: string;
  cacheControl: string;
}

/**
 * Every regular file under `dir` as an S3 key (posix separators), sorted.
 * @throws InputError (exit 2) when `dir` is missing, not a folder, or holds no file
 */
export function webFiles(dir: string): WebFile[] {
  const root = resolve(dir);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new InputError("DIR", `${dir} does not exist`, "build the frontend first (e.g. `npm run build`), then pass its output folder, e.g. dist");
  }
  if (!st.isDirectory()) throw new InputError("DIR", `${dir} is not a folder`, "pass the build output folder, e.g. dist");
  const out: WebFile[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const key = relative(root, p).split(sep).join("/");
        const bytes = readFileSync(p);
        out.push({ key, path: p, size: bytes.length, md5: createHash("md5").update(bytes).digest("hex"), contentType: contentTypeOf(key), cacheControl: cacheControlOf(key) });
      }
    }
  };
  walk(root);
  if (out.length === 0) throw new InputError("DIR", `${dir} is empty`, "build the frontend first; deploy-web uploads the files of its output folder");
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/** Up to this many paths are invalidated one by one; more become `/*` (one path for CloudFront's billing). */
export const MAX_LISTED_PATHS = 14;

/** The invalidation paths of changed keys: each key, plus `/` for the root index.html (the default root object). */
export function invalidationPaths(keys: string[]): string[] {
  const paths = new Set<string>();
  for (const k of keys) {
    paths.add("/" + k.split("/").map(encodeURIComponent).join("/"));
    if (k === "index.html") paths.add("/");
  }
  const list = [...paths].sort();
  return list.length <= MAX_LISTED_PATHS ? list : ["/*"];
}

/** What deploy-web did. */
export interface DeployWebResult {
  bucket: string;
  distributionId: string;
  uploaded: string[];
  unchanged: string[];
  deleted: string[];
  invalidation?: { id: string; status: string; paths: string[] };
}

/** Options of {@link deployWeb}. */
export interface DeployWebOptions {
  /** `--delete`: remove objects that are not in DIR. */
  deleteExtra?: boolean;
  /** `--no-wait` sets false: do not wait for the invalidation to complete. */
  wait?: boolean;
  /** Progress: the upload and the invalidation wait, rendered by src/output. */
  emit?: (e: DeployWebEvent) => void;
}

/**
 * CloudFront's own waiter (InvalidationCompleted) polls every 20 s for up to 30 min: the budget is
 * the waiter's; the reads follow the engine's one schedule (src/engine/poll.ts), which notices an
 * invalidation done in seconds within 5 s. Invalidations typically complete within a minute or two;
 * the durations table has no entry for them.
 */
const WAIT_BUDGET_MS = 30 * 60_000;
const INVALIDATION_TYPICAL_MS = 90_000;

/** The distribution of node `distribution:site` of the env: its origin is the web bucket, its tags say so. */
async function findSiteDistribution(session: Session, bucket: string): Promise<string | undefined> {
  const { paginateListDistributions, ListTagsForResourceCommand } = await import("@aws-sdk/client-cloudfront");
  const cf = await session.aws.get("cloudfront");
  const origin = `${bucket}.s3.${session.config.region}.amazonaws.com`;
  const site = { env: session.config.env, node: "distribution:site" };
  for await (const page of paginateListDistributions({ client: cf }, { MaxItems: 100 })) {
    for (const d of page.DistributionList?.Items ?? []) {
      // ListDistributions carries no tags: only distributions in front of this bucket are asked for theirs.
      if (!(d.Origins?.Items ?? []).some((o) => o.DomainName === origin)) continue;
      const t = await cf.send(new ListTagsForResourceCommand({ Resource: d.ARN }));
      if (ownedBy(site, t.Tags?.Items)) return d.Id;
    }
  }
  return undefined;
}

/**
 * Uploads `files` to the env's web bucket: HeadObject each key, PutObject those whose content or headers
 * differ (hashed assets first, so a new index.html never names an asset not uploaded yet), optionally
 * deletes the rest, then one CreateInvalidation for what changed, waited for on the session's clock.
 * @throws InputError (exit 2, nothing written) when the bucket or the distribution does not exist yet
 */
export async function deployWeb(session: Session, files: WebFile[], opts: DeployWebOptions = {}): Promise<DeployWebResult> {
  const emit = opts.emit ?? (() => undefined);
  const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  const { HeadBucketCommand, HeadObjectCommand, PutObjectCommand, DeleteObjectsCommand, paginateListObjectsV2 } = await import("@aws-sdk/client-s3");
  const { CreateInvalidationCommand, GetInvalidationCommand, ListInvalidationsCommand } = await import("@aws-sdk/client-cloudfront");
  const env = session.config.env;
  const who = await (await session.aws.get("sts")).send(new GetCallerIdentityCommand({}));
  const bucket = bucketName(session.config, "web", { accountId: who.Account!, region: session.config.region });
  const s3 = await session.aws.get("s3");
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    if (isNotFound(e) || isCode(e, "NotFound")) throw new InputError("env", `the web bucket ${bucket} of environment ${env} does not exist`, "run `opsctl up` first");
    // HeadBucket answers 403 for a bucket of another account (bucket names are global).
    if (isCode(e, "Forbidden", "AccessDenied")) throw new InputError("env", `the web bucket ${bucket} exists but this account cannot read it`, "check the credentials (--profile) and the account");
    throw e;
  }
  const distributionId = await findSiteDistribution(session, bucket);
  if (!distributionId) throw new InputError("env", `environment ${env} has no CloudFront distribution (distribution:site) in front of ${bucket}`, "run `opsctl up` first");
  const cf = await session.aws.get("cloudfront");
  // The newest invalidation: objects written after it were never invalidated (a run that stopped in between).
  const last = (await cf.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 1 }))).InvalidationList?.Items?.[0];
  const lastAt = last?.CreateTime?.getTime() ?? 0;

  const heads = await pool(files, 8, async (f) => {
    try {
      const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: f.key }));
      return { etag: h.ETag?.replaceAll('"', ""), md5: h.Metadata?.md5, contentType: h.ContentType, cacheControl: h.CacheControl, modified: h.LastModified?.getTime() ?? 0 };
    } catch (e) {
      if (isNotFound(e) || isCode(e, "NotFound")) return undefined;
      throw e;
    }
  });
  const upload: WebFile[] = [];
  const unchanged: string[] = [];
  const stale: string[] = [];
  files.forEach((f, i) => {
    const h = heads[i];
    // The ETag is the MD5 only for single-part, non-KMS uploads: the md5 metadata opsctl writes covers the rest.
    const same = h && (h.md5 === f.md5 || h.etag === f.md5) && h.contentType === f.contentType && h.cacheControl === f.cacheControl;
    if (!same) upload.push(f);
    else {
      unchanged.push(f.key);
      if (last === undefined || h.modified > lastAt) stale.push(f.key);
    }
  });
  const ordered = [...upload.filter((f) => isHashed(f.key)), ...upload.filter((f) => !isHashed(f.key))];
  const firstWave = ordered.filter((f) => isHashed(f.key));
  const put = (f: WebFile) =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: f.key,
        Body: readFileSync(f.path),
        ContentType: f.contentType,
        CacheControl: f.cacheControl,
        ContentMD5: Buffer.from(f.md5, "hex").toString("base64"),
        Metadata: { md5: f.md5 },
      }),
    );
  if (upload.length) emit({ type: "web-upload", bucket, files: upload.length });
  await pool(firstWave, 8, put);
  await pool(ordered.slice(firstWave.length), 8, put);

  const deleted: string[] = [];
  if (opts.deleteExtra) {
    const local = new Set(files.map((f) => f.key));
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
      for (const o of page.Contents ?? []) if (o.Key && !local.has(o.Key)) deleted.push(o.Key);
    }
    for (let i = 0; i < deleted.length; i += 1000) {
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: deleted.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
  }

  const changed = [...upload.map((f) => f.key), ...deleted, ...stale];
  const result: DeployWebResult = { bucket, distributionId, uploaded: upload.map((f) => f.key), unchanged, deleted };
  if (changed.length === 0) return result;
  const paths = invalidationPaths(changed);
  // Derived from what changed and from the invalidation before it: a retried request is answered with the
  // same invalidation, and deploying earlier contents again (A → B → A) still invalidates.
  const ref = createHash("sha256")
    .update(JSON.stringify({ last: last?.Id ?? null, files: files.filter((f) => changed.includes(f.key)).map((f) => `${f.key}:${f.md5}`), deleted, paths }))
    .digest("hex");
  const inv = (await cf.send(new CreateInvalidationCommand({ DistributionId: distributionId, InvalidationBatch: { CallerReference: `opsctl-${ref.slice(0, 40)}`, Paths: { Quantity: paths.length, Items: paths } } }))).Invalidation!;
  let status = inv.Status ?? "InProgress";
  if (opts.wait !== false) {
    emit({ type: "web-invalidation-wait", invalidationId: inv.Id!, distributionId });
    status = (
      await pollUntil({
        clock: session.clock,
        typicalMs: INVALIDATION_TYPICAL_MS,
        budgetMs: WAIT_BUDGET_MS,
        initial: { value: status },
        read: async () => (await cf.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: inv.Id }))).Invalidation?.Status ?? status,
        done: (s) => s === "Completed",
        timeout: (s) => new BudgetExceeded(`invalidation ${inv.Id} of ${distributionId} still ${s} after ${WAIT_BUDGET_MS / 60_000} min`, "the files are uploaded; CloudFront finishes the invalidation on its own"),
      })
    );
  }
  result.invalidation = { id: inv.Id!, status, paths };
  return result;
}
