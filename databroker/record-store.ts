// The one narrow storage interface both backends (Postgres, memory) implement and the one
// conformance suite (test/helpers/describe-record-store.ts) checks.
import type {
  RecordChange,
  RecordInput,
  RecordKinds,
  RecordType,
  StoredRecord,
} from './records.js';

/** A page of `list`. */
export interface RecordPage<T extends RecordType = RecordType> {
  readonly records: readonly StoredRecord<T>[];
  /** Pass as `after` to get the next page; null when this was the last page. */
  readonly next: string | null;
}

/** A batch of the change feed, in ascending `version` order, tombstones included. */
export interface ChangeBatch {
  /** The store's lifetime id; if it differs from the one a client saw, the client resyncs. */
  readonly server_version: string;
  readonly changes: readonly RecordChange[];
  /** Highest version in the store's change log at read time (0 = none). */
  readonly latest_version: number;
}

/** Callbacks of a `subscribe`. */
export interface ChangeListener {
  /** New changes in version order; each change is delivered exactly once, never out of order. */
  onChanges(changes: readonly RecordChange[]): void | Promise<void>;
  /**
   * The feed cannot continue from where it was (store reset → new server_version, or the
   * change log was trimmed past the position). Drop everything derived from the store;
   * delivery continues after `latest_version`.
   */
  onReset?(info: { server_version: string; latest_version: number }): void | Promise<void>;
  /** The store is unreachable; the subscription retries with backoff and loses nothing. */
  onError?(error: Error): void;
  /** The feed is live again (after an error). */
  onRecover?(): void;
}

export interface Subscription {
  /** Version of the last change delivered. */
  readonly position: number;
  close(): Promise<void>;
}

/** A held singleton lease (e.g. for the expiry sweeper or token refresher). */
export interface Lease {
  readonly name: string;
  readonly id: string;
  /** Extends the lease; false if it was lost (expired and taken by someone else). */
  renew(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * A versioned record store with a change feed. Times are epoch ms. Reads hide records whose
 * `expires_at` has passed. Errors are `PortcullisError`s: RECORD_INVALID, RECORD_CONFLICT,
 * RETRYABLE, STORE_UNAVAILABLE, CHANGES_TRIMMED.
 */
export interface RecordStore {
  readonly backend: 'memory' | 'postgres';
  /** The store's lifetime id and the latest version in its change log. */
  info(): Promise<{ server_version: string; latest_version: number }>;
  /** The current, unexpired record or null. */
  get<T extends RecordType>(type: T, id: string): Promise<StoredRecord<T> | null>;
  /** Writes a batch atomically (all or nothing); returns the stored records with versions. */
  put(records: readonly RecordInput[]): Promise<StoredRecord[]>;
  /** Deletes (tombstone in the feed). Resolves true if a current record was deleted. */
  delete(type: RecordType, id: string): Promise<boolean>;
  /** Current unexpired records of a type ordered by id, `limit` (default 100, max 1000) per page. */
  list<T extends RecordType>(
    type: T,
    opts?: { after?: string; limit?: number },
  ): Promise<RecordPage<T>>;
  /**
   * Changes with version > `after`, ascending, at most `limit` (default 500). Throws
   * CHANGES_TRIMMED when `after` is older than the retained change log.
   */
  changesSince(after: number, opts?: { limit?: number }): Promise<ChangeBatch>;
  /** Pushes every change after `after` (default: the latest now) to the listener. */
  subscribe(listener: ChangeListener, opts?: { after?: number }): Promise<Subscription>;
  /** Takes the named lease for `ttlMs` if free (or expired); null if someone else holds it. */
  lease(name: string, ttlMs: number): Promise<Lease | null>;
  /** Turns expired records into tombstones and trims the change log; returns records expired. */
  sweep(): Promise<number>;
  /** Deletes everything and rotates server_version (clients resync). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Typed data of a record kind. */
export type DataOf<T extends RecordType> = RecordKinds[T];
