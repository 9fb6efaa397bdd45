/** Small helpers for tests that drive the emulator through the real SDK. */
import { IAMClient } from "@aws-sdk/client-iam";
import type { AwsIamTargetConfig } from "../../../src/config/schema.js";
import type { IamEmulator } from "./server.js";

let n = 0;

/** A fresh access key id, so every test gets its own account. */
export function freshKey(label = "T"): string {
  n += 1;
  return `AKIA${label
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "")
    .slice(0, 8)}${process.pid}X${n}`;
}

export function iamClient(emu: IamEmulator, accessKeyId: string): IAMClient {
  return new IAMClient({
    region: "us-east-1",
    endpoint: emu.url,
    credentials: { accessKeyId, secretAccessKey: "x" },
    maxAttempts: 1,
  });
}

export interface CaughtError {
  name: string;
  message: string;
  status: number | undefined;
  code: string | undefined;
}

/** Resolves to the error a call failed with; fails the test if it succeeded. */
export async function caught(p: Promise<unknown>): Promise<CaughtError> {
  try {
    await p;
  } catch (e) {
    const x = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    return { name: x.name ?? "", message: x.message ?? "", status: x.$metadata?.httpStatusCode, code: x.code };
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** A target configuration reaching the emulator with one access key (one emulated account). */
export function emulatorTargetConfig(
  emu: IamEmulator,
  accessKeyId: string,
  over: Partial<AwsIamTargetConfig> = {},
): AwsIamTargetConfig {
  return {
    type: "aws-iam",
    region: "us-east-1",
    endpoint: emu.url,
    credentials: { accessKeyId, secretAccessKey: "test-secret" },
    maxRequestsPerSecond: 10,
    minRequestsPerSecond: 1,
    protectedUsers: [],
    maxUsers: 5000,
    deleteGroupsWithPolicies: false,
    requestTimeoutMs: 5000,
    ...over,
  };
}
