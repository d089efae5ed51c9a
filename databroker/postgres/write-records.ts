// The write statements of the Postgres backend, each run inside the caller's transaction that
// holds the schema's write lock: one change-log row per write (its identity column is the
// record's version) and the current row upserted or removed to match.
import type pg from 'pg';
import { storeError } from '../lib/store-error.js';
import type { RecordInput, StoredRecord } from '../records.js';

export interface PreparedWrite {
  readonly input: RecordInput;
  readonly data: unknown;
  /** The data with its secrets sealed: what goes into Postgres. */
  readonly sealed: Record<string, unknown>;
  readonly expires_at: number | null;
}

/** Fails the whole batch with RECORD_CONFLICT if an expected_version does not match. */
export async function checkExpectedVersions(
  c: pg.PoolClient,
  s: string,
  writes: readonly PreparedWrite[],
  t: number,
): Promise<void> {
  for (const { input } of writes) {
    if (input.expected_version === undefined) continue;
    const { rows } = await c.query<{ version: string }>(
      `SELECT version FROM ${s}.records WHERE type = $1 AND id = $2
       AND (expires_at IS NULL OR expires_at > $3)`,
      [input.type, input.id, t],
    );
    const have = rows[0] === undefined ? 0 : Number(rows[0].version);
    if (have !== input.expected_version) {
      throw storeError(
        'RECORD_CONFLICT',
        `${input.type} '${input.id}' is at version ${have}, expected ${input.expected_version}`,
      );
    }
  }
}

export async function upsertRecords(
  c: pg.PoolClient,
  s: string,
  writes: readonly PreparedWrite[],
  t: number,
): Promise<StoredRecord[]> {
  const stored: StoredRecord[] = [];
  for (const { input, data, sealed, expires_at } of writes) {
    const { rows } = await c.query<{ version: string }>(
      `WITH c AS (
         INSERT INTO ${s}.record_changes (type, id, data, modified_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING version)
       INSERT INTO ${s}.records (type, id, version, data, modified_at, expires_at)
       SELECT $1, $2, c.version, $3, $4, $5 FROM c
       ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, data = excluded.data,
         modified_at = excluded.modified_at, expires_at = excluded.expires_at
       RETURNING version`,
      [input.type, input.id, sealed, t, expires_at],
    );
    stored.push({
      type: input.type,
      id: input.id,
      version: Number(rows[0]!.version),
      data: structuredClone(data),
      modified_at: t,
      deleted_at: null,
      expires_at,
    } as StoredRecord);
  }
  return stored;
}

/** Removes the current row and appends a tombstone; returns the row's expiry, or undefined if none. */
export async function deleteRecord(
  c: pg.PoolClient,
  s: string,
  type: string,
  id: string,
  t: number,
): Promise<number | null | undefined> {
  const { rows } = await c.query<{ expires_at: string | null }>(
    `DELETE FROM ${s}.records WHERE type = $1 AND id = $2 RETURNING expires_at`,
    [type, id],
  );
  if (rows[0] === undefined) return undefined;
  await c.query(
    `INSERT INTO ${s}.record_changes (type, id, data, modified_at, deleted_at, expires_at)
     VALUES ($1, $2, NULL, $3, $3, $4)`,
    [type, id, t, rows[0].expires_at],
  );
  return rows[0].expires_at === null ? null : Number(rows[0].expires_at);
}

/** Expired records become tombstones; change-log rows older than the cutoff go (the newest stays). */
export async function sweepRecords(
  c: pg.PoolClient,
  s: string,
  t: number,
  cutoff: number,
): Promise<number> {
  const expired = await c.query(
    `WITH d AS (DELETE FROM ${s}.records WHERE expires_at IS NOT NULL AND expires_at <= $1
                RETURNING type, id, expires_at)
     INSERT INTO ${s}.record_changes (type, id, data, modified_at, deleted_at, expires_at)
     SELECT type, id, NULL, $1, $1, expires_at FROM d ORDER BY type, id`,
    [t],
  );
  await c.query(
    `WITH t AS (DELETE FROM ${s}.record_changes WHERE modified_at < $1
                AND version < (SELECT max(version) FROM ${s}.record_changes) RETURNING version)
     UPDATE ${s}.migration_info
     SET trimmed_version = GREATEST(trimmed_version, (SELECT coalesce(max(version), 0) FROM t))`,
    [cutoff],
  );
  return expired.rowCount ?? 0;
}

/** Empties the store and rotates server_version; positions before now count as trimmed. */
export async function resetRecords(
  c: pg.PoolClient,
  s: string,
  serverVersion: string,
): Promise<void> {
  await c.query(
    `UPDATE ${s}.migration_info SET server_version = $1, trimmed_version =
       GREATEST(trimmed_version, (SELECT coalesce(max(version), 0) FROM ${s}.record_changes))`,
    [serverVersion],
  );
  await c.query(`TRUNCATE ${s}.records, ${s}.record_changes, ${s}.leases`);
}
