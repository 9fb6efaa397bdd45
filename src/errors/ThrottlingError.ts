import { ProvisioningError } from "./ProvisioningError.js";

/** AWS refused the call for its rate: slow down and try again; not a failure of the job. */
export class ThrottlingError extends ProvisioningError {
  override readonly name = "ThrottlingError";
  readonly kind = "throttling" as const;
}
