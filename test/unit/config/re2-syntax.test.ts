// RE2 rules (config/lib/re2-syntax.ts): a table of patterns RE2 rejects (with the offset) and of
// patterns whose JavaScript meaning differs from RE2's, translated so they match as RE2 does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRe2Anchored, re2Problem, translateRe2 } from '../../../config/lib/re2-syntax.js';

const REJECTED: readonly { pattern: string; offset: number; why: RegExp }[] = [
  { pattern: '(?=a)b', offset: 0, why: /lookaround/ },
  { pattern: 'a(?!b)', offset: 1, why: /lookaround/ },
  { pattern: '(?<=a)b', offset: 0, why: /lookaround/ },
  { pattern: '(?<!a)b', offset: 0, why: /lookaround/ },
  { pattern: '(?>a)', offset: 0, why: /atomic/ },
  { pattern: '(a)\\1', offset: 3, why: /backreference/ },
  { pattern: '\\k<n>', offset: 0, why: /invalid escape/ },
  { pattern: 'x{1001}', offset: 1, why: /bad repetition operator: \{1001\}/ },
  { pattern: 'x{2,1}', offset: 1, why: /bad repetition operator/ },
  { pattern: '(x{100}){100}', offset: 8, why: /nested repetitions/ },
  { pattern: 'a**', offset: 2, why: /bad repetition operator/ },
  { pattern: 'a*+', offset: 2, why: /bad repetition operator/ },
  { pattern: 'a++', offset: 2, why: /bad repetition operator/ },
  { pattern: '*a', offset: 0, why: /missing argument/ },
  { pattern: '(ab', offset: 0, why: /missing closing \)/ },
  { pattern: 'ab)', offset: 2, why: /unexpected \)/ },
  { pattern: '[ab', offset: 0, why: /missing closing \]/ },
  { pattern: '[z-a]', offset: 2, why: /invalid character class range/ },
  { pattern: '\\Z', offset: 0, why: /invalid escape/ },
  { pattern: '\\e', offset: 0, why: /invalid escape/ },
  { pattern: 'a\\', offset: 1, why: /trailing/ },
  { pattern: '\\p{NoSuchScript}', offset: 0, why: /invalid character class/ },
  { pattern: '[[:nosuch:]]', offset: 1, why: /invalid character class/ },
  { pattern: '(?x)a', offset: 0, why: /unsupported Perl syntax/ },
];

for (const c of REJECTED) {
  test(`RE2 rejects ${JSON.stringify(c.pattern)} at character ${c.offset + 1}`, () => {
    const r = translateRe2(c.pattern);
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.match(r.message, c.why);
    assert.equal(r.offset, c.offset);
  });
}

/** [pattern, input, RE2's answer for a whole-string match]. */
const MEANING: readonly [string, string, boolean][] = [
  ['\\s', '\u00a0', false], // RE2's \s is ASCII; JavaScript's also matches NBSP
  ['\\s', '\t', true],
  ['\\s', '\v', false], // RE2's \s has no \v
  ['\\w+', 'é', false],
  ['\\d', '٣', false],
  ['a.c', 'a\nc', false],
  ['(?s)a.c', 'a\nc', true],
  ['\\Qa.b\\E', 'a.b', true],
  ['\\Qa.b\\E', 'axb', false],
  ['[[:alpha:]]+', 'abcXYZ', true],
  ['[[:^digit:]]', '5', false],
  ['[[:^digit:]]', 'x', true],
  ['(?P<user>[a-z]+)@example\\.com', 'alice@example.com', true],
  ['(?i)ALICE@example\\.COM', 'alice@EXAMPLE.com', true],
  ['a(?i)b', 'aB', true],
  ['a(?i)b', 'AB', false],
  ['(?i:a)b', 'Ab', true],
  ['(?i:a)b', 'AB', false],
  ['\\pL+', 'héllo', true],
  ['\\p{Greek}+', 'αβγ', true],
  ['\\x{41}\\x42', 'AB', true],
  ['\\101', 'A', true],
  ['a{,2}', 'a{,2}', true], // not a repetition in RE2: literal braces
  ['x{2}', 'xx', true],
  ['[^\\D]', '7', true],
  ['[^\\D]', 'x', false],
  ['\\Aab\\z', 'ab', true],
  ['.*@example\\.com', 'bob@example.com', true],
  ['[a-]', '-', true],
  ['[]a]', ']', true],
];

for (const [pattern, input, matches] of MEANING) {
  test(`RE2 ${JSON.stringify(pattern)} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(input)} (translated)`, () => {
    assert.equal(compileRe2Anchored(pattern).test(input), matches);
  });
}

test('RE2 program size beyond Envoy limit is refused, ordinary route regexes are not', () => {
  assert.equal(re2Problem('^/[a-z]{1,60}$', 1000), undefined);
  assert.equal(re2Problem('^/api/v[0-9]+/.*$', 1000), undefined);
  assert.match(re2Problem('x{1000}', 1000) ?? '', /program too large/);
  assert.match(re2Problem('(abc){400}', 1000) ?? '', /program too large/);
});

/** [pattern, Envoy 1.40's program size, or 'ok' when it accepted the route] (measured). */
const ENVOY_MEASURED: readonly [string, number | 'ok'][] = [
  ['^/x{1000}$', 1004],
  ['^/x{990}$', 'ok'],
  ['^/(abc){300}$', 1504],
  ['^/\\pL{300}$', 2104],
  ['^/[\\pL\\pN]{100}$', 1004],
  ['^/[^a]{510}$', 1024],
  ['^/\\w{340}$', 1024],
  ['^/.{510}$', 1024],
  ['^/(a|b|c){340}$', 1024],
  ['^/(a|b|c){330}$', 'ok'],
  ['^/(ab|cd){170}$', 1024],
  ['^/(?:ab|cd){260}$', 1044],
  ['^/[é-ü]{999}$', 1003],
  ['^/[a-z]{500}$', 'ok'],
];

for (const [pattern, envoy] of ENVOY_MEASURED) {
  test(`the RE2 program size of ${pattern} is judged as Envoy judges it`, () => {
    const why = re2Problem(pattern, 1000);
    if (envoy === 'ok') assert.equal(why, undefined);
    else assert.match(why ?? '', new RegExp(`about ${envoy} instructions`));
  });
}

test('Envoy refuses \\x escapes above \\x{FF}; the SAN matchers (ours) take them', () => {
  assert.equal(re2Problem('^/\\x{FF}$', 1000), undefined);
  assert.match(re2Problem('^/\\x{100}$', 1000) ?? '', /above \\x\{FF\}/);
  assert.equal(re2Problem('^/\\x{100}$'), undefined);
});

test('an optional atom or group (`?`) stays optional, greedy or lazy', () => {
  const table: readonly [string, string, boolean][] = [
    ['colou?r', 'color', true],
    ['colou?r', 'colour', true],
    ['/a(/.*)?', '/a', true],
    ['/a(/.*)?', '/a/b', true],
    ['/a(/.*)?', '/ab', false],
    ['ab??', 'a', true],
    ['ab??', 'ab', true],
    ['a+?', 'aaa', true],
  ];
  for (const [pattern, input, want] of table) {
    assert.equal(compileRe2Anchored(pattern).test(input), want, `${pattern} on ${input}`);
  }
});
