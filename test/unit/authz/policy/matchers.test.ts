import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CLIENT_FINGERPRINT,
  CLIENT_SPKI,
  decideDoc,
  identity,
  VALID_CERT,
} from './policy-fixtures.js';

const STRING_CASES: [string, unknown, string, boolean][] = [
  ['bare string is `is`', 'a@x.com', 'a@x.com', true],
  ['is', { is: 'a@x.com' }, 'b@x.com', false],
  ['not', { not: 'a@x.com' }, 'b@x.com', true],
  ['not on the same value', { not: 'a@x.com' }, 'a@x.com', false],
  ['starts_with', { starts_with: 'adm' }, 'admin@x.com', true],
  ['ends_with', { ends_with: '@x.com' }, 'admin@y.com', false],
  ['contains', { contains: 'min@' }, 'admin@x.com', true],
  ['in', { in: ['a@x.com', 'b@x.com'] }, 'b@x.com', true],
  ['in misses', { in: ['a@x.com'] }, 'c@x.com', false],
  ['not_in', { not_in: ['a@x.com'] }, 'c@x.com', true],
  ['not_in hits', { not_in: ['a@x.com'] }, 'a@x.com', false],
  ['several operators are ANDed', { starts_with: 'a', ends_with: '.com' }, 'a@x.org', false],
  ['several operators all hold', { starts_with: 'a', ends_with: '.com' }, 'a@x.com', true],
];

for (const [name, matcher, email, ok] of STRING_CASES) {
  test(`string matcher: ${name}`, () => {
    const d = decideDoc({ allow: { and: [{ email: matcher }] } }, identity({ email }));
    assert.equal(d.allow, ok);
    assert.deepEqual(d.allowReasons, [ok ? 'email-ok' : 'email-unauthorized']);
  });
}

const LIST_CASES: [string, unknown, string[], boolean][] = [
  ['bare value is `has`', 'eng', ['ops', 'eng'], true],
  ['has misses', { has: 'adm' }, ['admins'], false],
  ['is needs exactly one element', { is: 'eng' }, ['eng'], true],
  ['is fails with two elements', { is: 'eng' }, ['eng', 'ops'], false],
  ['exclude passes when absent', { exclude: 'contractors' }, ['eng'], true],
  ['exclude fails when present', { exclude: 'contractors' }, ['contractors'], false],
  ['exclude passes on an empty list', { exclude: 'x' }, [], true],
  ['has fails on an empty list', { has: 'x' }, [], false],
  ['operators are ANDed', { has: 'eng', exclude: 'ops' }, ['eng', 'ops'], false],
];

for (const [name, matcher, groups, ok] of LIST_CASES) {
  test(`list matcher: ${name}`, () => {
    const d = decideDoc({ allow: { and: [{ groups: matcher }] } }, identity({ groups }));
    assert.equal(d.allow, ok);
    assert.deepEqual(d.allowReasons, [ok ? 'groups-ok' : 'groups-unauthorized']);
  });
}

const hex = CLIENT_FINGERPRINT.replaceAll(':', '').toLowerCase();
const CERT_CASES: [string, Record<string, unknown>, boolean][] = [
  ['fingerprint, colon form', { fingerprint: CLIENT_FINGERPRINT }, true],
  ['fingerprint, hex form in a list', { fingerprint: ['0'.repeat(64), hex] }, true],
  ['fingerprint of another certificate', { fingerprint: 'a'.repeat(64) }, false],
  ['spki_hash', { spki_hash: CLIENT_SPKI }, true],
  ['spki_hash of another key', { spki_hash: Buffer.alloc(32).toString('base64') }, false],
  ['san_email', { san_email: 'alice@example.com' }, true],
  ['san_dns, any SAN may match', { san_dns: { ends_with: 'alt.example.com' } }, true],
  ['san_uri', { san_uri: { starts_with: 'spiffe://example.com/' } }, true],
  ['san_uri misses', { san_uri: 'spiffe://example.com/bob' }, false],
  ['keys are ANDed', { san_email: 'alice@example.com', san_dns: 'nope.example.com' }, false],
  ['an empty matcher needs only a certificate', {}, true],
];

for (const [name, matcher, ok] of CERT_CASES) {
  test(`certificate matcher: ${name}`, () => {
    const d = decideDoc({ allow: { and: [{ client_certificate: matcher }] } }, null, {
      cert: VALID_CERT,
    });
    assert.equal(d.allow, ok);
    assert.deepEqual(d.allowReasons, [
      ok ? 'client-certificate-ok' : 'client-certificate-unauthorized',
    ]);
  });
}

test('certificate matcher: an unreadable PEM fails closed', () => {
  const d = decideDoc({ allow: { and: [{ client_certificate: {} }] } }, null, {
    cert: { presented: true, valid: true, leafPem: '-----BEGIN CERTIFICATE-----\nAAAA\n' },
  });
  assert.equal(d.allow, false);
  assert.deepEqual(d.allowReasons, ['client-certificate-unauthorized']);
});
