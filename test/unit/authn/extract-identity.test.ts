import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractIdentity } from '../../../wire/index.js';

const base = {
  iss: 'https://idp',
  sub: 's1',
  aud: 'c',
  nonce: 'n',
  email: 'a@example.com',
  email_verified: true,
};
const opts = { userIdClaim: 'sub', groupsClaim: 'groups' };

test('merges userinfo into ID token claims and reads groups from the configured claim', () => {
  const id = extractIdentity(
    { ...base, name: 'Old' },
    { sub: 's1', name: 'New', roles: ['a', 'b'], department: 'eng' },
    { userIdClaim: 'sub', groupsClaim: 'roles' },
  );
  assert.equal(id.userId, 's1');
  assert.equal(id.name, 'New');
  assert.deepEqual(id.groups, ['a', 'b']);
  assert.deepEqual(id.claims.department, ['eng']);
  assert.deepEqual(id.claims.roles, ['a', 'b']);
  assert.equal(id.claims.nonce, undefined, 'protocol-only claims are dropped');
});

test('userinfo cannot change the subject or issuer', () => {
  const id = extractIdentity(
    base,
    { sub: 'other', iss: 'https://evil' },
    { userIdClaim: 'sub', groupsClaim: 'groups' },
  );
  assert.equal(id.userId, 's1');
  assert.deepEqual(id.claims.iss, ['https://idp']);
});

test('the Entra preset uses oid as the user id', () => {
  const id = extractIdentity({ ...base, oid: 'object-1' }, undefined, {
    userIdClaim: 'oid',
    groupsClaim: 'groups',
  });
  assert.equal(id.userId, 'object-1');
});

const groupShapes: [string, unknown, string[]][] = [
  ['a list of strings', ['x', 'y', 'x'], ['x', 'y']],
  ['a string: one group, never split', 'x,admins', ['x,admins']],
  ['a string with spaces: one group', 'x, y', ['x, y']],
  ['group objects: dropped', [{ id: '1', name: 'admins' }, { id: '2' }], []],
  ['mixed members: only strings', ['a', 1, true, null, ['admins'], { name: 'b' }], ['a']],
  ['nothing', undefined, []],
  ['null', null, []],
  ['an empty string', '', []],
  ['a number', 5, []],
  ['a boolean', true, []],
  ['an object', { admins: true }, []],
];
for (const [name, value, want] of groupShapes) {
  test(`groups from ${name}`, () => {
    const id = extractIdentity({ ...base, groups: value }, undefined, {
      userIdClaim: 'sub',
      groupsClaim: 'groups',
    });
    assert.deepEqual(id.groups, want);
  });
}

test('groups from a dotted path (Keycloak realm roles)', () => {
  const id = extractIdentity({ ...base, realm_access: { roles: ['admin'] } }, undefined, {
    userIdClaim: 'sub',
    groupsClaim: 'realm_access.roles',
  });
  assert.deepEqual(id.groups, ['admin']);
});

// The canonicaliser's table (issue 12): every hostile claim shape, what is stored, what is dropped.
test('a claim named __proto__, constructor or prototype is dropped at every depth, never a 500', () => {
  const claims = JSON.parse(
    '{"sub":"s1","__proto__":{"groups":["admins"]},"constructor":1,"x":{"prototype":2,"__proto__":{"a":1},"ok":3}}',
  );
  const id = extractIdentity(
    claims,
    JSON.parse('{"sub":"s1","__proto__":{"email":"r@x.y"}}'),
    opts,
  );
  assert.deepEqual(id.groups, []);
  assert.equal(Object.hasOwn(id.claims, '__proto__'), false);
  assert.equal(Object.hasOwn(id.claims, 'constructor'), false);
  assert.deepEqual(JSON.parse(JSON.stringify(id.claims.x)), [{ ok: 3 }]);
  assert.equal(Object.getPrototypeOf(id.claims), Object.prototype);
  assert.ok(id.dropped.some((d) => d.includes('__proto__')));
});

test('lone surrogates and NUL in claims and the user id are replaced, so the record can be stored', () => {
  const id = extractIdentity(
    { ...base, sub: 'u\u0000\ud800', name: 'a\udc00b', dept: ['x\u0000'], 'k\ud83d': 'v' },
    undefined,
    opts,
  );
  assert.equal(id.userId, 'u\ufffd\ufffd');
  assert.equal(id.name, 'a\ufffdb');
  assert.deepEqual(id.claims.dept, ['x\ufffd']);
  assert.deepEqual(id.claims['k\ufffd'], ['v']);
  assert.equal(id.claims.sub?.[0], 'u\ufffd\ufffd');
});

test('a well-formed surrogate pair (emoji) is kept as is', () => {
  const id = extractIdentity({ ...base, name: 'a😀b' }, undefined, opts);
  assert.equal(id.name, 'a😀b');
});

test('a user id over 512 characters is no user id (the sign-in is refused, not a 500)', () => {
  assert.equal(extractIdentity({ ...base, sub: 'x'.repeat(513) }, undefined, opts).userId, '');
});

const emails: [string, Record<string, unknown>, string][] = [
  [
    'a verified email is lower-cased',
    { email: 'Bob@Corp.Example', email_verified: true },
    'bob@corp.example',
  ],
  [
    'two @ signs: no email',
    { email: 'attacker@evil.example@corp.example', email_verified: true },
    '',
  ],
  ['no @: no email', { email: 'bob', email_verified: true }, ''],
  ['empty local part: no email', { email: '@corp.example', email_verified: true }, ''],
  ['empty domain: no email', { email: 'bob@', email_verified: true }, ''],
  ['whitespace: no email', { email: 'bob @corp.example', email_verified: true }, ''],
  ['a NUL: no email', { email: 'bob\u0000@corp.example', email_verified: true }, ''],
  ['email_verified false: not counted', { email: 'root@corp.example', email_verified: false }, ''],
  ['email_verified absent: not counted', { email: 'root@corp.example' }, ''],
  [
    'email_verified "true" (a string): not counted',
    { email: 'root@corp.example', email_verified: 'true' },
    '',
  ],
  ['a list of emails: not an email', { email: ['a@b.c'], email_verified: true }, ''],
  ['a number: not an email', { email: 5, email_verified: true }, ''],
];
for (const [name, claims, want] of emails) {
  test(`email canonicalisation: ${name}`, () => {
    const { email: _e, email_verified: _v, ...rest } = base;
    assert.equal(extractIdentity({ ...rest, ...claims }, undefined, opts).email, want);
  });
}

test('idp_trust_unverified_email lets an email without email_verified count (still canonical)', () => {
  const { email_verified: _v, ...rest } = base;
  const id = extractIdentity({ ...rest, email: 'Root@Corp.example' }, undefined, {
    ...opts,
    trustUnverifiedEmail: true,
  });
  assert.equal(id.email, 'root@corp.example');
});

test('userinfo cannot mark an email verified for the ID token protocol claims, but may for profile claims', () => {
  const id = extractIdentity(
    { iss: 'https://idp', sub: 's1', aud: 'c', email: 'a@b.c', email_verified: false },
    { sub: 's1', email_verified: true },
    opts,
  );
  assert.equal(
    id.email,
    'a@b.c',
    'userinfo is verified with the access token: its profile claims win',
  );
});
