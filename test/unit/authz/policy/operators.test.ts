import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideDoc, identity } from './policy-fixtures.js';

// a@x passes `email: a@x` and fails `domain: y`; their reasons tell which results were kept.
const T = { email: 'a@x' };
const F = { domain: 'y' };
const user = identity({ email: 'a@x' });

const CASES: [string, Record<string, unknown>, boolean, string[]][] = [
  ['and of true, true keeps the true reasons', { and: [T, T] }, true, ['email-ok']],
  [
    'and with a false keeps only the false reasons',
    { and: [T, F] },
    false,
    ['domain-unauthorized'],
  ],
  ['or with a true keeps only the true reasons', { or: [F, T] }, true, ['email-ok']],
  ['or of false, false keeps all reasons', { or: [F, F] }, false, ['domain-unauthorized']],
  ['not means none of: none true', { not: [F, F] }, true, ['domain-unauthorized']],
  ['not means none of: one true fails', { not: [T, F] }, false, ['email-ok']],
  ['nor means not all of: one false passes', { nor: [T, F] }, true, ['domain-unauthorized']],
  ['nor means not all of: all true fails', { nor: [T, T] }, false, ['email-ok']],
  ['blocks of one rule are OR-merged', { and: [F], or: [T] }, true, ['email-ok']],
  ['an empty operator list contributes nothing', { and: [], or: [T] }, true, ['email-ok']],
  ['only empty operators: no allow at all', { and: [] }, false, []],
  ['`action` is tolerated', { action: 'allow', and: [T] }, true, ['email-ok']],
];

for (const [name, allow, value, reasons] of CASES) {
  test(`operator: ${name}`, () => {
    const d = decideDoc({ allow }, user);
    assert.equal(d.allow, value);
    assert.deepEqual(d.allowReasons, reasons);
  });
}

test('rules of a list are OR-merged per action', () => {
  const d = decideDoc([{ allow: { and: [F] } }, { allow: { and: [T] } }], user);
  assert.equal(d.outcome, 'allow');
  assert.deepEqual(d.allowReasons, ['email-ok']);
});

test('a rule object may hold allow and deny', () => {
  const d = decideDoc({ allow: { and: [T] }, deny: { or: [T] } }, user);
  assert.equal(d.outcome, 'deny');
  assert.equal(d.deny, true);
  assert.deepEqual(d.denyReasons, ['email-ok']);
});
