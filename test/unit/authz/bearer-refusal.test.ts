// The RFC 6750 challenge of a refused bearer token: always `Bearer error="invalid_token"` with an
// error_description of the allowed characters only (no quote or backslash can break the header).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerChallenge, bearerRefusal } from '../../../authz/session/bearer/bearer-refusal.js';

const DESCRIPTIONS: [string, string][] = [
  ['the token has expired', 'the token has expired'],
  ['a "quoted" word', 'a  quoted  word'],
  ['back\\slash', 'back slash'],
  ['line\r\nbreak', 'line  break'],
  ['naïve ünïcode', 'na ve  n code'],
];

for (const [description, want] of DESCRIPTIONS) {
  test(`the challenge for ${JSON.stringify(description)} is well-formed`, () => {
    assert.equal(
      bearerChallenge(description),
      `Bearer error="invalid_token", error_description="${want}"`,
    );
  });
}

test('a refusal is a 401 with the challenge and AUTHZ_BEARER_INVALID, never a Location', () => {
  const res = bearerRefusal(
    { requestId: 'r1', http: { headers: { accept: 'text/html' } } as never },
    'the token has expired',
  );
  assert.equal(res.kind, 'deny');
  if (res.kind !== 'deny') return;
  assert.equal(res.status, 401);
  const headers = new Map(res.headers);
  assert.match(headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
  assert.equal(headers.get('location'), undefined);
  assert.match(res.body, /AUTHZ_BEARER_INVALID/);
});
