import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadConfigText } from "../../src/config/load.js";
import { silentLogger } from "../../src/log/logger.js";
import { QueueContext } from "../../src/queue/context.js";
import { AwsIamTarget } from "../../src/targets/aws-iam/target.js";
import { reconcileSchedulers } from "../../workers/scheduler.js";
import { services, uniqueName } from "../support/env.js";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { freshKey } from "../support/iam-emulator/testing.js";

/** The scheduler keeps BullMQ's job schedulers equal to the configuration, and refuses channels whose target fails. */
describe("scheduler reconciliation", () => {
  let emu: IamEmulator;
  const contexts: QueueContext[] = [];
  beforeAll(async () => {
    emu = await startIamEmulator({ strictKeys: true });
  });
  afterAll(async () => {
    for (const c of contexts) {
      await c.snapshotQueue.obliterate({ force: true }).catch(() => {});
      await c.close();
    }
    await emu?.close();
  });

  function context(
    prefix: string,
    channels: Record<string, { active: boolean; target: string }>,
    keys: Record<string, string>,
  ) {
    const yaml = stringify({
      redis: { url: services.redisUrl, prefix },
      dataStores: { dir: { type: "ldap", url: services.ldapUrl } },
      targets: Object.fromEntries(
        Object.entries(keys).map(([t, k]) => [
          t,
          { type: "aws-iam", endpoint: emu.url, credentials: { accessKeyId: k, secretAccessKey: "s" } },
        ]),
      ),
      channels: Object.fromEntries(
        Object.entries(channels).map(([name, c]) => [
          name,
          {
            active: c.active,
            target: c.target,
            source: { dataStore: "dir", baseDn: services.ldapSuffix },
            mapping: { userName: "{{ uid }}" },
            schedule: { incremental: "1h", full: "0 3 * * *", timezone: "Europe/Paris" },
          },
        ]),
      ),
    });
    const ctx = new QueueContext(loadConfigText(yaml, "t.yaml", {}).config);
    contexts.push(ctx);
    return ctx;
  }

  const verify = (ctx: QueueContext) => async (channel: { target: string }) => {
    const t = new AwsIamTarget(channel.target, ctx.config.targets[channel.target] as never);
    try {
      await t.verify();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    } finally {
      t.destroy();
    }
  };

  it("adds an every and a cron scheduler per active channel, refuses a channel whose credentials fail, removes deactivated ones", async () => {
    const prefix = `{${uniqueName("sched")}}`;
    const good = freshKey("good");
    emu.registerKey(good);
    const bad = freshKey("bad"); // never registered: InvalidClientTokenId
    let ctx = context(
      prefix,
      {
        hr: { active: true, target: "ok" },
        eng: { active: true, target: "broken" },
        old: { active: false, target: "ok" },
      },
      { ok: good, broken: bad },
    );

    const first = await reconcileSchedulers(ctx, { logger: silentLogger, verify: verify(ctx) });
    expect(first.upserted.sort()).toEqual(["channel/hr/full", "channel/hr/incremental"]);
    expect(first.refused).toEqual([{ channel: "eng", reason: expect.stringMatching(/InvalidClientTokenId/) }]);
    const schedulers = await ctx.snapshotQueue.getJobSchedulers(0, -1, true);
    const byKey = Object.fromEntries(schedulers.map((s) => [s.key, s]));
    expect(byKey["channel/hr/incremental"]?.every).toBe(3_600_000);
    expect(byKey["channel/hr/full"]).toMatchObject({ pattern: "0 3 * * *", tz: "Europe/Paris" });
    // The first incremental tick is one interval away, not now.
    expect(Number(byKey["channel/hr/incremental"]?.next)).toBeGreaterThan(Date.now() + 3_500_000);

    // hr is deactivated: its schedulers go; a second reconcile of the same config changes nothing else.
    ctx = context(prefix, { hr: { active: false, target: "ok" } }, { ok: good });
    const second = await reconcileSchedulers(ctx, { logger: silentLogger, verify: verify(ctx) });
    expect(second.removed.sort()).toEqual(["channel/hr/full", "channel/hr/incremental"]);
    expect(await ctx.snapshotQueue.getJobSchedulers(0, -1, true)).toEqual([]);
  });
});
