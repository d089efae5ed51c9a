// upstream_oauth2 (docs/mcp.md "Upstream OAuth"): its config shape (Pomerium's, refused with the
// key path when wrong), the authorization URL with PKCE S256, client authentication at the token
// endpoint, and the reading of token answers (what is not a usable Bearer token is refused).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  authorizeUrl,
  pkcePair,
  readTokenResponse,
  tokenRequest,
  type UpstreamOAuth2,
} from '../../../mcp/index.js';
import { issuesOf } from '../../helpers/config-fixtures.js';

const ROUTE = `authenticate_service_url: https://auth.example.com
routes:
  - from: https://mcp.example.com
    to: http://mcp.internal
    mcp:
      server:
        upstream_oauth2:
`;
const S: UpstreamOAuth2 = {
  client_id: 'id with space',
  client_secret: 's:ecret',
  endpoint: { auth_url: 'https://p.example.com/a?x=1', token_url: 'https://p.example.com/t' },
  scopes: ['read', 'write'],
  authorization_url_params: { prompt: 'consent', state: 'ignored' },
};

const SHAPES: readonly [string, string, RegExp | null][] = [
  [
    "Pomerium's full shape",
    '          client_id: a\n          client_secret: b\n          scopes: [x]\n          authorization_url_params: {p: q}\n          endpoint: {auth_url: https://p/a, token_url: https://p/t, auth_style: in_params}\n',
    null,
  ],
  ['no endpoint', '          client_id: a\n', /upstream_oauth2\.endpoint/],
  [
    'no client_id',
    '          endpoint: {auth_url: https://p/a, token_url: https://p/t}\n',
    /upstream_oauth2\.client_id/,
  ],
  [
    'an unknown key',
    '          client_id: a\n          endpoint: {auth_url: https://p/a, token_url: https://p/t}\n          secret: x\n',
    /upstream_oauth2\.secret/,
  ],
];
for (const [what, yaml, problem] of SHAPES) {
  test(`upstream_oauth2 with ${what} is ${problem === null ? 'accepted' : 'refused with its key path'}`, () => {
    const issues = issuesOf(ROUTE + yaml);
    if (problem === null) assert.deepEqual(issues, []);
    else
      assert.ok(
        issues.some((i) => problem.test(`${i.path}`)),
        JSON.stringify(issues),
      );
  });
}

test('the authorization URL carries PKCE S256, the scopes and the extra parameters, ours last', () => {
  const { verifier, challenge } = pkcePair();
  assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(challenge, createHash('sha256').update(verifier).digest('base64url'));
  const u = new URL(authorizeUrl(S, { redirectUri: 'https://h/cb', state: 'st', challenge }));
  assert.equal(u.searchParams.get('x'), '1');
  assert.equal(u.searchParams.get('prompt'), 'consent');
  assert.equal(u.searchParams.get('state'), 'st', 'a parameter of the config cannot replace ours');
  assert.equal(u.searchParams.get('scope'), 'read write');
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(u.searchParams.get('response_type'), 'code');
});

test('client authentication: HTTP Basic by default, in the body with in_params, none for a public client', () => {
  const basic = tokenRequest(S, { grant_type: 'refresh_token', refresh_token: 'r' });
  assert.equal(
    basic.headers.authorization,
    `Basic ${Buffer.from('id+with+space:s%3Aecret').toString('base64')}`,
  );
  assert.doesNotMatch(basic.body, /client_secret/);
  const params = tokenRequest(
    { ...S, endpoint: { ...S.endpoint, auth_style: 'OAUTH2_AUTH_STYLE_IN_PARAMS' } },
    { grant_type: 'refresh_token' },
  );
  assert.equal(params.headers.authorization, undefined);
  assert.match(params.body, /client_secret=s%3Aecret/);
  const pub = tokenRequest({ ...S, client_secret: undefined }, { grant_type: 'x' });
  assert.equal(pub.headers.authorization, undefined);
  assert.match(pub.body, /client_id=id\+with\+space/);
});

const ANSWERS: readonly [string, number, string, boolean][] = [
  [
    'a Bearer token',
    200,
    '{"access_token":"abc.DEF-1_~+/=","token_type":"bearer","expires_in":60}',
    true,
  ],
  ['no token_type (Bearer assumed)', 200, '{"access_token":"abc"}', true],
  ['a MAC token', 200, '{"access_token":"abc","token_type":"mac"}', false],
  ['a token with CRLF', 200, '{"access_token":"a\\r\\nx-admin: 1"}', false],
  ['a token with a space', 200, '{"access_token":"a b"}', false],
  ['an empty token', 200, '{"access_token":""}', false],
  ['a non-string token', 200, '{"access_token":7}', false],
  ['HTML', 200, '<html></html>', false],
  ['an OAuth error', 400, '{"error":"invalid_grant"}', false],
];
for (const [what, status, body, ok] of ANSWERS) {
  test(`a token answer with ${what} is ${ok ? 'read' : 'refused'}`, () => {
    const t = readTokenResponse(status, body, 1000);
    assert.equal(typeof t !== 'string', ok, JSON.stringify(t));
  });
}

test('a refresh answer without a new refresh token keeps the old one; expiry from expires_in', () => {
  const prev = { access_token: 'a', token_type: 'Bearer', refresh_token: 'r1', expires_at: 0 };
  const t = readTokenResponse(200, '{"access_token":"b","expires_in":30}', 1000, prev);
  assert.deepEqual(t, {
    access_token: 'b',
    token_type: 'Bearer',
    refresh_token: 'r1',
    expires_at: 31_000,
  });
});
