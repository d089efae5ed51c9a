// The authz cache: a record is read from the store once, then served from memory; the change
// feed keeps every cached entry true (a delete or expiry anywhere evicts it at once, a reset
// clears everything). Bounded, approximately LRU (a hit moves an entry to the young end only
// once it is older than half the bound, so the hot path does not re-insert on every hit). A miss
// while the store is unreachable throws STORE_UNAVAILABLE, so authz fails closed (503).
// `peek*` answer synchronously from memory (no promise) and say `undefined` when only the
// async getter can answer (not cached, expired, or the feed has been failing too long).
import { PortcullisError } from '../errors/index.js';
import { asStoreError } from './lib/store-error.js';
import type { RecordStore, Subscription } from './record-store.js';
import type { Group, RecordChange, RecordType, Session, StoredRecord, User } from './records.js';

export interface RecordCacheOptions {
  /** Maximum cached records (default 100,000). */
  readonly maxEntries?: number;
  readonly now?: () => number;
  /** Called when the feed fails or recovers (for logs/health); never given secrets. */
  readonly onFeedError?: (error: PortcullisError) => void;
  /**
   * How long cached records are still served while the change feed is failing (ms, default
   * 10 s). Past it every read goes to the store, so a partition that hides revocations from this
   * process fails closed (STORE_UNAVAILABLE) instead of serving stale sessions.
   */
  readonly maxStaleMs?: number;
  /** Called when the feed removes a cached record (deleted, or reset); for metrics and tests. */
  readonly onEvict?: (type: string, id: string) => void;
}

export interface RecordCacheMetrics {
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly size: number;
  /** Store time of the last applied change to the time it was applied (ms). */
  readonly feed_lag_ms: number;
  readonly feed_position: number;
  readonly feed_healthy: boolean;
}

export interface RecordCache {
  /** The current session, or null if it does not exist, was deleted or has expired. */
  getSession(id: string): Promise<Session | null>;
  getUser(id: string): Promise<User | null>;
  getGroup(id: string): Promise<Group | null>;
  get<T extends RecordType>(type: T, id: string): Promise<StoredRecord<T> | null>;
  /**
   * The cached record now (a hit, counted like one), or undefined when the async getter must
   * answer (not in memory, expired, or served stale too long). Never reads the store.
   */
  peek<T extends RecordType>(type: T, id: string): StoredRecord<T> | undefined;
  /** `peek` for a session's data. */
  peekSession(id: string): Session | undefined;
  /** `peek` for a user's data. */
  peekUser(id: string): User | undefined;
  /** True if the record is in memory now (no store read, no metrics). */
  has(type: RecordType, id: string): boolean;
  metrics(): RecordCacheMetrics;
  close(): Promise<void>;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Starts following the store's feed, then serves reads. */
export async function openRecordCache(
  store: RecordStore,
  options: RecordCacheOptions = {},
): Promise<RecordCache> {
  const max = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  /** Record and the insertion count when it was (re-)inserted (its place in the LRU order). */
  const entries = new Map<string, { r: StoredRecord; at: number }>();
  let inserts = 0;
  const youngHalf = max >> 1;
  /** Keys being loaded, with a flag set when the feed touched the key meanwhile. */
  const loading = new Map<string, Set<{ dirty: boolean }>>();
  let hits = 0;
  let misses = 0;
  let evictions = 0;
  let lag = 0;
  let healthy = true;
  let failingSince = 0;
  const maxStale = options.maxStaleMs ?? 10_000;
  const keyOf = (type: string, id: string): string => `${type}\u0000${id}`;

  const apply = (changes: readonly RecordChange[]): void => {
    const t = Date.now();
    for (const c of changes) {
      const k = keyOf(c.type, c.id);
      for (const marker of loading.get(k) ?? []) marker.dirty = true;
      const cached = entries.get(k);
      if (cached !== undefined) {
        if (c.deleted_at !== null || c.data === null) {
          entries.delete(k);
          options.onEvict?.(c.type, c.id);
        } else if (c.version > cached.r.version) {
          entries.set(k, { r: deepFreeze(c) as StoredRecord, at: cached.at });
        }
      }
      lag = Math.max(0, t - c.modified_at);
    }
  };

  const subscription: Subscription = await store.subscribe({
    onChanges: apply,
    onReset() {
      for (const set of loading.values()) for (const marker of set) marker.dirty = true;
      entries.clear();
    },
    onError(err) {
      if (healthy) failingSince = Date.now();
      healthy = false;
      options.onFeedError?.(asStoreError(err));
    },
    onRecover() {
      healthy = true;
    },
  });

  const remember = (k: string, r: StoredRecord): void => {
    entries.delete(k);
    entries.set(k, { r, at: ++inserts });
    while (entries.size > max) {
      const oldest = entries.keys().next().value as string;
      entries.delete(oldest);
      evictions++;
    }
  };

  /** The fresh cached record (a hit), or undefined. */
  const lookup = (k: string): StoredRecord | undefined => {
    if (!healthy && Date.now() - failingSince > maxStale) entries.clear();
    const cached = entries.get(k);
    if (cached === undefined) return undefined;
    const r = cached.r;
    if (r.expires_at !== null && r.expires_at <= now()) {
      entries.delete(k);
      return undefined;
    }
    hits++;
    if (inserts - cached.at >= youngHalf) {
      entries.delete(k);
      cached.at = ++inserts;
      entries.set(k, cached);
    }
    return r;
  };

  const peek = <T extends RecordType>(type: T, id: string): StoredRecord<T> | undefined =>
    lookup(keyOf(type, id)) as StoredRecord<T> | undefined;

  async function get<T extends RecordType>(type: T, id: string): Promise<StoredRecord<T> | null> {
    const k = keyOf(type, id);
    const cached = lookup(k);
    if (cached !== undefined) return cached as StoredRecord<T>;
    misses++;
    for (let attempt = 0; ; attempt++) {
      const marker = { dirty: false };
      const markers = loading.get(k) ?? new Set();
      markers.add(marker);
      loading.set(k, markers);
      let r: StoredRecord<T> | null;
      try {
        r = await store.get(type, id);
      } catch (err) {
        const e = asStoreError(err);
        if (e.code === 'RECORD_INVALID') throw e;
        throw new PortcullisError('STORE_UNAVAILABLE', `cannot load ${type} record: ${e.message}`, {
          cause: err,
        });
      } finally {
        markers.delete(marker);
        if (markers.size === 0) loading.delete(k);
      }
      // The feed changed this key while we read it: our answer may predate the change.
      if (marker.dirty && attempt < 3) continue;
      if (r !== null && !marker.dirty) remember(k, deepFreeze(r));
      return r;
    }
  }

  const dataOf = async <T extends RecordType>(type: T, id: string) =>
    (await get(type, id))?.data ?? null;

  return {
    getSession: (id) => dataOf('session', id) as Promise<Session | null>,
    getUser: (id) => dataOf('user', id) as Promise<User | null>,
    getGroup: (id) => dataOf('group', id) as Promise<Group | null>,
    get,
    peek,
    peekSession: (id) => peek('session', id)?.data as Session | undefined,
    peekUser: (id) => peek('user', id)?.data as User | undefined,
    has: (type, id) => entries.has(keyOf(type, id)),
    metrics: () => ({
      hits,
      misses,
      evictions,
      size: entries.size,
      feed_lag_ms: lag,
      feed_position: subscription.position,
      feed_healthy: healthy,
    }),
    async close() {
      entries.clear();
      await subscription.close();
    },
  };
}
