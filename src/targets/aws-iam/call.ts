import type { IAMClient, IAMClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes } from "@aws-sdk/client-iam";
import type { Command } from "@smithy/types";
import type { ProvisioningError } from "../../errors/ProvisioningError.js";
import { classifyError } from "./classify.js";

/**
 * The single door every IAM call goes through: take a rate token, send, count, classify. Keeping it
 * single is what makes the per-target budget (DESIGN.md §7) and the per-action call counts true.
 */

/** A target's request budget, shared by every worker on every machine (a Redis token bucket in production). */
export interface CallBudget {
  /** Resolves when one call may be made now. */
  take(action: string): Promise<void>;
  /** AWS said "Rate exceeded": lower the rate. */
  throttled(): void;
  /** AWS accepted a call at the current rate (whatever its answer): the rate may creep back up. */
  succeeded(): void;
}

export const unlimitedBudget: CallBudget = {
  take: async () => {},
  throttled: () => {},
  succeeded: () => {},
};

/** Counts every call sent, failed ones included, as AWS bills them against the rate. */
export interface CallCounter {
  record(action: string): void;
  snapshot(): Record<string, number>;
}

export function createCallCounter(): CallCounter {
  const counts = new Map<string, number>();
  return {
    record(action) {
      counts.set(action, (counts.get(action) ?? 0) + 1);
    },
    snapshot() {
      return Object.fromEntries(counts);
    },
  };
}

/** Records into several counters at once: the target's lifetime counter and one operation's. */
export function teeCounter(...counters: CallCounter[]): CallCounter {
  const first = counters[0] ?? createCallCounter();
  return {
    record(action) {
      for (const c of counters) c.record(action);
    },
    snapshot: () => first.snapshot(),
  };
}

export type IamCommand<I extends ServiceInputTypes, O extends ServiceOutputTypes> = Command<
  ServiceInputTypes,
  I,
  ServiceOutputTypes,
  O,
  IAMClientResolvedConfig
>;

/** Sends one IAM command; rejects only with a ProvisioningError. */
export type IamCall = <I extends ServiceInputTypes, O extends ServiceOutputTypes>(
  action: string,
  command: IamCommand<I, O>,
  userName?: string,
) => Promise<O>;

export interface CallLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
}

/** Input fields whose values are secrets: scrubbed from any AWS message that might echo them. */
const SECRET_FIELDS = ["Password", "NewPassword", "OldPassword"] as const;

function secretsOf(input: unknown): string[] {
  if (typeof input !== "object" || input === null) return [];
  const rec = input as Record<string, unknown>;
  return SECRET_FIELDS.map((f) => rec[f]).filter((v): v is string => typeof v === "string" && v.length > 0);
}

export interface CallerDeps {
  client: Pick<IAMClient, "send">;
  budget: CallBudget;
  counter: CallCounter;
  logger?: CallLogger;
  /**
   * Throttled answers retried here, after the budget's cut, before the call fails with ThrottlingError.
   * Throttling says "slower", not "wrong", so it must not spend the job's attempts; the bound keeps a
   * starved account from holding a worker forever. @defaultValue 0
   */
  throttleRetries?: number;
  /**
   * Transient answers (5xx, dropped connections) retried here with a short jittered backoff before the
   * call fails, as the SDK's own retries would (which are off: they would also retry LimitExceeded). Each
   * retry is safe because every operation of the target treats EntityAlreadyExists / NoSuchEntity as
   * done. @defaultValue 2
   */
  transientRetries?: number;
  /** First wait of those retries, doubled each time. @defaultValue 100 */
  transientBackoffMs?: number;
}

export function createCall(deps: CallerDeps): IamCall {
  const retries = deps.throttleRetries ?? 0;
  const transientRetries = deps.transientRetries ?? 2;
  const backoff = deps.transientBackoffMs ?? 100;
  return async (action, command, userName) => {
    let transient = 0;
    for (let throttled = 0; ; ) {
      await deps.budget.take(action);
      deps.counter.record(action);
      const started = Date.now();
      try {
        const out = await deps.client.send(command);
        deps.budget.succeeded();
        deps.logger?.debug({ action, userName, ms: Date.now() - started }, "iam call");
        return out;
      } catch (err) {
        const classified: ProvisioningError = classifyError(err, {
          action,
          ...(userName === undefined ? {} : { userName }),
          secrets: secretsOf(command.input),
        });
        if (classified.kind === "throttling") {
          deps.budget.throttled();
          // The next take() waits for the lowered rate; a throttled call changed nothing in IAM.
          if (throttled++ < retries) continue;
        } else if (classified.kind === "transient" && transient < transientRetries) {
          await new Promise((r) => setTimeout(r, backoff * 2 ** transient * (0.5 + Math.random())));
          transient++;
          continue;
        } else if (classified.httpStatus !== undefined && classified.httpStatus < 500) deps.budget.succeeded();
        deps.logger?.debug({ action, userName, code: classified.code, kind: classified.kind }, "iam call failed");
        throw classified;
      }
    }
  };
}

/** The same door with an extra counter, so one operation can report its own calls. */
export function withCounter(deps: CallerDeps, counter: CallCounter): IamCall {
  return createCall({ ...deps, counter: teeCounter(deps.counter, counter) });
}
