import { beforeAll, describe, expect, it } from "vitest";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetInvalidationCommand } from "@aws-sdk/client-cloudfront";
import { opsctl, sandboxWrites, workdir, inspect } from "../helpers/cli.js";
import { cacheControlOf, contentTypeOf, invalidationPaths, isHashed } from "../../src/operations/deploy-web.js";

const FIXTURE = resolve("test/fixtures/web-dist");
const IMMUTABLE = "public, max-age=31536000, immutable";


describe("deploy-web: content types, cache headers, invalidation paths (CDN-01)", () => {
  it("hashed names and assets/ are immutable; index.html and plain names are no-cache", () => {
    for (const k of ["app.3f2a1c9b.js", "assets/index-D4x9QmTz.css", "assets/logo.svg", "chunk-BkP2x9aQ.mjs"]) expect([k, cacheControlOf(k)]).toEqual([k, IMMUTABLE]);
    for (const k of ["index.html", "robots.txt", "favicon.ico", "about/index.html", "template-partial.js", "app.js"]) expect([k, cacheControlOf(k)]).toEqual([k, "no-cache"]);
    expect(isHashed("assets/index.html")).toBe(false);
  });

  it("content types from the extension", () => {
    expect(contentTypeOf("index.html")).toBe("text/html; charset=utf-8");
    expect(contentTypeOf("a/b.CSS")).toBe("text/css; charset=utf-8");
    expect(contentTypeOf("app.3f2a1c9b.js")).toBe("text/javascript; charset=utf-8");
    expect(contentTypeOf("font.woff2")).toBe("font/woff2");
    expect(contentTypeOf("x.svg")).toBe("image/svg+xml");
    expect(contentTypeOf("LICENSE")).toBe("application/octet-stream");
  });

  it("up to 14 changed paths are listed (index.html also as /), more become /*", () => {
    expect(invalidationPaths(["index.html", "a b.js"])).toEqual(["/", "/a%20b.js", "/index.html"]);
    expect(invalidationPaths(Array.from({ length: 14 }, (_, i) => `f${i}.js`))).toHaveLength(14);
    expect(invalidationPaths(Array.from({ length: 15 }, (_, i) => `f${i}.js`))).toEqual(["/*"]);
  });
});

describe("opsctl deploy-web (CLI, one sandbox for the file)", () => {
  const w = workdir();
  const dist = join(w.dir, "dist");
  beforeAll(() => {
    const up = opsctl(["up", "--sandbox"], w);
    expect(up.code, up.stderr).toBe(0);
    cpSync(FIXTURE, dist, { recursive: true });
  });

  it("bad DIR: missing or empty → exit 2, one line, 0 writes", () => {
    const before = sandboxWrites(w.state);
    const missing = opsctl(["deploy-web", "no-such-dir", "--sandbox"], w);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual(["error: DIR: no-such-dir does not exist — build the frontend first (e.g. `npm run build`), then pass its output folder, e.g. dist"]);
    mkdirSync(join(w.dir, "empty", "sub"), { recursive: true });
    const empty = opsctl(["deploy-web", "empty", "--sandbox"], w);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/error: DIR: empty is empty/);
    expect(sandboxWrites(w.state) - before).toBe(0);
  });

  it("before `up`: exit 2, run `opsctl up` first, 0 writes", () => {
    const fresh = workdir();
    cpSync(FIXTURE, join(fresh.dir, "dist"), { recursive: true });
    const r = opsctl(["deploy-web", "dist", "--sandbox"], fresh);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: env: the web bucket opsctl-demo-web-123456789012-eu-west-1 of environment demo does not exist — run `opsctl up` first/);
    expect(sandboxWrites(fresh.state)).toBe(0);
  });

  it("uploads every file with its content type and cache header, invalidates and waits; the second deploy uploads nothing and writes nothing", async () => {
    const r = opsctl(["deploy-web", "dist", "--sandbox", "--json"], w);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, bucket: "opsctl-demo-web-123456789012-eu-west-1", uploaded: ["app.3f2a1c9b.js", "assets/index-D4x9QmTz.css", "index.html", "robots.txt"], unchanged: 0, deleted: [] });
    expect(doc.invalidation).toMatchObject({ status: "Completed", paths: ["/", "/app.3f2a1c9b.js", "/assets/index-D4x9QmTz.css", "/index.html", "/robots.txt"] });

    await inspect(w.state, async (aws) => {
      const s3 = await aws.get("s3");
      const head = (Key: string) => s3.send(new HeadObjectCommand({ Bucket: doc.bucket, Key }));
      expect(await head("index.html")).toMatchObject({ ContentType: "text/html; charset=utf-8", CacheControl: "no-cache" });
      expect(await head("robots.txt")).toMatchObject({ ContentType: "text/plain; charset=utf-8", CacheControl: "no-cache" });
      expect(await head("app.3f2a1c9b.js")).toMatchObject({ ContentType: "text/javascript; charset=utf-8", CacheControl: IMMUTABLE });
      expect(await head("assets/index-D4x9QmTz.css")).toMatchObject({ ContentType: "text/css; charset=utf-8", CacheControl: IMMUTABLE });
      const cf = await aws.get("cloudfront");
      const inv = await cf.send(new GetInvalidationCommand({ DistributionId: doc.distributionId, Id: doc.invalidation.id }));
      expect(inv.Invalidation).toMatchObject({ Status: "Completed", InvalidationBatch: { Paths: { Quantity: 5 } } });
      expect(inv.Invalidation!.InvalidationBatch!.CallerReference).toMatch(/^opsctl-[0-9a-f]{40}$/);
    });

    const before = sandboxWrites(w.state);
    const again = opsctl(["deploy-web", "dist", "--sandbox"], w);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`deploy-web s3://${doc.bucket}: 0 uploaded, 4 unchanged, 0 deleted; no invalidation (nothing changed) on ${doc.distributionId}\n`);
    expect(sandboxWrites(w.state) - before).toBe(0);
  });

  it("a changed file is the only upload and the only invalidated path; --no-wait leaves it in progress", () => {
    writeFileSync(join(dist, "robots.txt"), "User-agent: *\nDisallow: /private/\n");
    const r = JSON.parse(opsctl(["deploy-web", "dist", "--sandbox", "--json", "--no-wait"], w).stdout);
    expect(r.uploaded).toEqual(["robots.txt"]);
    expect(r.unchanged).toBe(3);
    expect(r.invalidation).toMatchObject({ status: "InProgress", paths: ["/robots.txt"] });
  });

  it("deleting nothing by default; --delete removes objects not in DIR", async () => {
    rmSync(join(dist, "robots.txt"));
    const keep = JSON.parse(opsctl(["deploy-web", "dist", "--sandbox", "--json"], w).stdout);
    expect(keep).toMatchObject({ uploaded: [], deleted: [], invalidation: null });
    const del = JSON.parse(opsctl(["deploy-web", "dist", "--sandbox", "--json", "--delete"], w).stdout);
    expect(del).toMatchObject({ uploaded: [], deleted: ["robots.txt"], invalidation: { status: "Completed", paths: ["/robots.txt"] } });
    const keys = await inspect(w.state, async (aws) => ((await (await aws.get("s3")).send(new ListObjectsV2Command({ Bucket: del.bucket }))).Contents ?? []).map((o) => o.Key));
    expect(keys).toEqual(["app.3f2a1c9b.js", "assets/index-D4x9QmTz.css", "index.html"]);
  });

  it("deploying earlier contents again (A → B → A) uploads and invalidates again", () => {
    writeFileSync(join(dist, "index.html"), "<!doctype html><p>B</p>\n");
    const b = JSON.parse(opsctl(["deploy-web", "dist", "--sandbox", "--json"], w).stdout);
    cpSync(join(FIXTURE, "index.html"), join(dist, "index.html"));
    const a = JSON.parse(opsctl(["deploy-web", "dist", "--sandbox", "--json"], w).stdout);
    expect(a.uploaded).toEqual(["index.html"]);
    expect(a.invalidation.id).not.toBe(b.invalidation.id);
    expect(a.invalidation.paths).toEqual(["/", "/index.html"]);
  });

  it("a run that stopped after its uploads and before the invalidation: the next run invalidates those files", async () => {
    const bucket = "opsctl-demo-web-123456789012-eu-west-1";
    // What the stopped run left: the new index.html uploaded exactly as deploy-web uploads it, no invalidation.
    writeFileSync(join(dist, "index.html"), "<!doctype html><p>C</p>\n");
    const c = readFileSync(join(dist, "index.html"));
    await inspect(
      w.state,
      async (aws) => {
        const cMd5 = createHash("md5").update(c).digest("hex");
        await (await aws.get("s3")).send(new PutObjectCommand({ Bucket: bucket, Key: "index.html", Body: c, ContentType: "text/html; charset=utf-8", CacheControl: "no-cache", Metadata: { md5: cMd5 } }));
      },
      true,
    );
    const r = JSON.parse(opsctl(["deploy-web", "dist", "--sandbox", "--json"], w).stdout);
    expect(r.uploaded).toEqual([]);
    expect(r.invalidation).toMatchObject({ status: "Completed", paths: ["/", "/index.html"] });
    const again = JSON.parse(opsctl(["deploy-web", "dist", "--sandbox", "--json"], w).stdout);
    expect(again.invalidation).toBeNull();
  });
});
