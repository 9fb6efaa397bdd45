import { ProvisioningError } from "./ProvisioningError.js";

/** A failure that usually passes by itself (5xx, network, concurrent change): back off and retry. */
export class TransientError extends ProvisioningError {
  override readonly name = "TransientError";
  readonly kind = "transient" as const;
}
