// Which sessions count (docs/pomerium-behaviour.md §3.5, §6.4): only a handle that verifies (HS256, our key, not
// expired, this route's identity provider) pointing at a live session of the same user. Anything
// else is "no session" → login, never an allow. Sign-out anywhere is honoured at once (feed).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signSessionHandle } from '../../../wire/index.js';
import { type AuthzHarness, fixture, startAuthzHarness } from '../../helpers/authz-harness.js';
import { eventually } from '../../helpers/records.js';
import { ROUTES_YAML } from './routes.js';

let h: AuthzHarness;
before(async () => {
  h = await startAuthzHarness({ yaml: ROUTES_YAML });
});
after(async () => {
  await h?.close();
});

const withToken = (token: string) =>
  fixture('api-get', (f) => {
    f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
  });

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

test('a live session is allowed', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  assert.equal((await h.check(withToken(token))).status, 200);
});

const hostile: [string, () => Promise<string>][] = [
  [
    'an expired session record',
    async () => (await h.signIn({ session: { expires_at: Date.now() - 1000 } })).token,
  ],
  [
    'an expired OAuth token without a refresh token',
    async () =>
      (
        await h.signIn({
          session: {
            oauth_token: {
              access_token: 'a',
              token_type: 'Bearer',
              refresh_token: '',
              expires_at: Date.now() - 1000,
            },
          },
        })
      ).token,
  ],
  [
    'a handle for another identity provider',
    async () => (await h.signIn({ idpId: 'someone-else' })).token,
  ],
  [
    'a handle whose session belongs to another user',
    async () => {
      const { sessionId } = await h.signIn({ email: 'alice@example.com' });
      const now = Math.floor(Date.now() / 1000);
      return signSessionHandle(
        {
          iss: 'auth.example.com',
          sub: 'mallory',
          aud: ['app.example.com'],
          iat: now,
          exp: now + 600,
          jti: sessionId,
          idp_id: h.idpId,
        },
        h.keys.sessionKey,
      );
    },
  ],
  [
    'a handle for a session that does not exist',
    async () => {
      const now = Math.floor(Date.now() / 1000);
      return signSessionHandle(
        {
          iss: 'auth.example.com',
          sub: 'u',
          aud: [],
          iat: now,
          exp: now + 600,
          jti: 'missing',
          idp_id: h.idpId,
        },
        h.keys.sessionKey,
      );
    },
  ],
  [
    'an expired handle',
    async () => {
      const { sessionId, userId } = await h.signIn({ email: 'alice@example.com' });
      const now = Math.floor(Date.now() / 1000);
      return signSessionHandle(
        {
          iss: 'auth.example.com',
          sub: userId,
          aud: [],
          iat: now - 100,
          exp: now - 10,
          jti: sessionId,
          idp_id: h.idpId,
        },
        h.keys.sessionKey,
      );
    },
  ],
  [
    'a handle signed with another key',
    async () => {
      const { sessionId, userId } = await h.signIn({ email: 'alice@example.com' });
      const now = Math.floor(Date.now() / 1000);
      return signSessionHandle(
        {
          iss: 'auth.example.com',
          sub: userId,
          aud: [],
          iat: now,
          exp: now + 600,
          jti: sessionId,
          idp_id: h.idpId,
        },
        new Uint8Array(32).fill(7),
      );
    },
  ],
  [
    'a handle with alg none',
    async () => {
      const { sessionId, userId } = await h.signIn({ email: 'alice@example.com' });
      const now = Math.floor(Date.now() / 1000);
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ iss: 'a', sub: userId, aud: [], iat: now, exp: now + 600, jti: sessionId, idp_id: h.idpId })}.`;
    },
  ],
  [
    'a tampered payload',
    async () => {
      const { token } = await h.signIn({ email: 'alice@example.com' });
      const [a, b, c] = token.split('.');
      const claims = JSON.parse(Buffer.from(b!, 'base64url').toString()) as Record<string, unknown>;
      claims.sub = 'admin';
      return `${a}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${c}`;
    },
  ],
  ['garbage', async () => 'not-a-jwt'],
  ['an 9 KB token', async () => 'x'.repeat(9000)],
];
for (const [name, make] of hostile) {
  test(`treats ${name} as no session (401, never allowed)`, async () => {
    const res = await h.check(withToken(await make()));
    assert.equal(res.allowed, false);
    assert.equal(res.status, 401);
  });
}

test('a sign-out (session deleted) is honoured on the next Check, even after the session was cached', async () => {
  const { token, sessionId } = await h.signIn({ email: 'alice@example.com' });
  assert.equal((await h.check(withToken(token))).status, 200);
  await h.store.delete('session', sessionId);
  await eventually(async () => (await h.check(withToken(token))).status === 401, 3000);
});

// Cookie tossing: a second session cookie (planted from a sibling domain) is never resolved by
// picking the one that verifies; identical copies (two Cookie headers) count as one.
const duplicates: [string, (t: string, other: string) => string, number][] = [
  ['garbage before ours', (t) => `_pomerium=stale-garbage; _pomerium=${t}`, 400],
  ['ours before garbage', (t) => `_pomerium=${t}; _pomerium=stale-garbage`, 400],
  ['two valid sessions of two users', (t, o) => `_pomerium=${o}; _pomerium=${t}`, 400],
  ['two Cookie headers joined by Envoy', (t, o) => `a=1,_pomerium=${o}; _pomerium=${t}`, 400],
  ['the same cookie twice', (t) => `_pomerium=${t}; _pomerium=${t}`, 200],
  ['an empty copy', (t) => `_pomerium=; _pomerium=${t}`, 200],
];
for (const [name, cookie, status] of duplicates) {
  test(`two session cookies: ${name} → ${status}`, async () => {
    const { token } = await h.signIn({ email: 'alice@example.com' });
    const { token: other } = await h.signIn({ email: 'mallory@example.com' });
    const res = await h.check(
      fixture('api-get', (f) => {
        f.attributes.request.http.headers.cookie = cookie(token, other);
      }),
    );
    assert.equal(res.status, status);
    if (status === 400) assert.equal(JSON.parse(res.body).code, 'DUPLICATE_SESSION_COOKIE');
  });
}

test('resolves groups from the session, the groups claim and group records (ids and names)', async () => {
  const { token, userId } = await h.signIn({
    email: 'alice@example.com',
    groups: ['idp-eng'],
    claims: { groups: ['claim-ops'] },
  });
  await h.store.put([
    {
      type: 'group',
      id: 'g-admins',
      data: { id: 'g-admins', name: 'admins', member_ids: [userId] },
    },
    { type: 'group', id: 'idp-eng', data: { id: 'idp-eng', name: 'Engineering', member_ids: [] } },
    {
      type: 'group',
      id: 'g-other',
      data: { id: 'g-other', name: 'other', member_ids: ['someone'] },
    },
  ]);
  await eventually(async () => {
    const res = await h.check(withToken(token));
    const groups = payloadOf(res.headers['x-pomerium-jwt-assertion']!).groups as string[];
    return groups.includes('g-admins');
  }, 3000);
  const res = await h.check(withToken(token));
  const groups = payloadOf(res.headers['x-pomerium-jwt-assertion']!).groups as string[];
  assert.deepEqual(
    [...groups].sort(),
    ['Engineering', 'admins', 'claim-ops', 'g-admins', 'idp-eng'].sort(),
  );
});
