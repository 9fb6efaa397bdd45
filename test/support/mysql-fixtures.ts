import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import mysql from "mysql2/promise";
import type { MysqlStoreConfig } from "../../src/config/schema.js";
import { services, uniqueName } from "./env.js";

/**
 * MySQL fixtures for tests: each test file gets its own table prefix, loads a SQL fixture with
 * `@P@` replaced by it, and drops its tables afterwards.
 */

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/mysql");

export function mysqlStore(overrides: Partial<MysqlStoreConfig> = {}): MysqlStoreConfig {
  return {
    type: "mysql",
    url: services.mysqlUrl,
    poolSize: 2,
    pageSize: 100,
    timeouts: { connectMs: 5_000, queryMs: 30_000 },
    ...overrides,
  };
}

export async function adminConnection(): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: services.mysqlUrl, multipleStatements: true, charset: "utf8mb4_unicode_ci" });
}

/** A prefix for this file's tables: letters, digits and underscores only. */
export function tablePrefix(label: string): string {
  return `t_${uniqueName(label).replace(/[^a-z0-9]/g, "_")}_`;
}

/** Runs test/fixtures/mysql/<file> with @P@ replaced by prefix. */
export async function loadSqlFixture(file: string, prefix: string): Promise<void> {
  const sql = readFileSync(resolve(FIXTURES, file), "utf8").replaceAll("@P@", prefix);
  const conn = await adminConnection();
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

export async function dropTables(prefix: string): Promise<void> {
  const conn = await adminConnection();
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?",
      [`${prefix.replace(/_/g, "\\_")}%`],
    );
    for (const row of rows) await conn.query(`DROP TABLE IF EXISTS ${mysql.escapeId(String(row.t))}`);
  } finally {
    await conn.end();
  }
}
