import { AuthError } from "../../errors/AuthError.js";
import { PermanentError } from "../../errors/PermanentError.js";
import { ProvisioningError, type ProvisioningErrorDetails } from "../../errors/ProvisioningError.js";
import { ThrottlingError } from "../../errors/ThrottlingError.js";
import { TransientError } from "../../errors/TransientError.js";

/**
 * Turns whatever the SDK (or Node's network stack) threw into one of our typed errors, once, at the
 * call boundary, so that queue code decides retries from `kind` and never parses AWS codes itself.
 */

const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "SlowDown",
]);

const TRANSIENT = new Set([
  "ServiceFailure",
  "ServiceUnavailable",
  "InternalFailure",
  "InternalError",
  "InternalServerError",
  "ConcurrentModification",
  "EntityTemporarilyUnmodifiable",
  "RequestTimeout",
  "TimeoutError",
  "RequestTimeoutException",
]);

const AUTH = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "ExpiredToken",
  "UnrecognizedClient",
  "InvalidAccessKeyId",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "AuthFailure",
  "InvalidSecurity",
  "CredentialsProviderError",
  "TokenProviderError",
]);

/** Node's codes for a connection that failed or broke: the request may or may not have been applied. */
const NETWORK = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EPROTO",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number };
}

/**
 * The AWS code as the API reference spells it: the SDK appends `Exception` to modelled errors
 * (`NoSuchEntityException`), unmodelled ones keep the wire code (`Throttling`).
 */
export function awsErrorCode(err: unknown): string {
  if (err instanceof ProvisioningError) return err.code;
  const e = (typeof err === "object" && err !== null ? err : {}) as ErrorShape;
  const raw = [e.Code, e.code, e.name].find((v): v is string => typeof v === "string" && v.length > 0) ?? "Unknown";
  if (NETWORK.has(raw) || raw === "CredentialsProviderError" || raw === "TokenProviderError") return raw;
  return raw.endsWith("Exception") && raw !== "Exception" ? raw.slice(0, -"Exception".length) : raw;
}

function httpStatusOf(e: ErrorShape): number | undefined {
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

export type ErrorKind = ProvisioningError["kind"];

/** The kind for a code / status / message; exported so the table can be tested without SDK objects. */
export function kindOf(code: string, httpStatus: number | undefined, message: string): ErrorKind {
  const bare = code.endsWith("Exception") ? code.slice(0, -"Exception".length) : code;
  if (THROTTLING.has(code) || THROTTLING.has(bare) || httpStatus === 429 || /rate exceeded/i.test(message)) {
    return "throttling";
  }
  if (AUTH.has(code) || AUTH.has(bare)) return "auth";
  if (TRANSIENT.has(code) || TRANSIENT.has(bare) || NETWORK.has(code)) return "transient";
  if (/socket hang up|timed? ?out|network/i.test(message) && httpStatus === undefined) return "transient";
  if (httpStatus !== undefined && httpStatus >= 500) return "transient";
  if (httpStatus === 401 || httpStatus === 403) return "auth";
  return "permanent";
}

const BY_KIND = {
  throttling: ThrottlingError,
  transient: TransientError,
  permanent: PermanentError,
  auth: AuthError,
} as const;

export interface ClassifyContext {
  action: string;
  userName?: string;
  /** Values that must not appear in the message (passwords sent with the failed call). */
  secrets?: readonly string[];
}

/** Classifies once: an error that already is a ProvisioningError passes through unchanged. */
export function classifyError(err: unknown, ctx: ClassifyContext): ProvisioningError {
  if (err instanceof ProvisioningError) return err;
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as ErrorShape;
  const code = awsErrorCode(err);
  const httpStatus = httpStatusOf(e);
  const message = typeof e.message === "string" ? e.message : "";
  const details: ProvisioningErrorDetails = { code, action: ctx.action };
  if (ctx.userName !== undefined) details.userName = ctx.userName;
  const detail = redact(message, ctx.secrets ?? []);
  if (detail && detail !== code) details.detail = detail;
  if (httpStatus !== undefined) details.httpStatus = httpStatus;
  if (e.$metadata?.requestId) details.requestId = e.$metadata.requestId;
  return new BY_KIND[kindOf(code, httpStatus, message)](details);
}

function redact(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join("***");
  return out.length > 500 ? `${out.slice(0, 500)}…` : out;
}

export function isCode(err: unknown, code: string): boolean {
  return awsErrorCode(err) === code;
}
