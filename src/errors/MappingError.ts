/** A source user whose mapped desired state breaks IAM's rules; it is reported, never sent to AWS. */
export class MappingError extends Error {
  override readonly name = "MappingError";
  constructor(
    readonly sourceId: string,
    readonly reasons: string[],
  ) {
    super(`source user ${sourceId}: ${reasons.join("; ")}`);
  }
}
