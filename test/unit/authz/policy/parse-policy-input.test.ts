import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicyDocument, parsePolicyInput } from '../../../../authz/index.js';

test('an input becomes the engine request: URL split, path decoded, header names lower-cased', () => {
  const input = parsePolicyInput({
    request: {
      method: 'POST',
      url: 'https://App.Example.com:8443/a%20b/c?x=1&y=2',
      headers: { Accept: 'text/html', 'X-Multi': ['a', 'b'] },
      sourceIp: '203.0.113.7',
    },
    identity: { userId: 'u1', email: 'a@example.com', claims: { org: { team: 'a' }, n: 5 } },
    now: '2026-11-24T10:00:00Z',
  });
  assert.ok(!('problems' in input));
  assert.equal(input.request.method, 'POST');
  assert.equal(input.request.host, 'app.example.com:8443');
  assert.equal(input.request.hostname, 'app.example.com');
  assert.equal(input.request.rawPath, '/a%20b/c');
  assert.equal(input.request.path, '/a b/c');
  assert.equal(input.request.rawQuery, 'x=1&y=2');
  assert.equal(input.request.url, 'https://app.example.com:8443/a%20b/c?x=1&y=2');
  assert.equal(input.request.headers.accept, 'text/html');
  assert.equal(input.request.headers['x-multi'], 'a,b');
  assert.deepEqual(input.request.clientCertificate, { presented: false, valid: false });
  assert.deepEqual({ ...input.identity!.claims }, { 'org.team': ['a'], n: [5] });
  assert.equal(input.now, Date.parse('2026-11-24T10:00:00Z'));
});

test('identity absent or null is anonymous, and now is optional', () => {
  for (const identity of [undefined, null]) {
    const input = parsePolicyInput({ request: { url: 'https://a.example.com/' }, identity });
    assert.ok(!('problems' in input));
    assert.equal(input.identity, null);
    assert.equal(input.now, undefined);
  }
});

test('a malformed percent-encoding keeps the raw path instead of throwing', () => {
  const input = parsePolicyInput({ request: { url: 'https://a.example.com/%E0%A4%A' } });
  assert.ok(!('problems' in input));
  assert.equal(input.request.path, '/%E0%A4%A');
});

test('a __proto__ claim is an ordinary claim and pollutes nothing', () => {
  const input = parsePolicyInput(
    JSON.parse(
      '{"request": {"url": "https://a/"}, "identity": {"claims": {"__proto__": {"admin": true}}}}',
    ),
  );
  assert.ok(!('problems' in input));
  assert.equal(({} as Record<string, unknown>).admin, undefined);
  const policy = compilePolicyDocument({ allow: { and: [{ 'claim/admin': true }] } });
  const d = policy.evaluate(input.request, input.identity, { now: 0 });
  assert.equal(d.outcome, 'deny');
  assert.deepEqual(d.reasons, ['claim-unauthorized']);
});

const BAD: [string, unknown, string][] = [
  ['no request', {}, 'request'],
  ['a request without url', { request: {} }, 'request.url'],
  ['an unknown request key', { request: { url: 'https://a/', body: 'x' } }, 'request'],
  [
    'a header value of the wrong type',
    { request: { url: 'https://a/', headers: { a: 1 } } },
    'request.headers.a',
  ],
  [
    'a certificate without presented',
    { request: { url: 'https://a/', clientCertificate: { valid: true } } },
    'request.clientCertificate.presented',
  ],
  [
    'an identity of the wrong type',
    { request: { url: 'https://a/' }, identity: 'alice' },
    'identity',
  ],
  ['a negative now', { request: { url: 'https://a/' }, now: -1 }, 'now'],
  ['an ftp URL', { request: { url: 'ftp://a/' } }, 'request.url'],
];

for (const [name, json, path] of BAD) {
  test(`an input with ${name} is refused at ${path}`, () => {
    const input = parsePolicyInput(json);
    assert.ok('problems' in input);
    assert.ok(
      input.problems.some((p) => p.path === path),
      JSON.stringify(input.problems),
    );
  });
}
