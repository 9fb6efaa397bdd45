/** Account-wide reads and the password policy. */
import { page } from "./paging.js";
import { err, XmlMap, type XmlValue } from "./protocol.js";
import { attachedXml, groupXml, type Handler, permissionsBoundaryXml, policyListXml } from "./render.js";
import { LIMITS, type PasswordPolicy } from "./rules.js";
import type { GroupEntity, UserEntity } from "./state.js";

const FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"];

type Entry = { kind: "u"; u: UserEntity } | { kind: "g"; g: GroupEntity };

function rangeCheck(name: string, v: number | undefined, min: number, max: number): void {
  if (v === undefined) return;
  if (v < min || v > max) {
    throw err.validation(
      `1 validation error detected: Value '${v}' at '${name}' failed to satisfy constraint: Member must have value ${v < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
    );
  }
}

export const accountActions: Record<string, Handler> = {
  /** Users then groups in one key space, so a page can end in the middle of either list. */
  GetAccountAuthorizationDetails({ account, p, paging }) {
    const filter = p.list("Filter");
    filter.forEach((f, i) => {
      if (!FILTERS.includes(f)) {
        throw err.validation(
          `1 validation error detected: Value '[${f}]' at 'filter.${i + 1}.member' failed to satisfy constraint: Member must satisfy enum value set: [${FILTERS.join(", ")}]`,
        );
      }
    });
    const want = (k: string) => filter.length === 0 || filter.includes(k);
    const entries: Entry[] = [];
    if (want("User")) for (const u of account.users.values()) entries.push({ kind: "u", u });
    if (want("Group")) for (const g of account.groups.values()) entries.push({ kind: "g", g });
    const pg = page(
      entries,
      (e) => (e.kind === "u" ? `1:${e.u.userName.toLowerCase()}` : `2:${e.g.groupName.toLowerCase()}`),
      p,
      paging,
    );
    const users: XmlValue[] = [];
    const groups: XmlValue[] = [];
    for (const e of pg.items) {
      if (e.kind === "u") {
        const u = e.u;
        users.push({
          Path: u.path,
          UserName: u.userName,
          UserId: u.userId,
          Arn: account.userArn(u),
          CreateDate: u.createDate,
          UserPolicyList: policyListXml(u.inlinePolicies),
          GroupList: account.groupsOf(u).map((g) => g.groupName),
          AttachedManagedPolicies: attachedXml(u.attachedPolicies),
          PermissionsBoundary: permissionsBoundaryXml(u),
          Tags: u.tags.length > 0 ? u.tags.map((t) => ({ Key: t.Key, Value: t.Value })) : undefined,
        });
      } else {
        const g = e.g;
        groups.push({
          ...groupXml(account, g),
          GroupPolicyList: policyListXml(g.inlinePolicies),
          AttachedManagedPolicies: attachedXml(g.attachedPolicies),
        });
      }
    }
    return {
      UserDetailList: users,
      GroupDetailList: groups,
      RoleDetailList: [],
      Policies: [],
      IsTruncated: pg.IsTruncated,
      Marker: pg.Marker,
    };
  },

  GetAccountPasswordPolicy({ account }) {
    const pp = account.passwordPolicy;
    if (!pp) throw err.noSuchEntity(`The Password Policy with domain name ${account.accountId} cannot be found.`);
    return {
      PasswordPolicy: {
        MinimumPasswordLength: pp.MinimumPasswordLength,
        RequireSymbols: pp.RequireSymbols,
        RequireNumbers: pp.RequireNumbers,
        RequireUppercaseCharacters: pp.RequireUppercaseCharacters,
        RequireLowercaseCharacters: pp.RequireLowercaseCharacters,
        AllowUsersToChangePassword: pp.AllowUsersToChangePassword,
        ExpirePasswords: (pp.MaxPasswordAge ?? 0) > 0,
        MaxPasswordAge: pp.MaxPasswordAge,
        PasswordReusePrevention: pp.PasswordReusePrevention,
        HardExpiry: pp.HardExpiry,
      },
    };
  },

  /** Omitted members fall back to IAM's defaults, not to the previous policy. */
  UpdateAccountPasswordPolicy({ account, p }) {
    const min = p.int("MinimumPasswordLength");
    rangeCheck("minimumPasswordLength", min, 6, 128);
    const maxAge = p.int("MaxPasswordAge");
    rangeCheck("maxPasswordAge", maxAge, 1, 1095);
    const reuse = p.int("PasswordReusePrevention");
    rangeCheck("passwordReusePrevention", reuse, 1, 24);
    const policy: PasswordPolicy = {
      MinimumPasswordLength: min ?? 6,
      RequireSymbols: p.bool("RequireSymbols") ?? false,
      RequireNumbers: p.bool("RequireNumbers") ?? false,
      RequireUppercaseCharacters: p.bool("RequireUppercaseCharacters") ?? false,
      RequireLowercaseCharacters: p.bool("RequireLowercaseCharacters") ?? false,
      AllowUsersToChangePassword: p.bool("AllowUsersToChangePassword") ?? false,
      MaxPasswordAge: maxAge,
      PasswordReusePrevention: reuse,
      HardExpiry: p.bool("HardExpiry"),
    };
    account.passwordPolicy = policy;
    return undefined;
  },

  DeleteAccountPasswordPolicy({ account }) {
    if (!account.passwordPolicy) {
      throw err.noSuchEntity(`The account policy with name ${account.accountId} cannot be found.`);
    }
    account.passwordPolicy = undefined;
    return undefined;
  },

  GetAccountSummary({ account }) {
    const users = [...account.users.values()];
    const count = (f: (u: UserEntity) => number) => users.reduce((n, u) => n + f(u), 0);
    const mfa = count((u) => u.mfaDevices.length);
    const entries: [string, XmlValue][] = [
      ["Users", account.users.size],
      ["UsersQuota", account.usersQuota],
      ["Groups", account.groups.size],
      ["GroupsQuota", account.groupsQuota],
      ["GroupsPerUserQuota", LIMITS.groupsPerUser],
      ["AccessKeysPerUserQuota", LIMITS.accessKeysPerUser],
      ["SigningCertificatesPerUserQuota", LIMITS.signingCertificatesPerUser],
      ["AttachedPoliciesPerUserQuota", LIMITS.managedPoliciesPerUser],
      ["AttachedPoliciesPerGroupQuota", LIMITS.managedPoliciesPerGroup],
      ["AttachedPoliciesPerRoleQuota", 10],
      ["UserPolicySizeQuota", 2048],
      ["GroupPolicySizeQuota", 5120],
      ["MFADevices", mfa],
      ["MFADevicesInUse", mfa],
      ["AccountMFAEnabled", 0],
      ["AccountAccessKeysPresent", 0],
      ["AccountSigningCertificatesPresent", 0],
      ["Policies", 0],
      ["PoliciesQuota", 1500],
      ["PolicySizeQuota", 6144],
      ["PolicyVersionsInUse", 0],
      ["PolicyVersionsInUseQuota", 10000],
      ["VersionsPerPolicyQuota", 5],
      ["Roles", 0],
      ["RolesQuota", 1000],
      ["InstanceProfiles", 0],
      ["InstanceProfilesQuota", 1000],
      ["Providers", 0],
      ["ServerCertificates", 0],
      ["ServerCertificatesQuota", 20],
      ["AssumeRolePolicySizeQuota", 2048],
      ["GlobalEndpointTokenVersion", 1],
    ];
    return { SummaryMap: new XmlMap(entries) };
  },
};
