import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractIdentity } from '../../../authn/lib/idp/extract-identity.js';

const base = { iss: 'https://idp', sub: 's1', aud: 'c', nonce: 'n', email: 'a@example.com' };

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
  ['a comma string', 'x, y', ['x', 'y']],
  ['group objects', [{ id: '1', name: 'x' }, { id: '2' }], ['x', '2']],
  ['nothing', undefined, []],
  ['a number', 5, []],
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
