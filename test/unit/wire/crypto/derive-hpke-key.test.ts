// The HPKE key Pomerium publishes (issue 15): RFC 9180 DeriveKeyPair checked against the RFC's
// own test vector, the Pomerium seed step against Node's HKDF.
import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { test } from 'node:test';
import {
  deriveHpkePublicKey,
  deriveX25519PrivateKey,
  x25519PublicKey,
} from '../../../../wire/crypto/derive-hpke-key.js';

test('DeriveKeyPair gives the key pair of RFC 9180 A.1.1 (DHKEM(X25519, HKDF-SHA256))', () => {
  const ikm = Buffer.from(
    '7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234',
    'hex',
  );
  const sk = deriveX25519PrivateKey(ikm);
  assert.equal(
    sk.toString('hex'),
    '52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736',
  );
  assert.equal(
    x25519PublicKey(sk).toString('hex'),
    '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  );
});

test('the published key is DeriveKeyPair of HKDF(shared secret, info "pomerium/hpke")', () => {
  const secret = Buffer.alloc(32, 7);
  const seed = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'pomerium/hpke', 32));
  const expected = x25519PublicKey(deriveX25519PrivateKey(seed));
  assert.deepEqual(deriveHpkePublicKey(secret), expected);
  assert.equal(expected.length, 32);
  assert.notDeepEqual(deriveHpkePublicKey(Buffer.alloc(32, 8)), expected);
});
