import type { Job } from "bullmq";
import { PROVISION_GROUP_JOB, parseJob } from "../jobs/index.js";
import type { ChannelConfig } from "../src/config/schema.js";
import type { GroupOutcome } from "../src/targets/aws-iam/groups.js";
import type { GroupChange } from "../src/types.js";
import { channelGone, settleFailure } from "./failures.js";
import type { Runtime } from "./runtime.js";

/**
 * Group changes, the one way they are made: inline in the snapshot for creates and renames (memberships
 * need the groups first), and as `provision-group` jobs for deletions queued by the finaliser, where a group
 * with many members must not hold up the run's end, and a failure retries and dead-letters like a user.
 */
export async function applyGroupChange(
  rt: Runtime,
  channel: ChannelConfig,
  change: GroupChange,
): Promise<GroupOutcome> {
  const target = rt.target(channel.target);
  const managedPath = channel.path;
  switch (change.kind) {
    case "create":
      return target.createGroup(change.groupName, change.path, { managedPath, adopt: channel.options.adopt });
    case "rename":
      return target.renameGroup(change.fromGroupName, change.groupName, change.path, { managedPath });
    case "delete":
      return target.deleteGroup(change.groupName, {
        managedPath,
        deletePolicies: rt.config.targets[channel.target]?.deleteGroupsWithPolicies ?? false,
      });
  }
}

export async function processProvisionGroup(
  rt: Runtime,
  job: Job,
  token?: string,
): Promise<{ calls: Record<string, number> }> {
  const p = parseJob(PROVISION_GROUP_JOB, job.data);
  const subject = { channel: p.channel, runId: p.runId, sourceId: `group:${p.groupName}`, target: "unknown" };
  const channel = rt.channel(p.channel);
  if (!channel) {
    await settleFailure(rt, job, token, subject, channelGone(p.channel));
    throw channelGone(p.channel);
  }
  subject.target = channel.target;
  try {
    const out = await applyGroupChange(rt, channel, { kind: p.kind, groupName: p.groupName, path: p.path });
    await rt.ctx.runs.addCalls(p.runId, out.calls);
    await rt.ctx.runs.recordGroup(p.runId, p.kind);
    await rt.ctx.deadLetters.remove(p.channel, subject.sourceId);
    rt.logger.info(
      { channel: p.channel, runId: p.runId, group: p.groupName, change: p.kind, calls: out.calls },
      "group provisioned",
    );
    return { calls: out.calls };
  } catch (err) {
    await settleFailure(rt, job, token, subject, err);
    throw err;
  }
}
