// The databroker reaches PostgreSQL over TLS: a server that accepts only TLS (hostssl) is opened
// with the connection string's own sslmode/sslrootcert, or with databroker_storage_ca_file; a
// plain connection, or a CA that did not sign the server, is refused; sslmode=disable next to
// the CA key is a contradiction (CONFIG_INVALID).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { openRecordStore } from '../../../databroker/index.js';
import { issueCertificate, issueCertificateAuthority } from '../../../envoy/index.js';
import { tempDir } from '../../helpers/config-fixtures.js';
import { PORTCULLIS_ENTRY } from '../../helpers/portcullis-entry.js';
import { type PrivatePostgres, startPrivatePostgres } from '../../helpers/private-postgres.js';

const SECRET = 'ubxqVmfhHrgk7ZbQZlJReG8m0v5lsHiv3D82jxaPrZM=';
const ca = issueCertificateAuthority('Postgres test CA');
const server = issueCertificate(ca, {
  commonName: '127.0.0.1',
  hosts: ['127.0.0.1', 'localhost'],
  usage: 'server',
});
const dir = tempDir();
writeFileSync(join(dir, 'ca.pem'), ca.cert);
writeFileSync(join(dir, 'other-ca.pem'), issueCertificateAuthority('Other').cert);

let pg: PrivatePostgres;
before(async () => {
  pg = await startPrivatePostgres({ tls: server });
});
after(async () => {
  await pg?.destroy();
});

const config = (connection: string, extra: Record<string, unknown> = {}) => ({
  databroker_storage_type: 'postgres',
  databroker_storage_connection_string: connection,
  shared_secret: SECRET,
  ...extra,
});

async function roundTrip(c: ReturnType<typeof config>): Promise<void> {
  const store = await openRecordStore(c, { baseDir: dir, schema: 'tls_test', poolSize: 2 });
  try {
    const info = await store.info();
    assert.equal(typeof info.server_version, 'string');
  } finally {
    await store.close();
  }
}

test('the connection string sslmode=verify-full with sslrootcert reaches a TLS-only PostgreSQL', async () => {
  await roundTrip(config(`${pg.url}?sslmode=verify-full&sslrootcert=${join(dir, 'ca.pem')}`));
});

test('databroker_storage_ca_file reaches a TLS-only PostgreSQL (path relative to the config)', async () => {
  await roundTrip(config(pg.url, { databroker_storage_ca_file: 'ca.pem' }));
});

test('a plain-text connection is refused by the TLS-only server', async () => {
  await assert.rejects(roundTrip(config(`${pg.url}?sslmode=disable`)));
});

test('a CA that did not sign the server certificate is refused', async () => {
  await assert.rejects(roundTrip(config(pg.url, { databroker_storage_ca_file: 'other-ca.pem' })));
});

test('sslmode=disable next to databroker_storage_ca_file is a contradiction (CONFIG_INVALID)', async () => {
  await assert.rejects(
    roundTrip(config(`${pg.url}?sslmode=disable`, { databroker_storage_ca_file: 'ca.pem' })),
    { code: 'CONFIG_INVALID' },
  );
});

test('portcullis migrate reaches a TLS-only PostgreSQL with databroker_storage_ca_file', async () => {
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    `databroker_storage_type: postgres\ndatabroker_storage_connection_string: ${pg.url}\nshared_secret: ${SECRET}\ndatabroker_storage_ca_file: ca.pem\n`,
  );
  const cli = PORTCULLIS_ENTRY;
  const r = await promisify(execFile)(process.execPath, [
    cli,
    'migrate',
    '-c',
    file,
    '--schema',
    'tls_migrate',
  ]);
  assert.match(r.stdout, /databroker schema 'tls_migrate'/);
});
