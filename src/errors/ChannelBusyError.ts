/**
 * A run that would be swallowed by the channel's pending one (one snapshot per channel), when what it
 * carries, named users to replay or an approval of deletions, would be lost with it.
 */
export class ChannelBusyError extends Error {
  override readonly name = "ChannelBusyError";
  constructor(
    readonly channel: string,
    readonly runId: string,
  ) {
    super(`a run of channel "${channel}" is already pending or running (${runId}); try again when it finishes`);
  }
}
