/** A channel name that is not in the configuration; the message lists the known ones. */
export class UnknownChannelError extends Error {
  override readonly name = "UnknownChannelError";
}
