import { describe, expect, it } from "vitest";
import { guidToBytes, guidToString, isGuid, sidToString } from "../../../src/sources/ldap/guid.js";

describe("objectGUID decoding", () => {
  it("swaps the first three fields as AD does", () => {
    const bytes = Buffer.from("f4d6a3d72c1b5e4d8f90a1b2c3d4e5f6", "hex");
    expect(guidToString(bytes)).toBe("d7a3d6f4-1b2c-4d5e-8f90-a1b2c3d4e5f6");
  });

  it("round-trips through guidToBytes, ignoring case", () => {
    const guid = "D7A3D6F4-1B2C-4D5E-8F90-A1B2C3D4E5F6";
    expect(guidToBytes(guid).toString("hex")).toBe("f4d6a3d72c1b5e4d8f90a1b2c3d4e5f6");
    expect(guidToString(guidToBytes(guid))).toBe(guid.toLowerCase());
  });

  it("refuses anything but 16 bytes or a GUID string", () => {
    expect(() => guidToString(Buffer.alloc(15))).toThrow(/16 bytes/);
    expect(() => guidToBytes("not-a-guid")).toThrow();
    expect(isGuid("d7a3d6f4-1b2c-4d5e-8f90-a1b2c3d4e5f6")).toBe(true);
    expect(isGuid("d7a3d6f41b2c4d5e8f90a1b2c3d4e5f6")).toBe(false);
  });

  it("prints objectSid as S-1-5-...", () => {
    const sid = Buffer.from("010500000000000515000000a065cf7e784b9b5fe77c8770f4010000", "hex");
    expect(sidToString(sid)).toBe("S-1-5-21-2127521184-1604012920-1887927527-500");
  });
});
