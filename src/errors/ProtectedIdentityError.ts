import { PermanentError } from "./PermanentError.js";

/**
 * A change touched the credentials' own IAM user or a configured protected user. Refused before any
 * call: locking out the caller would stop every later run, so no mapping may ever reach it.
 */
export class ProtectedIdentityError extends PermanentError {
  override readonly name = "ProtectedIdentityError";

  constructor(action: string, userName: string) {
    super({ code: "ProtectedIdentity", action, userName, detail: "the user is protected and is never changed" });
  }
}
