import type { Job } from "bullmq";
import { UnrecoverableError } from "bullmq";
import { PROVISION_GROUP_JOB, parseJob } from "../jobs/index.js";
import type { ChannelConfig } from "../src/config/schema.js";
import { ProvisioningError } from "../src/errors/ProvisioningError.js";
import type { GroupOutcome } from "../src/targets/aws-iam/groups.js";
import type { GroupChange } from "../src/types.js";
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

export async function processProvisionGroup(rt: Runtime, job: Job): Promise<{ calls: Record<string, number> }> {
  const p = parseJob(PROVISION_GROUP_JOB, job.data);
  const channel = rt.channel(p.channel);
  if (!channel) throw new UnrecoverableError(`channel "${p.channel}" is no longer configured`);
  const change: GroupChange =
    p.kind === "rename"
      ? {
          kind: "rename",
          groupName: p.groupName,
          fromGroupName: p.fromGroupName ?? p.groupName,
          path: p.path,
          sourceGroupId: "",
        }
      : p.kind === "create"
        ? { kind: "create", groupName: p.groupName, path: p.path, sourceGroupId: "" }
        : { kind: "delete", groupName: p.groupName, path: p.path };
  try {
    const out = await applyGroupChange(rt, channel, change);
    await rt.ctx.runs.addCalls(p.runId, out.calls);
    await rt.ctx.runs.recordGroup(p.runId, p.kind);
    await rt.ctx.deadLetters.remove(p.channel, `group:${p.groupName}`);
    rt.logger.info(
      { channel: p.channel, runId: p.runId, group: p.groupName, change: p.kind, calls: out.calls },
      "group provisioned",
    );
    return { calls: out.calls };
  } catch (err) {
    const e = err instanceof ProvisioningError ? err : undefined;
    const last = e?.kind === "permanent" || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (last && e?.kind !== "auth") {
      await rt.ctx.deadLetters.record({
        channel: p.channel,
        target: channel.target,
        runId: p.runId,
        sourceId: `group:${p.groupName}`,
        sourceQueue: job.queueName,
        ...(job.id ? { sourceJobId: job.id } : {}),
        errorKind: e?.kind === "permanent" ? "permanent" : "transient",
        errorCode: e?.code ?? (err as Error).name,
        message: (err as Error).message,
        attempts: job.attemptsMade + 1,
      });
      if (e?.kind === "permanent") throw new UnrecoverableError((err as Error).message);
    }
    throw err;
  }
}
