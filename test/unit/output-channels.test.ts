import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/*
 * Issue 14, "One event stream": every line a command prints comes from events rendered by src/output.
 * This test reads the source of commands/, plans/ and src/ (src/output is the renderer; src/sandbox is
 * the simulated AWS, which prints nothing either and is scanned too) and fails on any direct use of
 * the process's output streams or the console, naming file:line.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCANNED = ["commands", "plans", "src", "bin"];
/** The renderers: the one place allowed to write. */
const RENDERER = "src/output/";

/** A direct write: `process.stdout`/`process.stderr` used for anything but asking `.isTTY`, or `console.*(`. */
const DIRECT = /process\.(?:stdout|stderr)(?!\.isTTY\b)|\bconsole\.[a-z]+\s*\(/;

/**
 * The allow-list: lines that must write (or hand a stream to a library) without an event. Each entry
 * names the file, a fragment of the line, and why. An entry that no longer matches fails the test,
 * so the list cannot outlive its reason.
 */
const ALLOWED: { file: string; fragment: string; why: string }[] = [
  // The CLI's top level runs before any renderer exists and after it is gone: the Node version note and the last-chance error handler.
  { file: "src/cli.ts", fragment: "process.stderr.write(`note: Node", why: "printed before a command is parsed, before any renderer" },
  { file: "src/cli.ts", fragment: "process.stderr.write(formatError(e, debug)", why: "the top-level error handler: the renderer may be gone when an error reaches it" },
  // The Lambda function runs in AWS, not in the CLI: console.log is its CloudWatch Logs channel
  // (Lambda developer guide, "Log and monitor Node.js Lambda functions").
  { file: "src/rotation-lambda/handler.ts", fragment: "console.log(l)", why: "the rotation Lambda's log goes to CloudWatch Logs" },
  // The interactive prompt library (@inquirer/prompts) draws its own UI; it is given stderr so stdout keeps only results.
  { file: "commands/command-runner.ts", fragment: "{ output: process.stderr }", why: "--force-unlock confirmation prompt" },
  { file: "commands/down.ts", fragment: "{ output: process.stderr }", why: "down's confirmation prompt" },
  { file: "commands/secrets.ts", fragment: "{ output: process.stderr }", why: "hidden-value prompts of secrets set" },
  { file: "commands/init.ts", fragment: "{ output: process.stderr }", why: "init's interactive questions" },
];

/** The direct writes in one file's text, as `line: text` pairs (1-based lines). */
export function directWrites(text: string): { line: number; text: string }[] {
  return text
    .split("\n")
    .map((t, i) => ({ line: i + 1, text: t }))
    .filter((l) => DIRECT.test(l.text));
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(?:ts|js|mjs)$/.test(name) && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

describe("one event stream (issue 14): only src/output writes to the terminal", () => {
  it("the scanner finds direct writes and leaves TTY checks and renderer calls alone", () => {
    const sample = [
      'process.stdout.write("x\\n");',
      "(o.print ? process.stderr : process.stdout).write(lines);",
      "console.error(e);",
      "const color = Boolean(process.stdout.isTTY);",
      'progress.emit({ type: "result", text });',
      "// nothing printed here",
    ].join("\n");
    expect(directWrites(sample).map((w) => w.line)).toEqual([1, 2, 3]);
  });

  it("commands/, plans/, bin/ and src/ (except src/output) write only through events; each allow-list entry is still needed", () => {
    const files = SCANNED.flatMap((d) => sourceFiles(join(ROOT, d))).map((p) => relative(ROOT, p).split("\\").join("/"));
    expect(files).toContain("commands/deploy-web.ts");
    expect(files).toContain("src/operations/image-push.ts");
    const used = new Set<number>();
    const offending: string[] = [];
    for (const file of files) {
      if (file.startsWith(RENDERER)) continue;
      for (const w of directWrites(readFileSync(join(ROOT, file), "utf8"))) {
        const i = ALLOWED.findIndex((a) => a.file === file && w.text.includes(a.fragment));
        if (i >= 0) used.add(i);
        else offending.push(`${file}:${w.line}: ${w.text.trim()}`);
      }
    }
    // Emit an event (src/output/events.ts) instead; the renderers in src/output print it.
    expect(offending).toEqual([]);
    expect(ALLOWED.filter((_, i) => !used.has(i)).map((a) => `${a.file}: ${a.fragment}`)).toEqual([]);
  });
});
