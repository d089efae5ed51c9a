// The Postgres backend. Writes take one transaction-scoped advisory lock per schema, so versions
// (an identity column of record_changes) commit in the order they are assigned and a reader of
// changesSince never skips a change (open-pool.ts). NOTIFY is sent on commit as a wake-up only.
import { randomUUID } from 'node:crypto';
import { createSubscriptionSet } from '../lib/follow-changes.js';
import { storeError } from '../lib/store-error.js';
import {
  assertRecordId,
  assertRecordType,
  clampLimit,
  defaultExpiry,
  isRecordId,
  validateData,
} from '../lib/validate-record.js';
import type { ChangeBatch, Lease, RecordStore } from '../record-store.js';
import type { RecordInput, RecordType, StoredRecord } from '../records.js';
import { decodeChangeRow, decodeRow, type Row } from './decode-row.js';
import { deriveRecordKey, sealRecordData } from './encrypt-secrets.js';
import { listenForChanges } from './listen-for-changes.js';
import { assertSchemaName } from './migrations.js';
import { openStorePool } from './open-pool.js';
import {
  checkExpectedVersions,
  deleteRecord,
  resetRecords,
  sweepRecords,
  upsertRecords,
} from './write-records.js';

export interface PostgresStoreOptions {
  readonly connectionString: string;
  /** TLS options for every connection (from postgresTls); the connection string's otherwise. */
  readonly ssl?: import('node:tls').ConnectionOptions;
  /** Key material for sealing IdP tokens (config `shared_secret`). */
  readonly sharedSecret: string;
  /** Schema holding the tables (default `portcullis`). */
  readonly schema?: string;
  /** Pool size (default 10). */
  readonly poolSize?: number;
  /** Apply pending migrations when opening (default true). */
  readonly migrate?: boolean;
  readonly now?: () => number;
  /** Change log retention (ms), default 1 hour. */
  readonly changeRetentionMs?: number;
  /** Safety poll of subscriptions (ms), default 1000. */
  readonly pollMs?: number;
  readonly connectionTimeoutMs?: number;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<RecordStore> {
  const schema = options.schema ?? 'portcullis';
  assertSchemaName(schema);
  const key = deriveRecordKey(options.sharedSecret);
  const now = options.now ?? Date.now;
  const retention = options.changeRetentionMs ?? 3_600_000;
  const channel = `portcullis_changes_${schema}`;
  const s = `"${schema}"`;
  const db = await openStorePool(options, schema, channel);
  const q = db.query;
  const write = db.write;
  const decode = (r: Row): StoredRecord => decodeRow(key, r);
  const decodeChange = (r: Row): StoredRecord => decodeChangeRow(key, r);

  let listener: ReturnType<typeof listenForChanges> | null = null;
  const subscriptions = createSubscriptionSet(
    {
      changesSince: (a, o) => store.changesSince(a, o),
      info: () => store.info(),
      onWake(fn) {
        // subscribe() opens the LISTEN connection before the first subscription follows.
        if (listener === null) throw storeError('STORE_UNAVAILABLE', 'change listener not open');
        return listener.onWake(fn);
      },
    },
    options.pollMs ?? 1000,
  );
  let closed = false;

  const store: RecordStore = {
    backend: 'postgres',
    async info() {
      const { rows } = await q<{ server_version: string; latest: string }>(
        `SELECT server_version,
           GREATEST(trimmed_version, (SELECT coalesce(max(version), 0) FROM ${s}.record_changes)) AS latest
         FROM ${s}.migration_info`,
      );
      return { server_version: rows[0]!.server_version, latest_version: Number(rows[0]!.latest) };
    },
    async get<T extends RecordType>(type: T, id: string) {
      assertRecordType(type);
      if (!isRecordId(id)) return null;
      const { rows } = await q<Row>(
        `SELECT type, id, version, data, modified_at, expires_at FROM ${s}.records
         WHERE type = $1 AND id = $2 AND (expires_at IS NULL OR expires_at > $3)`,
        [type, id, now()],
      );
      return rows[0] === undefined ? null : (decode(rows[0]) as StoredRecord<T>);
    },
    async put(inputs: readonly RecordInput[]) {
      const prepared = inputs.map((input) => {
        assertRecordType(input.type);
        assertRecordId(input.id);
        const data = validateData(input.type, input.id, input.data);
        return {
          input,
          data,
          sealed: sealRecordData(key, input.type, input.id, data as Record<string, unknown>),
          expires_at: defaultExpiry(input.type, data, input.expires_at),
        };
      });
      if (prepared.length === 0) return [];
      return write(async (c) => {
        const t = now();
        await checkExpectedVersions(c, s, prepared, t);
        return [await upsertRecords(c, s, prepared, t), true];
      });
    },
    async delete(type, id) {
      assertRecordType(type);
      if (!isRecordId(id)) return false;
      return write(async (c) => {
        const t = now();
        const exp = await deleteRecord(c, s, type, id, t);
        if (exp === undefined) return [false, false];
        return [exp === null || exp > t, true];
      });
    },
    async list<T extends RecordType>(type: T, opts: { after?: string; limit?: number } = {}) {
      assertRecordType(type);
      const limit = clampLimit(opts.limit, 100, 1000);
      const { rows } = await q<Row>(
        `SELECT type, id, version, data, modified_at, expires_at FROM ${s}.records
         WHERE type = $1 AND ($2::text IS NULL OR id > $2::text) AND (expires_at IS NULL OR expires_at > $3)
         ORDER BY id LIMIT $4`,
        [type, opts.after ?? null, now(), limit + 1],
      );
      const records = rows.slice(0, limit).map((r) => decode(r) as StoredRecord<T>);
      return { records, next: rows.length > limit ? records[records.length - 1]!.id : null };
    },
    async changesSince(after, opts = {}) {
      const limit = clampLimit(opts.limit, 500, 5000);
      // Rows first, then the meta row: a trim or reset that committed before the rows were read
      // is then always visible in the meta row, so a gap is reported, never silently skipped.
      const { rows } = await q<Row>(
        `SELECT type, id, version, data, modified_at, deleted_at, expires_at FROM ${s}.record_changes
         WHERE version > $1 ORDER BY version LIMIT $2`,
        [after, limit],
      );
      const meta = await q<{ server_version: string; trimmed_version: string; latest: string }>(
        `SELECT server_version, trimmed_version,
           GREATEST(trimmed_version, (SELECT coalesce(max(version), 0) FROM ${s}.record_changes)) AS latest
         FROM ${s}.migration_info`,
      );
      const m = meta.rows[0]!;
      if (after < Number(m.trimmed_version)) {
        throw storeError('CHANGES_TRIMMED', `changes after ${after} are no longer retained`);
      }
      const batch: ChangeBatch = {
        server_version: m.server_version,
        changes: rows.map(decodeChange),
        latest_version: Number(m.latest),
      };
      return batch;
    },
    async subscribe(l, opts = {}) {
      if (closed) throw storeError('STORE_UNAVAILABLE', 'record store is closed');
      listener ??= listenForChanges(options.connectionString, channel, {
        ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
      });
      return subscriptions.follow(l, opts.after);
    },
    async lease(name, ttlMs) {
      const id = randomUUID();
      const take = async (ttl: number): Promise<boolean> => {
        const t = now();
        const { rows } = await q(
          `INSERT INTO ${s}.leases (name, id, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET id = excluded.id, expires_at = excluded.expires_at
           WHERE ${s}.leases.expires_at <= $4 OR ${s}.leases.id = excluded.id
           RETURNING id`,
          [name, id, t + ttl, t],
        );
        return rows.length === 1;
      };
      if (!(await take(ttlMs))) return null;
      const lease: Lease = {
        name,
        id,
        renew: (ttl) => take(ttl),
        async release() {
          await q(`DELETE FROM ${s}.leases WHERE name = $1 AND id = $2`, [name, id]);
        },
      };
      return lease;
    },
    async sweep() {
      return write(async (c) => {
        const t = now();
        const n = await sweepRecords(c, s, t, t - retention);
        return [n, n > 0];
      });
    },
    async reset() {
      await write(async (c) => {
        await resetRecords(c, s, randomUUID());
        return [undefined, true];
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await subscriptions.closeAll();
      await listener?.close();
      await db.end();
    },
  };
  return store;
}
