import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import {
  deriveKeys,
  openPayload,
  type SessionHandleClaims,
  sealPayload,
  signSessionHandle,
  verifySessionHandle,
} from '../../../../wire/index.js';

const keys = deriveKeys(randomBytes(32).toString('base64'));
const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const claims: SessionHandleClaims = {
  iss: 'auth.example.com',
  sub: 'user-1',
  aud: ['auth.example.com', 'app.example.com'],
  iat: NOW / 1000,
  exp: NOW / 1000 + 3600,
  jti: 'session-1',
  idp_id: 'idp1',
};

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

test('a session handle round-trips its claims', () => {
  const jwt = signSessionHandle(claims, keys.sessionKey);
  assert.deepEqual(verifySessionHandle(jwt, keys.sessionKey, { now: NOW, idpId: 'idp1' }), claims);
});

test('a handle signed by jose with the same key verifies (standard HS256)', async () => {
  const jwt = await new SignJWT({ idp_id: 'idp1' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('auth.example.com')
    .setSubject('user-1')
    .setAudience(['auth.example.com'])
    .setIssuedAt(NOW / 1000)
    .setExpirationTime(NOW / 1000 + 60)
    .setJti('s')
    .sign(keys.sessionKey);
  assert.equal(verifySessionHandle(jwt, keys.sessionKey, { now: NOW }).jti, 's');
});

const payload = b64({ ...claims });

/** A handle MACed with the real key over any header and claims. */
function signed(body: object, header: object = { alg: 'HS256', typ: 'JWT' }) {
  const input = `${b64(header)}.${b64(body)}`;
  return `${input}.${createHmac('sha256', keys.sessionKey).update(input).digest('base64url')}`;
}
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const hostile: { name: string; jwt: () => string; code: string; now?: number; idpId?: string }[] = [
  {
    name: 'refuses alg none',
    jwt: () => `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses alg none with a signature segment',
    jwt: () => `${b64({ alg: 'none' })}.${payload}.AAAA`,
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses HS256 keyed with a public key (algorithm confusion)',
    jwt: () => {
      const h = b64({ alg: 'HS256', typ: 'JWT' });
      const s = createHmac('sha256', rsaPublicPem).update(`${h}.${payload}`).digest('base64url');
      return `${h}.${payload}.${s}`;
    },
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses HS512',
    jwt: () => {
      const h = b64({ alg: 'HS512', typ: 'JWT' });
      const s = createHmac('sha512', keys.sessionKey).update(`${h}.${payload}`).digest('base64url');
      return `${h}.${payload}.${s}`;
    },
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses a handle signed with another key',
    jwt: () => signSessionHandle(claims, deriveKeys(randomBytes(32).toString('base64')).sessionKey),
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses a handle whose payload was swapped',
    jwt: () => {
      const [h, , s] = signSessionHandle(claims, keys.sessionKey).split('.');
      return `${h}.${b64({ ...claims, sub: 'admin' })}.${s}`;
    },
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses an expired handle',
    jwt: () => signSessionHandle(claims, keys.sessionKey),
    now: NOW + 3600_000,
    code: 'SESSION_HANDLE_EXPIRED',
  },
  {
    name: 'refuses a handle of another identity provider',
    jwt: () => signSessionHandle(claims, keys.sessionKey),
    idpId: 'idp2',
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses a handle without jti',
    jwt: () => signSessionHandle({ ...claims, jti: '' }, keys.sessionKey),
    code: 'SESSION_HANDLE_INVALID',
  },
  { name: 'refuses garbage', jwt: () => 'a.b', code: 'SESSION_HANDLE_INVALID' },
  // issue 12: our own key, hostile time claims or header; the MAC comes first
  {
    name: 'refuses iat more than a minute in the future',
    jwt: () => signed({ ...claims, iat: NOW / 1000 + 3600, exp: NOW / 1000 + 7200 }),
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses nbf more than a minute in the future',
    jwt: () => signed({ ...claims, nbf: NOW / 1000 + 120 }),
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses exp 1e300',
    jwt: () => signed({ ...claims, exp: 1e300 }),
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses a string exp',
    jwt: () => signed({ ...claims, exp: String(claims.exp) }),
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses a fractional iat',
    jwt: () => signed({ ...claims, iat: claims.iat + 0.5 }),
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses exp before iat',
    jwt: () => signed({ ...claims, exp: claims.iat - 1 }),
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses a correctly MACed handle with another header (kid, crit)',
    jwt: () => signed(claims, { alg: 'HS256', typ: 'JWT', kid: 'x', crit: ['exp'] }),
    code: 'SESSION_HANDLE_INVALID',
  },
  {
    name: 'refuses a header that is not JSON before parsing it (wrong MAC)',
    jwt: () => `${Buffer.from('{"alg":').toString('base64url')}.${payload}.AAAA`,
    code: 'SESSION_HANDLE_INVALID',
  },
  { name: 'refuses non-JSON segments', jwt: () => 'YQ.YQ.YQ', code: 'SESSION_HANDLE_INVALID' },
];

for (const c of hostile) {
  test(c.name, () => {
    const opts: { now: number; idpId?: string } = { now: c.now ?? NOW };
    if (c.idpId) opts.idpId = c.idpId;
    assert.throws(() => verifySessionHandle(c.jwt(), keys.sessionKey, opts), { code: c.code });
  });
}

test('sealed payloads open only with the same key and purpose', () => {
  const sealed = sealPayload(keys.stateKey, 'hello', 'state');
  assert.equal(openPayload(keys.stateKey, sealed, 'state'), 'hello');
  assert.throws(() => openPayload(keys.stateKey, sealed, 'callback'), { code: 'PAYLOAD_INVALID' });
  assert.throws(() => openPayload(keys.payloadKey, sealed, 'state'), { code: 'PAYLOAD_INVALID' });
  const flipped = Buffer.from(sealed, 'base64url');
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
  assert.throws(() => openPayload(keys.stateKey, flipped.toString('base64url'), 'state'), {
    code: 'PAYLOAD_INVALID',
  });
  assert.throws(() => openPayload(keys.stateKey, '!!', 'state'), { code: 'PAYLOAD_INVALID' });
});

test('iat and nbf within the minute of leeway are accepted', () => {
  const jwt = signed({ ...claims, iat: NOW / 1000 + 59, nbf: NOW / 1000 + 59 });
  assert.equal(verifySessionHandle(jwt, keys.sessionKey, { now: NOW }).jti, 'session-1');
});
