// Schema migrations: an ordered list in code; entry N brings the schema to version N+1. All
// pending entries run in ONE transaction under an advisory lock, so several processes starting
// at once apply them exactly once.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { translatePgError } from './translate-pg-error.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new TypeError(`databroker schema name '${schema}' must match ${SCHEMA_NAME.source}`);
  }
}

/** Migration i takes the schema from version i to i+1. Never edit an entry once released. */
export const migrations: readonly ((s: string) => string)[] = [
  (s) => `
    CREATE TABLE "${s}".records (
      type text NOT NULL,
      id text COLLATE "C" NOT NULL,
      version bigint NOT NULL,
      data jsonb NOT NULL,
      modified_at bigint NOT NULL,
      expires_at bigint NULL,
      PRIMARY KEY (type, id)
    );
    CREATE INDEX records_expires_at_idx ON "${s}".records (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE "${s}".record_changes (
      version bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      type text NOT NULL,
      id text COLLATE "C" NOT NULL,
      data jsonb NULL,
      modified_at bigint NOT NULL,
      deleted_at bigint NULL,
      expires_at bigint NULL
    );
    CREATE INDEX record_changes_modified_at_idx ON "${s}".record_changes (modified_at);
    CREATE TABLE "${s}".leases (
      name text PRIMARY KEY,
      id text NOT NULL,
      expires_at bigint NOT NULL
    );`,
];

/** Applies pending migrations; returns [from, to] schema versions. */
export async function migrate(pool: Pool, schema: string): Promise<{ from: number; to: number }> {
  assertSchemaName(schema);
  const client = await pool.connect().catch((err: unknown) => {
    throw translatePgError(err);
  });
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `portcullis-migrate:${schema}`,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS "${schema}".migration_info (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      migration_version integer NOT NULL,
      server_version text NOT NULL,
      trimmed_version bigint NOT NULL DEFAULT 0
    )`);
    await client.query(
      `INSERT INTO "${schema}".migration_info (migration_version, server_version) VALUES (0, $1)
       ON CONFLICT DO NOTHING`,
      [randomUUID()],
    );
    const { rows } = await client.query<{ migration_version: number }>(
      `SELECT migration_version FROM "${schema}".migration_info FOR UPDATE`,
    );
    const from = rows[0]!.migration_version;
    if (from > migrations.length) {
      throw new TypeError(
        `databroker schema '${schema}' is at version ${from}, newer than this build (${migrations.length})`,
      );
    }
    for (let i = from; i < migrations.length; i++) await client.query(migrations[i]!(schema));
    await client.query(`UPDATE "${schema}".migration_info SET migration_version = $1`, [
      migrations.length,
    ]);
    await client.query('COMMIT');
    return { from, to: migrations.length };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (err instanceof TypeError) throw err;
    throw translatePgError(err);
  } finally {
    client.release();
  }
}

/** Opens a short-lived pool, applies pending migrations, closes it (for `portcullis migrate`). */
export async function migrateDatabase(options: {
  connectionString: string;
  schema?: string;
  connectionTimeoutMs?: number;
  /** TLS options (postgres/tls-options.ts); else the connection string's. */
  ssl?: import('node:tls').ConnectionOptions;
}): Promise<{ schema: string; from: number; to: number }> {
  const { default: pg } = await import('pg');
  const schema = options.schema ?? 'portcullis';
  assertSchemaName(schema);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    max: 1,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
  });
  pool.on('error', () => undefined);
  try {
    return { schema, ...(await migrate(pool, schema)) };
  } finally {
    await pool.end().catch(() => undefined);
  }
}
