import type { DisabledRule } from "../../config/schema.js";

/** ADS_UF_ACCOUNTDISABLE in userAccountControl. */
const ACCOUNTDISABLE = 2;

/** Attributes a disabled rule reads, to add to the search's attribute list. */
export function disabledRuleAttributes(rule: DisabledRule): string[] {
  switch (rule.rule) {
    case "none":
      return [];
    case "adUserAccountControl":
      return ["userAccountControl"];
    case "pwdAccountLockedTime":
      return ["pwdAccountLockedTime"];
    case "attributeEquals":
      return [rule.attribute];
  }
}

/** Applies the channel's disabled rule to an entry's attributes (keys lower-cased). */
export function isDisabled(rule: DisabledRule, attributes: Record<string, string[]>): boolean {
  switch (rule.rule) {
    case "none":
      return false;
    case "adUserAccountControl": {
      const raw = attributes.useraccountcontrol?.[0];
      if (raw === undefined || !/^-?\d+$/.test(raw.trim())) return false;
      // Stored as a signed 32-bit integer; the bit test is the same either way.
      return (Number(raw.trim()) & ACCOUNTDISABLE) !== 0;
    }
    case "pwdAccountLockedTime":
      return (attributes.pwdaccountlockedtime ?? []).some((v) => v.trim() !== "");
    case "attributeEquals": {
      const want = rule.value.toLowerCase();
      return (attributes[rule.attribute.toLowerCase()] ?? []).some((v) => v.toLowerCase() === want);
    }
  }
}
