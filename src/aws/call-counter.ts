/**
 * True for operations that only read (Describe*, List*, Get*, Head*, Lookup*, …).
 * Everything else counts as a write.
 */
export function isReadOperation(operation: string): boolean {
  return /^(Describe|List|Get|Head|Lookup|Search|BatchGet|Check|Test|Validate|Simulate|Query|Scan|Select|Preview)/.test(operation);
}

/** Counts AWS API calls (logical calls, not retries) per kind. */
export class CallCounter {
  reads = 0;
  writes = 0;
  readonly byOperation = new Map<string, number>();

  /** Records one call of `service:operation`. */
  record(service: string, operation: string): void {
    if (isReadOperation(operation)) this.reads++;
    else this.writes++;
    const key = `${service}:${operation}`;
    this.byOperation.set(key, (this.byOperation.get(key) ?? 0) + 1);
  }

  /** A snapshot `{ read, write }`. */
  snapshot(): { read: number; write: number } {
    return { read: this.reads, write: this.writes };
  }
}
