import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCookies, serializeCookie } from '../../../authn/lib/cookies.js';

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

test('the first cookie of a name wins when parsing', () => {
  const c = parseCookies('a=1; b=2; a=3; junk; =x');
  assert.equal(c.get('a'), '1');
  assert.equal(c.get('b'), '2');
  assert.equal(c.size, 2);
});
