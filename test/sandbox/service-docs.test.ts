import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allServices } from "../../src/sandbox/services/index.js";

/** Issue 14: every simulated service has its own behaviour spec, `src/sandbox/services/<key>.md`, naming its client. */
describe("every sandbox service has its own .md", () => {
  for (const s of allServices()) {
    it(`${s.key} (${s.clientName})`, () => {
      const md = new URL(`../../src/sandbox/services/${s.key}.md`, import.meta.url);
      expect(existsSync(md), `src/sandbox/services/${s.key}.md`).toBe(true);
      expect(readFileSync(md, "utf8")).toContain(s.clientName);
    });
  }
});
