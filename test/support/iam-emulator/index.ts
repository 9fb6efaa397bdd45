/**
 * An in-process AWS IAM stand-in for tests: the real @aws-sdk/client-iam talks to it over HTTP.
 * See server.ts for the controls and seed.ts for direct state access.
 */
export type { ActionCounters, CounterReport, FailureConfig, LatencyConfig } from "./faults.js";
export type { PasswordPolicy, Tag } from "./rules.js";
export { EmulatorAccount, type SeedGroup, type SeedUser } from "./seed.js";
export type { EmulatorOptions, IamEmulator } from "./server.js";
export { startIamEmulator } from "./server.js";
export { type AccountSnapshot, accountIdFor, type GroupSnapshot, type UserSnapshot } from "./state.js";
