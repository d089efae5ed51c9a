// The least code for Apple, Auth0, Cognito and GitLab (authn/lib/idp/provider-quirks.ts) and
// Apple's client secret (authn/lib/idp/apple-client-secret.ts), with tables of hostile variants.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import {
  APPLE_SECRET_TTL_S,
  appleClientSecret,
  describePresignedSecret,
  loadAppleKey,
} from '../../../authn/lib/idp/apple-client-secret.js';
import {
  appleQuirks,
  appleUserName,
  auth0Quirks,
  cognitoQuirks,
  gitlabQuirks,
} from '../../../authn/lib/idp/provider-quirks.js';

const LOGOUT = {
  idTokenHint: 'h',
  postLogoutRedirectUri: 'https://auth.example.com/.pomerium/signed_out',
  clientId: 'c1',
};

test("Apple's first-sign-in user field: only a bounded display name, never anything else", () => {
  const rows: [string | null, string | undefined][] = [
    [JSON.stringify({ name: { firstName: 'Alice', lastName: 'Liddell' } }), 'Alice Liddell'],
    [JSON.stringify({ name: { firstName: 'Alice' }, email: 'ceo@other.example' }), 'Alice'],
    [JSON.stringify({ name: { firstName: ' ', lastName: '' } }), undefined],
    [JSON.stringify({ name: { firstName: 42, lastName: ['x'] } }), undefined],
    [JSON.stringify({ name: 'Alice' }), undefined],
    [JSON.stringify({ email: 'alice@example.com' }), undefined],
    [
      JSON.stringify({ name: { firstName: 'Eve\u0000\u200b\u202e', lastName: 'Admin\n' } }),
      'Eve Admin',
    ],
    [JSON.stringify({ name: { firstName: 'x'.repeat(300) } }), 'x'.repeat(256)],
    [JSON.stringify({ name: { firstName: 'y'.repeat(5000) } }), undefined],
    ['{"name":', undefined],
    ['null', undefined],
    ['', undefined],
    [null, undefined],
  ];
  for (const [raw, want] of rows) assert.equal(appleUserName(raw), want, String(raw).slice(0, 60));
});

test('Apple: email_verified and is_private_email as strings, the name only when the token has none, no IdP logout', async () => {
  const form = new URLSearchParams({
    user: JSON.stringify({ name: { firstName: 'A', lastName: 'B' } }),
  });
  const rows: [unknown, boolean][] = [
    ['true', true],
    [true, true],
    ['false', false],
    ['TRUE', false],
    [1, false],
    [undefined, false],
  ];
  for (const [value, want] of rows) {
    const out = await appleQuirks.claims(
      { sub: 's', email_verified: value, is_private_email: 'true' },
      'at',
      { form },
    );
    assert.equal(out.email_verified, want, String(value));
    assert.equal(out.is_private_email, true);
    assert.equal(out.name, 'A B');
  }
  const named = await appleQuirks.claims({ sub: 's', name: 'From Token' }, 'at', { form });
  assert.equal(named.name, 'From Token');
  assert.equal(
    appleQuirks.endSessionUrl?.(
      { authorization_endpoint: 'https://appleid.apple.com/auth/authorize' },
      LOGOUT,
    ),
    null,
  );
});

test('Auth0: namespaced groups and roles become the groups; a plain groups claim, non-URL names and non-lists do not', async () => {
  const rows: [Record<string, unknown>, unknown][] = [
    [{ 'https://acme.example/groups': ['a'], 'https://acme.example/roles': ['r'] }, ['a', 'r']],
    [{ 'https://acme.example/claims/groups': ['a'] }, ['a']],
    [{ groups: ['plain'], 'https://acme.example/groups': ['a'] }, ['plain']],
    [{ 'acme/groups': ['a'] }, undefined],
    [{ 'https://acme.example/groups': 'a' }, undefined],
    [{ 'https://acme.example/groups': ['a', 1] }, undefined],
    [{ 'https://acme.example/groupsx': ['a'] }, undefined],
    [{ 'https://acme.example/groups/extra': ['a'] }, undefined],
  ];
  for (const [claims, want] of rows) {
    const out = await auth0Quirks.claims({ sub: 's', ...claims }, 'at');
    assert.deepEqual(out.groups, want, JSON.stringify(claims));
  }
});

test('Auth0 signs out at /v2/logout unless discovery publishes an end_session_endpoint', () => {
  const url = new URL(
    auth0Quirks.endSessionUrl?.(
      { authorization_endpoint: 'https://acme.auth0.com/authorize' },
      LOGOUT,
    ) ?? '',
  );
  assert.equal(`${url.origin}${url.pathname}`, 'https://acme.auth0.com/v2/logout');
  assert.equal(url.searchParams.get('client_id'), 'c1');
  assert.equal(url.searchParams.get('returnTo'), LOGOUT.postLogoutRedirectUri);
  assert.equal(
    auth0Quirks.endSessionUrl?.(
      {
        authorization_endpoint: 'https://acme.auth0.com/authorize',
        end_session_endpoint: 'https://acme.auth0.com/oidc/logout',
      },
      LOGOUT,
    ),
    undefined,
  );
});

test("Cognito: cognito:groups, userinfo's string email_verified, the hosted UI's /logout", async () => {
  assert.deepEqual(
    (await cognitoQuirks.claims({ sub: 's', 'cognito:groups': ['g'] }, 'at')).groups,
    ['g'],
  );
  assert.equal(
    (await cognitoQuirks.claims({ sub: 's', 'cognito:groups': 'g' }, 'at')).groups,
    undefined,
  );
  for (const [v, want] of [
    ['true', true],
    ['false', false],
    [true, true],
    ['yes', false],
  ] as const) {
    assert.equal(cognitoQuirks.userinfo?.({ sub: 's', email_verified: v }).email_verified, want);
  }
  assert.deepEqual(cognitoQuirks.userinfo?.({ sub: 's' }), { sub: 's' });
  const url = new URL(
    cognitoQuirks.endSessionUrl?.(
      { authorization_endpoint: 'https://acme.auth.eu-west-1.amazoncognito.com/oauth2/authorize' },
      LOGOUT,
    ) ?? '',
  );
  assert.equal(
    `${url.origin}${url.pathname}`,
    'https://acme.auth.eu-west-1.amazoncognito.com/logout',
  );
  assert.equal(url.searchParams.get('logout_uri'), LOGOUT.postLogoutRedirectUri);
  assert.equal(cognitoQuirks.endSessionUrl?.({}, LOGOUT), null);
});

test('GitLab: groups_direct stands in when there is no groups claim', async () => {
  assert.deepEqual((await gitlabQuirks.claims({ sub: 's', groups_direct: ['a'] }, 'at')).groups, [
    'a',
  ]);
  assert.deepEqual(
    (await gitlabQuirks.claims({ sub: 's', groups: ['b'], groups_direct: ['a'] }, 'at')).groups,
    ['b'],
  );
});

test("Apple's client secret: ES256 with the key id, iss the team, sub the client, aud Apple; reused, then renewed before it expires", async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let now = Date.UTC(2026, 0, 1);
  const mint = appleClientSecret({
    teamId: 'ABCDE12345',
    keyId: 'KEY1234567',
    clientId: 'com.example.web',
    audience: 'https://appleid.apple.com',
    privateKey,
    now: () => now,
  });
  const first = await mint();
  assert.deepEqual(decodeProtectedHeader(first), { alg: 'ES256', kid: 'KEY1234567' });
  const { payload } = await jwtVerify(first, publicKey, {
    issuer: 'ABCDE12345',
    subject: 'com.example.web',
    audience: 'https://appleid.apple.com',
    currentDate: new Date(now),
  });
  assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), APPLE_SECRET_TTL_S);
  now += 60_000;
  assert.equal(await mint(), first, 'reused while it has time left');
  now += (APPLE_SECRET_TTL_S - 120) * 1000;
  const renewed = await mint();
  assert.notEqual(renewed, first);
  assert.ok((decodeJwt(renewed).exp ?? 0) > (payload.exp ?? 0));
});

test('Apple: the .p8 key must be a P-256 private key (never printed)', () => {
  const ok = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  assert.equal(loadAppleKey(ok).asymmetricKeyType, 'ec');
  const bad = [
    generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    '-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----',
  ];
  for (const pem of bad) {
    assert.throws(
      () => loadAppleKey(pem),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'CONFIG_INVALID');
        assert.doesNotMatch(e.message, /BEGIN/);
        return true;
      },
    );
  }
});

test("a pre-signed Apple client secret (Pomerium's form) is described when it cannot work for long", async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.UTC(2026, 5, 1);
  const s = Math.floor(now / 1000);
  const es256 = (exp?: number) => {
    const jwt = new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'K' }).setIssuer('T');
    return (exp === undefined ? jwt : jwt.setExpirationTime(exp)).sign(privateKey);
  };
  const rows: [string, RegExp | null][] = [
    [await es256(s + 90 * 86_400), null],
    [await es256(s + 3 * 86_400), /expires in 3 day/],
    [await es256(s - 1), /has expired/],
    [await es256(), /no exp/],
    [
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32)),
      /not signed with ES256/,
    ],
    ['plain-secret', /neither a signed client-secret JWT nor a \.p8/],
  ];
  for (const [secret, want] of rows) {
    const got = describePresignedSecret(secret, now);
    if (want === null) assert.equal(got, null);
    else assert.match(got ?? '', want);
  }
});
