// `portcullis migrate` applies the databroker migrations from a config file or a URL, and
// exits 1 / 2 on invalid input / usage.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import migrate from '../../../cli/commands/migrate.js';
import { migrations } from '../../../databroker/index.js';
import {
  assertPostgresReachable,
  databaseUrl,
  dropSchema,
  testSchemaName,
} from '../../helpers/postgres.js';

const schema = testSchemaName('cli');
const dir = mkdtempSync(join(tmpdir(), 'portcullis-migrate-'));

before(() => assertPostgresReachable());
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchema(schema);
});

async function version(): Promise<number | null> {
  const c = new pg.Client({ connectionString: databaseUrl() });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT migration_version FROM "${schema}".migration_info`);
    return rows[0]?.migration_version ?? null;
  } finally {
    await c.end();
  }
}

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const quiet = (args: string[]): Promise<number> => migrate.run(args);

test('migrates the schema named on the command line from the config file and again is a no-op', async () => {
  const cfg = file(
    'pg.yaml',
    `databroker_storage_type: postgres\ndatabroker_storage_connection_string: ${databaseUrl()}\n`,
  );
  assert.equal(await quiet(['-c', cfg, '--schema', schema]), 0);
  assert.equal(await version(), migrations.length);
  assert.equal(await quiet(['--database-url', databaseUrl(), '--schema', schema]), 0);
  assert.equal(await version(), migrations.length);
});

test('exits 0 on a memory-backed config: there is nothing to migrate', async () => {
  assert.equal(await quiet(['-c', file('mem.yaml', 'databroker_storage_type: memory\n')]), 0);
});

const failures: { name: string; args: () => string[]; code: number }[] = [
  { name: 'no source of the database', args: () => [], code: 2 },
  { name: 'an unknown option', args: () => ['--bogus'], code: 2 },
  { name: 'a missing option value', args: () => ['--database-url'], code: 2 },
  {
    name: 'an invalid schema name',
    args: () => ['--database-url', databaseUrl(), '--schema', 'Bad-Name;'],
    code: 1,
  },
  { name: 'a missing config file', args: () => ['-c', join(dir, 'nope.yaml')], code: 1 },
  {
    name: 'an unreachable server',
    args: () => ['--database-url', 'postgres://x@127.0.0.1:1/x', '--schema', schema],
    code: 1,
  },
];
for (const f of failures) {
  test(`exits ${f.code} on ${f.name}`, async () => {
    assert.equal(await quiet(f.args()), f.code);
  });
}
