// The ACME wire pieces (RFC 8555): signed requests verify with the account key and carry nonce,
// url and jwk/kid; the external account binding MACs the account key; key authorizations use the
// RFC 7638 thumbprint; the CSR is signed, names the hosts and asks for must-staple only when
// told; CA problem documents become stable error codes (a table of the CA's answers).
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, verify } from 'node:crypto';
import { test } from 'node:test';
import { calculateJwkThumbprint, flattenedVerify } from 'jose';
import { problemError, retryAfterAt } from '../../../acme/lib/acme-error.js';
import { buildCsr } from '../../../acme/lib/build-csr.js';
import { jwkThumbprint, publicJwk, signEab, signJws } from '../../../acme/lib/sign-jws.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const b64json = (s: string) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));

test('a new-account request is an ES256 JWS with the jwk, the nonce and the url', async () => {
  const jws = signJws(privateKey, { nonce: 'n1', url: 'https://ca/new-acct' }, { a: 1 });
  const out = await flattenedVerify(jws, publicKey);
  assert.deepEqual(JSON.parse(Buffer.from(out.payload).toString()), { a: 1 });
  const h = b64json(jws.protected);
  assert.equal(h.alg, 'ES256');
  assert.equal(h.nonce, 'n1');
  assert.equal(h.url, 'https://ca/new-acct');
  assert.deepEqual(h.jwk, publicJwk(publicKey));
  assert.equal(h.kid, undefined);
});

test('later requests carry the account URL as kid; POST-as-GET has an empty payload', async () => {
  const jws = signJws(
    privateKey,
    { nonce: 'n2', url: 'https://ca/o/1', kid: 'https://ca/acct/7' },
    undefined,
  );
  assert.equal(jws.payload, '');
  await flattenedVerify(jws, publicKey);
  const h = b64json(jws.protected);
  assert.equal(h.kid, 'https://ca/acct/7');
  assert.equal(h.jwk, undefined);
});

test('the external account binding is an HS256 MAC of the account key under the EAB key', () => {
  const mac = Buffer.from('an EAB MAC key of 32 bytes......').toString('base64url');
  const eab = signEab(privateKey, { keyId: 'kid-1', macKey: mac }, 'https://ca/new-acct');
  assert.deepEqual(b64json(eab.protected), {
    alg: 'HS256',
    kid: 'kid-1',
    url: 'https://ca/new-acct',
  });
  assert.deepEqual(b64json(eab.payload), publicJwk(publicKey));
  const want = createHmac('sha256', Buffer.from(mac, 'base64url'))
    .update(`${eab.protected}.${eab.payload}`)
    .digest('base64url');
  assert.equal(eab.signature, want);
});

test('the key authorization thumbprint is RFC 7638 (as jose computes it)', async () => {
  const jwk = publicKey.export({ format: 'jwk' });
  assert.equal(jwkThumbprint(privateKey), await calculateJwkThumbprint(jwk as never));
});

/** [tag, content] of each element of a DER sequence body. */
function children(der: Buffer): [number, Buffer, Buffer][] {
  const out: [number, Buffer, Buffer][] = [];
  let i = 0;
  while (i < der.length) {
    const tag = der[i]!;
    let len = der[i + 1]!;
    let head = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = der.subarray(i + 2, i + 2 + n).readUIntBE(0, n);
      head = 2 + n;
    }
    out.push([tag, der.subarray(i + head, i + head + len), der.subarray(i, i + head + len)]);
    i += head + len;
  }
  return out;
}

for (const mustStaple of [false, true]) {
  test(`the CSR is signed by the certificate key and names every host (must-staple ${mustStaple})`, () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = buildCsr(
      ['app.example.com', 'www.example.com'],
      key.privateKey,
      key.publicKey,
      mustStaple,
    );
    const [[, body]] = children(der) as [[number, Buffer, Buffer]];
    const [info, , sig] = children(body);
    assert.ok(verify('sha256', info![2], key.publicKey, sig![1].subarray(1)), 'signature verifies');
    assert.ok(
      der.includes(Buffer.from('app.example.com')) && der.includes(Buffer.from('www.example.com')),
    );
    const tlsFeature = Buffer.from([0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x18]);
    assert.equal(der.includes(tlsFeature), mustStaple);
  });
}

const PROBLEMS: readonly {
  name: string;
  status: number;
  body: string;
  retryAfter?: string;
  code: string;
  reason: string;
}[] = [
  {
    name: 'a refused identifier',
    status: 400,
    body: '{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"blocked"}',
    code: 'ACME_ORDER_FAILED',
    reason: 'rejectedIdentifier',
  },
  {
    name: 'a rate limit with Retry-After',
    status: 429,
    body: '{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many certificates"}',
    retryAfter: '120',
    code: 'ACME_RATE_LIMITED',
    reason: 'rateLimited',
  },
  {
    name: 'a bad nonce',
    status: 400,
    body: '{"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"}',
    code: 'ACME_ORDER_FAILED',
    reason: 'badNonce',
  },
  {
    name: 'subproblems per identifier',
    status: 400,
    body: '{"type":"urn:ietf:params:acme:error:compound","detail":"x","subproblems":[{"detail":"no","identifier":{"value":"a.example"}}]}',
    code: 'ACME_ORDER_FAILED',
    reason: 'compound',
  },
  {
    name: 'an HTML error page from a proxy',
    status: 502,
    body: '<html>bad gateway</html>',
    code: 'ACME_ORDER_FAILED',
    reason: 'http502',
  },
];

for (const p of PROBLEMS) {
  test(`a CA answer of ${p.name} becomes ${p.code} with reason ${p.reason}`, () => {
    const err = problemError('newOrder', p.status, Buffer.from(p.body), p.retryAfter, 1_000_000);
    assert.equal(err.code, p.code);
    assert.equal(err.reason, p.reason);
    if (p.retryAfter) assert.equal(err.retryAt, 1_000_000 + 120_000);
    if (p.name.startsWith('subproblems')) assert.match(err.message, /a\.example: no/);
  });
}

test('Retry-After is read as seconds or an HTTP date', () => {
  assert.equal(retryAfterAt('3', 1000), 4000);
  assert.equal(retryAfterAt('Wed, 21 Oct 2015 07:28:00 GMT', 0), Date.UTC(2015, 9, 21, 7, 28));
  assert.equal(retryAfterAt('soon', 0), undefined);
  assert.equal(retryAfterAt(undefined, 0), undefined);
});
