import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { stringify } from "yaml";
import { waitForRun } from "../../src/cli/wait.js";
import { type LoadedConfig, loadConfigText } from "../../src/config/load.js";
import { createLogger } from "../../src/log/logger.js";
import { QueueContext } from "../../src/queue/context.js";
import { requestRun, type SyncRequest } from "../../src/queue/control.js";
import type { RunRecord } from "../../src/queue/runs.js";
import { type RunningWorkers, startWorkers } from "../../workers/start.js";
import { services, uniqueName } from "./env.js";
import { type EmulatorOptions, type IamEmulator, startIamEmulator } from "./iam-emulator/index.js";
import { freshKey } from "./iam-emulator/testing.js";
import { applyLdif, createSubtree, removeSubtree } from "./ldap-fixtures.js";
import { clearPrefix } from "./redis.js";

/**
 * A whole pipeline for a test: its own LDAP subtree of people and groups in the real slapd, its own Redis
 * prefix, one or more emulated AWS accounts, and a configuration tying them together. Workers run in this
 * process (`startWorkers`) or as child processes (`configFile` + bin/provisioner.js).
 */
export interface Person {
  uid: string;
  cn?: string;
  mail?: string;
  /** Initial console password (the mapping reads it from carLicense). */
  password?: string;
  /** employeeType "disabled" marks a leaver. */
  disabled?: boolean;
}

export function people(n: number, opts: { password?: boolean; from?: number } = {}): Person[] {
  const from = opts.from ?? 0;
  return Array.from({ length: n }, (_, k) => {
    const i = String(from + k).padStart(5, "0");
    return {
      uid: `user${i}`,
      cn: `User ${i}`,
      mail: `user${i}@example.com`,
      ...(opts.password ? { password: `Init-Pass-${i}!` } : {}),
    };
  });
}

export function personLdif(base: string, p: Person): string {
  return [
    `dn: uid=${p.uid},ou=people,${base}`,
    "objectClass: inetOrgPerson",
    `uid: ${p.uid}`,
    `cn: ${p.cn ?? p.uid}`,
    `sn: ${p.uid}`,
    ...(p.mail ? [`mail: ${p.mail}`] : []),
    ...(p.password ? [`carLicense: ${p.password}`] : []),
    ...(p.disabled ? ["employeeType: disabled"] : []),
    "",
  ].join("\n");
}

export function groupLdif(base: string, name: string, memberUids: string[]): string {
  const members = memberUids.length ? memberUids : [];
  return [
    `dn: cn=${name},ou=groups,${base}`,
    "objectClass: groupOfNames",
    `cn: ${name}`,
    // groupOfNames needs a member: an entry that is not a person in scope is ignored by the data store.
    ...(members.length ? members.map((u) => `member: uid=${u},ou=people,${base}`) : [`member: cn=nobody,${base}`]),
    "",
  ].join("\n");
}

export interface TargetSpec {
  name: string;
  accessKeyId?: string;
  maxRequestsPerSecond?: number;
}

export interface ChannelSpec {
  name: string;
  target: string;
  options?: Record<string, unknown>;
  guards?: Record<string, unknown>;
  /** Sub-OU of this pipeline's subtree holding the channel's people (default "people"). */
  peopleOu?: string;
  loginProfile?: boolean;
  /** Read groups from ou=groups (the default) or none at all. */
  groups?: boolean;
  /** Tag templates in place of the default email + name. */
  tags?: Record<string, string>;
}

export interface PipelineOptions {
  emulator: IamEmulator;
  targets?: TargetSpec[];
  channels?: ChannelSpec[];
  provisioning?: Record<string, unknown>;
  label?: string;
  /** A private Redis (fault tests that restart it); the shared one otherwise. */
  redisUrl?: string;
  /** Entries per page of the LDAP paged search. @defaultValue 200 */
  ldapPageSize?: number;
  /** The directory's URL, when something stands between (a test's TCP tap). @defaultValue the local slapd */
  ldapUrl?: string;
}

export class Pipeline {
  readonly prefix = `{${uniqueName("pl")}}`;
  base = "";
  loaded!: LoadedConfig;
  ctx!: QueueContext;
  workers?: RunningWorkers;
  configFile = "";
  readonly keys: Record<string, string> = {};
  readonly secretKey = randomBytes(32).toString("hex");

  constructor(readonly opts: PipelineOptions) {}

  get targets(): TargetSpec[] {
    return this.opts.targets ?? [{ name: "acct" }];
  }

  private withPasswords = false;

  get channels(): ChannelSpec[] {
    return (
      this.opts.channels ?? [
        { name: "staff", target: this.targets[0]?.name ?? "acct", loginProfile: this.withPasswords },
      ]
    );
  }

  async setup(directory: { people: Person[]; groups?: Record<string, string[]> }): Promise<this> {
    // The default channel maps console passwords only when the directory has them.
    this.withPasswords = directory.people.some((p) => p.password);
    this.base = await createSubtree("example", this.opts.label ?? "pipeline");
    const ous = new Set(["people", "groups", ...this.channels.map((c) => c.peopleOu ?? "people")]);
    await applyLdif(
      "example",
      [...ous].map((ou) => `dn: ou=${ou},${this.base}\nobjectClass: organizationalUnit\nou: ${ou}\n`).join("\n"),
    );
    await this.addPeople(directory.people);
    for (const [name, members] of Object.entries(directory.groups ?? {}))
      await applyLdif("example", groupLdif(this.base, name, members));
    for (const t of this.targets) this.keys[t.name] = t.accessKeyId ?? freshKey(t.name);
    this.loaded = loadConfigText(stringify(this.configObject()), "pipeline.yaml", {});
    const dir = mkdtempSync(join(tmpdir(), "pipeline-"));
    this.configFile = join(dir, "provisioner.yaml");
    writeFileSync(this.configFile, stringify(this.configObject()));
    this.ctx = new QueueContext(this.loaded.config);
    return this;
  }

  /** New channel settings, as after an operator's edit and restart: workers (if running) restart with them. */
  async reconfigure(channels: ChannelSpec[]): Promise<void> {
    const running = this.workers !== undefined;
    await this.workers?.close();
    this.workers = undefined;
    await this.ctx.close();
    this.opts.channels = channels;
    this.loaded = loadConfigText(stringify(this.configObject()), "pipeline.yaml", {});
    writeFileSync(this.configFile, stringify(this.configObject()));
    this.ctx = new QueueContext(this.loaded.config);
    if (running) await this.startWorkers();
  }

  configObject(): Record<string, unknown> {
    return {
      redis: { url: this.opts.redisUrl ?? services.redisUrl, prefix: this.prefix },
      secrets: { key: this.secretKey },
      // Child processes (CLI, spawned workers) log at info: the fault suite waits for their "workers started".
      log: { level: "info" },
      dataStores: {
        dir: {
          type: "ldap",
          url: this.opts.ldapUrl ?? services.ldapUrl,
          bindDn: services.ldapBindDn,
          bindPassword: services.ldapBindPassword,
          pageSize: this.opts.ldapPageSize ?? 200,
        },
      },
      targets: Object.fromEntries(
        this.targets.map((t) => [
          t.name,
          {
            type: "aws-iam",
            endpoint: this.opts.emulator.url,
            credentials: { accessKeyId: this.keys[t.name] ?? t.accessKeyId, secretAccessKey: "emulator-secret" },
            maxRequestsPerSecond: t.maxRequestsPerSecond ?? 500,
          },
        ]),
      ),
      channels: Object.fromEntries(
        this.channels.map((c) => [
          c.name,
          {
            source: {
              dataStore: "dir",
              baseDn: `ou=${c.peopleOu ?? "people"},${this.base}`,
              filter: "(objectClass=inetOrgPerson)",
              disabled: { rule: "attributeEquals", attribute: "employeeType", value: "disabled" },
              ...(c.groups === false
                ? {}
                : {
                    groups: {
                      from: "entries",
                      baseDn: `ou=groups,${this.base}`,
                      filter: "(objectClass=groupOfNames)",
                    },
                  }),
            },
            target: c.target,
            mapping: {
              userName: "{{ uid }}",
              tags: c.tags ?? { email: "{{ mail | lower | default('none') }}", name: "{{ cn | asciifold }}" },
              ...(c.loginProfile
                ? { loginProfile: { password: { value: "{{ carLicense }}", createOnly: true } } }
                : {}),
            },
            groups: { name: "{{ name }}" },
            options: { removeAction: "delete", ...(c.options ?? {}) },
            guards: { maxDeletes: "50%", ...(c.guards ?? {}) },
          },
        ]),
      ),
      provisioning: { concurrency: 16, attempts: 4, backoffMs: 200, ...(this.opts.provisioning ?? {}) },
    };
  }

  async addPeople(list: Person[], ou = "people"): Promise<void> {
    for (let i = 0; i < list.length; i += 500) {
      await applyLdif(
        "example",
        list
          .slice(i, i + 500)
          .map((p) => personLdif(this.base, p).replace(`,ou=people,`, `,ou=${ou},`))
          .join("\n"),
      );
    }
  }

  /** LDIF modify records against this pipeline's subtree (`@BASE@` is replaced). */
  async modify(ldif: string): Promise<void> {
    const { execFile } = await import("node:child_process");
    await new Promise<void>((resolve, reject) => {
      const child = execFile(
        "ldapmodify",
        ["-x", "-H", services.ldapUrl, "-D", services.ldapBindDn, "-w", services.ldapBindPassword],
        (err, _out, stderr) => (err ? reject(new Error(`ldapmodify: ${stderr || err.message}`)) : resolve()),
      );
      child.stdin?.end(ldif.replaceAll("@BASE@", this.base));
    });
  }

  async startWorkers(
    roles: { snapshot?: boolean; provision?: boolean | string[] } = { snapshot: true, provision: true },
  ): Promise<RunningWorkers> {
    const logger = createLogger({ level: process.env.PIPELINE_LOG ?? "silent" });
    this.workers = await startWorkers(this.ctx, { roles, logger });
    return this.workers;
  }

  async run(req: Partial<SyncRequest> & { mode?: SyncRequest["mode"] } = {}, timeoutMs = 120_000): Promise<RunRecord> {
    const { runId } = await requestRun(this.ctx, {
      channel: req.channel ?? this.channels[0]?.name ?? "staff",
      mode: req.mode ?? "incremental",
      trigger: "cli",
      ...(req.allowDeletions ? { allowDeletions: true } : {}),
      ...(req.sourceIds ? { sourceIds: req.sourceIds } : {}),
    });
    return waitForRun(this.ctx.runs, runId, { timeoutMs, pollMs: 100 });
  }

  account(target = this.targets[0]?.name ?? "acct") {
    return this.opts.emulator.account(this.keys[target] as string);
  }

  /** Users this pipeline's channels manage in the emulated account, by name. */
  managedUsers(target?: string) {
    return this.account(target)
      .snapshot()
      .users.filter((u) => u.tags.some((t) => t.Key === "provisioner:managed"));
  }

  async close(): Promise<void> {
    await this.workers?.close();
    await this.ctx?.close();
    if (this.base) await removeSubtree("example", this.base);
    // A private Redis may be stopped by now (fault tests); it goes away with its directory anyway.
    await clearPrefix(this.opts.redisUrl ?? services.redisUrl, this.prefix).catch(() => {});
  }
}

/**
 * The hooks every pipeline test file repeats: an emulator and a pipeline built before the tests, and both
 * closed after (worker processes the test spawned first, via `cleanup`). Read `emu` and `pl` inside tests.
 */
export function pipelineFixture(
  make: (emu: IamEmulator) => Promise<Pipeline>,
  opts: { emulator?: EmulatorOptions; cleanup?: () => Promise<void> } = {},
): { emu: IamEmulator; pl: Pipeline } {
  const f = {} as { emu: IamEmulator; pl: Pipeline };
  beforeAll(async () => {
    f.emu = await startIamEmulator(opts.emulator);
    f.pl = await make(f.emu);
  }, 180_000);
  afterAll(async () => {
    await opts.cleanup?.();
    f.emu?.setLatency(0);
    await f.pl?.close();
    await f.emu?.close();
  });
  return f;
}
