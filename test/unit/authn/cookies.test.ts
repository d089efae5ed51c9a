import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticateCookieNames, serializeCookie } from '../../../authn/lib/cookies.js';

const base = {
  secure: true,
  httpOnly: true,
  sameSite: 'lax' as const,
  domain: undefined,
  path: '/',
};

test('a session cookie carries Path, Max-Age, Secure, HttpOnly and SameSite=Lax by default', () => {
  assert.equal(
    serializeCookie('_pomerium', 'a.b.c', { ...base, maxAge: 50400 }),
    '_pomerium=a.b.c; Path=/; Max-Age=50400; Secure; HttpOnly; SameSite=Lax',
  );
});

test('cookie attributes follow the configuration', () => {
  assert.equal(
    serializeCookie('c', 'v', {
      secure: false,
      httpOnly: false,
      sameSite: undefined,
      domain: 'example.com',
      path: '/',
      maxAge: 10,
    }),
    'c=v; Path=/; Domain=example.com; Max-Age=10',
  );
  assert.match(
    serializeCookie('c', 'v', { ...base, sameSite: 'none', maxAge: 1 }),
    /SameSite=None/,
  );
});

test('clearing a cookie sets Max-Age=0 and an expiry in the past', () => {
  assert.match(
    serializeCookie('c', '', { ...base, maxAge: 0 }),
    /Max-Age=0; Expires=Thu, 01 Jan 1970/,
  );
});

test('a value that would need quoting is refused', () => {
  assert.throws(() => serializeCookie('c', 'a;b', { ...base, maxAge: 1 }), TypeError);
  assert.throws(() => serializeCookie('c', 'a b', { ...base, maxAge: 1 }), TypeError);
});

test('authenticate-host cookies are __Host- prefixed when Secure and bare on plain HTTP', () => {
  assert.deepEqual(authenticateCookieNames(true), {
    authenticate: '__Host-_pomerium_authenticate',
    csrf: '__Host-_pomerium_csrf',
    pkcePrefix: '__Host-_pomerium_pkce_',
    back: '__Host-pomerium_redirect_uri',
  });
  assert.equal(authenticateCookieNames(false).authenticate, '_pomerium_authenticate');
});

test('a __Host- cookie without Secure, with a Domain or another Path is refused', () => {
  assert.match(serializeCookie('__Host-a', 'v', { ...base, maxAge: 1 }), /^__Host-a=v; Path=\/;/);
  for (const bad of [{ secure: false }, { domain: 'example.com' }, { path: '/x' }]) {
    assert.throws(
      () => serializeCookie('__Host-a', 'v', { ...base, ...bad, maxAge: 1 }),
      TypeError,
    );
  }
});
