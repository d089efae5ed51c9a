import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  buildSignInUrl,
  buildUserInfoUrl,
  deriveKeys,
  signUrl,
  verifySignedUrl,
} from '../../../../wire/index.js';

const SECRET = randomBytes(32).toString('base64');
const keys = deriveKeys(SECRET);
const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);

test('a signed URL verifies and gives back its params without the signature params', () => {
  const signed = signUrl('https://auth.example.com/.pomerium/sign_in?b=2&a=1', keys.urlKey, NOW);
  const u = new URL(signed);
  assert.equal(u.searchParams.get('pomerium_issued'), String(NOW / 1000));
  assert.equal(u.searchParams.get('pomerium_expiry'), String(NOW / 1000 + 300));
  assert.deepEqual([...u.searchParams.keys()], [...u.searchParams.keys()].sort());
  const r = verifySignedUrl(signed, keys.urlKey, NOW + 1000);
  assert.equal(r.ok, true);
  assert.ok(r.ok);
  assert.equal(r.url.toString(), 'https://auth.example.com/.pomerium/sign_in?a=1&b=2');
});

test('verification forces the scheme to https and ignores the order of params', () => {
  const signed = new URL(signUrl('http://app.example.com:8443/x?z=1&y=2', keys.urlKey, NOW));
  const params = [...signed.searchParams.entries()].reverse();
  const reordered = `https://app.example.com:8443/x?${new URLSearchParams(params)}`;
  assert.equal(verifySignedUrl(reordered, keys.urlKey, NOW).ok, true);
});

interface Case {
  name: string;
  mutate: (signed: string) => string;
  now?: number;
  key?: Uint8Array;
  code: string;
}

const cases: Case[] = [
  {
    name: 'refuses an altered redirect target',
    mutate: (s) => s.replace('app.example.com', 'evil.example'),
    code: 'SIGNED_URL_INVALID',
  },
  {
    name: 'refuses an added parameter',
    mutate: (s) => `${s}&extra=1`,
    code: 'SIGNED_URL_INVALID',
  },
  {
    name: 'refuses a changed host',
    mutate: (s) => s.replace('auth.example.com', 'auth.evil.example'),
    code: 'SIGNED_URL_INVALID',
  },
  {
    name: 'refuses a URL without signature',
    mutate: (s) => s.replace(/&?pomerium_signature=[^&]*/, ''),
    code: 'SIGNED_URL_MISSING',
  },
  {
    name: 'refuses a repeated signature',
    mutate: (s) => `${s}&pomerium_signature=x`,
    code: 'SIGNED_URL_MALFORMED',
  },
  {
    name: 'refuses a non-numeric expiry',
    mutate: (s) => s.replace(/pomerium_expiry=\d+/, 'pomerium_expiry=soon'),
    code: 'SIGNED_URL_MALFORMED',
  },
  {
    name: 'refuses an extended expiry',
    mutate: (s) => s.replace(/pomerium_expiry=\d+/, `pomerium_expiry=${NOW / 1000 + 99999}`),
    code: 'SIGNED_URL_INVALID',
  },
  {
    name: 'refuses a URL signed with another key',
    mutate: (s) => s,
    key: deriveKeys(randomBytes(32).toString('base64')).urlKey,
    code: 'SIGNED_URL_INVALID',
  },
  {
    name: 'refuses an expired URL (5 minutes + 1 minute leeway)',
    mutate: (s) => s,
    now: NOW + 6 * 60_000 + 1000,
    code: 'SIGNED_URL_EXPIRED',
  },
  {
    name: 'refuses a URL issued in the future',
    mutate: (s) => s,
    now: NOW - 61_000,
    code: 'SIGNED_URL_NOT_YET_VALID',
  },
  { name: 'refuses garbage', mutate: () => 'not a url', code: 'SIGNED_URL_MALFORMED' },
];

for (const c of cases) {
  test(c.name, () => {
    const signed = signUrl(
      'https://auth.example.com/.pomerium/sign_in?pomerium_redirect_uri=https%3A%2F%2Fapp.example.com%2F',
      keys.urlKey,
      NOW,
    );
    const r = verifySignedUrl(c.mutate(signed), c.key ?? keys.urlKey, c.now ?? NOW);
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.equal(r.code, c.code);
  });
}

test('the sign-in URL carries the redirect, idp id and at most five additional hosts', () => {
  const url = buildSignInUrl({
    authenticateUrl: 'https://auth.example.com/ignored',
    redirectUri: 'https://app.example.com/page?x=1',
    idpId: 'idp1',
    additionalHosts: ['a', 'b', 'c', 'd', 'e', 'f'],
    key: keys.urlKey,
    now: NOW,
  });
  const r = verifySignedUrl(url, keys.urlKey, NOW);
  assert.ok(r.ok);
  assert.equal(r.url.pathname, '/.pomerium/sign_in');
  assert.equal(r.url.searchParams.get('pomerium_redirect_uri'), 'https://app.example.com/page?x=1');
  assert.equal(r.url.searchParams.get('pomerium_idp_id'), 'idp1');
  assert.equal(r.url.searchParams.get('pomerium_additional_hosts'), 'a,b,c,d,e');
});

test('the user info link is signed and points at /.pomerium/', () => {
  const url = buildUserInfoUrl({
    authenticateUrl: 'https://auth.example.com',
    redirectUri: 'https://app.example.com/',
    key: keys.urlKey,
    now: NOW,
  });
  const r = verifySignedUrl(url, keys.urlKey, NOW);
  assert.ok(r.ok);
  assert.equal(r.url.pathname, '/.pomerium/');
});

test('derived keys differ per purpose and refuse short secrets', () => {
  const all = Object.values(keys).map((k) => Buffer.from(k).toString('hex'));
  assert.equal(new Set(all).size, all.length);
  assert.throws(() => deriveKeys(randomBytes(16).toString('base64')), { code: 'KEY_INVALID' });
  assert.throws(() => deriveKeys('not base64 !!'), { code: 'KEY_INVALID' });
  const withCookie = deriveKeys(SECRET, randomBytes(32).toString('base64'));
  assert.deepEqual(withCookie.urlKey, keys.urlKey);
  assert.notDeepEqual(withCookie.stateKey, keys.stateKey);
});

test('the idp id is stable and changes with the provider settings or a route override', async () => {
  const { computeIdpId } = await import('../../../../wire/index.js');
  const base = {
    idp_provider: 'oidc',
    idp_provider_url: 'https://idp.example.com',
    idp_client_id: 'c',
    idp_client_secret: 's',
    idp_scopes: ['openid'],
    idp_request_params: { b: '2', a: '1' },
    authenticate_service_url: 'https://auth.example.com',
  };
  const id = computeIdpId(base);
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(computeIdpId({ ...base, idp_request_params: { a: '1', b: '2' } }), id);
  assert.notEqual(computeIdpId({ ...base, idp_client_id: 'd' }), id);
  assert.equal(computeIdpId(base, {}), id);
  assert.notEqual(computeIdpId(base, { idp_client_id: 'route-client' }), id);
});
