import type { ChannelSource, DataStoreConfig } from "../config/schema.js";
import type { DataStore, DataStoreOptions } from "./data-store.js";
import { LdapDataStore } from "./ldap/store.js";
import { MysqlDataStore } from "./mysql/store.js";

export type {
  DataStore,
  DataStoreOptions,
  SourceProblem,
  SourceProblemKind,
  SourceProblemSummary,
} from "./data-store.js";

/**
 * Opens the data store a channel reads. Nothing connects yet (check() or the first read does), but a
 * source that does not fit its store, or a MySQL query that is not a single SELECT, fails here.
 */
export function openDataStore(store: DataStoreConfig, source: ChannelSource, opts: DataStoreOptions): DataStore {
  if (store.type === "ldap" && source.type === "ldap") return new LdapDataStore(store, source, opts);
  if (store.type === "mysql" && source.type === "mysql") return new MysqlDataStore(store, source, opts);
  throw new Error(
    `data store "${source.dataStore}" is ${store.type}, but the channel's source is written for ${source.type}`,
  );
}
