/**
 * The emulator answers the real @aws-sdk/client-iam the way AWS IAM does (IAM-FACTS.md): names,
 * paths, tags, quotas, passwords, DeleteConflict causes, errors and HTTP statuses.
 */
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteAccountPasswordPolicyCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachUserPolicyCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetGroupCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateGroupCommand,
  UpdateLoginProfileCommand,
  UpdateUserCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accountIdFor,
  type EmulatorAccount,
  type IamEmulator,
  startIamEmulator,
} from "../support/iam-emulator/index.js";
import { caught, freshKey, iamClient } from "../support/iam-emulator/testing.js";

let emu: IamEmulator;
beforeAll(async () => {
  emu = await startIamEmulator({ port: 0 });
});
afterAll(async () => {
  await emu?.close();
});

const POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] });
const ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess";

/** A fresh account and an SDK client on it. */
function fresh(label: string): { c: IAMClient; acct: EmulatorAccount; key: string } {
  const key = freshKey(label);
  return { c: iamClient(emu, key), acct: emu.account(key), key };
}

describe("names", () => {
  it("user names: 1-64 of [\\w+=,.@-], reported as ValidationError 400", async () => {
    const { c } = fresh("names");
    await c.send(new CreateUserCommand({ UserName: "a.b+c=d,e@f-g_h" }));
    await c.send(new CreateUserCommand({ UserName: "x".repeat(64) }));
    for (const bad of ["has space", "slash/x", "é", "x".repeat(65), ""]) {
      const e = await caught(c.send(new CreateUserCommand({ UserName: bad })));
      expect(e, bad).toMatchObject({ name: "ValidationError", status: 400 });
    }
    const e = await caught(c.send(new CreateUserCommand({ UserName: "bad name" })));
    expect(e.message).toBe(
      "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
    const long = await caught(c.send(new CreateUserCommand({ UserName: "y".repeat(65) })));
    expect(long.message).toContain("Member must have length less than or equal to 64");
  });

  it("group names: 1-128 of the same set", async () => {
    const { c } = fresh("gnames");
    await c.send(new CreateGroupCommand({ GroupName: "g".repeat(128) }));
    for (const bad of ["g".repeat(129), "with space", "a:b"]) {
      expect(await caught(c.send(new CreateGroupCommand({ GroupName: bad }))), bad).toMatchObject({
        name: "ValidationError",
        status: 400,
      });
    }
  });

  it("users and groups are unique ignoring case: EntityAlreadyExists 409", async () => {
    const { c } = fresh("unique");
    await c.send(new CreateUserCommand({ UserName: "Alice" }));
    expect(await caught(c.send(new CreateUserCommand({ UserName: "alice" })))).toMatchObject({
      name: "EntityAlreadyExistsException",
      status: 409,
    });
    await c.send(new CreateGroupCommand({ GroupName: "Admins" }));
    expect(await caught(c.send(new CreateGroupCommand({ GroupName: "ADMINS" })))).toMatchObject({
      name: "EntityAlreadyExistsException",
      status: 409,
    });
    // Lookups ignore case too, and report the stored spelling.
    const got = await c.send(new GetUserCommand({ UserName: "ALICE" }));
    expect(got.User?.UserName).toBe("Alice");
  });

  it("paths: '/' or /.../ of printable ASCII, at most 512", async () => {
    const { c } = fresh("paths");
    await c.send(new CreateUserCommand({ UserName: "p1", Path: "/" }));
    await c.send(new CreateUserCommand({ UserName: "p2", Path: "/provisioner/ch-1/" }));
    await c.send(new CreateUserCommand({ UserName: "p3", Path: `/${"a".repeat(510)}/` }));
    for (const bad of ["no-slash", "/no-trailing", "no-leading/", "/with space/", `/${"a".repeat(511)}/`, "/é/"]) {
      expect(await caught(c.send(new CreateUserCommand({ UserName: "px", Path: bad }))), bad).toMatchObject({
        name: "ValidationError",
        status: 400,
      });
      expect(await caught(c.send(new CreateGroupCommand({ GroupName: "gx", Path: bad }))), bad).toMatchObject({
        name: "ValidationError",
      });
    }
    const u = await c.send(new GetUserCommand({ UserName: "p2" }));
    expect(u.User?.Path).toBe("/provisioner/ch-1/");
    expect(u.User?.Arn).toMatch(/^arn:aws:iam::\d{12}:user\/provisioner\/ch-1\/p2$/);
  });
});

describe("tags", () => {
  const tags = (n: number, prefix = "k") =>
    Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: `v${i}` }));

  it("at most 50 per user: CreateUser with 51 and TagUser past 50 are LimitExceeded 409", async () => {
    const { c, acct } = fresh("tag50");
    expect(await caught(c.send(new CreateUserCommand({ UserName: "t51", Tags: tags(51) })))).toMatchObject({
      name: "LimitExceededException",
      status: 409,
    });
    expect(acct.user("t51")).toBeUndefined();
    await c.send(new CreateUserCommand({ UserName: "t50", Tags: tags(50) }));
    expect(
      await caught(c.send(new TagUserCommand({ UserName: "t50", Tags: [{ Key: "new", Value: "x" }] }))),
    ).toMatchObject({
      name: "LimitExceededException",
      status: 409,
    });
    // Replacing an existing key (any case) does not add a tag.
    await c.send(new TagUserCommand({ UserName: "t50", Tags: [{ Key: "K0", Value: "replaced" }] }));
    const listed = await c.send(new ListUserTagsCommand({ UserName: "t50", MaxItems: 100 }));
    expect(listed.Tags).toHaveLength(50);
    expect(listed.Tags?.[0]).toEqual({ Key: "K0", Value: "replaced" });
  });

  it("keys ignore case: tagging `team` after `Team` replaces it, keeping the new spelling", async () => {
    const { c, acct } = fresh("tagcase");
    await c.send(new CreateUserCommand({ UserName: "u", Tags: [{ Key: "Team", Value: "a" }] }));
    await c.send(new TagUserCommand({ UserName: "u", Tags: [{ Key: "team", Value: "b" }] }));
    expect(acct.user("u")?.tags).toEqual([{ Key: "team", Value: "b" }]);
    await c.send(new UntagUserCommand({ UserName: "u", TagKeys: ["TEAM"] }));
    expect(acct.user("u")?.tags).toEqual([]);
  });

  it("aws: prefix is reserved and case-duplicate keys in one request are rejected: InvalidInput 400", async () => {
    const { c } = fresh("tagres");
    expect(
      await caught(c.send(new CreateUserCommand({ UserName: "u1", Tags: [{ Key: "aws:x", Value: "1" }] }))),
    ).toMatchObject({
      name: "InvalidInputException",
      status: 400,
    });
    await c.send(new CreateUserCommand({ UserName: "u2" }));
    expect(
      await caught(c.send(new TagUserCommand({ UserName: "u2", Tags: [{ Key: "AWS:y", Value: "1" }] }))),
    ).toMatchObject({
      name: "InvalidInputException",
    });
    const dup = [
      { Key: "Team", Value: "a" },
      { Key: "team", Value: "b" },
    ];
    expect(await caught(c.send(new TagUserCommand({ UserName: "u2", Tags: dup })))).toMatchObject({
      name: "InvalidInputException",
      status: 400,
    });
  });

  it("key 1-128 and value 0-256 of letters, digits, spaces and _.:/=+-@ (unicode letters too)", async () => {
    const { c, acct } = fresh("tagchars");
    await c.send(new CreateUserCommand({ UserName: "u" }));
    const good = [
      { Key: "k".repeat(128), Value: "v".repeat(256) },
      { Key: "Müller équipe", Value: "" },
      { Key: "a_b.c:d/e=f+g-h@i", Value: "x y_.:/=+-@" },
    ];
    await c.send(new TagUserCommand({ UserName: "u", Tags: good }));
    expect(acct.user("u")?.tags).toHaveLength(3);
    for (const bad of [
      { Key: "k".repeat(129), Value: "v" },
      { Key: "ok", Value: "v".repeat(257) },
      { Key: "semi;colon", Value: "v" },
      { Key: "ok2", Value: "comma,not allowed" },
    ]) {
      expect(await caught(c.send(new TagUserCommand({ UserName: "u", Tags: [bad] }))), bad.Key).toMatchObject({
        name: "ValidationError",
        status: 400,
      });
    }
  });
});

describe("quotas", () => {
  it("10 groups per user: the 11th AddUserToGroup is LimitExceeded 409", async () => {
    const { c } = fresh("g10");
    await c.send(new CreateUserCommand({ UserName: "u" }));
    for (let i = 0; i < 11; i++) await c.send(new CreateGroupCommand({ GroupName: `g${i}` }));
    for (let i = 0; i < 10; i++) await c.send(new AddUserToGroupCommand({ GroupName: `g${i}`, UserName: "u" }));
    // Re-adding is harmless.
    await c.send(new AddUserToGroupCommand({ GroupName: "g0", UserName: "u" }));
    expect(await caught(c.send(new AddUserToGroupCommand({ GroupName: "g10", UserName: "u" })))).toMatchObject({
      name: "LimitExceededException",
      status: 409,
    });
  });

  it("users per account: lowered quota gives LimitExceeded 409; GetAccountSummary shows it", async () => {
    const { c, acct } = fresh("uquota");
    acct.setUsersQuota(3); // the caller's own user counts
    await c.send(new CreateUserCommand({ UserName: "a" }));
    await c.send(new CreateUserCommand({ UserName: "b" }));
    expect(await caught(c.send(new CreateUserCommand({ UserName: "c" })))).toMatchObject({
      name: "LimitExceededException",
      status: 409,
    });
    const summary = await c.send(new GetAccountSummaryCommand({}));
    expect(summary.SummaryMap).toMatchObject({
      Users: 3,
      UsersQuota: 3,
      Groups: 0,
      GroupsQuota: 300,
      GroupsPerUserQuota: 10,
    });
  });

  it("groups per account: LimitExceeded past the quota", async () => {
    const { c, acct } = fresh("gquota");
    acct.setGroupsQuota(2);
    await c.send(new CreateGroupCommand({ GroupName: "a" }));
    await c.send(new CreateGroupCommand({ GroupName: "b" }));
    expect(await caught(c.send(new CreateGroupCommand({ GroupName: "c" })))).toMatchObject({
      name: "LimitExceededException",
    });
  });

  it("2 access keys per user; UpdateAccessKey toggles status", async () => {
    const { c, acct } = fresh("keys");
    await c.send(new CreateUserCommand({ UserName: "u" }));
    const k1 = await c.send(new CreateAccessKeyCommand({ UserName: "u" }));
    expect(k1.AccessKey).toMatchObject({ UserName: "u", Status: "Active" });
    expect(k1.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(k1.AccessKey?.SecretAccessKey).toHaveLength(40);
    expect(k1.AccessKey?.CreateDate).toBeInstanceOf(Date);
    await c.send(new CreateAccessKeyCommand({ UserName: "u" }));
    expect(await caught(c.send(new CreateAccessKeyCommand({ UserName: "u" })))).toMatchObject({
      name: "LimitExceededException",
      status: 409,
    });
    const id = k1.AccessKey?.AccessKeyId ?? "";
    await c.send(new UpdateAccessKeyCommand({ UserName: "u", AccessKeyId: id, Status: "Inactive" }));
    expect(acct.user("u")?.accessKeys.find((k) => k.accessKeyId === id)?.status).toBe("Inactive");
    const e = await caught(
      c.send(new UpdateAccessKeyCommand({ UserName: "u", AccessKeyId: id, Status: "Paused" as "Active" })),
    );
    expect(e).toMatchObject({ name: "ValidationError", status: 400 });
  });
});

describe("passwords", () => {
  it("default policy: 8+ chars, 3 of 4 character types, not the user name -> PasswordPolicyViolation 400", async () => {
    const { c, acct } = fresh("pwdef");
    await c.send(new CreateUserCommand({ UserName: "Abcdefg1x" }));
    for (const bad of ["Ab1!", "alllowercase1", "ALLUPPER!!!!", "Abcdefg1x", "abcdefg1x"]) {
      expect(
        await caught(c.send(new CreateLoginProfileCommand({ UserName: "Abcdefg1x", Password: bad }))),
        bad,
      ).toMatchObject({
        name: "PasswordPolicyViolationException",
        status: 400,
      });
    }
    expect(
      await caught(c.send(new CreateLoginProfileCommand({ UserName: "Abcdefg1x", Password: "Aa1!".repeat(33) }))),
    ).toMatchObject({ name: "ValidationError", status: 400 });
    const lp = await c.send(
      new CreateLoginProfileCommand({ UserName: "Abcdefg1x", Password: "Correct-Horse1", PasswordResetRequired: true }),
    );
    expect(lp.LoginProfile).toMatchObject({ UserName: "Abcdefg1x", PasswordResetRequired: true });
    expect(acct.user("abcdefg1x")?.loginProfile).toEqual({ passwordResetRequired: true, password: "Correct-Horse1" });
    expect(
      await caught(c.send(new CreateLoginProfileCommand({ UserName: "Abcdefg1x", Password: "Correct-Horse2" }))),
    ).toMatchObject({ name: "EntityAlreadyExistsException", status: 409 });
    await c.send(new UpdateLoginProfileCommand({ UserName: "Abcdefg1x", PasswordResetRequired: false }));
    const got = await c.send(new GetLoginProfileCommand({ UserName: "Abcdefg1x" }));
    expect(got.LoginProfile?.PasswordResetRequired).toBe(false);
    expect(got.LoginProfile?.CreateDate).toBeInstanceOf(Date);
    expect(
      await caught(c.send(new UpdateLoginProfileCommand({ UserName: "Abcdefg1x", Password: "weak" }))),
    ).toMatchObject({
      name: "PasswordPolicyViolationException",
    });
  });

  it("a custom policy replaces the default; Get/Update/DeleteAccountPasswordPolicy", async () => {
    const { c } = fresh("pwcustom");
    expect(await caught(c.send(new GetAccountPasswordPolicyCommand({})))).toMatchObject({
      name: "NoSuchEntityException",
      status: 404,
    });
    await c.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, RequireSymbols: true }));
    const pp = await c.send(new GetAccountPasswordPolicyCommand({}));
    expect(pp.PasswordPolicy).toMatchObject({ MinimumPasswordLength: 12, RequireSymbols: true, RequireNumbers: false });
    await c.send(new CreateUserCommand({ UserName: "u" }));
    for (const bad of ["Short1!", "NoSymbols12345"]) {
      expect(await caught(c.send(new CreateLoginProfileCommand({ UserName: "u", Password: bad }))), bad).toMatchObject({
        name: "PasswordPolicyViolationException",
      });
    }
    // Two character types only: the default policy would refuse it, this one accepts it.
    await c.send(new CreateLoginProfileCommand({ UserName: "u", Password: "lowercase-only" }));
    await c.send(new UpdateAccountPasswordPolicyCommand({ RequireUppercaseCharacters: true, RequireNumbers: true }));
    expect(
      await caught(c.send(new UpdateLoginProfileCommand({ UserName: "u", Password: "lowercase1" }))),
    ).toMatchObject({
      name: "PasswordPolicyViolationException",
    });
    expect(await caught(c.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 5 })))).toMatchObject({
      name: "ValidationError",
    });
    await c.send(new DeleteAccountPasswordPolicyCommand({}));
    expect(await caught(c.send(new GetAccountPasswordPolicyCommand({})))).toMatchObject({
      name: "NoSuchEntityException",
    });
  });
});

describe("DeleteUser needs every attachment removed first", () => {
  const causes: {
    label: string;
    seed: Parameters<EmulatorAccount["seedUser"]>[0];
    remove: (c: IAMClient, acct: EmulatorAccount, user: string) => Promise<void>;
    message: string;
  }[] = [
    {
      label: "login profile",
      seed: { userName: "u", loginProfile: true },
      message: "Cannot delete entity, must delete login profile first.",
      remove: async (c, _a, u) => {
        await c.send(new GetLoginProfileCommand({ UserName: u }));
        await c.send(new DeleteLoginProfileCommand({ UserName: u }));
      },
    },
    {
      label: "access keys",
      seed: { userName: "u", accessKeys: [{ status: "Active" }, { status: "Inactive" }] },
      message: "Cannot delete entity, must delete access keys first.",
      remove: async (c, _a, u) => {
        const keys = await c.send(new ListAccessKeysCommand({ UserName: u }));
        expect(keys.AccessKeyMetadata?.map((k) => k.Status).sort()).toEqual(["Active", "Inactive"]);
        for (const k of keys.AccessKeyMetadata ?? []) {
          await c.send(new DeleteAccessKeyCommand({ UserName: u, AccessKeyId: k.AccessKeyId }));
        }
      },
    },
    {
      label: "signing certificates",
      seed: { userName: "u", signingCertificates: 1 },
      message: "Cannot delete entity, must delete signing certificates first.",
      remove: async (c, _a, u) => {
        const certs = await c.send(new ListSigningCertificatesCommand({ UserName: u }));
        expect(certs.Certificates).toHaveLength(1);
        for (const x of certs.Certificates ?? []) {
          await c.send(new DeleteSigningCertificateCommand({ UserName: u, CertificateId: x.CertificateId }));
        }
      },
    },
    {
      label: "SSH public keys",
      seed: { userName: "u", sshKeys: 2 },
      message: "Cannot delete entity, must delete SSH public keys first.",
      remove: async (c, _a, u) => {
        const keys = await c.send(new ListSSHPublicKeysCommand({ UserName: u }));
        expect(keys.SSHPublicKeys).toHaveLength(2);
        for (const k of keys.SSHPublicKeys ?? []) {
          await c.send(new DeleteSSHPublicKeyCommand({ UserName: u, SSHPublicKeyId: k.SSHPublicKeyId }));
        }
      },
    },
    {
      label: "service-specific credentials",
      seed: { userName: "u", serviceCredentials: 1 },
      message: "Cannot delete entity, must delete service specific credentials first.",
      remove: async (c, _a, u) => {
        const creds = await c.send(new ListServiceSpecificCredentialsCommand({ UserName: u }));
        expect(creds.ServiceSpecificCredentials?.[0]?.ServiceName).toBe("codecommit.amazonaws.com");
        for (const x of creds.ServiceSpecificCredentials ?? []) {
          await c.send(
            new DeleteServiceSpecificCredentialCommand({
              UserName: u,
              ServiceSpecificCredentialId: x.ServiceSpecificCredentialId,
            }),
          );
        }
      },
    },
    {
      label: "MFA devices",
      seed: { userName: "u", mfaDevices: 1 },
      message: "Cannot delete entity, must delete MFA device first.",
      remove: async (c, _a, u) => {
        const devices = await c.send(new ListMFADevicesCommand({ UserName: u }));
        expect(devices.MFADevices?.[0]?.EnableDate).toBeInstanceOf(Date);
        for (const d of devices.MFADevices ?? []) {
          await c.send(new DeactivateMFADeviceCommand({ UserName: u, SerialNumber: d.SerialNumber }));
        }
        expect((await c.send(new ListMFADevicesCommand({ UserName: u }))).MFADevices).toEqual([]);
      },
    },
    {
      label: "inline policies",
      seed: { userName: "u", inlinePolicies: { deny: POLICY } },
      message: "Cannot delete entity, must delete policies first.",
      remove: async (c, _a, u) => {
        const names = await c.send(new ListUserPoliciesCommand({ UserName: u }));
        expect(names.PolicyNames).toEqual(["deny"]);
        await c.send(new DeleteUserPolicyCommand({ UserName: u, PolicyName: "deny" }));
      },
    },
    {
      label: "attached managed policies",
      seed: { userName: "u", attachedPolicies: [ARN] },
      message: "Cannot delete entity, must detach all policies first.",
      remove: async (c, _a, u) => {
        const att = await c.send(new ListAttachedUserPoliciesCommand({ UserName: u }));
        expect(att.AttachedPolicies).toEqual([{ PolicyName: "ReadOnlyAccess", PolicyArn: ARN }]);
        await c.send(new DetachUserPolicyCommand({ UserName: u, PolicyArn: ARN }));
      },
    },
    {
      label: "group memberships",
      seed: { userName: "u", groups: ["g1", "g2"] },
      message: "Cannot delete entity, must remove user from all groups first.",
      remove: async (c, _a, u) => {
        const groups = await c.send(new ListGroupsForUserCommand({ UserName: u }));
        for (const g of groups.Groups ?? []) {
          await c.send(new RemoveUserFromGroupCommand({ UserName: u, GroupName: g.GroupName }));
        }
      },
    },
  ];

  for (const cause of causes) {
    it(`${cause.label}: DeleteConflict 409 until removed`, async () => {
      const { c, acct } = fresh(`dc${cause.label}`);
      acct.seedUser(cause.seed);
      const e = await caught(c.send(new DeleteUserCommand({ UserName: "u" })));
      expect(e).toMatchObject({ name: "DeleteConflictException", status: 409, message: cause.message });
      await cause.remove(c, acct, "u");
      await c.send(new DeleteUserCommand({ UserName: "u" }));
      expect(acct.user("u")).toBeUndefined();
    });
  }

  it("a permissions boundary and tags do not block DeleteUser", async () => {
    const { c, acct } = fresh("dcfree");
    await c.send(
      new CreateUserCommand({
        UserName: "u",
        PermissionsBoundary: ARN,
        Tags: [{ Key: "provisioner:managed", Value: "ch" }],
      }),
    );
    expect(acct.user("u")?.permissionsBoundary).toBe(ARN);
    await c.send(new DeleteUserCommand({ UserName: "u" }));
    expect(await caught(c.send(new GetUserCommand({ UserName: "u" })))).toMatchObject({
      name: "NoSuchEntityException",
    });
  });

  it("DeleteGroup: DeleteConflict while it has members, inline or attached policies", async () => {
    const { c, acct } = fresh("dcgroup");
    acct.seedUser({ userName: "m", groups: ["g"] });
    await c.send(new PutGroupPolicyCommand({ GroupName: "g", PolicyName: "p", PolicyDocument: POLICY }));
    await c.send(new AttachGroupPolicyCommand({ GroupName: "g", PolicyArn: ARN }));
    const steps: [string, () => Promise<unknown>][] = [
      [
        "must remove users from group first",
        () => c.send(new RemoveUserFromGroupCommand({ GroupName: "g", UserName: "m" })),
      ],
      ["must delete policies first", () => c.send(new DeleteGroupPolicyCommand({ GroupName: "g", PolicyName: "p" }))],
      [
        "must detach all policies first",
        () => c.send(new DetachGroupPolicyCommand({ GroupName: "g", PolicyArn: ARN })),
      ],
    ];
    for (const [message, fix] of steps) {
      expect(await caught(c.send(new DeleteGroupCommand({ GroupName: "g" })))).toMatchObject({
        name: "DeleteConflictException",
        status: 409,
        message: `Cannot delete entity, ${message}.`,
      });
      await fix();
    }
    await c.send(new DeleteGroupCommand({ GroupName: "g" }));
    expect(acct.snapshot().groups).toEqual([]);
  });
});

describe("NoSuchEntity 404 for every missing thing", () => {
  it("users, groups, profiles, keys, policies, memberships", async () => {
    const { c, acct } = fresh("nse");
    acct.seedUser({ userName: "u" });
    acct.seedGroup({ groupName: "g" });
    const calls: [string, Promise<unknown>][] = [
      ["GetUser", c.send(new GetUserCommand({ UserName: "ghost" }))],
      ["DeleteUser", c.send(new DeleteUserCommand({ UserName: "ghost" }))],
      ["UpdateUser", c.send(new UpdateUserCommand({ UserName: "ghost", NewPath: "/x/" }))],
      ["TagUser", c.send(new TagUserCommand({ UserName: "ghost", Tags: [{ Key: "a", Value: "b" }] }))],
      ["GetGroup", c.send(new GetGroupCommand({ GroupName: "ghost" }))],
      ["DeleteGroup", c.send(new DeleteGroupCommand({ GroupName: "ghost" }))],
      ["AddUserToGroup(group)", c.send(new AddUserToGroupCommand({ GroupName: "ghost", UserName: "u" }))],
      ["AddUserToGroup(user)", c.send(new AddUserToGroupCommand({ GroupName: "g", UserName: "ghost" }))],
      ["RemoveUserFromGroup(not member)", c.send(new RemoveUserFromGroupCommand({ GroupName: "g", UserName: "u" }))],
      ["GetLoginProfile", c.send(new GetLoginProfileCommand({ UserName: "u" }))],
      ["DeleteLoginProfile", c.send(new DeleteLoginProfileCommand({ UserName: "u" }))],
      ["DeleteAccessKey", c.send(new DeleteAccessKeyCommand({ UserName: "u", AccessKeyId: "AKIAXXXXXXXXXXXXXXXX" }))],
      ["DeleteUserPolicy", c.send(new DeleteUserPolicyCommand({ UserName: "u", PolicyName: "none" }))],
      ["DetachUserPolicy", c.send(new DetachUserPolicyCommand({ UserName: "u", PolicyArn: ARN }))],
      [
        "DeactivateMFADevice",
        c.send(new DeactivateMFADeviceCommand({ UserName: "u", SerialNumber: "arn:aws:iam::1:mfa/x" })),
      ],
      ["ListGroupsForUser", c.send(new ListGroupsForUserCommand({ UserName: "ghost" }))],
    ];
    for (const [label, p] of calls) {
      expect(await caught(p), label).toMatchObject({ name: "NoSuchEntityException", status: 404 });
    }
    expect((await caught(c.send(new GetUserCommand({ UserName: "ghost" })))).message).toBe(
      "The user with name ghost cannot be found.",
    );
  });
});

describe("renames", () => {
  it("UpdateUser carries groups, tags and login profile; a taken name is EntityAlreadyExists", async () => {
    const { c, acct } = fresh("rename");
    acct.seedUser({ userName: "old", tags: { team: "a" }, groups: ["g"], loginProfile: true });
    acct.seedUser({ userName: "taken" });
    expect(await caught(c.send(new UpdateUserCommand({ UserName: "old", NewUserName: "TAKEN" })))).toMatchObject({
      name: "EntityAlreadyExistsException",
      status: 409,
    });
    await c.send(new UpdateUserCommand({ UserName: "old", NewUserName: "new", NewPath: "/moved/" }));
    const u = acct.user("new");
    expect(u).toMatchObject({ path: "/moved/", groups: ["g"], tags: [{ Key: "team", Value: "a" }] });
    expect(u?.loginProfile).not.toBeNull();
    expect(acct.user("old")).toBeUndefined();
    const group = await c.send(new GetGroupCommand({ GroupName: "g" }));
    expect(group.Users?.map((x) => x.UserName)).toEqual(["new"]);
    // Changing only the case of one's own name is allowed.
    await c.send(new UpdateUserCommand({ UserName: "new", NewUserName: "New" }));
    expect(acct.user("new")?.userName).toBe("New");
    expect(await caught(c.send(new UpdateUserCommand({ UserName: "New", NewUserName: "bad name" })))).toMatchObject({
      name: "ValidationError",
    });
  });

  it("UpdateGroup renames and moves a group, keeping its members", async () => {
    const { c, acct } = fresh("grename");
    acct.seedUser({ userName: "m", groups: ["g"] });
    acct.seedGroup({ groupName: "other" });
    expect(await caught(c.send(new UpdateGroupCommand({ GroupName: "g", NewGroupName: "Other" })))).toMatchObject({
      name: "EntityAlreadyExistsException",
    });
    await c.send(new UpdateGroupCommand({ GroupName: "g", NewGroupName: "g2", NewPath: "/provisioner/" }));
    const g = await c.send(new GetGroupCommand({ GroupName: "g2" }));
    expect(g.Group).toMatchObject({ GroupName: "g2", Path: "/provisioner/" });
    expect(g.Users?.map((x) => x.UserName)).toEqual(["m"]);
    expect(acct.user("m")?.groups).toEqual(["g2"]);
  });
});

describe("users, caller and accounts", () => {
  it("CreateUser returns the user with tags and boundary; ListUsers omits tags and filters by PathPrefix", async () => {
    const { c } = fresh("create");
    const out = await c.send(
      new CreateUserCommand({
        UserName: "alice",
        Path: "/provisioner/ch/",
        Tags: [{ Key: "a", Value: "1" }],
        PermissionsBoundary: ARN,
      }),
    );
    expect(out.User).toMatchObject({
      UserName: "alice",
      Path: "/provisioner/ch/",
      Tags: [{ Key: "a", Value: "1" }],
      PermissionsBoundary: { PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: ARN },
    });
    expect(out.User?.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
    expect(out.User?.CreateDate).toBeInstanceOf(Date);
    await c.send(new CreateUserCommand({ UserName: "bob" }));
    const listed = await c.send(new ListUsersCommand({ PathPrefix: "/provisioner/" }));
    expect(listed.Users?.map((u) => u.UserName)).toEqual(["alice"]);
    expect(listed.Users?.[0]?.Tags).toBeUndefined();
    expect(listed.IsTruncated).toBe(false);
    await c.send(new PutUserPolicyCommand({ UserName: "bob", PolicyName: "p", PolicyDocument: POLICY }));
    expect(
      await caught(c.send(new PutUserPolicyCommand({ UserName: "bob", PolicyName: "q", PolicyDocument: "{not json" }))),
    ).toMatchObject({ name: "MalformedPolicyDocumentException", status: 400 });
    await c.send(new AttachUserPolicyCommand({ UserName: "bob", PolicyArn: ARN }));
  });

  it("GetUser without a name returns the caller's own user", async () => {
    const { c, acct, key } = fresh("caller");
    const me = await c.send(new GetUserCommand({}));
    expect(me.User).toMatchObject({ UserName: "provisioner-admin", Path: "/" });
    expect(me.User?.Arn).toBe(`arn:aws:iam::${accountIdFor(key)}:user/provisioner-admin`);
    expect(acct.accountId).toBe(accountIdFor(key));
    const other = await startIamEmulator({ port: 0, callerUserName: "ci-bot" });
    try {
      const me2 = await iamClient(other, key).send(new GetUserCommand({}));
      expect(me2.User?.UserName).toBe("ci-bot");
    } finally {
      await other.close();
    }
  });

  it("each access key is its own account", async () => {
    const a = fresh("acctA");
    const b = fresh("acctB");
    await a.c.send(new CreateUserCommand({ UserName: "shared-name" }));
    await b.c.send(new CreateUserCommand({ UserName: "shared-name" }));
    await a.c.send(new CreateUserCommand({ UserName: "only-a" }));
    const inB = await b.c.send(new ListUsersCommand({}));
    expect(inB.Users?.map((u) => u.UserName)).toEqual(["provisioner-admin", "shared-name"]);
    expect(a.acct.accountId).not.toBe(b.acct.accountId);
    expect(a.acct.accountId).toMatch(/^\d{12}$/);
    expect(a.acct.user("shared-name")?.arn).toContain(a.acct.accountId);
  });
});
