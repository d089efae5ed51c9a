import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkGrpcServiceToken, deriveKeys, signGrpcServiceToken } from '../../../../wire/index.js';

const key = deriveKeys('ubxqVmfhHrgk7ZbQZlJReG8m0v5lsHiv3D82jxaPrZM=').grpcKey;
const other = deriveKeys('qIJ1BVzrPKysZsGqW55c+3Cn4vajtTviZSMXQqQn0sA=').grpcKey;
const NOW = 1_800_000_000_000;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const good = signGrpcServiceToken(key, { now: NOW });
const [h, , s] = good.split('.');

test('a fresh service token from the same shared_secret is accepted', () => {
  assert.equal(checkGrpcServiceToken(good, key, NOW), undefined);
  assert.equal(checkGrpcServiceToken(good, key, NOW + 240_000), undefined);
});

test('the service token key is its own: it differs from every other derived key', () => {
  const k = deriveKeys('ubxqVmfhHrgk7ZbQZlJReG8m0v5lsHiv3D82jxaPrZM=');
  for (const name of ['urlKey', 'sessionKey', 'payloadKey', 'stateKey', 'csrfKey'] as const) {
    assert.notDeepEqual(k.grpcKey, k[name]);
  }
});

for (const c of [
  { name: 'expired', token: good, at: NOW + 3_600_000, want: 'expired' },
  {
    name: 'signed with another secret',
    token: signGrpcServiceToken(other, { now: NOW }),
    want: 'signature',
  },
  {
    name: 'valid for more than an hour',
    token: signGrpcServiceToken(key, { now: NOW, lifetimeMs: 2 * 3_600_000 }),
    want: 'too_long_lived',
  },
  {
    name: 'alg none',
    token: `${b64({ alg: 'none' })}.${b64({ exp: NOW / 1000 + 60 })}.`,
    want: 'malformed',
  },
  {
    name: 'alg HS512 header',
    token: `${b64({ alg: 'HS512' })}.${b64({ exp: NOW / 1000 })}.${s}`,
    want: 'malformed',
  },
  {
    name: 'a payload swapped under the signature',
    token: `${h}.${b64({ exp: NOW / 1000 + 600 })}.${s}`,
    want: 'signature',
  },
  { name: 'two parts', token: 'a.b', want: 'malformed' },
  { name: 'empty', token: '', want: 'malformed' },
  { name: 'huge', token: `${'a'.repeat(5000)}.b.c`, want: 'malformed' },
]) {
  test(`a service token ${c.name} is refused (${c.want})`, () => {
    assert.equal(checkGrpcServiceToken(c.token, key, c.at ?? NOW), c.want);
  });
}
