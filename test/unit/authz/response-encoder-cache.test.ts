// The OK-answer byte cache of authz/grpc/write-check-response.ts: answers that differ anywhere
// (a header, where a part sits, a removal, the decision) never share bytes; the cache is bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecisionSummary } from '../../../authz/grpc/decision-metadata.js';
import { createResponseEncoder } from '../../../authz/grpc/write-check-response.js';
import type { AllowResponse, HeaderPair } from '../../../authz/lib/authz-types.js';

const allow = (
  headers: readonly HeaderPair[],
  headersToRemove: readonly string[] = [],
  queryToRemove: readonly string[] = [],
): AllowResponse => ({ kind: 'allow', headers, headersToRemove, queryToRemove });

const summary = (reason: string): DecisionSummary =>
  ({ outcome: 'allow', reason, routeId: 'r1', routeName: '' }) as DecisionSummary;

/** Pairs of answers whose parts are the same strings in other places. */
const distinct: [string, AllowResponse, AllowResponse][] = [
  ['a header value vs another', allow([['a', '1']]), allow([['a', '2']])],
  ['a name and value swapped', allow([['a', 'b']]), allow([['b', 'a']])],
  ['a header vs a removal', allow([['a', 'b']]), allow([], ['a', 'b'])],
  ['a removal vs a query removal', allow([], ['a']), allow([], [], ['a'])],
  ['two removals vs one', allow([], ['a', 'b']), allow([], ['a'])],
  [
    'one header vs two',
    allow([['a', '1']]),
    allow([
      ['a', '1'],
      ['a', '1'],
    ]),
  ],
  [
    'a value carrying the old separators',
    allow([['a', '1\u0000b\u00002']]),
    allow([
      ['a', '1'],
      ['b', '2'],
    ]),
  ],
];
for (const [name, a, b] of distinct) {
  test(`answers that differ by ${name} get their own bytes`, () => {
    let n = 0;
    const encode = createResponseEncoder(() => Buffer.from([++n]));
    const first = encode(a);
    assert.notEqual(encode(b), first);
    assert.equal(encode(a), first);
    assert.equal(n, 2);
  });
}

test('the same answer with another decision reason gets its own bytes; with none, too', () => {
  let n = 0;
  const encode = createResponseEncoder(() => Buffer.from([++n]));
  const a = allow([['x', '1']]);
  const ok = encode(a, summary('email-ok'));
  assert.notEqual(encode(a, summary('public')), ok);
  assert.notEqual(encode(a), ok);
  assert.equal(encode({ ...a, headers: [['x', '1']] }, summary('email-ok')), ok);
});

test('the cache holds at most maxEntries answers and serves correct bytes after it is cleared', () => {
  let n = 0;
  const encode = createResponseEncoder(() => Buffer.from(String(++n)), 3);
  const answers = ['1', '2', '3', '4'].map((v) => allow([['a', v]]));
  const bytes = answers.map((a) => encode(a));
  assert.equal(n, 4);
  // The first three were dropped when the fourth came in: the first is serialized again.
  assert.notEqual(encode(answers[0]!), bytes[0]);
  assert.equal(n, 5);
  assert.equal(encode(answers[3]!), bytes[3]);
});

test('a client sending a new long cookie each time cannot make the cache hold more than its byte budget', () => {
  let n = 0;
  const budget = 64 * 1024;
  const encode = createResponseEncoder(() => Buffer.alloc(1024, ++n), 10_000, budget);
  // 8 KB of other cookies per request, new every time: each answer is its own entry
  const answers = Array.from({ length: 40 }, (_, i) =>
    allow([['cookie', `tracker=${String(i).padStart(8_000, '0')}`]]),
  );
  for (const a of answers) encode(a);
  assert.equal(n, 40);
  // about 9 KB an entry: at most 8 of the 40 are held when the last one came in
  const held = answers.filter((a) => {
    const before = n;
    encode(a);
    return n === before;
  });
  assert.ok(held.length <= Math.ceil(budget / (1024 + 8_000)), `${held.length} answers held`);
  // and what is served is still each answer's own bytes
  const again = encode(answers[39]!);
  assert.equal(encode(answers[39]!), again);
});

test('10,000 answers of the usual size (1 KB, a 900-character key) all stay cached under the default bounds', () => {
  let n = 0;
  const encode = createResponseEncoder(() => Buffer.alloc(1000, ++n));
  // one signed-in user on 10,000 routes: the assertion is shared, the identity header per route
  const assertion = 'a'.repeat(800);
  const answers = Array.from({ length: 10_000 }, (_, i) =>
    allow([
      ['x-pomerium-jwt-assertion', assertion],
      ['x-route', `route-${i}`.padEnd(60, '.')],
    ]),
  );
  for (const a of answers) encode(a);
  assert.equal(n, 10_000);
  for (const a of answers) encode(a);
  assert.equal(n, 10_000, `${n - 10_000} of the 10,000 answers were encoded again`);
});

test('an answer whose key is longer than 16,384 characters is never cached', () => {
  let n = 0;
  const encode = createResponseEncoder(() => Buffer.from([++n]));
  const big = allow([['a', 'x'.repeat(20_000)]]);
  encode(big);
  encode(big);
  assert.equal(n, 0, 'serialized by the proto serializer each time, not cached');
});

test('answers that share a beginning and part at the same place each keep their own bytes', () => {
  let n = 0;
  const encode = createResponseEncoder(() => Buffer.from(String(++n)));
  const answers = ['1', '2', '3', '4'].map((v) =>
    allow(
      [
        ['a', 'same'],
        ['b', v],
      ],
      ['c'],
    ),
  );
  const bytes = answers.map((a) => encode(a));
  answers.forEach((a, i) => {
    assert.equal(encode({ ...a, headers: [...a.headers] }), bytes[i]);
  });
  assert.equal(n, 4);
  // A key that ends where a longer one goes on is an answer of its own.
  const shorter = encode(allow([['a', 'same']]));
  assert.ok(!bytes.includes(shorter as Buffer));
});
