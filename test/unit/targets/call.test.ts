import { GetUserCommand } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { ProvisioningError } from "../../../src/errors/ProvisioningError.js";
import { type CallBudget, createCall, createCallCounter } from "../../../src/targets/aws-iam/call.js";
import { collectPages } from "../../../src/targets/aws-iam/paginate.js";
import { mappedTags, mergeTags, missingTags } from "../../../src/targets/aws-iam/tags.js";

function budgetSpy() {
  const log: string[] = [];
  const budget: CallBudget = {
    take: async (action) => {
      log.push(`take:${action}`);
    },
    throttled: () => log.push("throttled"),
    succeeded: () => log.push("succeeded"),
  };
  return { budget, log };
}

function failing(err: unknown) {
  return { send: async () => Promise.reject(err) } as never;
}

describe("call", () => {
  it("retries throttled answers up to the bound, taking a fresh token each time, then fails", async () => {
    const { budget, log } = budgetSpy();
    const counter = createCallCounter();
    const throttle = () =>
      Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { httpStatusCode: 400 } });
    let sends = 0;
    const client = {
      send: async () => {
        sends += 1;
        if (sends <= 2) throw throttle();
        return { User: { UserName: "me" } };
      },
    } as never;
    const call = createCall({ client, budget, counter, throttleRetries: 2 });
    const out = await call("GetUser", new GetUserCommand({}));
    expect(out.User?.UserName).toBe("me");
    expect(log).toEqual(["take:GetUser", "throttled", "take:GetUser", "throttled", "take:GetUser", "succeeded"]);
    expect(counter.snapshot()).toEqual({ GetUser: 3 });

    const always = createCall({
      client: { send: async () => Promise.reject(throttle()) } as never,
      budget,
      counter,
      throttleRetries: 1,
    });
    await expect(always("GetUser", new GetUserCommand({}))).rejects.toMatchObject({ kind: "throttling" });
  });

  it("takes a token before sending, counts by action and reports success", async () => {
    const { budget, log } = budgetSpy();
    const counter = createCallCounter();
    const client = { send: async () => ({ User: { UserName: "me" } }) } as never;
    const call = createCall({ client, budget, counter });
    const out = await call("GetUser", new GetUserCommand({}));
    expect(out.User?.UserName).toBe("me");
    await call("GetUser", new GetUserCommand({}));
    expect(counter.snapshot()).toEqual({ GetUser: 2 });
    expect(log).toEqual(["take:GetUser", "succeeded", "take:GetUser", "succeeded"]);
  });

  it("reports throttling to the budget and rethrows it classified", async () => {
    const { budget, log } = budgetSpy();
    const counter = createCallCounter();
    const err = Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { httpStatusCode: 400 } });
    const call = createCall({ client: failing(err), budget, counter });
    const caught = await call("GetUser", new GetUserCommand({}), "alice").catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(ProvisioningError);
    expect((caught as ProvisioningError).kind).toBe("throttling");
    expect((caught as ProvisioningError).userName).toBe("alice");
    expect(log).toEqual(["take:GetUser", "throttled"]);
    expect(counter.snapshot()).toEqual({ GetUser: 1 });
  });

  it("does not count a 5xx or a network error as the rate being fine", async () => {
    const { budget, log } = budgetSpy();
    const call = createCall({
      client: failing(Object.assign(new Error("x"), { code: "ECONNRESET" })),
      budget,
      counter: createCallCounter(),
      transientRetries: 0,
    });
    await expect(call("GetUser", new GetUserCommand({}))).rejects.toMatchObject({ kind: "transient" });
    expect(log).toEqual(["take:GetUser"]);
  });

  it("retries transient failures a bounded number of times, each with a fresh token, then gives up", async () => {
    const { budget, log } = budgetSpy();
    const counter = createCallCounter();
    let sends = 0;
    const flaky = {
      send: async () => {
        sends += 1;
        if (sends === 1)
          throw Object.assign(new Error("boom"), { name: "ServiceFailure", $metadata: { httpStatusCode: 500 } });
        return { User: { UserName: "me" } };
      },
    } as never;
    const call = createCall({ client: flaky, budget, counter, transientRetries: 2, transientBackoffMs: 1 });
    expect((await call("GetUser", new GetUserCommand({}))).User?.UserName).toBe("me");
    expect(log).toEqual(["take:GetUser", "take:GetUser", "succeeded"]);

    const down = createCall({
      client: failing(Object.assign(new Error("x"), { code: "ECONNRESET" })),
      budget,
      counter,
      transientRetries: 2,
      transientBackoffMs: 1,
    });
    await expect(down("GetUser", new GetUserCommand({}))).rejects.toMatchObject({ kind: "transient" });
    expect(counter.snapshot().GetUser).toBe(2 + 3);
  });
});

describe("paging", () => {
  it("follows Marker until IsTruncated is false, through short and empty pages", async () => {
    const pages = [
      { items: [1, 2], IsTruncated: true, Marker: "a" },
      { items: [], IsTruncated: true, Marker: "b" },
      { items: [3], IsTruncated: false },
    ];
    const seen: (string | undefined)[] = [];
    const all = await collectPages(
      async (marker) => {
        seen.push(marker);
        return pages[seen.length - 1] ?? { items: [], IsTruncated: false };
      },
      (p) => p.items,
    );
    expect(all).toEqual([1, 2, 3]);
    expect(seen).toEqual([undefined, "a", "b"]);
  });

  it("refuses to loop on a truncated page without a new marker", async () => {
    await expect(
      collectPages(
        async () => ({ IsTruncated: true, Marker: undefined }),
        () => [],
      ),
    ).rejects.toThrow(/Marker/);
  });
});

describe("tags", () => {
  it("merges like IAM: keys ignore case, the new spelling wins", () => {
    expect(mergeTags({ Team: "a", Keep: "k" }, { team: "b" }, ["KEEP"])).toEqual({ team: "b" });
  });
  it("finds what is missing ignoring key case", () => {
    expect(missingTags({ TEAM: "a", x: "1" }, { team: "a", x: "2", y: "3" })).toEqual({ x: "2", y: "3" });
  });
  it("keeps mapped tags only", () => {
    expect(mappedTags({ "provisioner:managed": "c", "provisioner:disabled-key:AKIA1": "d", team: "x" })).toEqual({
      team: "x",
    });
  });
});
