import { ProvisioningError } from "./ProvisioningError.js";

/** The credentials are wrong, expired or not allowed: every call to this target will fail alike. */
export class AuthError extends ProvisioningError {
  override readonly name = "AuthError";
  readonly kind = "auth" as const;
}
