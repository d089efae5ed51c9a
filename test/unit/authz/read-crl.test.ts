import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCaCertificates } from '../../../authz/mtls/judge-client-certificate.js';
import { normalizeSerial, readCrls } from '../../../authz/mtls/read-crl.js';
import { FIXTURES } from '../../helpers/authz-harness.js';

const ca = parseCaCertificates(readFileSync(join(FIXTURES, 'client-ca.pem'), 'utf8'));
const crl = readFileSync(join(FIXTURES, 'client-ca-crl.pem'), 'utf8');

test('reads the revoked serials of a CRL signed by a CA of the bundle', () => {
  const revoked = readCrls(crl, ca);
  assert.deepEqual([...[...revoked.values()][0]!], ['1001']);
});

test('accepts the base64 of the PEM, as config values carry it', () => {
  assert.equal(readCrls(Buffer.from(crl).toString('base64'), ca).size, 1);
});

const hostile: [string, string][] = [
  ['truncated DER', '-----BEGIN X509 CRL-----\nMAo=\n-----END X509 CRL-----'],
  [
    'a certificate instead of a CRL',
    readFileSync(join(FIXTURES, 'client-ca.pem'), 'utf8').replace(/CERTIFICATE/g, 'X509 CRL'),
  ],
  ['random base64', 'bm90IGEgY3Js'],
  ['an absurd length', '-----BEGIN X509 CRL-----\nMIT/////\n-----END X509 CRL-----'],
];
for (const [name, text] of hostile) {
  test(`refuses ${name}`, () => {
    assert.throws(() => readCrls(text, ca));
  });
}

test('a CRL whose signature does not verify against the bundle is refused', () => {
  const other = parseCaCertificates(readFileSync(join(FIXTURES, 'other-ca.pem'), 'utf8'));
  assert.throws(() => readCrls(crl, other));
});

test('serials compare as upper-case hex without leading zeros', () => {
  assert.equal(normalizeSerial('00ab'), 'AB');
  assert.equal(normalizeSerial('0'), '0');
});
