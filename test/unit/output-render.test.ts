import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/output/progress.js";
import { print } from "../../src/output/print.js";
import type { Clock } from "../../src/engine/clock.js";

/** A stream that keeps what was written. */
function sink() {
  const chunks: string[] = [];
  return { chunks, write: (t: string) => chunks.push(t), text: () => chunks.join("") };
}

const clock = { now: () => 0 } as unknown as Clock;

describe("the plain renderer (src/output): results on stdout, progress on stderr", () => {
  it("renders operation events as the lines deploy-web and image push printed before, and passes engine output through", async () => {
    const out = sink();
    const err = sink();
    const p = await createProgress({ interactive: false, stream: err as never, out, clock, simulated: true });
    p.emit({ type: "web-upload", bucket: "b", files: 3 });
    p.emit({ type: "web-invalidation-wait", invalidationId: "I1", distributionId: "D1" });
    p.emit({ type: "image-build", ref: "r:t", engine: "docker", context: "/x" });
    p.emit({ type: "tool-output", chunk: "step 1/2" });
    p.emit({ type: "tool-output", chunk: " done\n" });
    p.emit({ type: "image-simulated", ref: "r:t" });
    p.stop();
    expect(err.text()).toBe(
      [
        "uploading 3 file(s) to s3://b",
        "invalidation I1 of D1: waiting for Completed",
        "building r:t with docker (context /x)",
        "step 1/2 done",
        "sandbox: simulating the build of r:t (no engine runs)",
        "",
      ].join("\n"),
    );
    expect(out.text()).toBe("");
  });

  it("a result goes to stdout (one line break added only when missing), a notice or warning to stderr; quiet drops progress but never a result", async () => {
    const out = sink();
    const err = sink();
    const p = await createProgress({ interactive: false, stream: err as never, out, clock, simulated: false, quiet: true });
    p.emit({ type: "node-start", node: "vpc:main", at: 0 });
    p.emit({ type: "web-upload", bucket: "b", files: 1 });
    p.emit({ type: "result", text: "a" });
    p.emit({ type: "result", text: "export X=1\n" });
    p.emit({ type: "result-json", doc: { ok: true } });
    p.emit({ type: "notice", text: "wrote f" });
    p.emit({ type: "warning", field: "network", text: "w" });
    expect(out.text()).toBe('a\nexport X=1\n{\n  "ok": true\n}\n');
    expect(err.text()).toBe("wrote f\nWARNING: network: w\n");
  });

  it("print() renders the same events without a renderer", () => {
    const out = sink();
    const err = sink();
    print({ type: "result-json", doc: [1] }, { out, err });
    print({ type: "warning", text: "lease" }, { out, err });
    expect(out.text()).toBe("[\n  1\n]\n");
    expect(err.text()).toBe("WARNING: lease\n");
  });
});
