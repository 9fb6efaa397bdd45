import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { Client, type Entry, NoSuchObjectError, ResultCodeError } from "ldapts";
import type { Logger } from "pino";
import type { LdapStoreConfig } from "../../config/schema.js";
import { SourceReadError } from "../../errors/SourceReadError.js";
import { bufferAttributes } from "./entry.js";
import { toLdapFilter } from "./filter.js";

export interface LdapSearch {
  base: string;
  scope: "base" | "one" | "sub";
  filter: string;
  attributes: string[];
}

/**
 * One connection's worth of LDAP work: connect (ldap://, ldaps://, StartTLS), bind, and paged searches
 * that either finish or throw SourceReadError. A dropped connection is retried once, and only while a
 * search has yielded nothing yet: after that the server's paging cookie is gone, and resuming would
 * silently skip or repeat entries.
 */
export class LdapSession {
  private client: Client | undefined;
  private closed = false;

  constructor(
    private readonly store: LdapStoreConfig,
    private readonly storeName: string,
    private readonly logger?: Logger,
    /** Attribute names ldapts must return as raw bytes (besides objectGUID / objectSid). */
    private readonly binaryAttributes: string[] = [],
  ) {}

  /** Connects and binds now, so `check` reports a bad URL, certificate or password by itself. */
  async open(): Promise<void> {
    await this.connected("the server");
  }

  /** Every entry of a search, page by page; never an early end. */
  async *pages(search: LdapSearch): AsyncGenerator<Entry[]> {
    let yielded = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const client = await this.connected(search.base);
        const pages = client.searchPaginated(search.base, {
          scope: search.scope,
          filter: toLdapFilter(search.filter),
          attributes: search.attributes,
          explicitBufferAttributes: bufferAttributes(this.binaryAttributes),
          paged: { pageSize: this.store.pageSize },
        });
        // Read ahead one page: the server sends page k+1 while the caller maps page k, instead of waiting
        // for it. At most two pages of raw entries are held at once.
        const it = pages[Symbol.asyncIterator]();
        let ahead = it.next();
        let done = false;
        try {
          for (;;) {
            const page = await ahead;
            if (page.done) break;
            ahead = it.next();
            // Its failure is taken (and thrown) by the next await; never an unhandled rejection meanwhile.
            ahead.catch(() => undefined);
            if (page.value.searchEntries.length === 0) continue;
            yielded = true;
            yield page.value.searchEntries;
          }
          done = true;
        } finally {
          // A caller that stopped early: let the search end once the page in flight is in.
          if (!done) void it.return(undefined).catch(() => undefined);
        }
        return;
      } catch (err) {
        if (err instanceof SourceReadError) throw err;
        if (!yielded && attempt === 0 && !this.closed && isConnectionError(err)) {
          this.logger?.warn(
            { dataStore: this.storeName, baseDn: search.base, err: messageOf(err) },
            "LDAP connection dropped before the first page; reconnecting once",
          );
          await this.drop();
          continue;
        }
        throw this.readError(search.base, err);
      }
    }
  }

  /** A whole (small) search in one array: base-scope reads, lookups, range slices. */
  async search(search: LdapSearch, opts: { missingOk?: boolean } = {}): Promise<Entry[]> {
    const all: Entry[] = [];
    try {
      for await (const page of this.pages(search)) all.push(...page);
    } catch (err) {
      if (opts.missingOk && err instanceof SourceReadError && err.cause instanceof NoSuchObjectError) return [];
      throw err;
    }
    return all;
  }

  readError(base: string, err: unknown): SourceReadError {
    return new SourceReadError(this.storeName, `base DN "${base}"`, messageOf(err), { cause: err });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drop();
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.unbind().catch(() => undefined);
  }

  private async connected(base: string): Promise<Client> {
    if (this.closed) throw new SourceReadError(this.storeName, `base DN "${base}"`, "the data store is closed");
    if (this.client?.isConnected) return this.client;
    await this.drop();
    const { store } = this;
    const url = new URL(store.url);
    const tlsOptions = this.tlsOptions(url.hostname);
    const client = new Client({
      url: store.url,
      timeout: store.timeouts.operationMs,
      connectTimeout: store.timeouts.connectMs,
      ...(url.protocol.toLowerCase() === "ldaps:" ? { tlsOptions } : {}),
    });
    try {
      await withTimeout(
        (async () => {
          if (store.startTls) await client.startTLS(tlsOptions);
          if (store.bindDn) {
            // An empty password makes a simple bind "unauthenticated", which servers accept as anonymous.
            if (!store.bindPassword) throw new Error("bindDn is set but bindPassword is empty");
            await client.bind(store.bindDn, store.bindPassword);
          }
        })(),
        store.timeouts.connectMs + store.timeouts.operationMs,
        "connect and bind timed out",
      );
    } catch (err) {
      await client.unbind().catch(() => undefined);
      throw this.readError(base, err);
    }
    this.client = client;
    return client;
  }

  private tlsOptions(hostname: string): ConnectionOptions {
    const { tls } = this.store;
    return {
      host: hostname,
      // SNI must not carry an IP address; the certificate is still checked against it.
      ...(isIP(hostname) ? {} : { servername: hostname }),
      rejectUnauthorized: tls.rejectUnauthorized,
      minVersion: "TLSv1.2",
      ...(tls.caFile ? { ca: [readFileSync(tls.caFile)] } : {}),
    };
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

const TLS_FAILURE_RE = /certificate|self[- ]signed|unable to verify|CERT_|SSL|TLS/i;

/** A socket that went away (not an LDAP result code, not a certificate refusal). */
function isConnectionError(err: unknown): boolean {
  if (err instanceof ResultCodeError) return false;
  if (!(err instanceof Error)) return false;
  const text = `${err.message} ${(err as { code?: unknown }).code ?? ""}`;
  if (TLS_FAILURE_RE.test(text)) return false;
  return /connection|socket|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|closed|timed out/i.test(text);
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
