// Which Authorization values carry an IdP bearer token (docs/machine-access.md): a plain
// `Bearer <token>` only; our own `Bearer Pomerium-…` form never does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idpBearerToken } from '../../../wire/index.js';

const CASES: [string | undefined, string | null][] = [
  [undefined, null],
  ['', null],
  ['Bearer abc.def.ghi', 'abc.def.ghi'],
  ['bearer   opaque-token  ', 'opaque-token'],
  ['BEARER x', 'x'],
  ['Bearer Pomerium-abc.def.ghi', null],
  ['Bearer pomerium-abc', null],
  ['Pomerium abc.def.ghi', null],
  ['Basic dXNlcjpwdw==', null],
  ['Bearer', null],
  ['Bearer two tokens', null],
  ['Bearerabc', null],
];

for (const [value, want] of CASES) {
  test(`Authorization ${JSON.stringify(value)} carries ${want === null ? 'no IdP token' : `the IdP token ${want}`}`, () => {
    assert.equal(idpBearerToken(value), want);
  });
}
