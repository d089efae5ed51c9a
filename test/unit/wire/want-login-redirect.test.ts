import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wantsLoginRedirect as policyWantsLoginRedirect } from '../../../authz/index.js';
import { wantsLoginRedirect } from '../../../wire/index.js';
import { request } from '../authz/policy/policy-fixtures.js';

const CASES: [string, Record<string, string>, string, boolean][] = [
  ['no Accept header', {}, '', true],
  ['a browser Accept', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, '', true],
  ['*/*', { accept: '*/*' }, '', true],
  ['application/json', { accept: 'application/json' }, '', false],
  ['json preferred over html', { accept: 'text/html;q=0.5, application/json' }, '', false],
  ['html preferred over json', { accept: 'application/json;q=0.5, text/html' }, '', true],
  ['text/plain', { accept: 'text/plain' }, '', false],
  ['a malformed Accept', { accept: 'garbage' }, '', true],
  ['nothing acceptable', { accept: 'image/png' }, '', false],
  ['gRPC', { 'content-type': 'application/grpc' }, '', false],
  ['gRPC+proto', { 'content-type': 'application/grpc+proto', accept: '*/*' }, '', false],
  ['gRPC-Web', { 'content-type': 'application/grpc-web-text' }, '', false],
  ['X-Pomerium-Authorization', { 'x-pomerium-authorization': 'jwt' }, '', false],
  ['Authorization: Pomerium', { authorization: 'Pomerium jwt' }, '', false],
  ['Authorization: Bearer Pomerium-', { authorization: 'Bearer Pomerium-jwt' }, '', false],
  ['an ordinary bearer token', { authorization: 'Bearer abc', accept: '*/*' }, '', true],
  ['pomerium_session in the query', {}, '?a=1&pomerium_session=jwt', false],
  [
    'an XMLHttpRequest from a browser',
    { 'x-requested-with': 'XMLHttpRequest', accept: '*/*' },
    '',
    false,
  ],
];

for (const [name, headers, query, want] of CASES) {
  test(`login redirect: ${name} → ${want ? '302' : '401'}`, () => {
    const req = request({ headers, url: `https://app.example.com/x${query}` });
    assert.equal(wantsLoginRedirect(req.headers, req.rawQuery), want);
    assert.equal(policyWantsLoginRedirect(req), want, 'the policy engine asks the same rule');
  });
}
