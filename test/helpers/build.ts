import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

/** The CLI imports the API's signing-key module through the package export, i.e. from api/dist. */
const API_KEY_SRC = "api/src/keys/signing-key.ts";
const API_KEY_OUT = "api/dist/src/keys/signing-key.js";

/** Vitest global setup: compile the CLI once so the CLI tests run the shipped artefact (bin/opsctl.js → dist). */
export default function setup(): void {
  // The API workspace is compiled only when its signing-key module is missing or older than its source.
  if (!existsSync(API_KEY_OUT) || statSync(API_KEY_OUT).mtimeMs < statSync(API_KEY_SRC).mtimeMs) {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "api/tsconfig.build.json"], { stdio: "inherit" });
  }
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
