import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { calculateJwkThumbprint, importJWK, jwtVerify, SignJWT } from 'jose';
import { buildJwks, generateSigningKeyPem, loadSigningKeys } from '../../../../wire/index.js';

const ecPem = generateSigningKeyPem();
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();
const secEcPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'sec1', format: 'pem' })
  .toString();

test('several PEM keys load in order: the first signs, all are published', async () => {
  const keys = loadSigningKeys(`${ecPem}\n${rsaPem}\n${secEcPem}`);
  assert.deepEqual(
    keys.map((k) => k.alg),
    ['ES256', 'RS256', 'ES256'],
  );
  const jwks = buildJwks(keys);
  assert.equal(jwks.keys.length, 3);
  for (const jwk of jwks.keys) {
    assert.equal(jwk.use, 'sig');
    assert.equal('d' in jwk, false);
    const b64 = await calculateJwkThumbprint(jwk as never, 'sha256');
    assert.equal(jwk.kid, Buffer.from(b64, 'base64url').toString('hex'));
  }
  const first = keys[0];
  assert.ok(first);
  const jwt = await new SignJWT({ a: 1 })
    .setProtectedHeader({ alg: first.alg, kid: first.kid })
    .sign(first.privateKey);
  const pub = await importJWK(jwks.keys[0] as never, 'ES256');
  assert.equal((await jwtVerify(jwt, pub)).payload.a, 1);
});

test('a base64-wrapped PEM loads', () => {
  const keys = loadSigningKeys(Buffer.from(ecPem).toString('base64'));
  assert.equal(keys.length, 1);
});

test('unusable signing keys are refused with KEY_INVALID', () => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const ed = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  for (const bad of [
    p384,
    ed,
    'nothing here',
    '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
  ]) {
    assert.throws(() => loadSigningKeys(bad), { code: 'KEY_INVALID' });
  }
});
