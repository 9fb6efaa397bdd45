/**
 * Accounts and their entities. Memberships link by id, not name, so renames carry them for free.
 * Everything here is synchronous: one request is applied atomically, as IAM appears to callers.
 */
import { createHash } from "node:crypto";
import { err } from "./protocol.js";
import { LIMITS, type PasswordPolicy, type Tag } from "./rules.js";

export interface AccessKeyEntity {
  accessKeyId: string;
  secretAccessKey: string;
  status: "Active" | "Inactive";
  createDate: Date;
}
export interface CertEntity {
  certificateId: string;
  body: string;
  status: "Active" | "Inactive";
  uploadDate: Date;
}
export interface SshKeyEntity {
  sshPublicKeyId: string;
  body: string;
  status: "Active" | "Inactive";
  uploadDate: Date;
}
export interface ServiceCredentialEntity {
  serviceSpecificCredentialId: string;
  serviceName: string;
  serviceUserName: string;
  status: "Active" | "Inactive";
  createDate: Date;
}
export interface MfaEntity {
  serialNumber: string;
  enableDate: Date;
}
export interface LoginProfileEntity {
  password: string;
  passwordResetRequired: boolean;
  createDate: Date;
}

export interface UserEntity {
  userName: string;
  path: string;
  userId: string;
  createDate: Date;
  tags: Tag[];
  groupIds: Set<string>;
  loginProfile?: LoginProfileEntity | undefined;
  accessKeys: AccessKeyEntity[];
  signingCertificates: CertEntity[];
  sshKeys: SshKeyEntity[];
  serviceCredentials: ServiceCredentialEntity[];
  mfaDevices: MfaEntity[];
  inlinePolicies: Map<string, string>;
  /** arn -> policy name */
  attachedPolicies: Map<string, string>;
  permissionsBoundary?: string | undefined;
}

export interface GroupEntity {
  groupName: string;
  path: string;
  groupId: string;
  createDate: Date;
  memberIds: Set<string>;
  inlinePolicies: Map<string, string>;
  attachedPolicies: Map<string, string>;
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** 12 digits from a hash, so the same key always maps to the same account id across runs. */
export function accountIdFor(accessKeyId: string): string {
  const hex = createHash("sha256").update(accessKeyId).digest("hex").slice(0, 15);
  return (BigInt(`0x${hex}`) % 1_000_000_000_000n).toString().padStart(12, "0");
}

export class Account {
  readonly users = new Map<string, UserEntity>(); // lower-case name -> user
  readonly usersById = new Map<string, UserEntity>();
  readonly groups = new Map<string, GroupEntity>(); // lower-case name -> group
  readonly groupsById = new Map<string, GroupEntity>();
  passwordPolicy: PasswordPolicy | undefined;
  usersQuota: number;
  groupsQuota = LIMITS.groupsPerAccount;
  /** By id, so renaming the caller's own user keeps GetUser-without-name working. */
  callerUserId = "";
  private seq = 0;

  constructor(
    readonly accessKeyId: string,
    readonly accountId: string,
    readonly callerUserName: string,
    private readonly defaultUsersQuota: number,
  ) {
    this.usersQuota = defaultUsersQuota;
    this.reset();
  }

  reset(): void {
    this.users.clear();
    this.usersById.clear();
    this.groups.clear();
    this.groupsById.clear();
    this.passwordPolicy = undefined;
    this.usersQuota = this.defaultUsersQuota;
    this.seq = 0;
    this.callerUserId = this.addUser(this.callerUserName, "/").userId;
  }

  /** Deterministic ids (prefix + 17 chars) keep snapshots comparable between runs. */
  newId(prefix: string, length = 17): string {
    const h = createHash("sha256")
      .update(`${this.accountId}/${prefix}/${++this.seq}`)
      .digest();
    let s = prefix;
    for (let i = 0; s.length < prefix.length + length; i++) s += ID_ALPHABET[(h[i % h.length] ?? 0) % 32];
    return s;
  }

  userArn(u: UserEntity): string {
    return `arn:aws:iam::${this.accountId}:user${u.path}${u.userName}`;
  }
  groupArn(g: GroupEntity): string {
    return `arn:aws:iam::${this.accountId}:group${g.path}${g.groupName}`;
  }

  user(name: string): UserEntity {
    const u = this.users.get(name.toLowerCase());
    // IAM matches names ignoring case on lookup too.
    if (!u) throw err.noSuchEntity(`The user with name ${name} cannot be found.`);
    return u;
  }
  group(name: string): GroupEntity {
    const g = this.groups.get(name.toLowerCase());
    if (!g) throw err.noSuchEntity(`The group with name ${name} cannot be found.`);
    return g;
  }
  caller(): UserEntity {
    const u = this.usersById.get(this.callerUserId);
    if (!u) throw err.noSuchEntity(`The user with name ${this.callerUserName} cannot be found.`);
    return u;
  }

  addUser(userName: string, path: string, tags: Tag[] = []): UserEntity {
    if (this.users.has(userName.toLowerCase())) {
      throw err.alreadyExists(`User with name ${userName} already exists.`);
    }
    if (this.users.size >= this.usersQuota) {
      throw err.limitExceeded(`Cannot exceed quota for UsersPerAccount: ${this.usersQuota}`);
    }
    const u: UserEntity = {
      userName,
      path,
      userId: this.newId("AIDA"),
      createDate: new Date(),
      tags: [...tags],
      groupIds: new Set(),
      accessKeys: [],
      signingCertificates: [],
      sshKeys: [],
      serviceCredentials: [],
      mfaDevices: [],
      inlinePolicies: new Map(),
      attachedPolicies: new Map(),
    };
    this.users.set(userName.toLowerCase(), u);
    this.usersById.set(u.userId, u);
    return u;
  }

  addGroup(groupName: string, path: string): GroupEntity {
    if (this.groups.has(groupName.toLowerCase())) {
      throw err.alreadyExists(`Group with name ${groupName} already exists.`);
    }
    if (this.groups.size >= this.groupsQuota) {
      throw err.limitExceeded(`Cannot exceed quota for GroupsPerAccount: ${this.groupsQuota}`);
    }
    const g: GroupEntity = {
      groupName,
      path,
      groupId: this.newId("AGPA"),
      createDate: new Date(),
      memberIds: new Set(),
      inlinePolicies: new Map(),
      attachedPolicies: new Map(),
    };
    this.groups.set(groupName.toLowerCase(), g);
    this.groupsById.set(g.groupId, g);
    return g;
  }

  addMember(g: GroupEntity, u: UserEntity): void {
    if (u.groupIds.has(g.groupId)) return;
    if (u.groupIds.size >= LIMITS.groupsPerUser) {
      throw err.limitExceeded(`Cannot exceed quota for GroupsPerUser: ${LIMITS.groupsPerUser}`);
    }
    u.groupIds.add(g.groupId);
    g.memberIds.add(u.userId);
  }

  removeMember(g: GroupEntity, u: UserEntity): void {
    u.groupIds.delete(g.groupId);
    g.memberIds.delete(u.userId);
  }

  groupsOf(u: UserEntity): GroupEntity[] {
    return [...u.groupIds].flatMap((id) => this.groupsById.get(id) ?? []).sort(byName((g) => g.groupName));
  }
  membersOf(g: GroupEntity): UserEntity[] {
    return [...g.memberIds].flatMap((id) => this.usersById.get(id) ?? []).sort(byName((u) => u.userName));
  }

  addAccessKey(u: UserEntity, status: "Active" | "Inactive" = "Active"): AccessKeyEntity {
    if (u.accessKeys.length >= LIMITS.accessKeysPerUser) {
      throw err.limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${LIMITS.accessKeysPerUser}`);
    }
    const key: AccessKeyEntity = {
      accessKeyId: this.newId("AKIA", 16),
      secretAccessKey: this.newId("", 40),
      status,
      createDate: new Date(),
    };
    u.accessKeys.push(key);
    return key;
  }

  /** Plain JSON of the whole account, for tests to compare against the directory. */
  snapshot(): AccountSnapshot {
    return {
      accountId: this.accountId,
      callerUserName: this.caller().userName,
      usersQuota: this.usersQuota,
      passwordPolicy: this.passwordPolicy ? { ...this.passwordPolicy } : null,
      users: [...this.users.values()].sort(byName((u) => u.userName)).map((u) => this.userSnapshot(u)),
      groups: [...this.groups.values()].sort(byName((g) => g.groupName)).map((g) => this.groupSnapshot(g)),
    };
  }

  userSnapshot(u: UserEntity): UserSnapshot {
    return {
      userName: u.userName,
      path: u.path,
      userId: u.userId,
      arn: this.userArn(u),
      createDate: u.createDate.toISOString(),
      tags: u.tags.map((t) => ({ ...t })),
      groups: this.groupsOf(u).map((g) => g.groupName),
      loginProfile: u.loginProfile
        ? { passwordResetRequired: u.loginProfile.passwordResetRequired, password: u.loginProfile.password }
        : null,
      accessKeys: u.accessKeys.map((k) => ({ accessKeyId: k.accessKeyId, status: k.status })),
      signingCertificates: u.signingCertificates.map((c) => ({ certificateId: c.certificateId, status: c.status })),
      sshKeys: u.sshKeys.map((k) => ({ sshPublicKeyId: k.sshPublicKeyId, status: k.status })),
      serviceCredentials: u.serviceCredentials.map((c) => ({
        serviceSpecificCredentialId: c.serviceSpecificCredentialId,
        serviceName: c.serviceName,
        status: c.status,
      })),
      mfaDevices: u.mfaDevices.map((m) => m.serialNumber),
      inlinePolicies: Object.fromEntries(u.inlinePolicies),
      attachedPolicies: [...u.attachedPolicies.keys()],
      permissionsBoundary: u.permissionsBoundary ?? null,
    };
  }

  groupSnapshot(g: GroupEntity): GroupSnapshot {
    return {
      groupName: g.groupName,
      path: g.path,
      groupId: g.groupId,
      arn: this.groupArn(g),
      members: this.membersOf(g).map((u) => u.userName),
      inlinePolicies: Object.fromEntries(g.inlinePolicies),
      attachedPolicies: [...g.attachedPolicies.keys()],
    };
  }
}

export interface AccountSnapshot {
  accountId: string;
  callerUserName: string;
  usersQuota: number;
  passwordPolicy: PasswordPolicy | null;
  users: UserSnapshot[];
  groups: GroupSnapshot[];
}

export interface UserSnapshot {
  userName: string;
  path: string;
  userId: string;
  arn: string;
  createDate: string;
  tags: Tag[];
  groups: string[];
  loginProfile: { passwordResetRequired: boolean; password: string } | null;
  accessKeys: { accessKeyId: string; status: string }[];
  signingCertificates: { certificateId: string; status: string }[];
  sshKeys: { sshPublicKeyId: string; status: string }[];
  serviceCredentials: { serviceSpecificCredentialId: string; serviceName: string; status: string }[];
  mfaDevices: string[];
  inlinePolicies: Record<string, string>;
  attachedPolicies: string[];
  permissionsBoundary: string | null;
}

export interface GroupSnapshot {
  groupName: string;
  path: string;
  groupId: string;
  arn: string;
  members: string[];
  inlinePolicies: Record<string, string>;
  attachedPolicies: string[];
}

export function byName<T>(name: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = name(a).toLowerCase();
    const y = name(b).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
