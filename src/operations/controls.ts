/**
 * Every control ID of the spec (SPEC.md, "The environment, as controls"), so `audit` can say which
 * ones the live environment proves and which ones are checked elsewhere.
 */
export const CONTROL_IDS: readonly string[] = [
  ...range("NET", 10),
  ...range("SG", 6),
  ...range("BAS", 3),
  ...range("RDS", 12),
  "RED-01",
  ...range("ECS", 5),
  ...range("MON", 2),
  ...range("ALB", 4),
  ...range("S3", 3),
  ...range("CDN", 3),
  "KMS-01",
  ...range("SM", 4),
  ...range("IAM", 4),
  ...range("API", 11),
];

/** Controls that no AWS resource can show, and where they are checked instead. */
export const CHECKED_ELSEWHERE: Readonly<Record<string, string>> = {
  "BAS-03": "reachability from the bastion: SG-03 admits it to MySQL, which `opsctl tunnel` forwards to a local port; SG-04 keeps Redis to ECS only (RED-01), so there is no Redis tunnel",
  ...Object.fromEntries(range("API", 11).map((id) => [id, "the API package's tests (npm test -w api)"])),
};

function range(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(2, "0")}`);
}
