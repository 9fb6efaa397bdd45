import { describe, expect, it } from "vitest";
import { computeDelta, type DeltaContext } from "../../../src/sync/delta.js";
import { type CurrentUser, type DesiredUser, DISABLED_TAG } from "../../../src/types.js";
import { DEFAULT_OPTIONS } from "./helpers.js";

const ctx: DeltaContext = { channel: "eng", options: DEFAULT_OPTIONS, sourceId: "s1" };
const desired = (over: Partial<DesiredUser> = {}): DesiredUser => ({
  sourceId: "s1",
  userName: "amy",
  path: "/p/",
  tags: { team: "a" },
  loginProfile: { password: "Pw-123456", passwordResetRequired: true },
  groups: ["g1", "g2"],
  enabled: true,
  createOnly: ["loginProfile.passwordResetRequired"],
  ...over,
});
const current = (over: Partial<CurrentUser> = {}): CurrentUser => ({
  userName: "amy",
  path: "/p/",
  tags: { team: "a" },
  groups: ["g1", "g2"],
  hasLoginProfile: true,
  enabled: true,
  ...over,
});

describe("computeDelta", () => {
  it("returns null when nothing differs", () => {
    expect(computeDelta(desired(), current(), ctx)).toBeNull();
    expect(computeDelta(null, null, ctx)).toBeNull();
  });

  it("creates with path, tags, login profile (create-only included) and groups", () => {
    expect(computeDelta(desired(), null, ctx)).toEqual({
      kind: "create",
      channel: "eng",
      sourceId: "s1",
      userName: "amy",
      path: "/p/",
      tagsSet: { team: "a" },
      loginProfile: { action: "create", password: "Pw-123456", passwordResetRequired: true },
      groupsAdd: ["g1", "g2"],
    });
  });

  it("creates a disabled person disabled: marker tag, no login profile", () => {
    const d = computeDelta(desired({ enabled: false }), null, ctx);
    expect(d?.tagsSet?.[DISABLED_TAG]).toBeDefined();
    expect(d?.loginProfile).toBeUndefined();
  });

  it("renames, moves, retags and regroups in one update", () => {
    const d = computeDelta(
      desired({ userName: "amy.b", path: "/q/", tags: { team: "b", Site: "x" }, groups: ["g2", "g3"] }),
      current({ tags: { team: "a", site: "x", old: "1" } }),
      ctx,
    );
    expect(d).toEqual({
      kind: "update",
      channel: "eng",
      sourceId: "s1",
      userName: "amy.b",
      fromUserName: "amy",
      path: "/q/",
      tagsSet: { team: "b", Site: "x" },
      tagsRemove: ["old"],
      groupsAdd: ["g3"],
      groupsRemove: ["g1"],
    });
  });

  it("never compares create-only fields on update", () => {
    const d = desired({
      path: "/new/",
      tags: { team: "b", cc: "1" },
      createOnly: ["path", "tags.team", "tags.cc", "userName"],
      userName: "other",
    });
    expect(computeDelta(d, current({ tags: { team: "a", cc: "0" } }), ctx)).toBeNull();
  });

  it("leaves memberships alone when groups are off", () => {
    expect(
      computeDelta(desired({ groups: [] }), current({ groups: ["x"] }), {
        ...ctx,
        options: { ...DEFAULT_OPTIONS, groups: false },
      }),
    ).toBeNull();
  });

  it("creates, deletes and updates the login profile", () => {
    expect(computeDelta(desired(), current({ hasLoginProfile: false }), ctx)?.loginProfile).toEqual({
      action: "create",
      password: "Pw-123456",
      passwordResetRequired: true,
    });
    const { loginProfile: _, ...noProfile } = desired();
    expect(computeDelta(noProfile, current(), ctx)?.loginProfile).toEqual({ action: "delete" });
    expect(computeDelta(desired(), current(), { ...ctx, loginProfileChanged: true })?.loginProfile).toEqual({
      action: "update",
      password: "Pw-123456",
    });
    const pwCreateOnly = desired({ createOnly: ["loginProfile.password", "loginProfile.passwordResetRequired"] });
    expect(computeDelta(pwCreateOnly, current(), { ...ctx, loginProfileChanged: true })).toBeNull();
  });

  it("does not touch a login profile it cannot see (after a bulk read)", () => {
    const { hasLoginProfile: _, ...unknown } = current();
    expect(computeDelta(desired(), unknown, { ...ctx, loginProfileChanged: true })).toBeNull();
    const { loginProfile: __, ...noProfile } = desired();
    expect(computeDelta(noProfile, unknown, ctx)).toBeNull();
  });

  it("disables a person the source disabled, touching nothing else", () => {
    expect(computeDelta(desired({ enabled: false, userName: "renamed" }), current(), ctx)).toEqual({
      kind: "disable",
      channel: "eng",
      sourceId: "s1",
      userName: "amy",
    });
    expect(
      computeDelta(desired({ enabled: false, tags: {} }), current({ enabled: false, hasLoginProfile: false }), ctx),
    ).toBeNull();
  });

  it("enables with the login profile restored and field changes carried", () => {
    expect(
      computeDelta(desired({ tags: { team: "z" } }), current({ enabled: false, hasLoginProfile: false }), ctx),
    ).toEqual({
      kind: "enable",
      channel: "eng",
      sourceId: "s1",
      userName: "amy",
      tagsSet: { team: "z" },
      loginProfile: { action: "create", password: "Pw-123456", passwordResetRequired: true },
    });
  });

  it("applies the remove action to a person with no desired state", () => {
    expect(computeDelta(null, current(), ctx)).toEqual({
      kind: "disable",
      channel: "eng",
      sourceId: "s1",
      userName: "amy",
    });
    expect(computeDelta(null, current({ enabled: false }), ctx)).toBeNull();
    expect(computeDelta(null, current(), { ...ctx, removeAction: "delete" })?.kind).toBe("delete");
    expect(
      computeDelta(null, current({ enabled: false }), {
        ...ctx,
        options: { ...DEFAULT_OPTIONS, removeAction: "delete" },
      })?.kind,
    ).toBe("delete");
  });
});
