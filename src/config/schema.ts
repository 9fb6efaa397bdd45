import { z } from "zod";
import { cronProblem } from "./cron.js";
import { parseInterval } from "./duration.js";

/**
 * The whole configuration model (DESIGN.md §2, §5–§9). Every object is strict: an unknown key is an
 * error, so a typo never silently turns a safety option off. Defaults live here and nowhere else.
 */

const nonEmpty = z.string().min(1, "must not be empty");
const positiveInt = z.number().int().positive();

/** A YAML key usable as a channel, data store or target name: also used in queue names and IAM paths. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const nameSchema = z
  .string()
  .regex(NAME_PATTERN, "names are 1-63 letters, digits, '_', '.' or '-', starting with a letter or digit");

const tlsSchema = z
  .object({
    /** PEM file of the CA that signed the server's certificate. @defaultValue the system's CAs */
    caFile: nonEmpty.optional(),
    /** Refuse servers whose certificate does not verify. @defaultValue true */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

// --- redis -------------------------------------------------------------------

export const redisSchema = z
  .object({
    /** Redis URL (redis:// or rediss://). @defaultValue "redis://127.0.0.1:6379" */
    url: nonEmpty.default("redis://127.0.0.1:6379"),
    /**
     * Prefix of every key and queue. The braces are a Redis Cluster hash tag, keeping every key of the
     * product in one slot as BullMQ requires. @defaultValue "{prov}"
     */
    prefix: nonEmpty.default("{prov}"),
  })
  .strict();

// --- data stores -------------------------------------------------------------

export const ldapStoreSchema = z
  .object({
    type: z.literal("ldap"),
    /** ldap:// or ldaps:// URL. */
    url: z.string().regex(/^ldaps?:\/\/[^\s]+$/i, "must be an ldap:// or ldaps:// URL"),
    /** Upgrade an ldap:// connection with StartTLS. @defaultValue false */
    startTls: z.boolean().default(false),
    /** DN to bind as; omitted means an anonymous bind. */
    bindDn: nonEmpty.optional(),
    /** A secret: write it as ${env:NAME} or ${file:/path}. */
    bindPassword: z.string().optional(),
    tls: tlsSchema.default({ rejectUnauthorized: true }),
    /** Entries per page of a paged search (RFC 2696). @defaultValue 500 */
    pageSize: positiveInt.max(100_000).default(500),
    timeouts: z
      .object({
        /** @defaultValue 10000 */
        connectMs: positiveInt.default(10_000),
        /** Per LDAP operation (one page of a search). @defaultValue 60000 */
        operationMs: positiveInt.default(60_000),
      })
      .strict()
      .default({ connectMs: 10_000, operationMs: 60_000 }),
  })
  .strict();

export const mysqlStoreSchema = z
  .object({
    type: z.literal("mysql"),
    /** mysql://user:password@host:port/database; or give host, port, user, password, database. */
    url: nonEmpty.optional(),
    host: nonEmpty.optional(),
    /** @defaultValue 3306 */
    port: positiveInt.max(65_535).optional(),
    user: nonEmpty.optional(),
    /** A secret: write it as ${env:NAME} or ${file:/path}. */
    password: z.string().optional(),
    database: nonEmpty.optional(),
    /** Present means TLS is required. */
    tls: tlsSchema.optional(),
    /** @defaultValue 4 */
    poolSize: positiveInt.max(100).default(4),
    /** Rows per page handed to the sync (rows are streamed, never read whole). @defaultValue 500 */
    pageSize: positiveInt.max(100_000).default(500),
    timeouts: z
      .object({
        /** @defaultValue 10000 */
        connectMs: positiveInt.default(10_000),
        /** @defaultValue 300000 */
        queryMs: positiveInt.default(300_000),
      })
      .strict()
      .default({ connectMs: 10_000, queryMs: 300_000 }),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!v.url && !(v.host && v.user && v.database)) {
      ctx.addIssue({ code: "custom", message: "give url, or host, user and database" });
    }
  });

export const dataStoreSchema = z.discriminatedUnion("type", [ldapStoreSchema, mysqlStoreSchema]);

// --- targets -----------------------------------------------------------------

export const awsIamTargetSchema = z
  .object({
    type: z.literal("aws-iam"),
    /** @defaultValue "us-east-1" (IAM is global; the region only picks the endpoint and signing region) */
    region: nonEmpty.default("us-east-1"),
    /** Static keys; omitted means the SDK's default provider chain (env, profile, SSO, instance role). */
    credentials: z
      .object({
        accessKeyId: nonEmpty,
        /** A secret: write it as ${env:NAME} or ${file:/path}. */
        secretAccessKey: nonEmpty,
        sessionToken: z.string().optional(),
      })
      .strict()
      .optional(),
    /** Endpoint override (an IAM emulator, a VPC endpoint). */
    endpoint: z.string().url().optional(),
    /** HTTP(S) proxy URL for calls to IAM. */
    proxy: z.string().url().optional(),
    /** Starting and highest IAM request rate for this account; throttling lowers it. @defaultValue 10 */
    maxRequestsPerSecond: z.number().positive().max(10_000).default(10),
    /** The lowest the adaptive rate may fall to. @defaultValue 1 */
    minRequestsPerSecond: z.number().positive().default(1),
    /** IAM user names never touched, besides the credentials' own user. @defaultValue [] */
    protectedUsers: z.array(nonEmpty).default([]),
    /** The account's IAM user quota, checked at plan time. @defaultValue 5000 */
    maxUsers: positiveInt.max(5_000).default(5_000),
    /** Delete a managed group even while policies are attached (detaching them first). @defaultValue false */
    deleteGroupsWithPolicies: z.boolean().default(false),
    /** Per-call HTTP timeout. @defaultValue 30000 */
    requestTimeoutMs: positiveInt.default(30_000),
  })
  .strict();

export const targetSchema = z.discriminatedUnion("type", [awsIamTargetSchema]);

// --- channels ----------------------------------------------------------------

/** A mapped value: a template string (`"{{ mail | lower }}"`), or with `createOnly`. */
const mappedString = z.union([
  z.string(),
  z
    .object({
      value: z.string(),
      /** Applied when the user is created, never on update. @defaultValue false */
      createOnly: z.boolean().default(false),
    })
    .strict(),
]);

const mappedBoolean = z.union([
  z.boolean(),
  z
    .object({
      value: z.boolean(),
      /** @defaultValue false */
      createOnly: z.boolean().default(false),
    })
    .strict(),
]);

export const disabledRuleSchema = z.discriminatedUnion("rule", [
  z.object({ rule: z.literal("none") }).strict(),
  /** Active Directory: userAccountControl bit 2 (ACCOUNTDISABLE). */
  z.object({ rule: z.literal("adUserAccountControl") }).strict(),
  /** OpenLDAP ppolicy: the entry has pwdAccountLockedTime. */
  z.object({ rule: z.literal("pwdAccountLockedTime") }).strict(),
  z
    .object({
      rule: z.literal("attributeEquals"),
      attribute: nonEmpty,
      /** Compared ignoring case. */
      value: z.string(),
    })
    .strict(),
]);

export const ldapGroupsSchema = z
  .object({
    /** `memberOf` reads the users' memberOf attribute; `entries` reads group entries. @defaultValue "entries" */
    from: z.enum(["memberOf", "entries"]).default("entries"),
    /** Where group entries live. @defaultValue the channel's baseDn */
    baseDn: nonEmpty.optional(),
    /** @defaultValue "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup)(objectClass=group))" */
    filter: nonEmpty.default(
      "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup)(objectClass=group))",
    ),
    /** member, uniqueMember or memberUid; omitted means by the group's object class. */
    memberAttribute: z.enum(["member", "uniqueMember", "memberUid"]).optional(),
    /** Attribute naming the group. @defaultValue "cn" */
    nameAttribute: nonEmpty.default("cn"),
    /** Flatten nested groups. @defaultValue true */
    nested: z.boolean().default(true),
    /** Use AD's LDAP_MATCHING_RULE_IN_CHAIN instead of a closure in memory. @defaultValue false */
    matchingRuleInChain: z.boolean().default(false),
  })
  .strict();

export const ldapSourceSchema = z
  .object({
    dataStore: nameSchema,
    baseDn: nonEmpty,
    /** @defaultValue "sub" */
    scope: z.enum(["base", "one", "sub"]).default("sub"),
    /** @defaultValue "(objectClass=inetOrgPerson)" */
    filter: nonEmpty.default("(objectClass=inetOrgPerson)"),
    /** entryUUID (OpenLDAP), objectGUID (AD), nsUniqueId (389-DS) or any attribute. @defaultValue "entryUUID" */
    idAttribute: nonEmpty.default("entryUUID"),
    /** Attribute naming a user, for lookups by name (replay): uid, sAMAccountName, mail... @defaultValue "uid" */
    nameAttribute: nonEmpty.default("uid"),
    /** Extra attributes to read besides those the mapping names. @defaultValue [] */
    attributes: z.array(nonEmpty).default([]),
    /** @defaultValue { rule: "none" } */
    disabled: disabledRuleSchema.default({ rule: "none" }),
    /** Omitted means the channel reads no groups. */
    groups: ldapGroupsSchema.optional(),
  })
  .strict();

export const mysqlSourceSchema = z
  .object({
    dataStore: nameSchema,
    /** A SELECT returning one row per user. */
    usersQuery: nonEmpty,
    /** A SELECT returning (user id, group id, group name) rows; omitted means no groups. */
    groupsQuery: nonEmpty.optional(),
    /** @defaultValue "id" */
    idColumn: nonEmpty.default("id"),
    /** A column that is truthy for disabled people; omitted means nobody is disabled. */
    disabledColumn: nonEmpty.optional(),
    /** Column naming a user, for lookups by name (replay); omitted means lookups by name are refused. */
    nameColumn: nonEmpty.optional(),
    /** Columns of groupsQuery. @defaultValue { userId: "user_id", groupId: "group_id", groupName: "group_name" } */
    groupColumns: z
      .object({
        userId: nonEmpty.default("user_id"),
        groupId: nonEmpty.default("group_id"),
        groupName: nonEmpty.default("group_name"),
      })
      .strict()
      .default({ userId: "user_id", groupId: "group_id", groupName: "group_name" }),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const key of ["usersQuery", "groupsQuery"] as const) {
      const q = v[key];
      if (q !== undefined && !/^\s*(\(\s*)*select\b/i.test(q.replace(/^\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*/g, ""))) {
        ctx.addIssue({ code: "custom", path: [key], message: "only a SELECT is allowed (the source is read-only)" });
      }
      if (q !== undefined && /;\s*\S/.test(q)) {
        ctx.addIssue({ code: "custom", path: [key], message: "one statement only" });
      }
    }
  });

export const userMappingSchema = z
  .object({
    /** IAM user name template. */
    userName: mappedString,
    /** IAM path template. @defaultValue the channel's path */
    path: mappedString.optional(),
    /** Tag key → value template. @defaultValue {} */
    tags: z.record(z.string(), mappedString).default({}),
    /** Omitted means no console access. */
    loginProfile: z
      .object({
        /** A template over a source attribute holding the password: a secret. */
        password: mappedString,
        /** @defaultValue { value: true, createOnly: true } */
        passwordResetRequired: mappedBoolean.default({ value: true, createOnly: true }),
      })
      .strict()
      .optional(),
  })
  .strict();

export const groupMappingSchema = z
  .object({
    /** IAM group name template over the source group (`name`, `id`, attributes). @defaultValue "{{ name }}" */
    name: z.string().default("{{ name }}"),
    /** @defaultValue the channel's path */
    path: z.string().optional(),
    /** Source group names (glob `*`, or /regex/) to provision; empty means all. @defaultValue [] */
    include: z.array(nonEmpty).default([]),
    /** @defaultValue [] */
    exclude: z.array(nonEmpty).default([]),
  })
  .strict();

export const optionsSchema = z
  .object({
    /** @defaultValue true */
    create: z.boolean().default(true),
    /** @defaultValue true */
    update: z.boolean().default(true),
    /** @defaultValue true */
    remove: z.boolean().default(true),
    /** @defaultValue "disable" */
    removeAction: z.enum(["delete", "disable"]).default("disable"),
    /** Keep disabled people in IAM (disabled) instead of applying removeAction. @defaultValue false */
    provisionDisabled: z.boolean().default(false),
    /** Provision groups and memberships. @defaultValue true */
    groups: z.boolean().default(true),
    /** Take over existing unmanaged IAM users whose name matches. @defaultValue false */
    adopt: z.boolean().default(false),
  })
  .strict();

export const guardsSchema = z
  .object({
    /** Most removals (deletes + disables) a run may make without approval: a count or "N%". @defaultValue "10%" */
    maxDeletes: z
      .union([z.number().int().nonnegative(), z.string().regex(/^\d+(\.\d+)?%$/, 'a count or "N%"')])
      .default("10%"),
    /** Block a run whose source is empty while applied state has users. @defaultValue true */
    blockEmptySource: z.boolean().default(true),
  })
  .strict();

export const scheduleSchema = z
  .object({
    /** Interval of incremental runs: "15m", "1h", "30s" or milliseconds; omitted means none. */
    incremental: z
      .union([z.string(), positiveInt])
      .optional()
      .superRefine((v, ctx) => {
        if (v === undefined) return;
        const problem = parseInterval(v).error;
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    /** Cron expression of full runs; omitted means none. */
    full: z
      .string()
      .optional()
      .superRefine((v, ctx) => {
        if (v === undefined) return;
        const problem = cronProblem(v);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    /** IANA time zone of the cron expression. @defaultValue "UTC" */
    timezone: nonEmpty.default("UTC"),
  })
  .strict();

export const channelSchema = z
  .object({
    /** @defaultValue true */
    active: z.boolean().default(true),
    /** Validated against the data store's type (ldap or mysql) once references are known. */
    source: z.record(z.string(), z.unknown()),
    target: nameSchema,
    /** IAM path that marks this channel's users and groups. @defaultValue "/provisioner/<channel>/" */
    path: z.string().optional(),
    mapping: userMappingSchema,
    /** Omitted means the default group mapping. */
    groups: groupMappingSchema.default({ name: "{{ name }}", include: [], exclude: [] }),
    options: optionsSchema.default({
      create: true,
      update: true,
      remove: true,
      removeAction: "disable",
      provisionDisabled: false,
      groups: true,
      adopt: false,
    }),
    guards: guardsSchema.default({ maxDeletes: "10%", blockEmptySource: true }),
    schedule: scheduleSchema.default({ timezone: "UTC" }),
  })
  .strict();

// --- queue, dashboard, secrets ----------------------------------------------

export const provisioningSchema = z
  .object({
    /** Provision jobs one worker process runs at once per target queue. @defaultValue 16 */
    concurrency: positiveInt.max(1_000).default(16),
    /** Attempts for transient failures before a dead letter. @defaultValue 8 */
    attempts: positiveInt.max(100).default(8),
    /** First backoff; doubles each attempt, with jitter (8 attempts ≈ 15 minutes). @defaultValue 7000 */
    backoffMs: positiveInt.default(7_000),
    /** Throttled retries one job may take before it counts as a failed attempt. @defaultValue 50 */
    maxThrottleRetries: positiveInt.default(50),
    /** Snapshot jobs one process runs at once. @defaultValue 2 */
    snapshotConcurrency: positiveInt.max(64).default(2),
    /**
     * How long a job's lock lasts without renewal: a job whose worker died (SIGKILL, lost machine) is
     * taken over by another worker after about this long. @defaultValue 30000
     */
    stalledAfterMs: positiveInt.min(1_000).default(30_000),
  })
  .strict();

export const dashboardSchema = z
  .object({
    /** @defaultValue "127.0.0.1" */
    host: nonEmpty.default("127.0.0.1"),
    /** @defaultValue 8080 */
    port: z.number().int().min(0).max(65_535).default(8080),
    /** Basic-auth users. Required (or tokens) whenever host is not loopback. @defaultValue [] */
    users: z
      .array(
        z
          .object({
            name: nonEmpty,
            /** A secret: write it as ${env:NAME} or ${file:/path}. */
            password: z.string().min(8, "at least 8 characters"),
            role: z.enum(["viewer", "operator"]),
          })
          .strict(),
      )
      .default([]),
    /** Bearer tokens for the API. @defaultValue [] */
    tokens: z
      .array(
        z
          .object({
            name: nonEmpty,
            /** A secret. */
            token: z.string().min(16, "at least 16 characters"),
            role: z.enum(["viewer", "operator"]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export const secretsSchema = z
  .object({
    /** 32-byte key (64 hex characters or base64) that encrypts secrets at rest (AES-256-GCM). */
    key: z.string().optional(),
  })
  .strict();

export const logSchema = z
  .object({
    /** @defaultValue "info" */
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .strict();

export const configSchema = z
  .object({
    redis: redisSchema.default({ url: "redis://127.0.0.1:6379", prefix: "{prov}" }),
    dataStores: z.record(nameSchema, dataStoreSchema).default({}),
    targets: z.record(nameSchema, targetSchema).default({}),
    channels: z.record(nameSchema, channelSchema).default({}),
    provisioning: provisioningSchema.default({
      concurrency: 16,
      attempts: 8,
      backoffMs: 7_000,
      maxThrottleRetries: 50,
      snapshotConcurrency: 2,
      stalledAfterMs: 30_000,
    }),
    dashboard: dashboardSchema.default({ host: "127.0.0.1", port: 8080, users: [], tokens: [] }),
    secrets: secretsSchema.default({}),
    log: logSchema.default({ level: "info" }),
  })
  .strict();

export type RawConfig = z.infer<typeof configSchema>;
export type LdapStoreConfig = z.infer<typeof ldapStoreSchema>;
export type MysqlStoreConfig = z.infer<typeof mysqlStoreSchema>;
export type DataStoreConfig = z.infer<typeof dataStoreSchema>;
export type AwsIamTargetConfig = z.infer<typeof awsIamTargetSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type LdapSourceConfig = z.infer<typeof ldapSourceSchema>;
export type MysqlSourceConfig = z.infer<typeof mysqlSourceSchema>;
export type LdapGroupsConfig = z.infer<typeof ldapGroupsSchema>;
export type DisabledRule = z.infer<typeof disabledRuleSchema>;
export type UserMappingConfig = z.infer<typeof userMappingSchema>;
export type GroupMappingConfig = z.infer<typeof groupMappingSchema>;
export type ChannelOptions = z.infer<typeof optionsSchema>;
export type GuardsConfig = z.infer<typeof guardsSchema>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type ProvisioningConfig = z.infer<typeof provisioningSchema>;
export type DashboardConfig = z.infer<typeof dashboardSchema>;
export type MappedString = z.infer<typeof mappedString>;
export type MappedBoolean = z.infer<typeof mappedBoolean>;

/** A channel's source once its data store's type is known. */
export type ChannelSource = ({ type: "ldap" } & LdapSourceConfig) | ({ type: "mysql" } & MysqlSourceConfig);

export type ChannelConfig = Omit<z.infer<typeof channelSchema>, "source" | "path"> & {
  name: string;
  source: ChannelSource;
  /** The managed path, always set after loading. */
  path: string;
};

/** The validated configuration the rest of the program reads. */
export type Config = Omit<RawConfig, "channels"> & { channels: Record<string, ChannelConfig> };
