import { execFileSync } from "node:child_process";

/** Vitest global setup: compile the CLI once so the CLI tests run the shipped artefact (bin/opsctl.js → dist). */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
