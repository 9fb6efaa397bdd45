import { defineConfig } from "vitest/config";

/**
 * Two suites. The main one (unit, integration, e2e) runs files in parallel: each uses its own Redis prefix,
 * LDAP subtree and SQL tables. The fault suite (VITEST_SUITE=faults) stops and restarts shared services
 * (slapd, Redis) and kills worker processes, so its files run one at a time, after the main suite.
 */
const faults = process.env.VITEST_SUITE === "faults";

export default defineConfig({
  test: {
    include: faults
      ? ["test/faults/**/*.test.ts"]
      : ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: faults ? 300_000 : 60_000,
    hookTimeout: 120_000,
    fileParallelism: !faults,
    maxWorkers: faults ? 1 : 2,
  },
});
