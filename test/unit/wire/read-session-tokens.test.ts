import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseCookies,
  queryTokens,
  readSessionTokens,
  removeCookies,
  sessionCookieValues,
} from '../../../wire/index.js';

test('reads token candidates in the order cookie, X-Pomerium-Authorization, Authorization, query', () => {
  const got = readSessionTokens(
    '_pomerium',
    parseCookies('a=1; _pomerium=C1,_pomerium=C1'),
    { 'x-pomerium-authorization': 'X', authorization: 'Pomerium A' },
    'pomerium_session=Q&b=2',
  );
  assert.deepEqual(
    got.map((c) => [c.source, c.token]),
    [
      ['cookie', 'C1'],
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
  [
    'duplicates are all kept, in order',
    'a=1; a=2',
    [
      ['a', '1'],
      ['a', '2'],
    ],
  ],
  ['empty', '', []],
];
for (const [name, header, want] of cookies) {
  test(`cookie parsing: ${name}`, () => {
    assert.deepEqual(
      parseCookies(header).map((c) => [c.name, c.value]),
      want,
    );
  });
}

// Removing our cookie leaves every other byte as the client sent it (issue 11's finding).
const removal: [string, string, string | null][] = [
  ['our cookie alone', '_pomerium=T', null],
  ['our cookie first', '_pomerium=T; theme=dark; lang=en', 'theme=dark; lang=en'],
  ['our cookie between others', 'theme=dark; _pomerium=T; lang=en', 'theme=dark; lang=en'],
  ['our cookie last', 'theme=dark;_pomerium=T', 'theme=dark'],
  ['odd spacing is kept', 'a=1; _pomerium=T; stillhere ;b=2', 'a=1; stillhere ;b=2'],
  ['no space separators are kept', 'a=1;b=2;_pomerium=T;c=3', 'a=1;b=2;c=3'],
  ['quoted and odd values are kept', 'x="a b"; _pomerium=T; y=%20;z', 'x="a b"; y=%20;z'],
  ['a value-less piece is kept', 'flag; _pomerium=T', 'flag'],
  ['joined Cookie headers', 'a=1,_pomerium=T; b=2', 'a=1; b=2'],
  ['a look-alike name is kept', '_pomerium_x=1; x_pomerium=2', '_pomerium_x=1; x_pomerium=2'],
  ['nothing of ours: the header itself', 'a=1;  b=2 ', 'a=1;  b=2 '],
  ['only our cookies twice', '_pomerium=T; _pomerium=T', null],
];
for (const [name, header, want] of removal) {
  test(`cookie removal is byte-exact: ${name}`, () => {
    assert.equal(removeCookies(header, new Set(['_pomerium'])), want);
  });
}

test('a session cookie with two different values is reported as two, identical ones as one', () => {
  assert.deepEqual(sessionCookieValues(parseCookies('_pomerium=A; _pomerium=B'), '_pomerium'), [
    'A',
    'B',
  ]);
  assert.deepEqual(sessionCookieValues(parseCookies('_pomerium=A,_pomerium=A'), '_pomerium'), [
    'A',
  ]);
  assert.deepEqual(sessionCookieValues(parseCookies('_pomerium=; _pomerium=A'), '_pomerium'), [
    'A',
  ]);
});

test('pomerium_session is found in the query, encoded or not, and junk is skipped', () => {
  assert.deepEqual(queryTokens('a=1&pomerium_session=a%2Eb&pomerium_session=c'), ['a.b', 'c']);
  assert.deepEqual(queryTokens('pomerium_session=%zz&x=1'), []);
  assert.deepEqual(queryTokens('pomerium_sessionx=1'), []);
});
