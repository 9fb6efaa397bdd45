import {
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetUserCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import type { AwsIamTargetConfig } from "../../config/schema.js";
import { PermanentError } from "../../errors/PermanentError.js";
import { ProtectedIdentityError } from "../../errors/ProtectedIdentityError.js";
import type { ApplyOutcome, CurrentUser, ObservedState, UserDelta } from "../../types.js";
import { readObserved } from "./bulk-read.js";
import {
  type CallBudget,
  type CallCounter,
  type CallerDeps,
  type CallLogger,
  createCall,
  createCallCounter,
  type IamCall,
  unlimitedBudget,
  withCounter,
} from "./call.js";
import { createIamClient } from "./client.js";
import { createGroup, type DeleteGroupOptions, deleteGroup, type GroupOutcome, renameGroup } from "./groups.js";
import { unless } from "./idempotent.js";
import type { PasswordPolicy } from "./names.js";
import { createUser } from "./user-create.js";
import { deleteUser } from "./user-delete.js";
import { disableUser, enableUser, updateUser } from "./user-lifecycle.js";

/** Who the target's credentials are. `userName` is absent for role or federated credentials. */
export interface CallerIdentity {
  userName?: string;
  arn?: string;
  accountId?: string;
}

export interface AwsIamTargetDeps {
  budget?: CallBudget;
  counter?: CallCounter;
  logger?: CallLogger;
  /** A ready client (tests, shared clients); otherwise one is built from the config. */
  client?: CallerDeps["client"];
  /** Throttled answers one call retries before it fails (see CallerDeps). @defaultValue 0 */
  throttleRetries?: number;
  /** Transient answers one call retries before it fails (see CallerDeps). @defaultValue 2 */
  transientRetries?: number;
}

/**
 * One AWS account as a provisioning target. It is the lowest layer that writes to IAM, so it is where
 * protected identities are refused, whatever the plan above it says.
 */
export class AwsIamTarget {
  readonly name: string;
  private readonly deps: CallerDeps;
  private readonly call: IamCall;
  private readonly protectedNames: Set<string>;
  private readonly ownClient?: { destroy(): void };
  private identity?: Promise<CallerIdentity>;

  constructor(name: string, config: AwsIamTargetConfig, deps: AwsIamTargetDeps = {}) {
    this.name = name;
    let client = deps.client;
    if (!client) {
      const built: IAMClient = createIamClient(config);
      this.ownClient = built;
      client = built;
    }
    this.deps = {
      client,
      budget: deps.budget ?? unlimitedBudget,
      counter: deps.counter ?? createCallCounter(),
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(deps.throttleRetries ? { throttleRetries: deps.throttleRetries } : {}),
      ...(deps.transientRetries !== undefined ? { transientRetries: deps.transientRetries } : {}),
    };
    this.call = createCall(this.deps);
    this.protectedNames = new Set((config.protectedUsers ?? []).map((u) => u.toLowerCase()));
  }

  /** GetUser with no name: proves the credentials work and learns the caller, who is always protected. */
  verify(): Promise<CallerIdentity> {
    this.identity ??= this.whoAmI().catch((err: unknown) => {
      this.identity = undefined;
      throw err;
    });
    return this.identity;
  }

  private async whoAmI(): Promise<CallerIdentity> {
    try {
      const out = await this.call("GetUser", new GetUserCommand({}));
      const arn = out.User?.Arn;
      const identity: CallerIdentity = {};
      if (out.User?.UserName) identity.userName = out.User.UserName;
      if (arn) identity.arn = arn;
      const accountId = arn?.split(":")[4];
      if (accountId) identity.accountId = accountId;
      return identity;
    } catch (err) {
      // Role and federated credentials are not an IAM user: nothing to protect beyond protectedUsers.
      if (
        err instanceof PermanentError &&
        err.code === "ValidationError" &&
        /non-User credentials/i.test(err.message)
      ) {
        return {};
      }
      throw err;
    }
  }

  /** Compared ignoring case, as IAM compares user names. */
  async isProtected(userName: string): Promise<boolean> {
    const me = (await this.verify()).userName;
    return this.protectedSync(userName, me);
  }

  private protectedSync(userName: string, me: string | undefined): boolean {
    const lower = userName.toLowerCase();
    return this.protectedNames.has(lower) || (me !== undefined && me.toLowerCase() === lower);
  }

  /**
   * Applies one user's delta with the fewest calls. `before` is what IAM held before (the applied or
   * observed state the delta was computed from): with it `current` is computed, not read back.
   */
  async applyUser(delta: UserDelta, before?: CurrentUser): Promise<ApplyOutcome> {
    const me = (await this.verify()).userName;
    for (const name of [delta.userName, delta.fromUserName]) {
      if (name !== undefined && this.protectedSync(name, me)) throw new ProtectedIdentityError(actionOf(delta), name);
    }
    const counter = createCallCounter();
    const call = withCounter(this.deps, counter);
    const done = (current: CurrentUser | null, alreadyExisted?: boolean): ApplyOutcome => ({
      calls: counter.snapshot(),
      current,
      ...(alreadyExisted ? { alreadyExisted } : {}),
    });
    switch (delta.kind) {
      case "create": {
        const r = await createUser(call, delta);
        return done(r.current, r.alreadyExisted);
      }
      case "update":
        return done(await updateUser(call, delta, before));
      case "disable":
        return done(await disableUser(call, delta, before));
      case "enable":
        return done(await enableUser(call, delta, before));
      case "delete":
        await deleteUser(call, delta);
        return done(null);
    }
  }

  async createGroup(
    name: string,
    path: string,
    opts: { managedPath?: string; adopt?: boolean } = {},
  ): Promise<GroupOutcome> {
    const counter = createCallCounter();
    const created = await createGroup(withCounter(this.deps, counter), name, path, opts);
    return { calls: counter.snapshot(), created };
  }

  async renameGroup(
    from: string,
    to: string,
    path: string,
    opts: { managedPath?: string } = {},
  ): Promise<GroupOutcome> {
    const counter = createCallCounter();
    await renameGroup(withCounter(this.deps, counter), from, to, path, opts);
    return { calls: counter.snapshot(), created: false };
  }

  async deleteGroup(name: string, opts: DeleteGroupOptions): Promise<GroupOutcome> {
    const me = (await this.verify()).userName;
    const counter = createCallCounter();
    await deleteGroup(withCounter(this.deps, counter), name, opts, (u) => this.protectedSync(u, me));
    return { calls: counter.snapshot(), created: false };
  }

  /** Every user and group of the account, for a `full` run. */
  readObserved(): Promise<ObservedState> {
    return readObserved(this.call);
  }

  /** IAM users the account holds now, the caller included (GetAccountSummary: one call). */
  accountUsers(): Promise<number | undefined> {
    return accountUsers(this.call);
  }

  /** The account's password policy; undefined when it has none and IAM's default applies. */
  passwordPolicy(): Promise<PasswordPolicy | undefined> {
    return passwordPolicy(this.call);
  }

  /**
   * The account-wide reads a run plans with, counted on their own (the target's lifetime counter also
   * counts whatever other jobs of this process send meanwhile).
   */
  async readAccount(want: { observed?: boolean; passwordPolicy?: boolean; users?: boolean }): Promise<AccountReads> {
    const counter = createCallCounter();
    const call = withCounter(this.deps, counter);
    const out: AccountReads = { calls: {} };
    try {
      if (want.users) out.users = await accountUsers(call);
      if (want.passwordPolicy) out.passwordPolicy = (await passwordPolicy(call)) ?? "default";
      if (want.observed) out.observed = await readObserved(call);
      return out;
    } finally {
      out.calls = counter.snapshot();
    }
  }

  /** Closes the kept-alive connections of a client this target built; a given client is the giver's to close. */
  destroy(): void {
    this.ownClient?.destroy();
  }

  /** IAM calls made through this target since it was built, by action. */
  calls(): Record<string, number> {
    return this.deps.counter.snapshot();
  }
}

function actionOf(delta: UserDelta): string {
  return {
    create: "CreateUser",
    update: "UpdateUser",
    disable: "DisableUser",
    enable: "EnableUser",
    delete: "DeleteUser",
  }[delta.kind];
}

/** What `readAccount` read, and the IAM calls it took. */
export interface AccountReads {
  observed?: ObservedState;
  /** "default" when the account has no policy of its own. */
  passwordPolicy?: PasswordPolicy | "default";
  users?: number;
  calls: Record<string, number>;
}

async function accountUsers(call: IamCall): Promise<number | undefined> {
  const out = await call("GetAccountSummary", new GetAccountSummaryCommand({}));
  return out.SummaryMap?.Users;
}

async function passwordPolicy(call: IamCall): Promise<PasswordPolicy | undefined> {
  const out = await unless("NoSuchEntity", () =>
    call("GetAccountPasswordPolicy", new GetAccountPasswordPolicyCommand({})),
  );
  const p = out?.PasswordPolicy;
  if (!p) return undefined;
  const policy: PasswordPolicy = {};
  if (p.MinimumPasswordLength !== undefined) policy.minimumPasswordLength = p.MinimumPasswordLength;
  if (p.RequireSymbols !== undefined) policy.requireSymbols = p.RequireSymbols;
  if (p.RequireNumbers !== undefined) policy.requireNumbers = p.RequireNumbers;
  if (p.RequireUppercaseCharacters !== undefined) policy.requireUppercaseCharacters = p.RequireUppercaseCharacters;
  if (p.RequireLowercaseCharacters !== undefined) policy.requireLowercaseCharacters = p.RequireLowercaseCharacters;
  return policy;
}

export function createAwsIamTarget(
  name: string,
  config: AwsIamTargetConfig,
  deps: AwsIamTargetDeps = {},
): AwsIamTarget {
  return new AwsIamTarget(name, config, deps);
}
