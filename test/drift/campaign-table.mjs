// Turns the rows test/drift wrote (OPSCTL_DRIFT_SUMMARY, JSON lines) into the README's campaign table:
//   OPSCTL_DRIFT_SUMMARY=/tmp/drift.jsonl npx vitest run test/drift && node test/drift/campaign-table.mjs /tmp/drift.jsonl
import { readFileSync } from "node:fs";
import process from "node:process";

const rows = readFileSync(process.argv[2], "utf8").trim().split("\n").map((l) => JSON.parse(l));
const order = { delete: 0, control: 1, special: 2 };
rows.sort((a, b) => order[a.part] - order[b.part] || a.seed.localeCompare(b.seed, "en", { numeric: true }));
const esc = (s) => String(s).replace(/\|/g, "\\|");
const lines = ["| seed (out of band, through the SDK) | detected by | repaired in N runs | writes on the next run |", "|---|---|---|---|"];
for (const r of rows) lines.push(`| ${esc(r.seed)} | ${esc(r.detectedBy)} | ${r.repairedInRuns} | ${r.secondUpWrites} |`);
const del = rows.filter((r) => r.part === "delete");
const ctl = rows.filter((r) => r.part === "control");
const precise = ctl.filter((r) => r.detectedBy.startsWith(`audit ${r.seed.split(":")[0]} (`));
const kinds = new Set(del.map((r) => r.node)).size;
lines.push("", `Totals: ${kinds} kinds deleted in ${del.length} cases, ${del.filter((r) => r.repairedInRuns === 1 && r.secondUpWrites === 0).length} cases repaired by one run with 0 writes on the next; ` +
  `${ctl.length} controls broken, ${ctl.filter((r) => !r.detectedBy.startsWith("not")).length} detected, ${precise.length} detected precisely (only that control fails), ${ctl.filter((r) => r.repairedInRuns === 1).length} repaired by one run.`);
process.stdout.write(lines.join("\n") + "\n");
