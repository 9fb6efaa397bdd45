import { describe, expect, it } from "vitest";
import { disabledRuleAttributes, isDisabled } from "../../../src/sources/ldap/disabled.js";
import { isTruthy } from "../../../src/sources/mysql/rows.js";

describe("disabled rules", () => {
  it("none: nobody is disabled", () => {
    expect(isDisabled({ rule: "none" }, { useraccountcontrol: ["514"] })).toBe(false);
    expect(disabledRuleAttributes({ rule: "none" })).toEqual([]);
  });

  it("adUserAccountControl: bit 2", () => {
    const rule = { rule: "adUserAccountControl" } as const;
    expect(isDisabled(rule, { useraccountcontrol: ["512"] })).toBe(false);
    expect(isDisabled(rule, { useraccountcontrol: ["514"] })).toBe(true);
    expect(isDisabled(rule, { useraccountcontrol: ["66050"] })).toBe(true);
    expect(isDisabled(rule, { useraccountcontrol: ["66048"] })).toBe(false);
    expect(isDisabled(rule, { useraccountcontrol: ["-2147483646"] })).toBe(true);
    expect(isDisabled(rule, {})).toBe(false);
    expect(isDisabled(rule, { useraccountcontrol: ["garbage"] })).toBe(false);
    expect(disabledRuleAttributes(rule)).toEqual(["userAccountControl"]);
  });

  it("pwdAccountLockedTime: present means locked", () => {
    const rule = { rule: "pwdAccountLockedTime" } as const;
    expect(isDisabled(rule, { pwdaccountlockedtime: ["20240101000000Z"] })).toBe(true);
    expect(isDisabled(rule, { pwdaccountlockedtime: ["000001010000Z"] })).toBe(true);
    expect(isDisabled(rule, {})).toBe(false);
    expect(disabledRuleAttributes(rule)).toEqual(["pwdAccountLockedTime"]);
  });

  it("attributeEquals: any value, ignoring case", () => {
    const rule = { rule: "attributeEquals", attribute: "employeeType", value: "Disabled" } as const;
    expect(isDisabled(rule, { employeetype: ["disabled"] })).toBe(true);
    expect(isDisabled(rule, { employeetype: ["staff", "DISABLED"] })).toBe(true);
    expect(isDisabled(rule, { employeetype: ["active"] })).toBe(false);
    expect(isDisabled(rule, {})).toBe(false);
  });

  it("MySQL disabled column truthiness", () => {
    for (const v of [1, "1", "true", "TRUE", "yes", "Y", " y ", true, 1n, Buffer.from([1])])
      expect(isTruthy(v)).toBe(true);
    for (const v of [0, "0", "false", "no", "n", "", null, undefined, 2, "2", Buffer.from([0])])
      expect(isTruthy(v)).toBe(false);
  });
});
