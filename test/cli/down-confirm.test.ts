import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { runUp } from "../../src/operations/environment.js";
import { sandboxSession, TEST_CONFIG } from "../helpers/env.js";
import { sandboxWrites, workdir } from "../helpers/cli.js";

/**
 * Issue 10, item 6: on a terminal, `down` first says what it deletes and keeps (with the configured
 * recovery window), then asks for the environment's name typed back. Run under a pseudo-terminal
 * (util-linux `script`), since the question is only asked on a TTY.
 */
const BIN = resolve("bin/opsctl.js");

function downOnTty(w: ReturnType<typeof workdir>, typed: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, OPSCTL_SANDBOX_STATE: w.state, OPSCTL_QUIET_NODE: "1", NO_COLOR: "1" };
  delete env.CI;
  const r = spawnSync("script", ["-qfec", `${process.execPath} ${BIN} down --sandbox`, "/dev/null"], { cwd: w.dir, input: `${typed}\r`, encoding: "utf8", env, timeout: 60_000 });
  return { code: r.status, out: r.stdout };
}

describe("down on a terminal: the summary first, then the environment's name typed back", () => {
  it("shows what exists and what is kept for how long; a wrong name cancels with exit 1 and no write", async () => {
    const w = workdir();
    const config = { ...TEST_CONFIG, storage: { secretRecoveryWindowDays: 10 } };
    w.writeConfig(config);
    const s = sandboxSession({ config });
    expect((await runUp(s, { emit: () => {} })).report.ok).toBe(true);
    s.sandbox.save(w.state);
    s.close();
    const before = sandboxWrites(w.state);

    const r = downOnTty(w, "prod");
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/down deletes environment demo in eu-west-1: \d+ resources exist \(of the \d+ in the plan\)/);
    expect(r.out).toMatch(/kept: the database, as its final snapshot demo-final-\d{8}hhmmss/);
    expect(r.out).toMatch(/kept: \d+ secrets, restorable for 10 days/);
    expect(r.out).toMatch(/kept: \d+ KMS keys, scheduled for deletion in 30 days/);
    expect(r.out).toContain("Type the environment name (demo) to delete it:");
    expect(r.out).toContain('down: "prod" is not demo; cancelled, nothing deleted');
    expect(sandboxWrites(w.state) - before).toBe(0);
  });
});
