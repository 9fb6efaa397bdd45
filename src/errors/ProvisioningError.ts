/**
 * How a failed IAM call should be handled by whoever retries it (DESIGN.md §6):
 * - throttling: slow the target's rate and retry; not a failure.
 * - transient: retry with backoff, then dead letter.
 * - permanent: dead letter at once with the reason.
 * - auth: pause the target's work; retrying burns attempts for nothing.
 */
export type ProvisioningErrorKind = "throttling" | "transient" | "permanent" | "auth";

export interface ProvisioningErrorDetails {
  /** AWS error code without the SDK's `Exception` suffix, a Node network code, or one of ours. */
  code: string;
  /** The IAM action (e.g. `CreateUser`) or our operation that failed. */
  action: string;
  userName?: string;
  /** AWS's own message, already free of secrets. */
  detail?: string;
  httpStatus?: number;
  requestId?: string;
}

/**
 * Base of every error the target throws. The message is built only from code, action, user name and
 * AWS's message, never from request input, so it is safe to log and to keep in a dead letter.
 */
export abstract class ProvisioningError extends Error {
  abstract readonly kind: ProvisioningErrorKind;
  readonly code: string;
  readonly action: string;
  readonly userName?: string;
  readonly detail?: string;
  readonly httpStatus?: number;
  readonly requestId?: string;

  constructor(details: ProvisioningErrorDetails) {
    const who = details.userName === undefined ? "" : ` (${details.userName})`;
    const why = details.detail ? `: ${details.detail}` : "";
    super(`${details.action}${who} failed with ${details.code}${why}`);
    this.code = details.code;
    this.action = details.action;
    if (details.userName !== undefined) this.userName = details.userName;
    if (details.detail !== undefined) this.detail = details.detail;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.requestId !== undefined) this.requestId = details.requestId;
  }

  /** Whether trying the same thing again later can succeed without anyone changing anything. */
  get retryable(): boolean {
    return this.kind === "throttling" || this.kind === "transient";
  }
}
