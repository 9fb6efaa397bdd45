import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MysqlSourceConfig } from "../../src/config/schema.js";
import { SourceQueryError } from "../../src/errors/SourceQueryError.js";
import { SourceReadError } from "../../src/errors/SourceReadError.js";
import { openDataStore } from "../../src/sources/index.js";
import type { SourceUser } from "../../src/types.js";
import { services } from "../support/env.js";
import { adminConnection, dropTables, loadSqlFixture, mysqlStore, tablePrefix } from "../support/mysql-fixtures.js";
import { readAll } from "../support/pages.js";

/** The MySQL data store against the local MariaDB, on this file's own tables. */

let p: string;

beforeAll(async () => {
  p = tablePrefix("source-mysql");
  await loadSqlFixture("people.sql", p);
});

afterAll(async () => {
  if (p) await dropTables(p);
});

function source(overrides: Partial<MysqlSourceConfig> = {}): { type: "mysql" } & MysqlSourceConfig {
  return {
    type: "mysql",
    dataStore: "test-mysql",
    usersQuery: `SELECT e.employee_id, e.login, e.email, e.full_name AS FullName, e.department, e.is_terminated, e.hired FROM ${p}employees e`,
    groupsQuery: `SELECT m.employee_id AS user_id, g.group_id, g.name AS group_name FROM ${p}memberships m JOIN ${p}groups_ g ON g.group_id = m.group_id`,
    idColumn: "employee_id",
    disabledColumn: "is_terminated",
    nameColumn: "login",
    groupColumns: { userId: "user_id", groupId: "group_id", groupName: "group_name" },
    ...overrides,
  };
}

function byLogin(users: SourceUser[]): Map<string, SourceUser> {
  return new Map(users.map((u) => [u.attributes.login?.[0] ?? "?", u]));
}

describe("MySQL data store", () => {
  it("streams users in pages with ids, lower-cased columns, NULLs absent, disabled flags and groups", async () => {
    const store = openDataStore(mysqlStore({ pageSize: 2 }), source(), { attributes: [] });
    try {
      const sizes: number[] = [];
      const all: SourceUser[] = [];
      for await (const page of store.users()) {
        sizes.push(page.length);
        all.push(...page);
      }
      expect(sizes).toEqual([2, 2, 2]);
      const users = byLogin(all);
      const alice = users.get("alice");
      expect(alice?.sourceId).toBe("1");
      expect(alice?.dn).toBeUndefined();
      expect(alice?.attributes.fullname).toEqual(["Alice Smith"]);
      expect(alice?.attributes.hired).toEqual(["2020-01-02 03:04:05"]);
      expect(alice?.groups).toEqual([
        { id: "g-all", name: "Everyone" },
        { id: "g-eng", name: "Engineering" },
      ]);
      const bob = users.get("bob");
      expect(bob?.attributes).toEqual({ employee_id: ["2"], login: ["bob"], fullname: ["Bob Jones"] });
      expect(bob?.disabled).toBe(false);
      expect(users.get("alice")?.disabled).toBe(false); // '0'
      expect(users.get("jose")?.disabled).toBe(false); // 'no'
      expect(users.get("carol")?.disabled).toBe(true); // 'yes'
      expect(users.get("lilei")?.disabled).toBe(true); // 'TRUE'
      expect(users.get("o'brien")?.disabled).toBe(true); // '1'
      expect(users.get("jose")?.attributes.fullname).toEqual(["José Müller"]);
      expect(users.get("lilei")?.attributes.fullname).toEqual(["李雷"]);
      expect(users.get("lilei")?.groups).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("reads groups with their members, only users the users query returns", async () => {
    const store = openDataStore(
      mysqlStore({ pageSize: 2 }),
      source({ usersQuery: `SELECT * FROM ${p}employees WHERE kind = 'staff'` }),
      { attributes: [] },
    );
    try {
      const groups = await readAll(store.groups());
      expect(groups.map((g) => [g.id, g.name, g.members])).toEqual([
        ["g-all", "Everyone", ["1", "2"]],
        ["g-eng", "Engineering", ["1", "4"]],
        ["g-ops", "Operations", ["3"]],
      ]);
    } finally {
      await store.close();
    }
  });

  it("looks users up by id and by name with parameters, so injection finds nothing", async () => {
    const store = openDataStore(mysqlStore(), source(), { attributes: [] });
    try {
      const byId = await store.findUsers({ ids: ["1", "4", "999", "1' OR 1=1 --", "1 OR 1=1"] });
      expect(byId.map((u) => u.sourceId).sort()).toEqual(["1", "4"]);
      expect(byId.find((u) => u.sourceId === "1")?.groups.map((g) => g.id)).toEqual(["g-all", "g-eng"]);
      const byName = await store.findUsers({ names: ["o'brien", "' OR 1=1 --", "nobody"] });
      expect(byName.map((u) => u.sourceId)).toEqual(["6"]);
      expect(await store.findUsers({})).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("refuses lookups by name without a nameColumn", async () => {
    const store = openDataStore(mysqlStore(), source({ nameColumn: undefined }), { attributes: [] });
    try {
      await expect(store.findUsers({ names: ["alice"] })).rejects.toThrow(/nameColumn/);
    } finally {
      await store.close();
    }
  });

  it("rejects anything but a single SELECT when the data store is opened", () => {
    const bad = [
      `DELETE FROM ${p}employees`,
      `SELECT 1; DROP TABLE ${p}employees`,
      `SELECT * FROM ${p}employees INTO OUTFILE '/tmp/x'`,
      `/*!50000 DELETE FROM ${p}employees */ SELECT 1`,
      `SELECT * FROM ${p}employees FOR UPDATE`,
      `UPDATE ${p}employees SET login = 'x'`,
    ];
    for (const usersQuery of bad) {
      expect(() => openDataStore(mysqlStore(), source({ usersQuery }), { attributes: [] })).toThrow(SourceQueryError);
    }
    expect(() =>
      openDataStore(mysqlStore(), source({ groupsQuery: "INSERT INTO x VALUES (1)" }), { attributes: [] }),
    ).toThrow(/groupsQuery/);
  });

  it("checks the connection and compiles the queries", async () => {
    const ok = openDataStore(mysqlStore(), source(), { attributes: [] });
    await ok.check();
    await ok.close();
    const typo = openDataStore(mysqlStore(), source({ usersQuery: `SELECT * FROM ${p}no_such_table` }), {
      attributes: [],
    });
    try {
      await expect(typo.check()).rejects.toBeInstanceOf(SourceReadError);
      await expect(readAll(typo.users())).rejects.toThrow(/usersQuery/);
    } finally {
      await typo.close();
    }
    const url = new URL(mysqlStore().url as string);
    url.password = "wrong-password-xyz";
    const denied = openDataStore(mysqlStore({ url: url.toString() }), source(), { attributes: [] });
    try {
      const err = await denied.check().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceReadError);
      expect((err as Error).message).toContain("test-mysql");
      expect((err as Error).message).not.toContain("wrong-password-xyz");
    } finally {
      await denied.close();
    }
  });

  it("throws SourceReadError when the streaming connection is killed midway, never a short list", async () => {
    const admin = await adminConnection();
    try {
      await admin.query(`CREATE TABLE ${p}big (id INT PRIMARY KEY, pad VARCHAR(255) NOT NULL)`);
      await admin.query(
        `INSERT INTO ${p}big (id, pad) SELECT a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n, REPEAT('x', 200)
         FROM (SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) a,
              (SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) b,
              (SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) c,
              (SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) d,
              (SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4) e`,
      );
      const store = openDataStore(
        // queryMs is the backstop; the lost connection itself must end the read, well before it.
        mysqlStore({ pageSize: 100, timeouts: { connectMs: 5_000, queryMs: 20_000 } }),
        source({
          usersQuery: `SELECT id, pad FROM ${p}big ORDER BY id`,
          idColumn: "id",
          groupsQuery: undefined,
          disabledColumn: undefined,
        }),
        { attributes: [] },
      );
      let seen = 0;
      try {
        const err = await (async () => {
          for await (const page of store.users()) {
            seen += page.length;
            if (seen === 100) {
              const [rows] = await admin.query<import("mysql2").RowDataPacket[]>(
                "SELECT id FROM information_schema.processlist WHERE info LIKE ? AND id <> CONNECTION_ID()",
                [`%FROM ${p}big ORDER BY id%`],
              );
              expect(rows.length).toBe(1);
              await admin.query(`KILL ${Number(rows[0]?.id)}`);
            }
          }
        })().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(SourceReadError);
        expect((err as Error).message).toContain("test-mysql");
        expect((err as Error).message).not.toMatch(/no row for/);
        expect(seen).toBeLessThan(50_000);
      } finally {
        await store.close();
      }
    } finally {
      await admin.end();
    }
  });

  it("reads over TLS, verifying the server against the CA file, and refuses a server it cannot verify", async () => {
    const url = new URL(services.mysqlUrl);
    const overTls = mysqlStore({
      url: undefined,
      host: "127.0.0.1",
      port: Number(url.port),
      user: url.username,
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
      tls: { caFile: services.mysqlCaFile, rejectUnauthorized: true },
    });
    const store = openDataStore(overTls, source(), { attributes: [] });
    try {
      await store.check();
      const users = await readAll(store.users());
      expect(users.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
    // The system's CAs do not know the test CA: verification must fail, not fall back to plain text.
    const unverified = openDataStore({ ...overTls, tls: { rejectUnauthorized: true } }, source(), { attributes: [] });
    try {
      await expect(unverified.check()).rejects.toThrow();
    } finally {
      await unverified.close();
    }
  });
});
