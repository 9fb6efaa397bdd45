import { ProvisioningError } from "./ProvisioningError.js";

/** Trying again cannot help until someone changes the data or the account: dead letter at once. */
export class PermanentError extends ProvisioningError {
  override readonly name: string = "PermanentError";
  readonly kind = "permanent" as const;
}
