// Issue 12 (identity integrity), the IdP side, attacked as the issue describes: a hostile IdP
// (foreign keys, unknown kids, empty signatures, times in the future, any claim, key rotation)
// against the real authn server. Each attack fails with the right status and writes no session.
// The cookie and session-handle findings are in issue-12-cookies.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifySessionHandle } from '../../../wire/index.js';
import { APP, AUTH, type Harness, startHarness } from '../../helpers/authn-harness.js';
import type { Browser, BrowserResponse } from '../../helpers/browser.js';
import { type HostileIdp, type HostileMode, startHostileIdp } from '../../helpers/hostile-idp.js';

let hostile: HostileIdp;
let evil: Harness;
let clock = 0;
before(async () => {
  hostile = await startHostileIdp('portcullis');
  evil = await startHarness({ issuer: hostile.issuer, now: () => Date.now() + clock });
});
after(async () => {
  await evil.close();
  await hostile.close();
});

const stopAtApp = (u: URL) =>
  u.hostname === 'app.example.com' && !u.pathname.startsWith('/.pomerium/');

/** A sign-in against the hostile IdP: sign_in → IdP → callback; returns the callback's answer. */
async function hostileSignIn(b: Browser = evil.browser()): Promise<BrowserResponse> {
  const toIdp = await b.get(evil.signInUrl());
  assert.equal(new URL(toIdp.location ?? '').origin, hostile.issuer);
  const back = await b.get(toIdp.location ?? '');
  return b.get(back.location ?? '');
}

async function sessionCount(h: Harness): Promise<number> {
  return (await h.store.list('session')).records.length;
}

function assertRefused(r: BrowserResponse, status: number, code: string): void {
  assert.equal(r.status, status, `${r.url} → ${r.status} ${r.body.slice(0, 300)}`);
  assert.equal(r.location, null, 'no redirect');
  assert.match(r.body, new RegExp(code));
}

// ── ID token verification (signature against the JWKS, claims, leeway) ───────────────────────

const REFUSED_TOKENS: HostileMode[] = [
  'foreign-key',
  'unknown-kid',
  'empty-signature',
  'iat-an-hour-ahead',
  'nbf-in-the-future',
  'expired',
  'exp-absurd',
  'exp-not-a-number',
  'wrong-issuer',
  'two-audiences-no-azp',
  'azp-another-client',
  'no-sub',
  'wrong-nonce',
  'alg-none',
  'hs256-public-key',
  'wrong-audience',
];
for (const mode of REFUSED_TOKENS) {
  test(`an ID token with ${mode} is refused with 400 and no session is written`, async () => {
    hostile.mode = mode;
    hostile.claims = {};
    const before = await sessionCount(evil);
    const b = evil.browser();
    try {
      assertRefused(await hostileSignIn(b), 400, 'AUTHN_TOKEN_INVALID');
    } finally {
      hostile.mode = 'honest';
    }
    assert.equal(b.jar.get(AUTH, '__Host-_pomerium_authenticate'), undefined);
    assert.equal(await sessionCount(evil), before);
  });
}

test('an honest ID token from the hostile IdP signs in (the refusals above are the checks)', async () => {
  hostile.mode = 'honest';
  hostile.claims = {};
  const b = evil.browser();
  const hops = await b.follow(evil.signInUrl(), { stop: stopAtApp });
  assert.equal(hops.at(-1)?.location, `${APP}/page?x=1`);
  assert.ok(b.jar.get(APP, '_pomerium'));
  assert.ok(hostile.jwksFetches >= 1, 'the JWKS was fetched: signatures are checked');
});

// ── Key rotation: one JWKS fetch per rotation, and a kid flood costs at most one ───────────────

test('the IdP rotates its key mid-run: sign-in keeps working with one more JWKS fetch', async () => {
  hostile.mode = 'honest';
  hostile.claims = {};
  const b = evil.browser();
  assert.equal((await hostileSignIn(b)).status, 302);
  const fetchesBefore = hostile.jwksFetches;
  hostile.rotate();
  clock += 31_000; // past the 30 s cooldown since the last fetch
  try {
    for (let i = 0; i < 5; i++) {
      const r = await hostileSignIn(evil.browser());
      assert.equal(r.status, 302, r.body.slice(0, 200));
    }
    assert.equal(hostile.jwksFetches, fetchesBefore + 1, 'exactly one fetch for the new key');
    // a flood of tokens with unknown kids within the cooldown: refused, no fetch at all
    hostile.mode = 'unknown-kid';
    for (let i = 0; i < 10; i++) assert.equal((await hostileSignIn()).status, 400);
    assert.equal(hostile.jwksFetches, fetchesBefore + 1, 'a kid flood costs no fetch');
  } finally {
    hostile.mode = 'honest';
  }
});

// ── Claims: strictly typed, unsafe keys dropped, strings storable, never a 500 ───────────────

interface ClaimCase {
  readonly name: string;
  /** Raw JSON object text merged into the ID token. */
  readonly claims: string;
  readonly groups: readonly string[];
  readonly email: string;
}

const CLAIM_CASES: ClaimCase[] = [
  {
    name: 'a string groups claim is one group',
    claims: '{"groups":"admins"}',
    groups: ['admins'],
    email: 'mallory@example.com',
  },
  {
    name: 'a comma in a group name is never a split',
    claims: '{"groups":"x,admins"}',
    groups: ['x,admins'],
    email: 'mallory@example.com',
  },
  {
    name: 'non-string group members are dropped',
    claims: '{"groups":["eng",{"name":"admins"},["admins"],1,null,true]}',
    groups: ['eng'],
    email: 'mallory@example.com',
  },
  {
    name: 'a __proto__ claim is dropped, no 500',
    claims: '{"__proto__":{"groups":["admins"],"email_verified":true},"constructor":{"x":1}}',
    groups: [],
    email: 'mallory@example.com',
  },
  {
    name: 'a lone surrogate and a NUL are replaced, the session is stored',
    claims: '{"name":"a\\ud800b","department":"x\\u0000y","groups":["g\\udc00"]}',
    groups: ['g\ufffd'],
    email: 'mallory@example.com',
  },
  {
    name: 'a mixed-case verified email is stored lower-cased',
    claims: '{"email":"Bob@Corp.Example"}',
    groups: [],
    email: 'bob@corp.example',
  },
  {
    name: 'an email with two @ is no email',
    claims: '{"email":"attacker@evil.example@corp.example"}',
    groups: [],
    email: '',
  },
  {
    name: 'an unverified email does not count',
    claims: '{"email":"root@corp.example","email_verified":false}',
    groups: [],
    email: '',
  },
];

for (const c of CLAIM_CASES) {
  test(`claims: ${c.name}`, async () => {
    hostile.mode = 'honest';
    hostile.claims = c.claims;
    try {
      const b = evil.browser();
      const r = await hostileSignIn(b);
      assert.equal(r.status, 302, r.body.slice(0, 300));
      await b.follow(r.location ?? '', { stop: stopAtApp });
      const jwt = b.jar.get(APP, '_pomerium');
      const handle = verifySessionHandle(jwt ?? '', evil.keys.sessionKey);
      const session = (await evil.store.get('session', handle.jti))?.data;
      assert.deepEqual(session?.groups, c.groups);
      const user = (await evil.store.get('user', handle.sub))?.data;
      assert.equal(user?.email, c.email);
      assert.equal(Object.hasOwn(session?.claims ?? {}, '__proto__'), false);
    } finally {
      hostile.claims = {};
    }
  });
}

test('the same hostile claims are stored in Postgres (no 500 on NUL or lone surrogates)', async () => {
  const pg = await startHarness({ issuer: hostile.issuer, store: 'postgres' });
  try {
    hostile.mode = 'honest';
    hostile.claims =
      '{"name":"a\\ud800b\\u0000","x":{"__proto__":{"y":1},"k\\udc00":"v\\u0000"},"groups":"one,two"}';
    const b = pg.browser();
    const toIdp = await b.get(pg.signInUrl());
    const back = await b.get(toIdp.location ?? '');
    const r = await b.get(back.location ?? '');
    assert.equal(r.status, 302, r.body.slice(0, 300));
    const sessions = (await pg.store.list('session')).records;
    assert.equal(sessions.length, 1);
    assert.deepEqual(sessions[0]?.data?.groups, ['one,two']);
  } finally {
    hostile.claims = {};
    await pg.close();
  }
});

// ── JWT userinfo is verified like an ID token ────────────────────────────────────────────────

test('userinfo: a JWT signed by a foreign key, or naming another subject, is refused; a good one is merged', async () => {
  const info = await startHostileIdp('portcullis');
  info.userinfo = 'jwt';
  const h = await startHarness({ issuer: info.issuer });
  try {
    const go = async () => {
      const b = h.browser();
      const toIdp = await b.get(h.signInUrl());
      const back = await b.get(toIdp.location ?? '');
      return { b, r: await b.get(back.location ?? '') };
    };
    info.userinfo = 'jwt-foreign-key';
    assertRefused((await go()).r, 400, 'AUTHN_TOKEN_INVALID');
    info.userinfo = 'json-other-sub';
    assertRefused((await go()).r, 400, 'AUTHN_TOKEN_INVALID');
    assert.equal(await sessionCount(h), 0);
    info.userinfo = 'jwt';
    info.claims = { department: 'from-userinfo' };
    const ok = await go();
    assert.equal(ok.r.status, 302, ok.r.body.slice(0, 300));
    const [session] = (await h.store.list('session')).records;
    assert.deepEqual(session?.data?.claims.department, ['from-userinfo']);
  } finally {
    await h.close();
    await info.close();
  }
});

test('the newest login flows complete after the oldest was evicted; the evicted one is refused', async () => {
  hostile.mode = 'honest';
  hostile.claims = {};
  const b = evil.browser();
  const callbacks: string[] = [];
  for (let i = 0; i < 4; i++) {
    const toIdp = await b.get(evil.signInUrl());
    const back = await b.get(toIdp.location ?? '');
    callbacks.push(back.location ?? '');
  }
  const before = await sessionCount(evil);
  assert.equal((await b.get(callbacks[3] ?? '')).status, 302, 'the newest flow completes');
  assert.equal((await b.get(callbacks[1] ?? '')).status, 302, 'a kept older flow completes');
  assertRefused(await b.get(callbacks[0] ?? ''), 400, 'AUTHN_LOGIN_REPLAYED');
  assert.equal(await sessionCount(evil), before + 2);
});

// ── Back-channel logout tokens are verified like ID tokens ──────────────────────────────────────

test('a back-channel logout token ends the sessions of its subject only when it verifies', async () => {
  hostile.mode = 'honest';
  hostile.claims = {};
  hostile.subject = 'logout-victim';
  try {
    assert.equal((await hostileSignIn()).status, 302);
    assert.equal((await hostileSignIn()).status, 302);
    const mine = async () =>
      (await evil.store.list('session')).records.filter((r) => r.data?.user_id === 'logout-victim')
        .length;
    assert.equal(await mine(), 2);
    const post = (token: string) =>
      evil.browser().request('POST', `${AUTH}/.pomerium/backchannel_logout`, {
        form: { logout_token: token },
        headers: { accept: 'application/json' },
      });
    const hostileTokens: [string, Promise<string>][] = [
      ['a foreign key', hostile.logoutToken({}, true)],
      ['a nonce', hostile.logoutToken({ nonce: 'n' })],
      ['no logout event', hostile.logoutToken({ events: {} })],
      ['another audience', hostile.logoutToken({ aud: 'someone-else' })],
      ['iat an hour ahead', hostile.logoutToken({ iat: Math.floor(Date.now() / 1000) + 3600 })],
    ];
    for (const [name, token] of hostileTokens) {
      const r = await post(await token);
      assert.equal(r.status, 400, name);
      assert.equal(JSON.parse(r.body).error, 'AUTHN_TOKEN_INVALID', name);
    }
    assert.equal(await mine(), 2, 'no session ended by a bad token');
    const ok = await post(await hostile.logoutToken());
    assert.equal(ok.status, 200, ok.body);
    assert.equal(await mine(), 0);
    assert.ok((await evil.store.list('session')).records.length > 0, 'other users keep theirs');
  } finally {
    hostile.subject = 'mallory';
  }
});
