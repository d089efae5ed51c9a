import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseCookies,
  queryTokens,
  readSessionTokens,
} from '../../../authz/lib/read-session-token.js';

test('reads token candidates in the order cookie, X-Pomerium-Authorization, Authorization, query', () => {
  const got = readSessionTokens(
    '_pomerium',
    parseCookies('a=1; _pomerium=C1,_pomerium=C2'),
    { 'x-pomerium-authorization': 'X', authorization: 'Pomerium A' },
    'pomerium_session=Q&b=2',
  );
  assert.deepEqual(
    got.map((c) => [c.source, c.token]),
    [
      ['cookie', 'C1'],
      ['cookie', 'C2'],
      ['x-pomerium-authorization', 'X'],
      ['authorization', 'A'],
      ['query', 'Q'],
    ],
  );
});

const auth: [string, string, string[]][] = [
  ['Pomerium scheme', 'Pomerium tok', ['authorization:tok']],
  ['Bearer Pomerium- prefix', 'Bearer Pomerium-tok', ['bearer:tok']],
  ['a plain bearer token is not ours', 'Bearer tok', []],
  ['schemes are case-insensitive', 'pomerium tok', ['authorization:tok']],
  ['bearer scheme in another case', 'BEARER Pomerium-tok', ['bearer:tok']],
  ['Pomerium without a token is nothing', 'Pomerium ', []],
];
for (const [name, header, want] of auth) {
  test(`Authorization header: ${name}`, () => {
    const got = readSessionTokens('_pomerium', [], { authorization: header }, '');
    assert.deepEqual(
      got.map((c) => `${c.source}:${c.token}`),
      want,
    );
  });
}

const cookies: [string, string, [string, string][]][] = [
  [
    'simple',
    'a=1; b=2',
    [
      ['a', '1'],
      ['b', '2'],
    ],
  ],
  [
    'joined Cookie headers',
    'a=1,b=2; c=3',
    [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ],
  ],
  ['quoted value', 'a="x y"', [['a', 'x y']]],
  ['value with =', 'a=b=c', [['a', 'b=c']]],
  ['junk pieces are skipped', '; =x; noeq; a=1', [['a', '1']]],
  ['empty', '', []],
];
for (const [name, header, want] of cookies) {
  test(`cookie parsing: ${name}`, () => {
    assert.deepEqual(parseCookies(header), want);
  });
}

test('pomerium_session is found in the query, encoded or not, and junk is skipped', () => {
  assert.deepEqual(queryTokens('a=1&pomerium_session=a%2Eb&pomerium_session=c'), ['a.b', 'c']);
  assert.deepEqual(queryTokens('pomerium_session=%zz&x=1'), []);
  assert.deepEqual(queryTokens('pomerium_sessionx=1'), []);
});
