/**
 * Direct access to one account for tests: seed what the IAM API cannot create here (certificates,
 * SSH keys, service credentials, MFA), bend quotas, and read everything back as JSON.
 */
import type { PasswordPolicy, Tag } from "./rules.js";
import type { Account, AccountSnapshot, GroupSnapshot, UserSnapshot } from "./state.js";

type Status = "Active" | "Inactive";
type CountOr<T> = number | T[];

export interface SeedUser {
  userName: string;
  path?: string;
  tags?: Tag[] | Record<string, string>;
  /** Group names; missing groups are created with path "/". */
  groups?: string[];
  loginProfile?: boolean | { password?: string; passwordResetRequired?: boolean };
  accessKeys?: CountOr<{ status?: Status }>;
  signingCertificates?: CountOr<{ status?: Status; body?: string }>;
  sshKeys?: CountOr<{ status?: Status; body?: string }>;
  serviceCredentials?: CountOr<{ serviceName?: string; status?: Status }>;
  /** Serial numbers, or a count of virtual devices. */
  mfaDevices?: CountOr<string>;
  /** Policy name -> document (JSON string), or names only (an allow-nothing document is used). */
  inlinePolicies?: Record<string, string> | string[];
  attachedPolicies?: string[];
  permissionsBoundary?: string;
}

export interface SeedGroup {
  groupName: string;
  path?: string;
  members?: string[];
  inlinePolicies?: Record<string, string> | string[];
  attachedPolicies?: string[];
}

const EMPTY_POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [] });

function list<T>(v: CountOr<T> | undefined, make: (i: number) => T): T[] {
  if (v === undefined) return [];
  return typeof v === "number" ? Array.from({ length: v }, (_, i) => make(i)) : v;
}

function policies(v: Record<string, string> | string[] | undefined): [string, string][] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map((n) => [n, EMPTY_POLICY]) : Object.entries(v);
}

function policyName(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}

export class EmulatorAccount {
  constructor(private readonly a: Account) {}

  get accountId(): string {
    return this.a.accountId;
  }
  get accessKeyId(): string {
    return this.a.accessKeyId;
  }
  get callerUserName(): string {
    return this.a.caller().userName;
  }

  /** Seeding bypasses name rules but not uniqueness, quotas or the groups-per-user limit. */
  seedUser(s: SeedUser): UserSnapshot {
    const a = this.a;
    const tags = Array.isArray(s.tags) ? s.tags : Object.entries(s.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const u = a.addUser(s.userName, s.path ?? "/", tags);
    for (const g of s.groups ?? []) {
      a.addMember(a.groups.get(g.toLowerCase()) ?? a.addGroup(g, "/"), u);
    }
    if (s.loginProfile) {
      const lp = typeof s.loginProfile === "object" ? s.loginProfile : {};
      u.loginProfile = {
        password: lp.password ?? "Seeded-Passw0rd!",
        passwordResetRequired: lp.passwordResetRequired ?? false,
        createDate: new Date(),
      };
    }
    for (const k of list<{ status?: Status }>(s.accessKeys, () => ({}))) {
      const key = a.addAccessKey(u);
      key.status = k.status ?? "Active";
    }
    for (const c of list<{ status?: Status; body?: string }>(s.signingCertificates, () => ({}))) {
      u.signingCertificates.push({
        certificateId: a.newId("", 32),
        body: c.body ?? "-----BEGIN CERTIFICATE-----\nMIIseeded\n-----END CERTIFICATE-----",
        status: c.status ?? "Active",
        uploadDate: new Date(),
      });
    }
    for (const k of list<{ status?: Status; body?: string }>(s.sshKeys, () => ({}))) {
      u.sshKeys.push({
        sshPublicKeyId: a.newId("APKA", 16),
        body: k.body ?? "ssh-rsa AAAAseeded",
        status: k.status ?? "Active",
        uploadDate: new Date(),
      });
    }
    for (const c of list<{ serviceName?: string; status?: Status }>(s.serviceCredentials, () => ({}))) {
      u.serviceCredentials.push({
        serviceSpecificCredentialId: a.newId("ACCA", 17),
        serviceName: c.serviceName ?? "codecommit.amazonaws.com",
        serviceUserName: `${u.userName}-at-${a.accountId}`,
        status: c.status ?? "Active",
        createDate: new Date(),
      });
    }
    for (const serial of list(s.mfaDevices, (i) => `arn:aws:iam::${a.accountId}:mfa/${u.userName}-${i + 1}`)) {
      u.mfaDevices.push({ serialNumber: serial, enableDate: new Date() });
    }
    for (const [name, doc] of policies(s.inlinePolicies)) u.inlinePolicies.set(name, doc);
    for (const arn of s.attachedPolicies ?? []) u.attachedPolicies.set(arn, policyName(arn));
    u.permissionsBoundary = s.permissionsBoundary;
    return this.a.userSnapshot(u);
  }

  seedUsers(users: SeedUser[]): void {
    for (const u of users) this.seedUser(u);
  }

  seedGroup(s: SeedGroup): GroupSnapshot {
    const a = this.a;
    const g = a.groups.get(s.groupName.toLowerCase()) ?? a.addGroup(s.groupName, s.path ?? "/");
    for (const m of s.members ?? []) a.addMember(g, a.user(m));
    for (const [name, doc] of policies(s.inlinePolicies)) g.inlinePolicies.set(name, doc);
    for (const arn of s.attachedPolicies ?? []) g.attachedPolicies.set(arn, policyName(arn));
    return a.groupSnapshot(g);
  }

  setUsersQuota(n: number): void {
    this.a.usersQuota = n;
  }

  setGroupsQuota(n: number): void {
    this.a.groupsQuota = n;
  }

  /** null removes the custom policy, so the default rules apply again. */
  setPasswordPolicy(p: Partial<PasswordPolicy> | null): void {
    this.a.passwordPolicy = p
      ? {
          MinimumPasswordLength: p.MinimumPasswordLength ?? 6,
          RequireSymbols: p.RequireSymbols ?? false,
          RequireNumbers: p.RequireNumbers ?? false,
          RequireUppercaseCharacters: p.RequireUppercaseCharacters ?? false,
          RequireLowercaseCharacters: p.RequireLowercaseCharacters ?? false,
          AllowUsersToChangePassword: p.AllowUsersToChangePassword ?? false,
          MaxPasswordAge: p.MaxPasswordAge,
          PasswordReusePrevention: p.PasswordReusePrevention,
          HardExpiry: p.HardExpiry,
        }
      : undefined;
  }

  snapshot(): AccountSnapshot {
    return this.a.snapshot();
  }

  /** One user by name (ignoring case), or undefined. */
  user(name: string): UserSnapshot | undefined {
    const u = this.a.users.get(name.toLowerCase());
    return u ? this.a.userSnapshot(u) : undefined;
  }

  reset(): void {
    this.a.reset();
  }
}
