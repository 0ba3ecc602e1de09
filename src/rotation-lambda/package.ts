/**
 * The rotation Lambda's deployment package, built in memory from the compiled handler (`npm run build`
 * emits it to dist/): the handler and the grace rule laid out as in dist/, the API package's
 * signing-key module as node_modules/@opsctl/api (the handler imports it through the package's
 * `./signing-key` export) and the @noble/hashes files it imports.
 * The AWS SDK is not included: the nodejs22.x runtime provides @aws-sdk/client-secrets-manager.
 *
 * The zip is deterministic (sorted entries, fixed timestamps), so its SHA-256 only changes with the
 * code and `up` updates the function only then.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { zipSync, type Zippable } from "fflate";
import { OpsError } from "../engine/errors.js";

/** The function's Handler setting for this package. */
export const ROTATION_HANDLER = "src/rotation-lambda/handler.handler";

/** Files of the package, relative to the compiled output root (dist/). */
const OWN_FILES = ["src/rotation-lambda/handler.js", "src/rotation-lambda/grace.js"];

/** The compiled output root: dist/ beside the sources, or this file's own tree when it runs from dist/. */
function distRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, "../.."), resolve(here, "../../dist")];
  const root = candidates.find((c) => OWN_FILES.every((f) => existsSync(join(c, f))));
  if (!root) {
    throw new OpsError("lambda_not_built", "the rotation Lambda is not compiled (dist/src/rotation-lambda/handler.js is missing)", { hint: "run `npm run build` first", fault: "tool" });
  }
  return root;
}

/** @noble/hashes as installed: its package.json and top-level ES modules. */
function nobleFiles(): Record<string, Uint8Array> {
  const dir = dirname(createRequire(import.meta.url).resolve("@noble/hashes/blake2.js"));
  const out: Record<string, Uint8Array> = {};
  for (const f of readdirSync(dir).sort()) {
    if (f.endsWith(".js") || f === "package.json" || f === "LICENSE") out[`node_modules/@noble/hashes/${f}`] = readFileSync(join(dir, f));
  }
  return out;
}

/**
 * The API package's signing-key module (compiled: `npm run build` builds the API workspace first) under
 * node_modules/@opsctl/api, with a package.json that exports only it (deterministic, whatever the API's version).
 */
function apiFiles(): Record<string, Uint8Array> {
  let file: string;
  try {
    file = createRequire(import.meta.url).resolve("@opsctl/api/signing-key");
  } catch {
    throw new OpsError("lambda_not_built", "the API package's signing-key module is not compiled (api/dist/src/keys/signing-key.js is missing)", { hint: "run `npm run build` first", fault: "tool" });
  }
  const manifest = { name: "@opsctl/api", private: true, type: "module", exports: { "./signing-key": "./dist/src/keys/signing-key.js" } };
  return {
    "node_modules/@opsctl/api/package.json": new TextEncoder().encode(JSON.stringify(manifest) + "\n"),
    "node_modules/@opsctl/api/dist/src/keys/signing-key.js": readFileSync(file),
  };
}

/** Builds the rotation Lambda's zip (deterministic for the same compiled code). */
export function rotationLambdaZip(): Buffer {
  const root = distRoot();
  const files: Record<string, Uint8Array> = {
    // The compiled code is ES modules; the runtime needs this to load .js files as such.
    "package.json": new TextEncoder().encode(JSON.stringify({ type: "module", private: true }) + "\n"),
    ...Object.fromEntries(OWN_FILES.map((f) => [f, readFileSync(join(root, f))])),
    ...apiFiles(),
    ...nobleFiles(),
  };
  // fflate writes DOS times from a Date's local fields: a Date made from local fields is the same zip in every time zone.
  const mtime = new Date(2000, 0, 1, 0, 0, 0);
  const tree: Zippable = {};
  for (const name of Object.keys(files).sort()) tree[name] = [files[name], { mtime, level: 9 }];
  return Buffer.from(zipSync(tree, { mtime }));
}
