import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { exportJWK, SignJWT } from 'jose';
import {
  verifyIdToken,
  verifyLogoutToken,
  verifyUserInfoJwt,
} from '../../../authn/lib/idp/verify-idp-jwt.js';
import { createIdpKeySet } from '../../../wire/index.js';

const ISS = 'https://idp.example';
const NOW = 1_800_000_000_000;
const nowS = NOW / 1000;

function rsa(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}
const k1 = rsa();
const k2 = rsa();

async function jwks(...keys: [string, KeyObject][]) {
  return {
    keys: await Promise.all(
      keys.map(async ([kid, k]) => ({ ...(await exportJWK(k)), kid, alg: 'RS256', use: 'sig' })),
    ),
  };
}

/** A key set over a JWKS that can change, counting fetches; the clock is `clock.now`. */
async function keySet(initial: object) {
  let body = initial;
  let fetches = 0;
  const clock = { now: NOW };
  const set = createIdpKeySet({
    jwksUri: `${ISS}/jwks`,
    now: () => clock.now,
    fetch: (async () => {
      fetches++;
      return new Response(JSON.stringify(body), { status: 200 });
    }) as typeof fetch,
  });
  return {
    set,
    clock,
    get fetches() {
      return fetches;
    },
    replace(next: object) {
      body = next;
    },
  };
}

function sign(claims: Record<string, unknown>, key: KeyObject = k1.privateKey, kid = 'k1') {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

const good = { iss: ISS, aud: 'client', sub: 'u1', iat: nowS, exp: nowS + 300, nonce: 'n' };

test('an ID token signed by a JWKS key with the right claims verifies', async () => {
  const ks = await keySet(await jwks(['k1', k1.publicKey]));
  const c = { keySet: ks.set, issuer: ISS, clientId: 'client', now: NOW, nonce: 'n' };
  assert.equal((await verifyIdToken(await sign(good), c)).sub, 'u1');
  assert.equal(ks.fetches, 1);
});

const refused: [string, Record<string, unknown>][] = [
  ['iat beyond the leeway', { iat: nowS + 61 }],
  ['nbf beyond the leeway', { nbf: nowS + 61 }],
  ['expired beyond the leeway', { exp: nowS - 61 }],
  ['exp absurd', { exp: 1e300 }],
  ['another issuer', { iss: 'https://evil' }],
  ['another audience', { aud: 'other' }],
  ['two audiences, no azp', { aud: ['client', 'other'] }],
  ['azp another client', { azp: 'other' }],
  ['another nonce', { nonce: 'x' }],
  ['no sub', { sub: undefined }],
];
for (const [name, patch] of refused) {
  test(`an ID token with ${name} is AUTHN_TOKEN_INVALID`, async () => {
    const ks = await keySet(await jwks(['k1', k1.publicKey]));
    const c = { keySet: ks.set, issuer: ISS, clientId: 'client', now: NOW, nonce: 'n' };
    await assert.rejects(verifyIdToken(await sign({ ...good, ...patch }), c), {
      code: 'AUTHN_TOKEN_INVALID',
    });
  });
}

test('times within the 60 s leeway are accepted', async () => {
  const ks = await keySet(await jwks(['k1', k1.publicKey]));
  const c = { keySet: ks.set, issuer: ISS, clientId: 'client', now: NOW, nonce: 'n' };
  await verifyIdToken(await sign({ ...good, iat: nowS + 59, nbf: nowS + 59, exp: nowS - 59 }), c);
});

test('an unknown kid refetches the JWKS at most once per 30 s; rotation costs one fetch', async () => {
  const ks = await keySet(await jwks(['k1', k1.publicKey]));
  const c = () => ({
    keySet: ks.set,
    issuer: ISS,
    clientId: 'client',
    now: ks.clock.now,
    nonce: 'n',
  });
  await verifyIdToken(await sign(good), c());
  assert.equal(ks.fetches, 1);
  ks.replace(await jwks(['k2', k2.publicKey]));
  const rotated = await sign(good, k2.privateKey, 'k2');
  await assert.rejects(verifyIdToken(rotated, c()), { code: 'AUTHN_TOKEN_INVALID' });
  assert.equal(ks.fetches, 1, 'within the cooldown: no fetch');
  ks.clock.now += 30_000;
  for (let i = 0; i < 5; i++) await verifyIdToken(rotated, c());
  assert.equal(ks.fetches, 2, 'one fetch for the new key');
  for (let i = 0; i < 20; i++) {
    await assert.rejects(verifyIdToken(await sign(good, k1.privateKey, `flood-${i}`), c()));
  }
  assert.equal(ks.fetches, 2, 'a kid flood costs nothing more');
});

test('a token signed by a foreign key under a known kid is refused', async () => {
  const ks = await keySet(await jwks(['k1', k1.publicKey]));
  const c = { keySet: ks.set, issuer: ISS, clientId: 'client', now: NOW, nonce: 'n' };
  await assert.rejects(verifyIdToken(await sign(good, k2.privateKey, 'k1'), c), {
    code: 'AUTHN_TOKEN_INVALID',
  });
});

test('an unreachable JWKS is AUTHN_IDP_UNAVAILABLE, not a refusal of the user', async () => {
  const set = createIdpKeySet({
    jwksUri: `${ISS}/jwks`,
    now: () => NOW,
    fetch: (async () => new Response('down', { status: 503 })) as typeof fetch,
  });
  await assert.rejects(
    verifyIdToken(await sign(good), { keySet: set, issuer: ISS, clientId: 'client', now: NOW }),
    { code: 'AUTHN_IDP_UNAVAILABLE' },
  );
});

const LOGOUT = 'http://schemas.openid.net/event/backchannel-logout';
const logout = {
  iss: ISS,
  aud: 'client',
  iat: nowS,
  jti: 'j1',
  sid: 's1',
  events: { [LOGOUT]: {} },
};

test('a logout token with the logout event and a sid verifies', async () => {
  const ks = await keySet(await jwks(['k1', k1.publicKey]));
  const c = { keySet: ks.set, issuer: ISS, clientId: 'client', now: NOW };
  assert.deepEqual(await verifyLogoutToken(await sign(logout), c), { sid: 's1' });
});

const badLogout: [string, Record<string, unknown>][] = [
  ['no events', { events: undefined }],
  ['another event', { events: { other: {} } }],
  ['a nonce', { nonce: 'n' }],
  ['neither sub nor sid', { sid: undefined }],
  ['no jti', { jti: undefined }],
  ['iat in the future', { iat: nowS + 3600 }],
];
for (const [name, patch] of badLogout) {
  test(`a logout token with ${name} is refused`, async () => {
    const ks = await keySet(await jwks(['k1', k1.publicKey]));
    const c = { keySet: ks.set, issuer: ISS, clientId: 'client', now: NOW };
    await assert.rejects(verifyLogoutToken(await sign({ ...logout, ...patch }), c), {
      code: 'AUTHN_TOKEN_INVALID',
    });
  });
}

test('signed userinfo must name the expected subject', async () => {
  const ks = await keySet(await jwks(['k1', k1.publicKey]));
  const c = { keySet: ks.set, issuer: ISS, clientId: 'client', now: NOW, subject: 'u1' };
  const claims = { iss: ISS, aud: 'client', sub: 'u1', email: 'a@b.c' };
  assert.equal((await verifyUserInfoJwt(await sign(claims), c)).email, 'a@b.c');
  await assert.rejects(verifyUserInfoJwt(await sign({ ...claims, sub: 'u2' }), c), {
    code: 'AUTHN_TOKEN_INVALID',
  });
});

test('a JWKS older than 10 minutes is refreshed, and kept when the refresh fails', async () => {
  let up = true;
  let fetches = 0;
  let now = NOW;
  const body = await jwks(['k1', k1.publicKey]);
  const set = createIdpKeySet({
    jwksUri: `${ISS}/jwks`,
    now: () => now,
    fetch: (async () => {
      fetches++;
      return up
        ? new Response(JSON.stringify(body), { status: 200 })
        : new Response('down', { status: 503 });
    }) as typeof fetch,
  });
  const c = () => ({ keySet: set, issuer: ISS, clientId: 'client', now, nonce: 'n' });
  await verifyIdToken(await sign(good), c());
  now += 11 * 60_000;
  up = false;
  await verifyIdToken(await sign({ ...good, iat: now / 1000, exp: now / 1000 + 300 }), c());
  assert.equal(fetches, 2, 'a refresh was tried');
});
