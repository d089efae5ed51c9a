// The autocert_dir store (acme/lib/dir-autocert-store.ts): keys are sealed at rest (the file
// holds no PEM key and cannot be opened with another shared_secret), one holder of the ordering
// lease at a time (an expired one can be taken over), and a certificate another replica writes
// is noticed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dirAutocertStore } from '../../../acme/lib/dir-autocert-store.js';
import { createSecretSealer } from '../../../acme/lib/seal-secret.js';
import { generateSelfSignedCertificate } from '../../../envoy/index.js';
import { SECRET, tempDir } from '../../helpers/config-fixtures.js';

const OTHER_SECRET = 'Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=';

function certificate(host: string) {
  const c = generateSelfSignedCertificate([host]);
  return {
    host,
    cert: c.cert,
    key: c.key,
    issuer: 'CN=test',
    serial: '01',
    notBefore: 0,
    notAfter: 2,
    renewAt: 1,
  };
}

test('stores certificates with the key sealed, readable only with the same shared_secret', async () => {
  const dir = tempDir();
  const store = dirAutocertStore(dir, createSecretSealer(SECRET));
  const c = certificate('app.example.com');
  await store.putCertificate(c);
  const raw = readFileSync(join(dir, 'certificates', 'app.example.com.json'), 'utf8');
  assert.ok(!raw.includes('PRIVATE KEY'));
  assert.deepEqual(await store.getCertificate('app.example.com'), c);
  const stranger = dirAutocertStore(dir, createSecretSealer(OTHER_SECRET));
  await assert.rejects(stranger.getCertificate('app.example.com'), { code: 'PAYLOAD_INVALID' });
  assert.equal(await store.getCertificate('other.example.com'), null);
});

test('one replica holds the ordering lease at a time; released, it can be taken again', async () => {
  const dir = tempDir();
  const a = dirAutocertStore(dir, createSecretSealer(SECRET));
  const b = dirAutocertStore(dir, createSecretSealer(SECRET));
  const held = await a.lease(60_000);
  assert.ok(held);
  assert.equal(await b.lease(60_000), null);
  assert.equal(await held.renew(60_000), true);
  await held.release();
  const next = await b.lease(60_000);
  assert.ok(next);
  assert.equal(await held.renew(60_000), false, 'a released lease cannot be renewed');
  await next.release();
});

test('an expired lease is taken over', async () => {
  const dir = tempDir();
  const a = dirAutocertStore(dir, createSecretSealer(SECRET));
  const b = dirAutocertStore(dir, createSecretSealer(SECRET));
  assert.ok(await a.lease(1));
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(await b.lease(60_000));
});
