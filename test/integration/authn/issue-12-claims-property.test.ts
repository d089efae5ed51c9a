// Property (issue 12): random Unicode and odd-typed claims from a hostile IdP, through a real
// sign-in, never produce a 5xx, and never store a group or an email the IdP did not assert as
// that exact typed value: every stored group is a string the groups claim held as a string (or
// as a string member of its list), and the stored email is the lower-cased `email` string of a
// token that said `email_verified: true`, with exactly one `@`. Seeded: a failure prints its
// seed and claims, so it can be replayed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifySessionHandle } from '../../../wire/index.js';
import { APP, type Harness, startHarness } from '../../helpers/authn-harness.js';
import { type HostileIdp, startHostileIdp } from '../../helpers/hostile-idp.js';

const RUNS = 60;

let hostile: HostileIdp;
let h: Harness;
before(async () => {
  hostile = await startHostileIdp('portcullis');
  h = await startHarness({ issuer: hostile.issuer });
});
after(async () => {
  await h.close();
  await hostile.close();
});

/** mulberry32: small, seedable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const char = (): string => {
    switch (int(8)) {
      case 0:
        return String.fromCharCode(0xd800 + int(0x800)); // a lone surrogate
      case 1:
        return '\u0000';
      case 2:
        return pick(['@', ',', ' ', '"', '\\', '\n', 'İ', 'ß', 'K', '\u212a']);
      case 3:
        return String.fromCodePoint(0x1f600 + int(50));
      case 4:
        return String.fromCharCode(0x80 + int(0x700));
      default:
        return String.fromCharCode(0x21 + int(0x5e));
    }
  };
  const str = (max = 12): string => {
    let s = '';
    for (let i = int(max); i > 0; i--) s += char();
    return s;
  };
  const scalar = (): unknown =>
    pick([() => str(), () => int(1000) - 500, () => r() < 0.5, () => null, () => 1.5])();
  const value = (depth = 0): unknown => {
    if (depth > 2 || r() < 0.5) return scalar();
    if (r() < 0.5) return Array.from({ length: int(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: int(3) }, () => [str(5), value(depth + 1)]));
  };
  const email = (): unknown => {
    const local = pick(['bob', 'Bob', 'ROOT', str(4), '']);
    const domain = pick(['corp.example', 'Corp.Example', str(4), '']);
    return pick([
      () => `${local}@${domain}`,
      () => `${local}@evil.example@${domain}`,
      () => `${local}${domain}`,
      () => [`${local}@${domain}`],
      () => int(10),
      () => ({ address: `${local}@${domain}` }),
    ])();
  };
  const groups = (): unknown =>
    pick([
      () => str(),
      () => `x,${pick(['admins', str(3)])}`,
      () => Array.from({ length: int(5) }, () => (r() < 0.6 ? str(6) : value(1))),
      () => value(),
      () => ({ name: 'admins' }),
    ])();
  /** Raw JSON object text: duplicate and unsafe keys allowed on purpose. */
  return (): string => {
    const entries: [string, unknown][] = [];
    if (r() < 0.9) entries.push(['groups', groups()]);
    if (r() < 0.9) entries.push(['email', email()]);
    if (r() < 0.8)
      entries.push(['email_verified', pick([true, false, 'true', 1, null, 'yes', [true]])]);
    for (let i = int(4); i > 0; i--) {
      entries.push([pick(['__proto__', 'constructor', 'prototype', str(6), 'name']), value()]);
    }
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
  };
}

/** What the IdP asserted, read the way the token's JSON reads (last duplicate wins). */
function asserted(text: string): { groups: unknown; email: unknown; verified: unknown } {
  const o = JSON.parse(text) as Record<string, unknown>;
  const own = (k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
  return {
    groups: own('groups'),
    email: own('email') === undefined ? 'mallory@example.com' : own('email'),
    verified: own('email_verified') === undefined ? true : own('email_verified'),
  };
}

function allowedGroups(groups: unknown): Set<string> {
  if (typeof groups === 'string') return new Set([groups]);
  if (Array.isArray(groups)) return new Set(groups.filter((g) => typeof g === 'string'));
  return new Set();
}

/** The stored form of an asserted string: NUL and lone surrogates become U+FFFD. */
function repaired(s: string): string {
  return s.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what is being replaced
    /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '\ufffd',
  );
}

test(`random claims through ${RUNS} sign-ins: never a 5xx, never a group or email the IdP did not assert`, async () => {
  const seed = Number(process.env.CLAIMS_SEED ?? Date.now() % 1_000_000);
  const next = generator(seed);
  let signedIn = 0;
  for (let i = 0; i < RUNS; i++) {
    const text = next();
    hostile.mode = 'honest';
    hostile.claims = text;
    const where = `seed ${seed}, run ${i}, claims ${text}`;
    const b = h.browser();
    const toIdp = await b.get(h.signInUrl());
    const back = await b.get(toIdp.location ?? '');
    const r = await b.get(back.location ?? '');
    assert.ok(r.status < 500, `${r.status} ${r.body.slice(0, 200)} — ${where}`);
    if (r.status !== 302) continue;
    signedIn++;
    await b.follow(r.location ?? '', {
      stop: (u) => u.hostname === 'app.example.com' && !u.pathname.startsWith('/.pomerium/'),
    });
    const handle = verifySessionHandle(b.jar.get(APP, '_pomerium') ?? '', h.keys.sessionKey);
    const session = (await h.store.get('session', handle.jti))?.data;
    const user = (await h.store.get('user', handle.sub))?.data;
    assert.ok(session && user, where);
    const claim = asserted(text);
    const allowed = new Set([...allowedGroups(claim.groups)].map(repaired));
    for (const g of session.groups) {
      assert.ok(allowed.has(g), `group ${JSON.stringify(g)} was never asserted — ${where}`);
    }
    if (user.email !== '') {
      assert.equal(claim.verified, true, `an unverified email counted — ${where}`);
      assert.equal(typeof claim.email, 'string', where);
      assert.equal(user.email, (claim.email as string).toLowerCase(), where);
      assert.equal(user.email.split('@').length, 2, where);
    }
    assert.equal(Object.hasOwn(session.claims, '__proto__'), false, where);
    assert.equal(Object.getPrototypeOf(session.claims), Object.prototype, where);
  }
  assert.ok(signedIn >= RUNS / 2, `only ${signedIn} of ${RUNS} sign-ins completed (seed ${seed})`);
});
