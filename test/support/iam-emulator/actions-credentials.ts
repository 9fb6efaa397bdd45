/**
 * Everything that blocks DeleteUser besides groups and policies: login profile, access keys,
 * signing certificates, SSH keys, service-specific credentials and MFA devices. Only login
 * profiles and access keys can be created through the IAM API here; the rest are seeded.
 */
import { page } from "./paging.js";
import { err } from "./protocol.js";
import { type Handler, userOrCaller } from "./render.js";
import { checkPassword, checkUserName } from "./rules.js";

function status(value: string): "Active" | "Inactive" {
  if (value !== "Active" && value !== "Inactive") {
    throw err.validation(
      `1 validation error detected: Value '${value}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
    );
  }
  return value;
}

function noKey(id: string): Error {
  return err.noSuchEntity(`The Access Key with id ${id} cannot be found.`);
}

export const credentialActions: Record<string, Handler> = {
  CreateLoginProfile({ account, p }) {
    const u = account.user(p.required("UserName"));
    const password = p.required("Password");
    if (u.loginProfile) throw err.alreadyExists(`Login Profile for user ${u.userName} already exists.`);
    checkPassword(password, u.userName, account.passwordPolicy);
    const createDate = new Date();
    u.loginProfile = { password, passwordResetRequired: p.bool("PasswordResetRequired") ?? false, createDate };
    return {
      LoginProfile: {
        UserName: u.userName,
        CreateDate: createDate,
        PasswordResetRequired: u.loginProfile.passwordResetRequired,
      },
    };
  },

  GetLoginProfile({ account, p }) {
    const u = account.user(p.required("UserName"));
    const lp = u.loginProfile;
    if (!lp) throw err.noSuchEntity(`Login Profile for User ${u.userName} cannot be found.`);
    return {
      LoginProfile: {
        UserName: u.userName,
        CreateDate: lp.createDate,
        PasswordResetRequired: lp.passwordResetRequired,
      },
    };
  },

  UpdateLoginProfile({ account, p }) {
    const u = account.user(p.required("UserName"));
    const lp = u.loginProfile;
    if (!lp) throw err.noSuchEntity(`Login Profile for User ${u.userName} cannot be found.`);
    const password = p.str("Password");
    if (password !== undefined) checkPassword(password, u.userName, account.passwordPolicy);
    const reset = p.bool("PasswordResetRequired");
    if (password !== undefined) lp.password = password;
    if (reset !== undefined) lp.passwordResetRequired = reset;
    return undefined;
  },

  DeleteLoginProfile({ account, p }) {
    const u = account.user(p.required("UserName"));
    if (!u.loginProfile) throw err.noSuchEntity(`Login Profile for User ${u.userName} cannot be found.`);
    u.loginProfile = undefined;
    return undefined;
  },

  CreateAccessKey(ctx) {
    const u = userOrCaller(ctx);
    const k = ctx.account.addAccessKey(u);
    return {
      AccessKey: {
        UserName: u.userName,
        AccessKeyId: k.accessKeyId,
        Status: k.status,
        SecretAccessKey: k.secretAccessKey,
        CreateDate: k.createDate,
      },
    };
  },

  UpdateAccessKey(ctx) {
    const u = userOrCaller(ctx);
    const id = ctx.p.required("AccessKeyId");
    const next = status(ctx.p.required("Status"));
    const k = u.accessKeys.find((x) => x.accessKeyId === id);
    if (!k) throw noKey(id);
    k.status = next;
    return undefined;
  },

  DeleteAccessKey(ctx) {
    const u = userOrCaller(ctx);
    const id = ctx.p.required("AccessKeyId");
    const before = u.accessKeys.length;
    u.accessKeys = u.accessKeys.filter((x) => x.accessKeyId !== id);
    if (u.accessKeys.length === before) throw noKey(id);
    return undefined;
  },

  ListAccessKeys(ctx) {
    const u = userOrCaller(ctx);
    const sorted = [...u.accessKeys].sort((a, b) => (a.accessKeyId < b.accessKeyId ? -1 : 1));
    const pg = page(sorted, (k) => k.accessKeyId, ctx.p, ctx.paging);
    return {
      AccessKeyMetadata: pg.items.map((k) => ({
        UserName: u.userName,
        AccessKeyId: k.accessKeyId,
        Status: k.status,
        CreateDate: k.createDate,
      })),
      IsTruncated: pg.IsTruncated,
      Marker: pg.Marker,
    };
  },

  ListSigningCertificates(ctx) {
    const u = userOrCaller(ctx);
    const pg = page(u.signingCertificates, (c) => c.certificateId, ctx.p, ctx.paging);
    return {
      Certificates: pg.items.map((c) => ({
        UserName: u.userName,
        CertificateId: c.certificateId,
        CertificateBody: c.body,
        Status: c.status,
        UploadDate: c.uploadDate,
      })),
      IsTruncated: pg.IsTruncated,
      Marker: pg.Marker,
    };
  },

  DeleteSigningCertificate(ctx) {
    const u = userOrCaller(ctx);
    const id = ctx.p.required("CertificateId");
    const before = u.signingCertificates.length;
    u.signingCertificates = u.signingCertificates.filter((c) => c.certificateId !== id);
    if (u.signingCertificates.length === before) {
      throw err.noSuchEntity(`The Certificate with id ${id} cannot be found.`);
    }
    return undefined;
  },

  ListSSHPublicKeys(ctx) {
    const u = userOrCaller(ctx);
    const pg = page(u.sshKeys, (k) => k.sshPublicKeyId, ctx.p, ctx.paging);
    return {
      SSHPublicKeys: pg.items.map((k) => ({
        UserName: u.userName,
        SSHPublicKeyId: k.sshPublicKeyId,
        Status: k.status,
        UploadDate: k.uploadDate,
      })),
      IsTruncated: pg.IsTruncated,
      Marker: pg.Marker,
    };
  },

  DeleteSSHPublicKey({ account, p }) {
    const u = account.user(p.required("UserName"));
    const id = p.required("SSHPublicKeyId");
    const before = u.sshKeys.length;
    u.sshKeys = u.sshKeys.filter((k) => k.sshPublicKeyId !== id);
    if (u.sshKeys.length === before) throw err.noSuchEntity(`The Public Key with id ${id} cannot be found.`);
    return undefined;
  },

  ListServiceSpecificCredentials(ctx) {
    const u = userOrCaller(ctx);
    const service = ctx.p.str("ServiceName");
    const creds = u.serviceCredentials.filter((c) => service === undefined || c.serviceName === service);
    const pg = page(creds, (c) => c.serviceSpecificCredentialId, ctx.p, ctx.paging);
    return {
      ServiceSpecificCredentials: pg.items.map((c) => ({
        UserName: u.userName,
        Status: c.status,
        ServiceUserName: c.serviceUserName,
        CreateDate: c.createDate,
        ServiceSpecificCredentialId: c.serviceSpecificCredentialId,
        ServiceName: c.serviceName,
      })),
      IsTruncated: pg.IsTruncated,
      Marker: pg.Marker,
    };
  },

  DeleteServiceSpecificCredential(ctx) {
    const u = userOrCaller(ctx);
    const id = ctx.p.required("ServiceSpecificCredentialId");
    const before = u.serviceCredentials.length;
    u.serviceCredentials = u.serviceCredentials.filter((c) => c.serviceSpecificCredentialId !== id);
    if (u.serviceCredentials.length === before) {
      throw err.noSuchEntity(`No such credential ${id} exists.`);
    }
    return undefined;
  },

  ListMFADevices(ctx) {
    const u = userOrCaller(ctx);
    const pg = page(u.mfaDevices, (m) => m.serialNumber, ctx.p, ctx.paging);
    return {
      MFADevices: pg.items.map((m) => ({
        UserName: u.userName,
        SerialNumber: m.serialNumber,
        EnableDate: m.enableDate,
      })),
      IsTruncated: pg.IsTruncated,
      Marker: pg.Marker,
    };
  },

  /** Deactivating removes the device from the user; the virtual device itself is not modelled. */
  DeactivateMFADevice({ account, p }) {
    const name = p.required("UserName");
    checkUserName(name);
    const u = account.user(name);
    const serial = p.required("SerialNumber");
    const before = u.mfaDevices.length;
    u.mfaDevices = u.mfaDevices.filter((m) => m.serialNumber !== serial);
    if (u.mfaDevices.length === before) {
      throw err.noSuchEntity(`MFA Device with serial number ${serial} does not exist.`);
    }
    return undefined;
  },
};
