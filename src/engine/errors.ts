/**
 * "Not ready yet, ask again": eventual consistency, a dependency still being
 * released, a resource still in a transitional state. Never a failure by
 * itself; the executor retries it on the clock until the node's budget ends.
 */
export class TryAgainLater extends Error {
  constructor(
    message: string,
    readonly retryAfterMs = 5_000,
  ) {
    super(message);
    this.name = "TryAgainLater";
  }
}

/** Who is at fault for an error: decides the exit code and the wording. */
export type Fault = "user" | "aws" | "tool";

/**
 * An error meant for the operator: one line that names what failed, plus a hint.
 * `code` is stable (for scripts); `fault: "user"` means bad input (exit code 2).
 */
export class OpsError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly fault: Fault;
  constructor(code: string, message: string, opts: { hint?: string; fault?: Fault; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "OpsError";
    this.code = code;
    this.hint = opts.hint;
    this.fault = opts.fault ?? "tool";
  }
}

/** Bad input from the operator (config, flags): exit code 2, nothing written. */
export class InputError extends OpsError {
  constructor(field: string, message: string, hint?: string) {
    super("bad_input", `${field}: ${message}`, { hint, fault: "user" });
    this.name = "InputError";
  }
}

/** A wait or a retry loop ran out of its time budget. */
export class BudgetExceeded extends OpsError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super("budget_exceeded", message, { hint, fault: "aws", cause });
    this.name = "BudgetExceeded";
  }
}
