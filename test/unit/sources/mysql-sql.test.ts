import { describe, expect, it } from "vitest";
import { groupsSql, lookupSql, selectProblem } from "../../../src/sources/mysql/sql.js";

describe("MySQL query guard", () => {
  it("accepts single SELECTs, with comments, strings and a trailing semicolon", () => {
    for (const q of [
      "SELECT * FROM employees",
      "  select id from t where name = 'a;b' ;",
      "(SELECT id FROM t) UNION (SELECT id FROM u)",
      "-- people\nSELECT id FROM t # trailing\n",
      "/* leading */ SELECT `into` FROM t WHERE x = 'FOR UPDATE'",
    ]) {
      expect(selectProblem(q), q).toBeUndefined();
    }
  });

  it("refuses writes, several statements and tricks", () => {
    const cases: Array<[string, RegExp]> = [
      ["DELETE FROM t", /only a SELECT/],
      ["SELECT 1; DROP TABLE t", /one statement/],
      ["SELECT 1 -- x\n; DROP TABLE t", /one statement/],
      ["/*!50000 DROP TABLE t */ SELECT 1", /executable comments/],
      ["SELECT * FROM t INTO OUTFILE '/tmp/x'", /INTO/],
      ["SELECT * FROM t FOR UPDATE", /locks/],
      ["SELECT * FROM t LOCK IN SHARE MODE", /locking/],
      ["SELECT 'unterminated", /unterminated/],
      ["WITH x AS (SELECT 1) DELETE FROM t", /only a SELECT/],
    ];
    for (const [q, why] of cases) expect(selectProblem(q), q).toMatch(why);
  });

  it("wraps queries as derived tables with escaped identifiers and a placeholder", () => {
    expect(lookupSql("SELECT * FROM e;", "employee_id")).toBe(
      "SELECT * FROM (SELECT * FROM e) AS u WHERE u.`employee_id` IN (?)",
    );
    expect(lookupSql("SELECT * FROM e", "we`ird")).toBe(
      "SELECT * FROM (SELECT * FROM e) AS u WHERE u.`we``ird` IN (?)",
    );
    expect(
      groupsSql("SELECT * FROM m", "SELECT * FROM e", { userId: "user_id", groupId: "group_id", groupName: "n" }, "id"),
    ).toBe(
      "SELECT g.* FROM (SELECT * FROM m) AS g WHERE g.`user_id` IN (SELECT u.`id` FROM (SELECT * FROM e) AS u) ORDER BY g.`group_id`",
    );
  });
});
