import { escapeId } from "mysql2";

/**
 * The read-only guard for configured SQL. Config validation already wants a SELECT; this looks past
 * comments and string literals, so `SELECT 1; DROP TABLE x`, `/*!50000 DELETE ...*\/` (an executable
 * comment) or `SELECT ... INTO OUTFILE` cannot slip through when the data store is opened.
 */

/** The query with comments dropped and string literals / quoted identifiers blanked; or a refusal reason. */
function skeleton(sql: string): { code: string } | { reason: string } {
  let code = "";
  let k = 0;
  while (k < sql.length) {
    const c = sql[k] as string;
    const next = sql[k + 1];
    if (c === "'" || c === '"' || c === "`") {
      let j = k + 1;
      for (;;) {
        if (j >= sql.length) return { reason: "unterminated quote" };
        if (sql[j] === "\\" && c !== "`") j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      code += c === "`" ? " `x` " : " 'x' ";
      k = j + 1;
    } else if (c === "/" && next === "*") {
      if (sql[k + 2] === "!" || (sql[k + 2] === "M" && sql[k + 3] === "!")) {
        return { reason: "executable comments (/*! ... */) are not allowed" };
      }
      const end = sql.indexOf("*/", k + 2);
      if (end < 0) return { reason: "unterminated comment" };
      code += " ";
      k = end + 2;
    } else if (
      c === "#" ||
      (c === "-" && next === "-" && (sql[k + 2] === undefined || /\s/.test(sql[k + 2] as string)))
    ) {
      const end = sql.indexOf("\n", k);
      code += " ";
      k = end < 0 ? sql.length : end + 1;
    } else {
      code += c;
      k++;
    }
  }
  return { code };
}

const FORBIDDEN: Array<[RegExp, string]> = [
  [/\binto\b/i, "SELECT ... INTO writes files or variables"],
  [/\bfor\s+update\b/i, "FOR UPDATE takes locks"],
  [/\bfor\s+share\b|\block\s+in\s+share\s+mode\b/i, "locking reads are not allowed"],
  [/\bprocedure\b/i, "PROCEDURE is not allowed"],
];

/** Why the query is not a single read-only SELECT, or undefined when it is. */
export function selectProblem(sql: string): string | undefined {
  const parsed = skeleton(sql);
  if ("reason" in parsed) return parsed.reason;
  const code = parsed.code.trim().replace(/;\s*$/, "");
  if (code.includes(";")) return "one statement only";
  if (!/^(\(\s*)*select\b/i.test(code)) return "only a SELECT is allowed (the source is read-only)";
  for (const [re, why] of FORBIDDEN) if (re.test(code)) return why;
  return undefined;
}

/** The query without a trailing `;`, ready to be nested as a derived table. */
export function innerQuery(sql: string): string {
  return sql.trim().replace(/;\s*$/, "");
}

/** `SELECT * FROM (<query>) AS u WHERE u.<column> IN (?)`: a parameterised lookup over any users query. */
export function lookupSql(query: string, column: string): string {
  return `SELECT * FROM (${innerQuery(query)}) AS u WHERE u.${escapeId(column)} IN (?)`;
}

/** Memberships of users in scope, ordered by group so groups can be cut from a stream one by one. */
export function groupsSql(groupsQuery: string, usersQuery: string, cols: GroupColumns, idColumn: string): string {
  return (
    `SELECT g.* FROM (${innerQuery(groupsQuery)}) AS g` +
    ` WHERE g.${escapeId(cols.userId)} IN (SELECT u.${escapeId(idColumn)} FROM (${innerQuery(usersQuery)}) AS u)` +
    ` ORDER BY g.${escapeId(cols.groupId)}`
  );
}

export interface GroupColumns {
  userId: string;
  groupId: string;
  groupName: string;
}
