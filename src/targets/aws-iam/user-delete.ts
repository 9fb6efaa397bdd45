import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
} from "@aws-sdk/client-iam";
import type { UserDelta } from "../../types.js";
import type { IamCall } from "./call.js";
import { unless } from "./idempotent.js";
import { collectPages, type IamPage } from "./paginate.js";
import { tagRecord } from "./tags.js";
import { applyLoginProfile, assertOwnable, listUserGroups, regroup } from "./user-steps.js";

/**
 * DeleteUser fails while anything hangs off the user (IAM-FACTS.md), and the API removes nothing by
 * itself, so every attachment is listed and removed first. NoSuchEntity anywhere means it is gone
 * already, which is what a retried delete expects to meet. A permissions boundary and tags do not
 * block DeleteUser and are left to go with the user.
 */
export async function deleteUser(call: IamCall, delta: UserDelta): Promise<void> {
  const name = delta.userName;
  const got = await unless("NoSuchEntity", () => call("GetUser", new GetUserCommand({ UserName: name }), name));
  if (!got?.User) return;
  assertOwnable("DeleteUser", name, tagRecord(got.User.Tags), delta);

  const list = <P extends IamPage, T>(
    run: (marker: string | undefined) => Promise<P>,
    items: (p: P) => T[] | undefined,
  ) => unless("NoSuchEntity", () => collectPages(run, items)).then((r) => r ?? []);
  const m = (marker: string | undefined) => (marker ? { Marker: marker } : {});
  const gone = (run: () => Promise<unknown>) => unless("NoSuchEntity", run);

  await applyLoginProfile(call, name, { action: "delete" });

  const keys = await list(
    (mk) => call("ListAccessKeys", new ListAccessKeysCommand({ UserName: name, ...m(mk) }), name),
    (p) => p.AccessKeyMetadata,
  );
  for (const k of keys) {
    await gone(() =>
      call("DeleteAccessKey", new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: k.AccessKeyId }), name),
    );
  }

  const certs = await list(
    (mk) => call("ListSigningCertificates", new ListSigningCertificatesCommand({ UserName: name, ...m(mk) }), name),
    (p) => p.Certificates,
  );
  for (const c of certs) {
    await gone(() =>
      call(
        "DeleteSigningCertificate",
        new DeleteSigningCertificateCommand({ UserName: name, CertificateId: c.CertificateId }),
        name,
      ),
    );
  }

  const sshKeys = await list(
    (mk) => call("ListSSHPublicKeys", new ListSSHPublicKeysCommand({ UserName: name, ...m(mk) }), name),
    (p) => p.SSHPublicKeys,
  );
  for (const k of sshKeys) {
    await gone(() =>
      call(
        "DeleteSSHPublicKey",
        new DeleteSSHPublicKeyCommand({ UserName: name, SSHPublicKeyId: k.SSHPublicKeyId }),
        name,
      ),
    );
  }

  // ListServiceSpecificCredentials does not page.
  const creds = await list(
    () => call("ListServiceSpecificCredentials", new ListServiceSpecificCredentialsCommand({ UserName: name }), name),
    (p) => p.ServiceSpecificCredentials,
  );
  for (const c of creds) {
    await gone(() =>
      call(
        "DeleteServiceSpecificCredential",
        new DeleteServiceSpecificCredentialCommand({
          UserName: name,
          ServiceSpecificCredentialId: c.ServiceSpecificCredentialId,
        }),
        name,
      ),
    );
  }

  const mfa = await list(
    (mk) => call("ListMFADevices", new ListMFADevicesCommand({ UserName: name, ...m(mk) }), name),
    (p) => p.MFADevices,
  );
  for (const d of mfa) {
    // Deactivating is what DeleteUser needs. A virtual device stays as an unassigned entity: it may be
    // someone's authenticator enrolment, and deleting it is not needed to delete the user.
    await gone(() =>
      call(
        "DeactivateMFADevice",
        new DeactivateMFADeviceCommand({ UserName: name, SerialNumber: d.SerialNumber }),
        name,
      ),
    );
  }

  const inline = await list(
    (mk) => call("ListUserPolicies", new ListUserPoliciesCommand({ UserName: name, ...m(mk) }), name),
    (p) => p.PolicyNames,
  );
  for (const policy of inline) {
    await gone(() =>
      call("DeleteUserPolicy", new DeleteUserPolicyCommand({ UserName: name, PolicyName: policy }), name),
    );
  }

  const attached = await list(
    (mk) => call("ListAttachedUserPolicies", new ListAttachedUserPoliciesCommand({ UserName: name, ...m(mk) }), name),
    (p) => p.AttachedPolicies,
  );
  for (const p of attached) {
    await gone(() =>
      call("DetachUserPolicy", new DetachUserPolicyCommand({ UserName: name, PolicyArn: p.PolicyArn }), name),
    );
  }

  const groups = (await unless("NoSuchEntity", () => listUserGroups(call, name))) ?? [];
  await regroup(call, name, [], groups);

  await gone(() => call("DeleteUser", new DeleteUserCommand({ UserName: name }), name));
}
