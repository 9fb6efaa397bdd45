import { Client } from "ldapts";
import mysql from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import { createRedis, waitReady } from "../../src/queue/connection.js";
import { services, uniqueName } from "../support/env.js";

describe("local services reached through the URLs services.sh exports", () => {
  const redis = createRedis(services.redisUrl, "producer");
  afterAll(async () => {
    await redis.quit();
  });

  it("Redis runs with AOF and noeviction, as BullMQ needs", async () => {
    await waitReady(redis);
    const key = `${uniqueName("svc")}:k`;
    await redis.set(key, "v", "EX", 10);
    expect(await redis.get(key)).toBe("v");
    const [, policy] = (await redis.config("GET", "maxmemory-policy")) as [string, string];
    const [, aof] = (await redis.config("GET", "appendonly")) as [string, string];
    expect(policy).toBe("noeviction");
    expect(aof).toBe("yes");
  });

  it("slapd accepts the admin bind and serves both test suffixes", async () => {
    const client = new Client({ url: services.ldapUrl });
    try {
      await client.bind(services.ldapBindDn, services.ldapBindPassword);
      for (const base of [services.ldapSuffix, services.ldapAdSuffix]) {
        const { searchEntries } = await client.search(base, { scope: "base" });
        expect(searchEntries[0]?.dn.toLowerCase()).toBe(base.toLowerCase());
      }
    } finally {
      await client.unbind();
    }
  });

  it("MariaDB lets the test user create, fill and drop a table", async () => {
    const conn = await mysql.createConnection(services.mysqlUrl);
    const table = `t_${uniqueName("svc").replace(/-/g, "_")}`;
    try {
      await conn.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(20))`);
      await conn.query(`INSERT INTO ${table} VALUES (1, 'ada')`);
      const [rows] = await conn.query(`SELECT name FROM ${table}`);
      expect(rows).toEqual([{ name: "ada" }]);
    } finally {
      await conn.query(`DROP TABLE IF EXISTS ${table}`);
      await conn.end();
    }
  });
});
