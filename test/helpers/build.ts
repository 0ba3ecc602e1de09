import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";

/** The CLI imports the API's signing-key module through the package export, i.e. from api/dist. */
const API_KEY_SRC = "api/src/keys/signing-key.ts";
const API_KEY_OUT = "api/dist/src/keys/signing-key.js";
/** Written by every CLI build (tsconfig.build.json: incremental), so its time is the last build's. */
const BUILD_INFO = "dist/.tsbuildinfo";
const CLI_INPUTS = ["src", "commands", "plans", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];

/** The newest modification time of a file or of any file below a folder. */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), st.mtimeMs);
}

/**
 * Vitest global setup: compile the CLI so the CLI tests run the shipped artefact (bin/opsctl.js → dist).
 * Skipped when the last build is newer than every input (in CI, `npm ci` has just built it via `prepare`).
 */
export default function setup(): void {
  // The API workspace is compiled only when its signing-key module is missing or older than its source.
  if (!existsSync(API_KEY_OUT) || statSync(API_KEY_OUT).mtimeMs < statSync(API_KEY_SRC).mtimeMs) {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "api/tsconfig.build.json"], { stdio: "inherit" });
  }
  if (existsSync(BUILD_INFO) && statSync(BUILD_INFO).mtimeMs >= Math.max(...CLI_INPUTS.map(newest))) return;
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  // An incremental build that found nothing to emit leaves the file as it was: mark this check's time.
  const now = new Date();
  utimesSync(BUILD_INFO, now, now);
}
