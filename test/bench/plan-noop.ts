/**
 * A no-op incremental plan of N users (default 20,000): source pages generated in memory, applied state
 * in the real Redis (REDIS_URL, a unique prefix, removed afterwards). Prints seconds and peak RSS.
 *
 *   eval "$(scripts/services.sh env)"; npx tsx test/bench/plan-noop.ts [--users 20000]
 */
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { type PlanSource, planRun } from "../../src/sync/plan.js";
import { StateStore } from "../../src/sync/state-store.js";
import type { AppliedUser, SourceUser } from "../../src/types.js";
import { makeChannel } from "../unit/sync/helpers.js";

const { values } = parseArgs({
  options: { users: { type: "string", default: "20000" }, page: { type: "string", default: "500" } },
});
const USERS = Number(values.users);
const PAGE = Number(values.page);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:16379";
const key = Buffer.alloc(32, 9);

const channel = makeChannel({
  mapping: {
    userName: "{{ givenName | asciifold | lower }}.{{ sn | lower }}",
    tags: { email: "{{ mail | lower }}", dept: "{{ departmentNumber }}", title: "{{ title | default('none') }}" },
    loginProfile: { password: "{{ userPassword }}", passwordResetRequired: { value: true, createOnly: true } },
  },
  groups: { name: "team-{{ name | lower }}", include: [], exclude: [] },
});

/** Pages built on demand, as a data store would: never the whole directory at once. */
function generated(): PlanSource {
  return {
    async *users() {
      for (let k = 0; k < USERS; k += PAGE) {
        const page: SourceUser[] = [];
        for (let i = k; i < Math.min(k + PAGE, USERS); i++) {
          page.push({
            sourceId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
            attributes: {
              givenname: [i % 3 === 0 ? "José" : "Anne"],
              sn: [`person${i}`],
              mail: [`Person${i}@Example.com`],
              departmentnumber: [String(i % 40)],
              userpassword: [`Pw-${i}-secret`],
            },
            groups: [
              { id: `cn=g${i % 25},ou=groups`, name: `G${i % 25}` },
              { id: `cn=all,ou=groups`, name: "All" },
            ],
            disabled: false,
          });
        }
        yield page;
      }
    },
  };
}

const redis = new Redis(redisUrl);
const prefix = `{bench-${process.pid}-${Date.now().toString(36)}}`;
const store = new StateStore(redis, { prefix, secretKey: key });
try {
  // Setup: a first plan from nothing gives every user's desired state; record it as applied.
  // One account holds at most 5,000 users; the bench lifts the quota to measure the engine alone.
  const first = await planRun({
    channel,
    mode: "incremental",
    source: generated(),
    applied: new Map(),
    secretKey: key,
    maxUsers: USERS,
  });
  const now = new Date().toISOString();
  const applied: AppliedUser[] = [...first.desired.values()].map((d) => ({
    sourceId: d.sourceId,
    userName: d.userName,
    path: d.path,
    tags: d.tags,
    groups: d.groups,
    hasLoginProfile: true,
    enabled: true,
    digest: first.digests.get(d.sourceId) ?? "",
    appliedAt: now,
    runId: "bench",
  }));
  await store.putApplied(channel.name, applied);
  await store.putGroups(channel.name, first.groupState);
  if (global.gc) global.gc();

  const started = process.hrtime.bigint();
  const rssBefore = process.memoryUsage().rss;
  const appliedState = await store.loadApplied(channel.name);
  const loaded = process.hrtime.bigint();
  const groups = await store.loadGroups(channel.name);
  const result = await planRun({
    channel,
    mode: "incremental",
    source: generated(),
    applied: appliedState,
    groupState: groups,
    secretKey: key,
    maxUsers: USERS,
  });
  const done = process.hrtime.bigint();

  const s = (a: bigint, b: bigint) => (Number(b - a) / 1e9).toFixed(3);
  const changes = result.plan.users.length + result.plan.groups.length;
  console.log(
    `users ${USERS}, page ${PAGE}: status ${result.plan.status}, changes ${changes}, noop ${result.plan.counts.noop}`,
  );
  console.log(`load applied state from Redis: ${s(started, loaded)} s`);
  console.log(`plan (map + digest + compare):  ${s(loaded, done)} s`);
  console.log(`total no-op plan:               ${s(started, done)} s`);
  console.log(
    `peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (RSS before the plan ${(rssBefore / 2 ** 20).toFixed(0)} MB)`,
  );
  if (changes !== 0 || result.plan.counts.noop !== USERS) {
    console.error("expected a no-op plan");
    process.exitCode = 1;
  }
} finally {
  await store.clearChannel(channel.name);
  await redis.quit();
}
