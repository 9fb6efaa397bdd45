/**
 * Every queue and Redis key of the product is named here, so that producers, workers and the dashboard
 * agree, and one prefix with a Cluster hash tag (`{prov}`) keeps them all in one slot.
 */
export const SNAPSHOT_QUEUE = "snapshot";
export const DEAD_LETTER_QUEUE = "dead-letter";
export const PROVISION_QUEUE_PREFIX = "provision-";

/** One provision queue per target (AWS account), so a throttled account never holds up another. */
export function provisionQueueName(target: string): string {
  return `${PROVISION_QUEUE_PREFIX}${target}`;
}

export function allQueueNames(targets: readonly string[]): string[] {
  return [SNAPSHOT_QUEUE, ...targets.map(provisionQueueName), DEAD_LETTER_QUEUE];
}

/** Keys of the state store and run tracking, under the same prefix as the queues. */
export const keys = {
  desired: (prefix: string, channel: string) => `${prefix}:state:${channel}:desired`,
  applied: (prefix: string, channel: string) => `${prefix}:state:${channel}:applied`,
  observed: (prefix: string, channel: string) => `${prefix}:state:${channel}:observed`,
  userNames: (prefix: string, channel: string) => `${prefix}:state:${channel}:names`,
  memos: (prefix: string, channel: string) => `${prefix}:state:${channel}:memos`,
  groups: (prefix: string, channel: string) => `${prefix}:state:${channel}:groups`,
  run: (prefix: string, runId: string) => `${prefix}:run:${runId}`,
  runs: (prefix: string, channel: string) => `${prefix}:runs:${channel}`,
  audit: (prefix: string, channel: string) => `${prefix}:audit:${channel}`,
  rate: (prefix: string, target: string) => `${prefix}:rate:${target}`,
  targetHealth: (prefix: string) => `${prefix}:targets:health`,
  heldJobs: (prefix: string, target: string) => `${prefix}:targets:held:${target}`,
};
