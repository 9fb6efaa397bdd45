/**
 * Reading a data store failed (connect, bind, or a page midway). Raised instead of ending a read
 * early, so nobody can take a broken read for a short directory and remove people because of it.
 * The message names the data store and where it was reading, never a credential.
 */
export class SourceReadError extends Error {
  override readonly name = "SourceReadError";
  constructor(
    /** The data store's name in the configuration. */
    readonly dataStore: string,
    /** Base DN (LDAP) or which query (MySQL) was being read. */
    readonly location: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`data store "${dataStore}": reading ${location} failed: ${reason}`, options);
  }
}
