import { describe, expect, it } from "vitest";
import { opsctl, workdir } from "../helpers/cli.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { allServices } from "../../src/sandbox/services/index.js";

const DAY = 24 * 3600_000;

describe("the README's try-it sequence through the CLI: up → pause → down --yes (issue 9, defect 2)", () => {
  // The 8-day variant runs at the operation level (test/scenario/pause-down.test.ts): one CLI run is enough here.
  for (const days of [0]) {
    it(`up → pause →${days ? ` ${days} simulated days (AWS restarts the database after 7) →` : ""} down --yes: exit 0, the final snapshot kept`, () => {
      const w = workdir();
      const up = opsctl(["up", "--sandbox"], w);
      expect(up.code, up.stderr).toBe(0);
      const pause = opsctl(["pause", "--sandbox", "--yes"], w);
      expect(pause.code, pause.stderr).toBe(0);
      if (days) {
        const sb = Sandbox.load(w.state, { services: allServices() });
        sb.clock.advance(days * DAY);
        sb.save(w.state);
      }
      const down = opsctl(["down", "--sandbox", "--yes", "--json"], w);
      expect(down.code, down.stderr).toBe(0);
      const d = JSON.parse(down.stdout) as { kept: string[] };
      expect(d.kept.filter((k) => /db-instance:main .*final snapshot demo-final-\d{14}/.test(k))).toHaveLength(1);
      const again = opsctl(["down", "--sandbox", "--yes", "--json"], w);
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as { apiCalls: { write: number } }).apiCalls.write).toBe(0);
    }, 300_000);
  }
});
