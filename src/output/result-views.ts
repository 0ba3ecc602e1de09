import type { DeployWebResult } from "../operations/deploy-web.js";
import type { ImagePushResult } from "../operations/image-push.js";
import type { EnvironmentRun } from "../operations/environment.js";
import type { PauseSavings } from "../operations/runbooks.js";
import type { SecretSetResult } from "../operations/secrets.js";
import type { RotateKeysRun } from "../operations/rotate-keys.js";
import type { DevCredentialsResult } from "../operations/dev-credentials.js";
import { summaryLine } from "./summary.js";
import { renderTable } from "./table.js";

/*
 * The result text of each command (stdout), built from the operation's result data. Commands emit
 * it as a `result` event (src/output/events.ts); --json prints the data instead.
 */

/** `deploy-web`: one line with the counts and the invalidation. */
export function deployWebText(r: DeployWebResult): string {
  const inv = r.invalidation ? `invalidation ${r.invalidation.id} (${r.invalidation.paths.join(" ")}) ${r.invalidation.status}` : "no invalidation (nothing changed)";
  return `deploy-web s3://${r.bucket}: ${r.uploaded.length} uploaded, ${r.unchanged.length} unchanged, ${r.deleted.length} deleted; ${inv} on ${r.distributionId}`;
}

/** `image push`: what was pushed, the reference pinned by digest, and what to do next. */
export function imagePushText(r: ImagePushResult): string {
  return [
    `${r.pushed ? "pushed" : "already pushed"} ${r.repositoryUri}:${r.tag}${r.engine === "sandbox" ? " (simulated: no engine ran)" : ` with ${r.engine}`}`,
    r.reference,
    "next: `opsctl up` deploys the newest pushed image automatically (unless the config names compute.image); or pin this one with",
    `  opsctl up --image ${r.reference}`,
  ].join("\n");
}

/** `pause`: the run's summary, what it saves per hour and month, what is kept, and RDS's 7-day restart. */
export function pauseText(run: EnvironmentRun, savings: PauseSavings, rdsAutoStartAt: string | undefined, simulated: boolean): string {
  return [
    summaryLine(run, simulated),
    `saves about $${savings.hourly.toFixed(3)}/hour, $${savings.monthly.toFixed(2)}/month in ${savings.region} (list prices of ${savings.date}, src/aws/prices.json):`,
    ...savings.lines.map((l) => `  ${l.item}: ${l.hourly === undefined ? "price unknown" : `$${l.hourly.toFixed(4)}/h`}`),
    "kept: the database (stopped, with its storage and backups), the buckets, the secrets and keys, the target group and the ECS service definition",
    // StopDBInstance: a DB instance stopped for 7 consecutive days is started again automatically.
    `AWS starts a stopped RDS instance again after 7 days${rdsAutoStartAt ? ` (this one on ${rdsAutoStartAt})` : ""}: run \`opsctl pause\` again before then to stop it again`,
  ].join("\n");
}

/** `secrets set`: which fields changed (never the values). */
export function secretSetText(r: SecretSetResult): string {
  return r.changed.length ? `${r.name}: set (changed: ${r.changed.join(", ")}; values not shown)` : `${r.name}: unchanged (the same values are already set)`;
}

/** One row of `audit`. */
export interface AuditRow {
  id: string;
  result: string;
  why: string;
}

/** `audit`: the table of controls and the tally. */
export function auditText(rows: AuditRow[], color: boolean): string {
  const failed = rows.filter((r) => r.result === "FAIL").length;
  const pending = rows.filter((r) => r.result === "pending").length;
  return [
    renderTable(["control", "result", "nodes / reason"], rows.map((r) => [r.id, r.result, r.why.length > 110 ? r.why.slice(0, 109) + "…" : r.why]), color),
    `${rows.filter((r) => r.result === "pass").length} pass, ${failed} fail, ${pending ? `${pending} pending (maintenance window), ` : ""}${rows.filter((r) => r.result === "n/a").length} checked elsewhere`,
  ].join("\n");
}

/** `rotate-keys`: one line per key, then the tally. */
export function rotationText(run: RotateKeysRun, dryRun: boolean, simulated: boolean): string {
  const lines: string[] = [];
  let rotated = 0;
  for (const o of run.report.outcomes) {
    const d = o.description?.details ?? {};
    const name = o.node.slice(o.node.indexOf(":") + 1);
    if (o.status === "failed") lines.push(`error: ${name}: ${(o.error as Error)?.message ?? String(o.error)}`);
    else if (o.action === "update") {
      rotated++;
      lines.push(dryRun ? `would rotate ${name} (key ${d.kid}, ${o.description?.state})` : `rotated ${name}: ${d.previousKid} -> ${d.kid} (next rotation ${d.nextRotation})`);
    } else if (o.status === "done") lines.push(`${name}: not rotated (${o.description?.state}, next rotation ${d.nextRotation})`);
  }
  const secs = Math.round(run.makespanMs / 1000);
  lines.push(`rotate-keys${dryRun ? " --dry-run" : ""}: ${rotated} ${dryRun ? "would rotate" : "rotated"}, ${run.report.outcomes.length - rotated} unchanged — ${run.apiCalls.read} reads, ${run.apiCalls.write} writes, ${secs}s${simulated ? " simulated" : ""}`);
  return lines.join("\n");
}

/** `dev-credentials`: what happened to the key (never the secret itself; `--print` adds export lines on stdout). */
export function devCredentialsText(r: DevCredentialsResult, print: boolean): string {
  const lines: string[] = [];
  if (r.action === "revoked") lines.push(`${r.user}: ${r.deletedKeys.length} access key(s) deleted${r.deletedKeys.length ? ` (${r.deletedKeys.join(", ")})` : ""}; ${r.secretDeleted ? `secret ${r.secret} deleted` : `no secret ${r.secret}`}`);
  else {
    const what = { reused: "reusing the stored key", created: "created a new key", rotated: `rotated: new key stored, deleted ${r.deletedKeys.join(", ") || "nothing"}` }[r.action];
    lines.push(`${r.user}: ${what} ${r.key!.accessKeyId} (secret ${r.secret})`);
    if (r.action !== "reused") lines.push("a new key can take a few seconds to work everywhere (IAM is eventually consistent)");
    if (r.otherKeys.length) lines.push(`note: ${r.user} also has ${r.otherKeys.join(", ")}, not stored by opsctl (\`--rotate\` or \`--revoke\` removes it)`);
    if (!print) lines.push("`opsctl dev-credentials --print` prints it as export lines");
  }
  return lines.join("\n");
}
