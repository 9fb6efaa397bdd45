import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import mysql, { type Pool, type PoolConnection, type PoolOptions, type RowDataPacket } from "mysql2";
import { chunks } from "../../chunks.js";
import type { MysqlSourceConfig, MysqlStoreConfig } from "../../config/schema.js";
import { SourceQueryError } from "../../errors/SourceQueryError.js";
import { SourceReadError } from "../../errors/SourceReadError.js";
import type { SourceGroup, SourceGroupRef, SourceUser } from "../../types.js";
import { type DataStore, type DataStoreOptions, ProblemLog, type SourceProblemSummary } from "../data-store.js";
import { column, isTruthy, rowAttributes, valueText } from "./rows.js";
import { groupsSql, innerQuery, lookupSql, selectProblem } from "./sql.js";

type Row = Record<string, unknown>;

/** Ids per parameterised lookup. */
const LOOKUP_CHUNK = 1_000;

/**
 * The MySQL / MariaDB data store: the channel's users query streamed row by row and cut into pages,
 * memberships from its groups query. Every pooled connection is made read-only at the server, on top
 * of the SELECT-only check, and a stream that breaks or stalls throws instead of ending short.
 */
export class MysqlDataStore implements DataStore {
  private readonly pool: Pool;
  private readonly problemLog: ProblemLog;
  private readonly name: string;
  private readonly streaming = new Set<PoolConnection>();

  constructor(
    private readonly store: MysqlStoreConfig,
    private readonly source: MysqlSourceConfig,
    opts: DataStoreOptions,
  ) {
    this.name = source.dataStore;
    for (const key of ["usersQuery", "groupsQuery"] as const) {
      const sql = source[key];
      const problem = sql === undefined ? undefined : selectProblem(sql);
      if (problem) throw new SourceQueryError(this.name, key, problem);
    }
    this.problemLog = new ProblemLog(this.name, opts.logger);
    this.pool = mysql.createPool(poolOptions(store));
    this.pool.on("connection", (conn) => {
      // Server-side read-only: even a query that fooled the SELECT check cannot write.
      conn.query("SET SESSION TRANSACTION READ ONLY", (err) => {
        if (err) opts.logger?.error({ dataStore: this.name, err: err.message }, "could not make the session read-only");
      });
    });
  }

  async *users(): AsyncGenerator<SourceUser[]> {
    for await (const rows of this.stream(this.source.usersQuery, "usersQuery")) {
      const users = await this.toUsers(rows);
      if (users.length > 0) yield users;
    }
  }

  async *groups(): AsyncGenerator<SourceGroup[]> {
    const { groupsQuery, groupColumns: cols } = this.source;
    if (!groupsQuery) return;
    const sql = groupsSql(groupsQuery, this.source.usersQuery, cols, this.source.idColumn);
    let current: SourceGroup | undefined;
    let members = new Set<string>();
    let page: SourceGroup[] = [];
    const finish = () => {
      if (current) page.push({ ...current, members: [...members].sort() });
      current = undefined;
      members = new Set();
    };
    for await (const rows of this.stream(sql, "groupsQuery")) {
      for (const row of rows) {
        const groupId = valueText(column(row, cols.groupId));
        const userId = valueText(column(row, cols.userId));
        if (groupId === undefined || userId === undefined) continue;
        if (current?.id !== groupId) {
          finish();
          const name = valueText(column(row, cols.groupName)) ?? groupId;
          current = { id: groupId, name, attributes: { name: [name] }, members: [] };
        }
        members.add(userId);
      }
      if (page.length >= this.store.pageSize) {
        yield page;
        page = [];
      }
    }
    finish();
    if (page.length > 0) yield page;
  }

  async findUsers(query: { ids?: string[]; names?: string[] }): Promise<SourceUser[]> {
    const found = new Map<string, SourceUser>();
    const lookups: Array<[string, string[]]> = [];
    if (query.ids?.length) lookups.push([this.source.idColumn, query.ids]);
    if (query.names?.length) {
      if (!this.source.nameColumn) {
        throw new Error(`data store "${this.name}": lookups by name need the channel source's nameColumn`);
      }
      lookups.push([this.source.nameColumn, query.names]);
    }
    for (const [col, values] of lookups) {
      for (const chunk of chunks(values, LOOKUP_CHUNK)) {
        const rows = await this.query(lookupSql(this.source.usersQuery, col), [chunk], "usersQuery");
        for (const user of await this.toUsers(rows)) found.set(user.sourceId, user);
      }
    }
    return [...found.values()];
  }

  async check(): Promise<void> {
    await this.query("SELECT 1", [], "the server");
    // Compiles the configured queries without reading them, so a typo fails `config check --online`.
    await this.query(`SELECT * FROM (${innerQuery(this.source.usersQuery)}) AS u LIMIT 0`, [], "usersQuery");
    if (this.source.groupsQuery) {
      await this.query(`SELECT * FROM (${innerQuery(this.source.groupsQuery)}) AS g LIMIT 0`, [], "groupsQuery");
    }
  }

  problems(): SourceProblemSummary {
    return this.problemLog.snapshot();
  }

  async close(): Promise<void> {
    for (const conn of this.streaming) conn.destroy();
    this.streaming.clear();
    await new Promise<void>((resolve) => this.pool.end(() => resolve()));
  }

  private async toUsers(rows: Row[]): Promise<SourceUser[]> {
    const users: SourceUser[] = [];
    for (const row of rows) {
      const sourceId = valueText(column(row, this.source.idColumn));
      if (sourceId === undefined) {
        this.problemLog.record({
          kind: "missing-id",
          entry: JSON.stringify(rowAttributes(row)).slice(0, 200),
          message: `${this.source.idColumn} is NULL or missing; row skipped`,
        });
        continue;
      }
      const disabledColumn = this.source.disabledColumn;
      users.push({
        sourceId,
        attributes: rowAttributes(row),
        groups: [],
        disabled: disabledColumn ? isTruthy(column(row, disabledColumn)) : false,
      });
    }
    await this.attachGroups(users);
    return users;
  }

  /** One parameterised membership query per page, so memory stays bounded by the page. */
  private async attachGroups(users: SourceUser[]): Promise<void> {
    const { groupsQuery, groupColumns: cols } = this.source;
    if (!groupsQuery || users.length === 0) return;
    const byId = new Map<string, Map<string, SourceGroupRef>>(users.map((u) => [u.sourceId, new Map()]));
    const sql = `SELECT * FROM (${innerQuery(groupsQuery)}) AS g WHERE g.${mysql.escapeId(cols.userId)} IN (?)`;
    const rows = await this.query(sql, [[...byId.keys()]], "groupsQuery");
    for (const row of rows) {
      const userId = valueText(column(row, cols.userId));
      const id = valueText(column(row, cols.groupId));
      if (userId === undefined || id === undefined) continue;
      byId.get(userId)?.set(id, { id, name: valueText(column(row, cols.groupName)) ?? id });
    }
    for (const user of users) {
      user.groups = [...(byId.get(user.sourceId)?.values() ?? [])].sort((a, b) =>
        a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
      );
    }
  }

  private async query(sql: string, values: unknown[], location: string): Promise<Row[]> {
    try {
      return await new Promise<Row[]>((resolve, reject) => {
        this.pool.query<RowDataPacket[]>({ sql, values, timeout: this.store.timeouts.queryMs }, (err, rows) =>
          err ? reject(err) : resolve(rows as Row[]),
        );
      });
    } catch (err) {
      throw this.readError(location, err);
    }
  }

  /**
   * Rows of one query in pages, streamed on a connection of its own. Waiting for the next row is
   * bounded by queryMs; time spent by the consumer between pages is not, since the stream is paused.
   */
  private async *stream(sql: string, location: string): AsyncGenerator<Row[]> {
    let conn: PoolConnection;
    try {
      conn = await new Promise<PoolConnection>((resolve, reject) =>
        this.pool.getConnection((err, c) => (err ? reject(err) : resolve(c))),
      );
    } catch (err) {
      throw this.readError(location, err);
    }
    this.streaming.add(conn);
    let complete = false;
    const rows: Readable = conn.query(sql).stream({ highWaterMark: this.store.pageSize });
    // mysql2 reports a lost connection on the connection but never ends a streamed query with it:
    // the stream would wait forever, so the loss is passed on to the stream here.
    const lost = (err: Error) => rows.destroy(err);
    conn.on("error", lost);
    try {
      const it = rows[Symbol.asyncIterator]() as AsyncIterator<Row>;
      let page: Row[] = [];
      for (;;) {
        let next: IteratorResult<Row>;
        try {
          next = await withTimeout(it.next(), this.store.timeouts.queryMs);
        } catch (err) {
          throw this.readError(location, err);
        }
        if (next.done) break;
        page.push(next.value);
        if (page.length >= this.store.pageSize) {
          yield page;
          page = [];
        }
      }
      complete = true;
      if (page.length > 0) yield page;
    } finally {
      conn.off("error", lost);
      this.streaming.delete(conn);
      // A half-read result cannot go back to the pool: the connection would hand the rest to the next user.
      if (complete) conn.release();
      else {
        rows.destroy();
        conn.destroy();
      }
    }
  }

  private readError(location: string, err: unknown): SourceReadError {
    const message = err instanceof Error ? err.message : String(err);
    return new SourceReadError(this.name, location, message, { cause: err });
  }
}

function poolOptions(store: MysqlStoreConfig): PoolOptions {
  return {
    ...(store.url ? { uri: store.url } : {}),
    ...(store.host ? { host: store.host } : {}),
    ...(store.port ? { port: store.port } : {}),
    ...(store.user ? { user: store.user } : {}),
    ...(store.password !== undefined ? { password: store.password } : {}),
    ...(store.database ? { database: store.database } : {}),
    ...(store.tls
      ? {
          ssl: {
            rejectUnauthorized: store.tls.rejectUnauthorized,
            ...(store.tls.caFile ? { ca: readFileSync(store.tls.caFile, "utf8") } : {}),
          },
        }
      : {}),
    connectionLimit: store.poolSize,
    connectTimeout: store.timeouts.connectMs,
    multipleStatements: false,
    // Values as the database holds them: no time-zone shifts, no precision lost on big ids.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: "utf8mb4_unicode_ci",
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no row for ${ms} ms: query timed out`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
