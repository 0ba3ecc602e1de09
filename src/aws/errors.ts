/** The AWS error code of an SDK error (`e.name`, e.g. "InvalidVpcID.NotFound"), or undefined. */
export function errorCode(e: unknown): string | undefined {
  if (e && typeof e === "object" && "name" in e && "$metadata" in e) return String((e as { name: unknown }).name);
  return undefined;
}

/** True when `e` is an AWS error with one of `codes`. */
export function isCode(e: unknown, ...codes: string[]): boolean {
  const c = errorCode(e);
  return c !== undefined && codes.includes(c);
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
