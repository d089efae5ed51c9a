// Machine access (docs/machine-access.md): `Authorization: Bearer <IdP token>` on routes with
// `bearer_token_format: idp_access_token | idp_identity_token`, judged by the real authz gRPC
// server against a real HTTP IdP double (discovery, JWKS, userinfo, introspection). Hostile
// tokens get RFC 6750 401s, never a redirect and never a session record.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AuthzHarness, fixture, startAuthzHarness } from '../../helpers/authz-harness.js';
import { eventually } from '../../helpers/records.js';
import { startTokenIdp, type TokenIdp } from '../../helpers/token-idp.js';

const YAML = `
jwt_claims_headers: [email, department]
routes:
  - id: api
    from: https://api.example.com
    to: http://upstream.internal:8080
    bearer_token_format: idp_access_token
    idp_access_token_allowed_audiences: [https://api.example.com]
    allowed_users: [alice@example.com]
    pass_identity_headers: true
  - id: other
    from: https://other.example.com
    to: http://upstream.internal:8080
    bearer_token_format: idp_access_token
    idp_access_token_allowed_audiences: [https://other.example.com]
    allow_any_authenticated_user: true
  - id: admins
    from: https://admins.example.com
    to: http://upstream.internal:8080
    bearer_token_format: idp_access_token
    idp_access_token_allowed_audiences: [https://api.example.com]
    policy:
      allow:
        and:
          - groups: { has: admins }
  - id: ids
    from: https://ids.example.com
    to: http://upstream.internal:8080
    bearer_token_format: idp_identity_token
    allow_any_authenticated_user: true
  - id: browser
    from: https://browser.example.com
    to: http://upstream.internal:8080
    allow_any_authenticated_user: true
`;

let idp: TokenIdp;
let h: AuthzHarness;
before(async () => {
  idp = await startTokenIdp();
  h = await startAuthzHarness({ yaml: YAML, idpProviderUrl: idp.issuer });
});
after(async () => {
  await h?.close();
  await idp?.close();
});

const ALICE = {
  sub: 'alice',
  email: 'alice@example.com',
  email_verified: true,
  department: 'research',
  groups: ['staff'],
};

function request(route: string, authorization?: string, accept = 'application/json') {
  const host = `${route}.example.com`;
  return fixture('api-get', (f) => {
    const http = f.attributes.request.http;
    http.headers[':authority'] = host;
    http.host = host;
    http.headers.accept = accept;
    if (authorization !== undefined) http.headers.authorization = authorization;
    f.attributes.context_extensions = { internal: 'false', route_id: route };
    f.attributes.tls_session = { sni: host };
  });
}

const accessToken = (claims: Record<string, unknown> = {}) =>
  idp.jwt({ ...ALICE, aud: 'https://api.example.com', ...claims }, 'honest', 'at+jwt');

async function sessionCount(): Promise<number> {
  return (await h.store.list('session', { limit: 1000 })).records.length;
}

function assertInvalidToken(res: { status: number; headers: Record<string, string> }): void {
  assert.equal(res.status, 401);
  assert.match(
    res.headers['www-authenticate'] ?? '',
    /^Bearer error="invalid_token", error_description="[^"]+"$/,
  );
  assert.equal(res.headers.location, undefined);
}

test('a JWT access token from the IdP reaches an idp_access_token route with identity headers and a session record', async () => {
  const token = await accessToken();
  const res = await h.check(request('api', `Bearer ${token}`));
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-pomerium-claim-email'], 'alice@example.com');
  assert.equal(res.headers['x-pomerium-claim-department'], 'research');
  assert.ok(res.headers['x-pomerium-jwt-assertion']);
  const sessions = (await h.store.list('session', { limit: 1000 })).records.map((r) => r.data);
  assert.ok(sessions.some((s) => s?.user_id === 'alice' && s?.oauth_token === null));
  // the second request is answered from the cached verdict: same session, still 200
  assert.equal((await h.check(request('api', `Bearer ${token}`))).status, 200);
});

test('a valid token is denied with 403 on a route whose policy it fails', async () => {
  const res = await h.check(request('admins', `Bearer ${await accessToken()}`));
  assert.equal(res.status, 403);
});

test('a token is not accepted on a route bound to another audience', async () => {
  const token = await accessToken();
  assert.equal((await h.check(request('api', `Bearer ${token}`))).status, 200);
  const res = await h.check(request('other', `Bearer ${token}`));
  assertInvalidToken(res);
  assert.match(res.headers['www-authenticate']!, /audience/);
});

test('an ID token reaches an idp_identity_token route; an access token does not', async () => {
  const idToken = await idp.jwt({ ...ALICE, aud: 'portcullis' });
  assert.equal((await h.check(request('ids', `Bearer ${idToken}`))).status, 200);
  const at = await idp.jwt({ ...ALICE, aud: 'portcullis' }, 'honest', 'at+jwt');
  assertInvalidToken(await h.check(request('ids', `Bearer ${at}`)));
  assertInvalidToken(await h.check(request('ids', `Bearer ${idp.opaque(ALICE)}`)));
});

const now = () => Math.floor(Date.now() / 1000);
const HOSTILE: [string, () => Promise<string>, RegExp][] = [
  ['an expired token', () => accessToken({ exp: now() - 3600, iat: now() - 7200 }), /expired/],
  [
    'a token not valid before an hour from now',
    () => accessToken({ nbf: now() + 3600 }),
    /not valid yet/,
  ],
  [
    'a token issued an hour from now',
    () => accessToken({ iat: now() + 3600 }),
    /issued in the future/,
  ],
  ['a token without exp', () => accessToken({ exp: undefined }), /exp claim/],
  ['a token without sub', () => accessToken({ sub: undefined }), /sub claim/],
  [
    'a token for another audience',
    () => accessToken({ aud: 'https://evil.example.com' }),
    /audience/,
  ],
  [
    'a token from another issuer',
    () => accessToken({ iss: 'https://evil.example.com' }),
    /another issuer/,
  ],
  [
    'an unsigned token (alg none)',
    () => idp.jwt({ ...ALICE, aud: 'https://api.example.com' }, 'alg-none'),
    /algorithm/,
  ],
  [
    'an HS256 token keyed with the IdP public key',
    () => idp.jwt({ ...ALICE, aud: 'https://api.example.com' }, 'hs256-public-key'),
    /algorithm/,
  ],
  [
    'a token signed by a foreign key',
    () => idp.jwt({ ...ALICE, aud: 'https://api.example.com' }, 'foreign-key'),
    /signature/,
  ],
  [
    'a token naming a kid never published',
    () => idp.jwt({ ...ALICE, aud: 'https://api.example.com' }, 'unknown-kid'),
    /not signed by a key/,
  ],
  [
    'a JWT-shaped string that is not JSON',
    async () => 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln',
    /signature|malformed/,
  ],
];

for (const [name, make, why] of HOSTILE) {
  test(`${name} is refused with 401 invalid_token, says why and writes no session`, async () => {
    const before = await sessionCount();
    const res = await h.check(request('api', `Bearer ${await make()}`, 'text/html'));
    assertInvalidToken(res);
    assert.match(res.headers['www-authenticate']!, why);
    assert.equal(await sessionCount(), before);
  });
}

test('a Bearer token on a default route is not an identity (the browser rules apply)', async () => {
  const before = await sessionCount();
  const res = await h.check(request('browser', `Bearer ${await accessToken()}`));
  assert.notEqual(res.status, 200);
  assert.equal(res.headers['www-authenticate'], undefined);
  assert.equal(await sessionCount(), before);
});

test('an opaque access token is validated at the IdP userinfo once and then cached', async () => {
  const token = idp.opaque(ALICE);
  const calls = idp.userinfoCalls;
  assert.equal((await h.check(request('api', `Bearer ${token}`))).status, 200);
  assert.equal((await h.check(request('api', `Bearer ${token}`))).status, 200);
  assert.equal(idp.userinfoCalls, calls + 1);
  assert.equal((await h.check(request('admins', `Bearer ${token}`))).status, 403);
});

test('random opaque tokens cost at most one IdP call each and are never allowed', async () => {
  const calls = idp.userinfoCalls;
  const tokens = Array.from(
    { length: 50 },
    (_, i) => `random-${i}-${Math.random().toString(36).slice(2)}`,
  );
  for (let round = 0; round < 2; round++) {
    const results = await Promise.all(tokens.map((t) => h.check(request('api', `Bearer ${t}`))));
    for (const r of results) assert.notEqual(r.status, 200);
  }
  assert.ok(idp.userinfoCalls - calls <= tokens.length, `${idp.userinfoCalls - calls} calls`);
});

test("revoking the token's session denies its next request", async () => {
  const token = await accessToken({ jti: 'revoke-me' });
  assert.equal((await h.check(request('api', `Bearer ${token}`))).status, 200);
  const sessions = (await h.store.list('session', { limit: 1000 })).records;
  const before = new Set(sessions.map((r) => r.id));
  assert.equal((await h.check(request('api', `Bearer ${token}`))).status, 200);
  // the session of this token is the one whose id is derived from it: delete every bearer one
  for (const id of before) if (id.startsWith('bearer-')) await h.store.delete('session', id);
  await eventually(async () => (await h.check(request('api', `Bearer ${token}`))).status === 401);
  assertInvalidToken(await h.check(request('api', `Bearer ${token}`)));
});

test('an opaque token is validated by RFC 7662 introspection when the IdP advertises it', async () => {
  const other = await startTokenIdp();
  other.introspection = true;
  const h2 = await startAuthzHarness({ yaml: YAML, idpProviderUrl: other.issuer });
  try {
    const good = other.opaque({ ...ALICE, aud: 'https://api.example.com', exp: now() + 600 });
    assert.equal((await h2.check(request('api', `Bearer ${good}`))).status, 200);
    assertInvalidToken(await h2.check(request('other', `Bearer ${good}`)));
    assertInvalidToken(await h2.check(request('api', 'Bearer not-a-token-it-issued')));
    assert.equal(other.userinfoCalls, 0);
    assert.equal(other.introspectionCalls, 2);
  } finally {
    await h2.close();
    await other.close();
  }
});

test('a token with fewer claims leaves the user record a sign-in wrote as it was', async () => {
  await h.signIn({ userId: 'carol', email: 'carol@example.com', name: 'Carol' });
  const token = await idp.jwt({ sub: 'carol', aud: 'https://api.example.com' }, 'honest', 'at+jwt');
  // the `other` route allows any authenticated user
  const res = await h.check(request('other', `Bearer ${token}`));
  assertInvalidToken(res); // bound to api, not other
  const onApi = await h.check(request('admins', `Bearer ${token}`));
  assert.equal(onApi.status, 403);
  const user = await h.store.get('user', 'carol');
  assert.equal(user?.data?.email, 'carol@example.com');
  assert.equal(user?.data?.name, 'Carol');
});

const HOSTILE_ID_TOKENS: [string, () => Promise<string>, RegExp][] = [
  ['an ID token for another client', () => idp.jwt({ ...ALICE, aud: 'someone-else' }), /audience/],
  [
    'an ID token with two audiences and no azp',
    () => idp.jwt({ ...ALICE, aud: ['portcullis', 'someone-else'] }),
    /several audiences/,
  ],
  [
    'an ID token whose azp is another client',
    () => idp.jwt({ ...ALICE, aud: 'portcullis', azp: 'someone-else' }),
    /another client/,
  ],
  ['an unsigned ID token', () => idp.jwt({ ...ALICE, aud: 'portcullis' }, 'alg-none'), /algorithm/],
  [
    'an ID token signed by a foreign key',
    () => idp.jwt({ ...ALICE, aud: 'portcullis' }, 'foreign-key'),
    /signature/,
  ],
];

for (const [name, make, why] of HOSTILE_ID_TOKENS) {
  test(`on an idp_identity_token route, ${name} is refused with invalid_token`, async () => {
    const before = await sessionCount();
    const res = await h.check(request('ids', `Bearer ${await make()}`));
    assertInvalidToken(res);
    assert.match(res.headers['www-authenticate']!, why);
    assert.equal(await sessionCount(), before);
  });
}
