// The in-memory backend: the same semantics as Postgres (one global version sequence, change
// log with tombstones and retention, TTL hidden from reads, atomic batches, leases), for one
// process. Its server_version is random per instance.
import { randomUUID } from 'node:crypto';
import { createSubscriptionSet } from './lib/follow-changes.js';
import { storeError } from './lib/store-error.js';
import {
  assertRecordId,
  assertRecordType,
  clampLimit,
  defaultExpiry,
  isRecordId,
  validateData,
} from './lib/validate-record.js';
import type {
  ChangeBatch,
  ChangeListener,
  Lease,
  RecordPage,
  RecordStore,
  Subscription,
} from './record-store.js';
import type { RecordChange, RecordInput, RecordType, StoredRecord } from './records.js';

export interface MemoryStoreOptions {
  /** Clock (epoch ms); injected by tests. */
  readonly now?: () => number;
  /** How long the change log keeps entries (ms), default 1 hour. */
  readonly changeRetentionMs?: number;
  /** Safety poll of subscriptions (ms). */
  readonly pollMs?: number;
}

const live = (r: StoredRecord, now: number): boolean => r.expires_at === null || r.expires_at > now;

export function createMemoryStore(options: MemoryStoreOptions = {}): RecordStore {
  const now = options.now ?? Date.now;
  const retention = options.changeRetentionMs ?? 3_600_000;
  let serverVersion = randomUUID();
  let version = 0;
  let trimmedThrough = 0;
  const current = new Map<RecordType, Map<string, StoredRecord>>();
  let changes: RecordChange[] = [];
  const leases = new Map<string, { id: string; expires_at: number }>();
  const wakers = new Set<() => void>();
  let closed = false;

  const table = (type: RecordType): Map<string, StoredRecord> => {
    let t = current.get(type);
    if (t === undefined) {
      t = new Map();
      current.set(type, t);
    }
    return t;
  };
  const copy = <T>(r: T): T => structuredClone(r);
  const notify = (): void => {
    for (const w of wakers) queueMicrotask(w);
  };
  const check = (): void => {
    if (closed) throw storeError('STORE_UNAVAILABLE', 'record store is closed');
  };
  const tombstone = (r: StoredRecord, at: number): void => {
    table(r.type).delete(r.id);
    changes.push({ ...r, version: ++version, data: null, modified_at: at, deleted_at: at });
  };

  const subscriptions = createSubscriptionSet(
    {
      changesSince: (a, o) => store.changesSince(a, o),
      info: () => store.info(),
      onWake(fn) {
        wakers.add(fn);
        return () => wakers.delete(fn);
      },
    },
    options.pollMs ?? 1000,
  );

  const store: RecordStore = {
    backend: 'memory',
    async info() {
      check();
      return { server_version: serverVersion, latest_version: changes.at(-1)?.version ?? version };
    },
    async get<T extends RecordType>(type: T, id: string) {
      check();
      assertRecordType(type);
      if (!isRecordId(id)) return null;
      const r = table(type).get(id);
      return r !== undefined && live(r, now()) ? (copy(r) as StoredRecord<T>) : null;
    },
    async put(inputs: readonly RecordInput[]) {
      check();
      const t = now();
      const prepared = inputs.map((input) => {
        assertRecordType(input.type);
        assertRecordId(input.id);
        const data = validateData(input.type, input.id, copy(input.data));
        return { input, data, expires_at: defaultExpiry(input.type, data, input.expires_at) };
      });
      for (const { input } of prepared) {
        if (input.expected_version === undefined) continue;
        const r = table(input.type).get(input.id);
        const have = r !== undefined && live(r, t) ? r.version : 0;
        if (have !== input.expected_version) {
          throw storeError(
            'RECORD_CONFLICT',
            `${input.type} '${input.id}' is at version ${have}, expected ${input.expected_version}`,
          );
        }
      }
      const out = prepared.map(({ input, data, expires_at }) => {
        const r: StoredRecord = {
          type: input.type,
          id: input.id,
          version: ++version,
          data,
          modified_at: t,
          deleted_at: null,
          expires_at,
        };
        table(input.type).set(input.id, r);
        changes.push(r);
        return copy(r);
      });
      if (out.length > 0) notify();
      return out;
    },
    async delete(type, id) {
      check();
      assertRecordType(type);
      if (!isRecordId(id)) return false;
      const r = table(type).get(id);
      if (r === undefined) return false;
      const t = now();
      tombstone(r, t);
      notify();
      return live(r, t);
    },
    async list<T extends RecordType>(type: T, opts: { after?: string; limit?: number } = {}) {
      check();
      assertRecordType(type);
      const limit = clampLimit(opts.limit, 100, 1000);
      const t = now();
      const after = opts.after;
      const ids = [...table(type).keys()]
        .filter((id) => after === undefined || id > after)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const records: StoredRecord<T>[] = [];
      let next: string | null = null;
      for (const id of ids) {
        const r = table(type).get(id)!;
        if (!live(r, t)) continue;
        if (records.length === limit) {
          next = records[records.length - 1]!.id;
          break;
        }
        records.push(copy(r) as StoredRecord<T>);
      }
      return { records, next } satisfies RecordPage<T>;
    },
    async changesSince(after, opts = {}) {
      check();
      const limit = clampLimit(opts.limit, 500, 5000);
      if (after < trimmedThrough) {
        throw storeError('CHANGES_TRIMMED', `changes after ${after} are no longer retained`);
      }
      let lo = 0;
      let hi = changes.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (changes[mid]!.version <= after) lo = mid + 1;
        else hi = mid;
      }
      return {
        server_version: serverVersion,
        changes: changes.slice(lo, lo + limit).map(copy),
        latest_version: changes.at(-1)?.version ?? version,
      } satisfies ChangeBatch;
    },
    async subscribe(
      listener: ChangeListener,
      opts: { after?: number } = {},
    ): Promise<Subscription> {
      check();
      return subscriptions.follow(listener, opts.after);
    },
    async lease(name, ttlMs) {
      check();
      const id = randomUUID();
      const take = (leaseId: string, ttl: number): boolean => {
        const t = now();
        const held = leases.get(name);
        if (held !== undefined && held.id !== leaseId && held.expires_at > t) return false;
        leases.set(name, { id: leaseId, expires_at: t + ttl });
        return true;
      };
      if (!take(id, ttlMs)) return null;
      const lease: Lease = {
        name,
        id,
        async renew(ttl) {
          check();
          return take(id, ttl);
        },
        async release() {
          if (leases.get(name)?.id === id) leases.delete(name);
        },
      };
      return lease;
    },
    async sweep() {
      check();
      const t = now();
      let expired = 0;
      for (const tbl of current.values()) {
        for (const r of [...tbl.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
          if (!live(r, t)) {
            tombstone(r, t);
            expired++;
          }
        }
      }
      const cutoff = t - retention;
      const keepFrom = changes.findIndex((c) => c.modified_at >= cutoff);
      const drop = keepFrom === -1 ? changes.length - 1 : keepFrom;
      if (drop > 0) {
        trimmedThrough = changes[drop - 1]!.version;
        changes = changes.slice(drop);
      }
      if (expired > 0) notify();
      return expired;
    },
    async reset() {
      check();
      current.clear();
      leases.clear();
      changes = [];
      trimmedThrough = version;
      serverVersion = randomUUID();
      notify();
    },
    async close() {
      if (closed) return;
      await subscriptions.closeAll();
      closed = true;
      wakers.clear();
    },
  };
  return store;
}
