import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalEmail, emailDomain, storableString } from '../../../wire/index.js';

const cases: [string, unknown, string][] = [
  ['lower-cased, local part and domain', 'Bob.Smith@Corp.EXAMPLE', 'bob.smith@corp.example'],
  ['two @', 'a@evil.example@corp.example', ''],
  ['quoted local part with @', '"a@b"@corp.example', ''],
  ['no @', 'corp.example', ''],
  ['leading space', ' a@b.c', ''],
  ['tab', 'a\t@b.c', ''],
  ['CRLF', 'a@b.c\r\n', ''],
  ['NUL', 'a\u0000@b.c', ''],
  ['lone surrogate', 'a\ud800@b.c', ''],
  ['too long', `${'a'.repeat(320)}@b.c`, ''],
  ['not a string', 42, ''],
  ['undefined', undefined, ''],
];
for (const [name, input, want] of cases) {
  test(`canonical email: ${name}`, () => {
    assert.equal(canonicalEmail(input), want);
  });
}

test('the domain of an email is after its only @', () => {
  assert.equal(emailDomain('bob@corp.example'), 'corp.example');
  assert.equal(emailDomain('a@evil.example@corp.example'), undefined);
  assert.equal(emailDomain(''), undefined);
});

test('storable strings: NUL and lone surrogates become U+FFFD, pairs and plain text are untouched', () => {
  assert.equal(storableString('abc'), 'abc');
  assert.equal(storableString('a\u0000b'), 'a\ufffdb');
  assert.equal(storableString('\ud800'), '\ufffd');
  assert.equal(storableString('\udc00x\ud800'), '\ufffdx\ufffd');
  assert.equal(storableString('😀'), '😀');
  assert.equal(storableString('\ud83d\ud83d\ude00'), '\ufffd😀');
});
