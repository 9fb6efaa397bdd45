/**
 * A MySQL source query is not a single read-only SELECT. Raised when the data store is opened, as a
 * second line behind config validation: the source is read-only and must never run anything else.
 */
export class SourceQueryError extends Error {
  override readonly name = "SourceQueryError";
  constructor(
    readonly dataStore: string,
    /** Which query: `usersQuery` or `groupsQuery`. */
    readonly query: string,
    readonly reason: string,
  ) {
    super(`data store "${dataStore}": ${query} rejected: ${reason}`);
  }
}
