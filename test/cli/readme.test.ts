import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { usedActions } from "../helpers/iam-actions.js";

describe("README", () => {
  it("lists every AWS permission that plan, up, status, a drift repair, pause, restore and down use", async () => {
    const readme = readFileSync("README.md", "utf8");
    const used = await usedActions();
    const missing = [...used].filter((a) => !readme.includes(`"${a}"`));
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(150);
  });
});
