/**
 * The domain's shared shapes: what a data store yields, what mapping produces, what AWS holds,
 * and the changes a plan is made of. Every module in src/ speaks in these words (DESIGN.md §2).
 *
 * Terminology
 * - data store: a source of people, `ldap` or `mysql`.
 * - target: one AWS account reached with one set of credentials (`aws-iam`).
 * - channel: source settings + mapping + provisioning options + target + schedule.
 * - run: one execution of a channel: `incremental`, `full` or `replay`.
 * - source user: one entry read from a data store, keyed by a stable source id.
 * - desired state: what IAM should hold for a source user after mapping.
 * - applied state: what was last successfully written for a source user (digest + IAM user name + fields).
 * - observed state: what AWS holds now, read in bulk during a `full` run.
 * - memo: a keyed fingerprint of a source user's raw entry (and groups), kept once applied state holds
 *   exactly what that entry maps to; an incremental run skips whoever still matches theirs.
 * - plan: the list of changes a run will make.
 * - managed: an IAM user carrying the marker tag (or an IAM group under the channel's managed path).
 * - protected: an identity never touched: the credentials' own IAM user plus `protectedUsers`.
 */

export type RunMode = "incremental" | "full" | "replay";

/** A group a source user belongs to, already flattened through nesting. */
export interface SourceGroupRef {
  /** Stable key: normalised DN for LDAP, the group key column for MySQL. */
  id: string;
  /** Human name: the group's cn / sAMAccountName (LDAP) or name column (MySQL). */
  name: string;
}

/** One entry read from a data store. */
export interface SourceUser {
  /** Stable source id: entryUUID, objectGUID (canonical GUID string), nsUniqueId, a named attribute or a primary key. */
  sourceId: string;
  /** Normalised DN for LDAP entries; absent for MySQL rows. */
  dn?: string;
  /** Attribute values by lower-cased attribute (or column) name. Binary values are already decoded to strings. */
  attributes: Record<string, string[]>;
  /** Every group the user is in, directly or through nesting. */
  groups: SourceGroupRef[];
  /** From the channel's disabled rule. */
  disabled: boolean;
  /** Keyed hash of the raw entry (and its groups), when the data store made one (see src/sync/memo.ts). */
  fingerprint?: string;
}

/** How the plan asks a data store to read users. */
export interface UserReadOptions {
  /** Hashes an entry's raw text; with it the store sets SourceUser.fingerprint. */
  fingerprint?: (text: string) => string;
  /**
   * Offered each entry's source id, fingerprint and groups where the store can tell them without decoding
   * the entry: true means the plan takes the person as unchanged (and has mapped their groups), and the
   * store leaves the entry out of the page.
   */
  skip?: (sourceId: string, fingerprint: string, groups: SourceGroupRef[]) => boolean;
  /** skip answers once this settles: the plan's memos load while the first page is read. */
  ready?: Promise<unknown>;
}

/** One group read from a data store, with its members flattened through nesting. */
export interface SourceGroup {
  id: string;
  name: string;
  dn?: string;
  attributes: Record<string, string[]>;
  /** Source ids (or normalised DNs, for LDAP members that are not users in scope) of every member. */
  members: string[];
}

/** An IAM login profile as the mapping wants it. */
export interface DesiredLoginProfile {
  /** A secret. Present only in desired state held in memory or encrypted at rest; never in job data or logs. */
  password?: string;
  passwordResetRequired: boolean;
}

/** What IAM should hold for one source user. */
export interface DesiredUser {
  sourceId: string;
  userName: string;
  path: string;
  /** Mapped tags; the marker tags (`provisioner:managed`, `provisioner:source-id`) are added by the target. */
  tags: Record<string, string>;
  /** Present when the user should be able to sign in to the console. */
  loginProfile?: DesiredLoginProfile;
  /** IAM group names. */
  groups: string[];
  /** False when the source says the person is disabled and `provisionDisabled` keeps them in IAM. */
  enabled: boolean;
  /**
   * Field paths applied when the user is created and never on update (PingFederate's "Create only"):
   * `path`, `tags.<key>`, `loginProfile`, `loginProfile.password`, `loginProfile.passwordResetRequired`.
   */
  createOnly: string[];
  /** The memo to record once this desired state is applied (src/sync/memo.ts); not part of the digest. */
  memo?: string;
}

/** What was last written for a source user: enough to compute the next delta without reading AWS. */
export interface AppliedUser {
  sourceId: string;
  userName: string;
  path: string;
  tags: Record<string, string>;
  groups: string[];
  hasLoginProfile: boolean;
  enabled: boolean;
  /** Digest of the desired state that was applied (secrets included only as a keyed hash). */
  digest: string;
  appliedAt: string;
  runId: string;
}

/** An IAM user as AWS holds it (from GetAccountAuthorizationDetails). */
export interface ObservedUser {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createDate?: string;
  tags: Record<string, string>;
  groups: string[];
  hasInlinePolicies: boolean;
  attachedPolicies: string[];
  permissionsBoundary?: string;
}

export interface ObservedGroup {
  groupName: string;
  groupId: string;
  arn: string;
  path: string;
  hasInlinePolicies: boolean;
  attachedPolicies: string[];
}

/** What AWS holds now, read in bulk. */
export interface ObservedState {
  users: ObservedUser[];
  groups: ObservedGroup[];
  readAt: string;
  /** IAM calls the read cost. */
  calls: number;
}

/** The marker tags every user this tool creates carries. */
export const MARKER_TAG = "provisioner:managed";
export const SOURCE_ID_TAG = "provisioner:source-id";
export const DISABLED_TAG = "provisioner:disabled";

/** Fields an update can change. */
export type UserField = "userName" | "path" | "tags" | "loginProfile" | "groups";

export type UserChange =
  | { kind: "create"; sourceId: string; userName: string }
  | { kind: "update"; sourceId: string; userName: string; fromUserName: string; fields: UserField[] }
  | { kind: "disable"; sourceId: string; userName: string }
  | { kind: "enable"; sourceId: string; userName: string; fields: UserField[] }
  | { kind: "delete"; sourceId: string; userName: string }
  | { kind: "noop"; sourceId: string; userName: string };

export type GroupChange =
  | { kind: "create"; groupName: string; path: string; sourceGroupId: string }
  | { kind: "rename"; groupName: string; fromGroupName: string; path: string; sourceGroupId: string }
  | { kind: "delete"; groupName: string; path: string };

/** A user the plan will not send to AWS, with why. */
export interface InvalidUser {
  sourceId: string;
  userName?: string;
  reasons: string[];
}

/** A change a cleared option forbade. */
export interface SkippedChange {
  sourceId: string;
  userName: string;
  kind: UserChange["kind"];
  reason: string;
}

export type PlanStatus = "ready" | "blocked" | "failed";

export interface Plan {
  channel: string;
  mode: RunMode;
  status: PlanStatus;
  /** Why the plan is blocked or failed. */
  reasons: string[];
  users: UserChange[];
  groups: GroupChange[];
  invalid: InvalidUser[];
  skipped: SkippedChange[];
  counts: Record<string, number>;
}

/** What IAM holds (or last held) for a user, as far as the delta needs to know. */
export interface CurrentUser {
  userName: string;
  path: string;
  /** Tags without the marker tags. */
  tags: Record<string, string>;
  groups: string[];
  /** Unknown after a bulk read (GetAccountAuthorizationDetails does not say): undefined. */
  hasLoginProfile?: boolean;
  enabled: boolean;
}

/**
 * The concrete IAM changes for one user, computed by the sync engine (pure) and carried out by the
 * target, which turns each part into the fewest IAM calls and makes every call safe to retry.
 */
export interface UserDelta {
  kind: "create" | "update" | "disable" | "enable" | "delete";
  channel: string;
  sourceId: string;
  /** The user's name after the change. */
  userName: string;
  /** Set on a rename: the name IAM holds now. */
  fromUserName?: string;
  /** Create: the path; update: the new path when it moves. */
  path?: string;
  /** Create: every mapped tag; update: tags added or changed. Marker tags are the target's business. */
  tagsSet?: Record<string, string>;
  tagsRemove?: string[];
  loginProfile?: { action: "create" | "update" | "delete"; password?: string; passwordResetRequired?: boolean };
  groupsAdd?: string[];
  groupsRemove?: string[];
  /** Take over a user that exists without this channel's marker (the channel's `adopt` option). */
  adopt?: boolean;
}

/** What applying a delta did. */
export interface ApplyOutcome {
  /** IAM calls made, by action (e.g. { CreateUser: 1, AddUserToGroup: 3 }). */
  calls: Record<string, number>;
  /** What IAM holds after the change; null after a delete. */
  current: CurrentUser | null;
  /** True when a create found the user already there (ours, or adopted). */
  alreadyExisted?: boolean;
}
