import { createHmac } from "node:crypto";
import type { ChannelConfig } from "../config/schema.js";
import type { SourceUser } from "../types.js";
import { sha256, stableJson } from "./digest.js";

/**
 * Memos: what lets an incremental run skip a person the source has not changed, without mapping,
 * validating or digesting them again. A memo says "the source entry with this fingerprint, under this
 * configuration, maps to a desired state that applied state already holds"; it is written only when
 * that is known to be true (a no-op decision at plan time, or a provision job that applied exactly that
 * desired state) and dropped whenever applied state is written any other way (StateStore.putApplied).
 *
 * A memo value is `<fingerprint> <IAM user name>`:
 * - the fingerprint is a keyed hash of the entry's raw attributes (and its groups) together with the run's
 *   context: everything besides the entry that shapes the desired state (the channel's configuration,
 *   the password policy, this code's memo version). Changing any of them makes every memo stale at once;
 *   the key (from `secrets.key`) keeps a password held in a source attribute from being guessed in Redis;
 * - the name keeps IAM's unique-name rule exact for skipped people (see nameConflicts).
 */

/** Bump when mapping, validation or digest rules change: memos written by older code are then ignored. */
const MEMO_VERSION = 1;

/** Keyed hash of an entry's text, 22 base64url characters (132 bits). */
export type Fingerprinter = (text: string) => string;

/**
 * A keyed hash; with a context, a fingerprint made under one context never equals one made under
 * another, so memos from an older configuration simply never match.
 */
export function fingerprinter(key: Buffer | undefined, context = ""): Fingerprinter {
  // A derived key, not `secrets.key` itself: the same key seals passwords (AES-GCM) and keys their digests.
  const derived = key ? createHmac("sha256", key).update("provisioner:source-fingerprint").digest("base64url") : "";
  const prefix = `${derived}${context}\u0000`;
  return (text) => sha256(prefix + text).slice(0, FINGERPRINT_LENGTH);
}

const FINGERPRINT_LENGTH = 22;

/** What besides the entry shapes a desired state: changing any of it makes every memo stale at once. */
export function memoContext(channel: ChannelConfig, passwordPolicy: unknown): string {
  // Hashed once here: it prefixes every entry's hash, so it is kept short.
  return fingerprinter(undefined)(stableJson({ v: MEMO_VERSION, channel, passwordPolicy: passwordPolicy ?? null }));
}

/** A fingerprint for users whose data store did not make one from the raw entry. */
export function userFingerprint(user: SourceUser, fingerprint: Fingerprinter): string {
  return fingerprint(
    stableJson({ dn: user.dn ?? null, attributes: user.attributes, groups: user.groups, disabled: user.disabled }),
  );
}

/**
 * The channel's memos as loaded for one run. A memo value is `<fingerprint> <IAM user name>`; the
 * fingerprint is made under this run's context, so a stale memo just does not match.
 */
export class MemoIndex {
  private readonly hits = new Set<string>();
  private stored: ReadonlyMap<string, string> = new Map();
  readonly fingerprint: Fingerprinter;
  /** Settles once the memos are loaded; nothing is skipped before. */
  readonly ready: Promise<void>;
  /** Why the memos could not be loaded (Redis, not the source): the plan rethrows it. */
  loadError: unknown;

  constructor(
    key: Buffer | undefined,
    context: string,
    stored: ReadonlyMap<string, string> | Promise<ReadonlyMap<string, string>>,
  ) {
    this.fingerprint = fingerprinter(key, context);
    this.ready = Promise.resolve(stored).then(
      (m) => {
        this.stored = m;
      },
      (err: unknown) => {
        this.loadError = err;
        throw err;
      },
    );
    this.ready.catch(() => {});
  }

  /**
   * True, and the person counts as skipped, when sourceId's memo holds this fingerprint; a person seen
   * a second time in one read is skipped again without counting twice.
   */
  skip(sourceId: string, fingerprint: string): boolean {
    const v = this.stored.get(sourceId);
    if (v === undefined || v.charCodeAt(FINGERPRINT_LENGTH) !== 32 || !v.startsWith(fingerprint)) return false;
    this.hits.add(sourceId);
    return true;
  }

  /** Whether sourceId was skipped in this read. */
  skipped(sourceId: string): boolean {
    return this.hits.has(sourceId);
  }

  /** Forgets a skip: the person was also read as changed (a source listing one id twice). */
  unskip(sourceId: string): void {
    this.hits.delete(sourceId);
  }

  /** How many people were skipped. */
  get count(): number {
    return this.hits.size;
  }

  /** Source id → IAM user name of every person skipped (built on demand: most runs never ask). */
  names(): Map<string, string> {
    const out = new Map<string, string>();
    for (const id of this.hits) out.set(id, (this.stored.get(id) ?? "").slice(FINGERPRINT_LENGTH + 1));
    return out;
  }

  /** The memo value to store once a desired state with this fingerprint and name is applied. */
  value(fingerprint: string, userName: string): string {
    return `${fingerprint} ${userName}`;
  }

  /** The stored value for sourceId, as loaded. */
  storedValue(sourceId: string): string | undefined {
    return this.stored.get(sourceId);
  }
}
