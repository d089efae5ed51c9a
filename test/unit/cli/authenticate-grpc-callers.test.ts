// Who may call grpc_address: a verified client certificate or one good service JWT; the cache
// of verified tokens never outlives a token's exp.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { judgeCaller } from '../../../cli/lib/authenticate-grpc-callers.js';
import { deriveKeys, signGrpcServiceToken } from '../../../wire/index.js';

const key = deriveKeys('ubxqVmfhHrgk7ZbQZlJReG8m0v5lsHiv3D82jxaPrZM=').grpcKey;
const NOW = 1_800_000_000_000;
const noCert = { getAuthContext: () => ({}) };
const withCert = {
  getAuthContext: () => ({ transportSecurityType: 'ssl', sslPeerCertificate: {} as never }),
};
const md = (...jwts: string[]) => {
  const m = new grpc.Metadata();
  for (const j of jwts) m.add('jwt', j);
  return m;
};

test('a certificate verified by the TLS stack authenticates the caller', () => {
  assert.equal(judgeCaller(withCert, md(), key, NOW), 'certificate');
});

test('a good service JWT authenticates the caller', () => {
  assert.equal(judgeCaller(noCert, md(signGrpcServiceToken(key, { now: NOW })), key, NOW), 'jwt');
});

for (const c of [
  { name: 'nothing', md: md(), reason: /no client certificate/ },
  {
    name: 'two jwt values',
    md: md(signGrpcServiceToken(key, { now: NOW }), signGrpcServiceToken(key, { now: NOW })),
    reason: /several/,
  },
  { name: 'a malformed jwt', md: md('x.y.z'), reason: /jwt malformed/ },
]) {
  test(`a caller with ${c.name} is refused`, () => {
    const v = judgeCaller(noCert, c.md, key, NOW);
    assert.ok(typeof v === 'object');
    assert.match(v.refused, c.reason);
  });
}

test('a cached token is refused once it has expired', () => {
  const cache = new Map<string, number>();
  const token = signGrpcServiceToken(key, { now: NOW, lifetimeMs: 60_000 });
  assert.equal(judgeCaller(noCert, md(token), key, NOW, cache), 'jwt');
  assert.equal(cache.size, 1);
  assert.equal(judgeCaller(noCert, md(token), key, NOW + 30_000, cache), 'jwt');
  const late = judgeCaller(noCert, md(token), key, NOW + 10 * 60_000, cache);
  assert.deepEqual(late, { refused: 'jwt expired' });
});
