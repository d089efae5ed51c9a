// The Postgres connection side of the store: one pool (migrated on open unless told not to),
// queries whose errors become store errors, and the write transaction. Writers of a schema
// serialise on one transaction-scoped advisory lock whose key is fixed per schema, so BEGIN + lock
// and NOTIFY + COMMIT each go in one round trip (simple-query protocol, no parameters).
import pg from 'pg';
import { migrate } from './migrations.js';
import { translatePgError } from './translate-pg-error.js';

export interface PoolOptions {
  readonly connectionString: string;
  readonly ssl?: import('node:tls').ConnectionOptions;
  readonly poolSize?: number;
  readonly migrate?: boolean;
  readonly connectionTimeoutMs?: number;
}

export interface StorePool {
  /** One query; a failure is thrown as a store error (translate-pg-error.ts). */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Runs fn in a transaction holding the schema's write lock; fn returns [result, notify?]. */
  write<T>(fn: (c: pg.PoolClient) => Promise<[T, boolean]>): Promise<T>;
  end(): Promise<void>;
}

/** Opens the pool for `schema` (already checked by assertSchemaName), notifying `channel`. */
export async function openStorePool(
  options: PoolOptions,
  schema: string,
  channel: string,
): Promise<StorePool> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    keepAlive: true,
  });
  pool.on('error', () => undefined); // idle client lost: the next query reconnects
  let lockKey: number;
  try {
    if (options.migrate !== false) await migrate(pool, schema);
    const { rows } = await pool.query<{ k: number }>('SELECT hashtext($1) AS k', [
      `portcullis-write:${schema}`,
    ]);
    lockKey = Number(rows[0]!.k);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw translatePgError(err);
  }
  const begin = `BEGIN; SELECT pg_advisory_xact_lock(${lockKey})`;
  const notifyAndCommit = `NOTIFY "${channel}"; COMMIT`;

  return {
    async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
      try {
        return await pool.query<R>(text, values);
      } catch (err) {
        throw translatePgError(err);
      }
    },
    async write<T>(fn: (c: pg.PoolClient) => Promise<[T, boolean]>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw translatePgError(err);
      }
      try {
        await client.query(begin);
        const [out, notify] = await fn(client);
        await client.query(notify ? notifyAndCommit : 'COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw translatePgError(err);
      } finally {
        client.release();
      }
    },
    end: () => pool.end().catch(() => undefined),
  };
}
