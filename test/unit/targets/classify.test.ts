import { describe, expect, it } from "vitest";
import { AuthError } from "../../../src/errors/AuthError.js";
import { PermanentError } from "../../../src/errors/PermanentError.js";
import { ProtectedIdentityError } from "../../../src/errors/ProtectedIdentityError.js";
import { ThrottlingError } from "../../../src/errors/ThrottlingError.js";
import { TransientError } from "../../../src/errors/TransientError.js";
import { awsErrorCode, classifyError } from "../../../src/targets/aws-iam/classify.js";

/** An error shaped like the SDK's ServiceException. */
function sdkError(name: string, status: number, message = "boom"): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: "req-1" },
  });
}

function netError(code: string, message = "connect failed"): Error {
  return Object.assign(new Error(message), { code });
}

const table: [string, unknown, string][] = [
  ["Throttling (wire code)", sdkError("Throttling", 400, "Rate exceeded"), "throttling"],
  ["ThrottlingException", sdkError("ThrottlingException", 400), "throttling"],
  ["Rate exceeded message only", sdkError("SomethingElse", 400, "Rate exceeded"), "throttling"],
  ["HTTP 429", sdkError("TooManyRequests", 429), "throttling"],
  ["ServiceFailure", sdkError("ServiceFailureException", 500), "transient"],
  ["ServiceUnavailable", sdkError("ServiceUnavailable", 503), "transient"],
  ["unknown 5xx", sdkError("Weird", 502), "transient"],
  ["ConcurrentModification", sdkError("ConcurrentModificationException", 409), "transient"],
  ["EntityTemporarilyUnmodifiable", sdkError("EntityTemporarilyUnmodifiableException", 409), "transient"],
  ["ECONNRESET", netError("ECONNRESET"), "transient"],
  ["ECONNREFUSED", netError("ECONNREFUSED"), "transient"],
  ["socket hang up", Object.assign(new Error("socket hang up"), { name: "Error" }), "transient"],
  [
    "request timeout",
    Object.assign(new Error("exceeded requestTimeout"), { name: "TimeoutError", code: "ETIMEDOUT" }),
    "transient",
  ],
  ["InvalidInput", sdkError("InvalidInputException", 400), "permanent"],
  ["ValidationError", sdkError("ValidationError", 400), "permanent"],
  ["LimitExceeded (not throttling)", sdkError("LimitExceededException", 409), "permanent"],
  ["PasswordPolicyViolation", sdkError("PasswordPolicyViolationException", 400), "permanent"],
  ["MalformedPolicyDocument", sdkError("MalformedPolicyDocumentException", 400), "permanent"],
  ["DeleteConflict", sdkError("DeleteConflictException", 409), "permanent"],
  ["NoSuchEntity", sdkError("NoSuchEntityException", 404), "permanent"],
  ["EntityAlreadyExists", sdkError("EntityAlreadyExistsException", 409), "permanent"],
  ["unknown 4xx", sdkError("Mystery", 400), "permanent"],
  ["InvalidClientTokenId", sdkError("InvalidClientTokenId", 403), "auth"],
  ["SignatureDoesNotMatch", sdkError("SignatureDoesNotMatch", 403), "auth"],
  ["AccessDenied", sdkError("AccessDenied", 403), "auth"],
  ["AccessDeniedException", sdkError("AccessDeniedException", 403), "auth"],
  ["ExpiredToken", sdkError("ExpiredToken", 403), "auth"],
  ["UnrecognizedClientException", sdkError("UnrecognizedClientException", 400), "auth"],
  [
    "credential provider",
    Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
    "auth",
  ],
  ["unknown 403", sdkError("Mystery", 403), "auth"],
];

describe("classifyError", () => {
  it.each(table)("%s → %s", (_label, err, kind) => {
    const c = classifyError(err, { action: "CreateUser", userName: "alice" });
    expect(c.kind).toBe(kind);
    expect(c.action).toBe("CreateUser");
    expect(c.userName).toBe("alice");
    expect(c.retryable).toBe(kind === "throttling" || kind === "transient");
  });

  it("makes the matching class", () => {
    expect(classifyError(sdkError("Throttling", 400), { action: "A" })).toBeInstanceOf(ThrottlingError);
    expect(classifyError(sdkError("ServiceFailureException", 500), { action: "A" })).toBeInstanceOf(TransientError);
    expect(classifyError(sdkError("InvalidInputException", 400), { action: "A" })).toBeInstanceOf(PermanentError);
    expect(classifyError(sdkError("AccessDenied", 403), { action: "A" })).toBeInstanceOf(AuthError);
  });

  it("uses the API reference's code, without the SDK's Exception suffix", () => {
    expect(awsErrorCode(sdkError("NoSuchEntityException", 404))).toBe("NoSuchEntity");
    expect(awsErrorCode(sdkError("Throttling", 400))).toBe("Throttling");
    expect(awsErrorCode(netError("ECONNRESET"))).toBe("ECONNRESET");
    const c = classifyError(sdkError("EntityAlreadyExistsException", 409, "User with name bob already exists."), {
      action: "CreateUser",
    });
    expect(c.code).toBe("EntityAlreadyExists");
    expect(c.httpStatus).toBe(409);
    expect(c.requestId).toBe("req-1");
    expect(c.message).toBe("CreateUser failed with EntityAlreadyExists: User with name bob already exists.");
  });

  it("classifies once: a classified error passes through unchanged", () => {
    const first = classifyError(sdkError("Throttling", 400), { action: "A" });
    expect(classifyError(first, { action: "B" })).toBe(first);
  });

  it("never lets a secret into the message", () => {
    const c = classifyError(sdkError("PasswordPolicyViolationException", 400, "Password S3cret!pw does not conform"), {
      action: "CreateLoginProfile",
      userName: "alice",
      secrets: ["S3cret!pw"],
    });
    expect(c.message).not.toContain("S3cret!pw");
    expect(c.message).toContain("***");
  });

  it("ProtectedIdentityError is permanent", () => {
    const e = new ProtectedIdentityError("DeleteUser", "admin");
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.kind).toBe("permanent");
    expect(e.retryable).toBe(false);
    expect(e.code).toBe("ProtectedIdentity");
    expect(e.name).toBe("ProtectedIdentityError");
  });
});
