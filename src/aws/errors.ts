/** The AWS error code of an SDK error (`e.name`, e.g. "InvalidVpcID.NotFound"), or undefined. */
export function errorCode(e: unknown): string | undefined {
  if (e && typeof e === "object" && "name" in e && "$metadata" in e) return String((e as { name: unknown }).name);
  return undefined;
}

/**
 * True when `e` is an AWS error with one of `codes`: its name, or AWS's wire code. For a modeled error
 * of a query-protocol service the SDK names the error after the model's shape and keeps the wire code
 * in `Code` (IAM's `NoSuchEntity` is a `NoSuchEntityException` with Code `NoSuchEntity`).
 */
export function isCode(e: unknown, ...codes: string[]): boolean {
  const c = errorCode(e);
  if (c === undefined) return false;
  const wire = (e as { Code?: unknown }).Code;
  return codes.includes(c) || (typeof wire === "string" && codes.includes(wire));
}

/** The request id of an AWS error, when AWS sent one. */
export function requestId(e: unknown): string | undefined {
  const m = (e as { $metadata?: { requestId?: string } })?.$metadata;
  return m?.requestId;
}

/**
 * "Not found" codes across services (EC2 `InvalidVpcID.NotFound`, IAM `NoSuchEntity`, RDS and
 * ElastiCache `…NotFoundFault`, `ResourceNotFoundException` …): the resource does not exist (or is not visible yet).
 */
export function isNotFound(e: unknown): boolean {
  const c = errorCode(e);
  return c !== undefined && (/NotFound(Fault|Exception)?$/.test(c) || /^NoSuch/.test(c));
}

/** Throttling and server-side errors that outlived the SDK's retries: worth trying again a little later. */
export function isTransient(e: unknown): boolean {
  const code = errorCode(e);
  if (!code) return false;
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  return /Throttl|RequestLimitExceeded|SlowDown|TooManyRequests|RequestThrottled|ServiceUnavailable/.test(code) || status === 429 || status === 503;
}

/** What the SDK keeps of an HTTP answer it could not read as an AWS response. */
interface RawAnswer {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
}

/**
 * True when `e` is the SDK's account of an answer that is not an AWS response at all: an HTML error
 * page or an empty body (a proxy, a captive portal, an emulator that does not implement the
 * operation). The SDK then reports no AWS error code, only `Unknown` / `UnknownError`, a JSON
 * `SyntaxError`, or an "XML parse error … Deserialization error" with the raw answer in `$response`.
 */
export function isNonAwsAnswer(e: unknown): boolean {
  if (!e || typeof e !== "object" || !("$metadata" in e)) return false;
  const err = e as { name?: string; message?: string };
  return err.name === "Unknown" || err.name === "UnknownError" || err.name === "SyntaxError" || /Deserialization error|XML parse error/.test(err.message ?? "");
}

/**
 * One line for an answer that is not AWS's (see {@link isNonAwsAnswer}), naming the endpoint, the
 * service and operation, the HTTP status and what the body was, e.g. `http://127.0.0.1:5000 answered
 * rds DescribeDBEngineVersions with HTTP 500 and an HTML page, not an AWS response`.
 */
export function nonAwsAnswerMessage(e: unknown, endpoint: string, service: string, operation: string): string {
  const raw = (e as { $response?: RawAnswer }).$response;
  const status = raw?.statusCode ?? (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const type = Object.entries(raw?.headers ?? {}).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "";
  const length = Object.entries(raw?.headers ?? {}).find(([k]) => k.toLowerCase() === "content-length")?.[1];
  const body = /html/i.test(type) ? "an HTML page" : length === "0" || (!type && !raw) ? "an empty body" : type ? `a ${type.split(";")[0]} body` : "a body it could not read";
  return `${endpoint} answered ${service} ${operation} with HTTP ${status ?? "?"} and ${body}, not an AWS response`;
}
