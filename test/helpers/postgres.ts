// Postgres for tests: DATABASE_URL from the environment or the repo's .test-env; each test file
// gets its own schema (dropped afterwards). Without a server the test FAILS with how to install it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const INSTALL_HINT =
  'PostgreSQL is required for this test: run ./scripts/setup-test-env and `source .test-env` (sets DATABASE_URL, PG_BIN)';

function readTestEnv(): Record<string, string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, '.test-env');
    if (existsSync(file)) {
      const out: Record<string, string> = {};
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const m = /^\s*(?:export\s+)?([A-Z_]+)="?([^"]*)"?\s*$/.exec(line);
        if (m) out[m[1]!] = m[2]!;
      }
      return out;
    }
    dir = dirname(dir);
  }
  return {};
}

export function testEnv(name: 'DATABASE_URL' | 'PG_BIN'): string {
  const value = process.env[name] ?? readTestEnv()[name];
  if (!value) throw new Error(`${name} is not set. ${INSTALL_HINT}`);
  return value;
}

export function databaseUrl(): string {
  return testEnv('DATABASE_URL');
}

/** A fresh schema name for one test file. */
export function testSchemaName(prefix: string): string {
  return `t_${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Checks the server answers; throws with the install hint otherwise. */
export async function assertPostgresReachable(url = databaseUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `cannot reach PostgreSQL at DATABASE_URL (${(err as Error).message}). ${INSTALL_HINT}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function dropSchema(schema: string, url = databaseUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
