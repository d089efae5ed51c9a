// Portcullis' MCP authorization server as authz sees it (docs/mcp.md), through the real authz
// server: the RFC 8414 metadata on an MCP route host, the authorize step judged by the route's
// policy (sign-in redirect, 403, or a pass to authn that a client cannot forge), and the access
// tokens on requests: accepted only for their resource, while their grant and session live,
// and never in any forged or confused form.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AUTHORIZE_PASS_HEADER,
  mcpKeysOf,
  signMcpToken,
  verifyMcpToken,
} from '../../../mcp/index.js';
import {
  type AuthzHarness,
  mcpCheckRequest,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';

const YAML = `
runtime_flags:
  mcp_dynamic_client_registration: true
mcp_allowed_client_id_domains: [clients.example.com]
routes:
  - id: mcp
    from: https://mcp.example.com
    to: http://mcp.internal:8080
    mcp:
      server: {}
    policy:
      allow:
        and:
          - domain:
              is: example.com
  - id: mcp2
    from: https://mcp2.example.com
    to: http://mcp.internal:8080
    mcp:
      server: {}
    allow_any_authenticated_user: true
  - id: ext
    from: https://ext.example.com
    to: http://mcp.internal:8080
    mcp:
      server:
        authorization_server_url: https://as.example.com
    allow_any_authenticated_user: true
`;

let h: AuthzHarness;
let access: Uint8Array;
before(async () => {
  h = await startAuthzHarness({ yaml: YAML });
  access = mcpKeysOf(h.keys.sessionKey).access;
});
after(async () => {
  await h?.close();
});

function request(
  route: string,
  host: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'POST',
  internal = false,
) {
  return mcpCheckRequest(route, host, path, {
    headers,
    method,
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    internal,
  });
}

/** A signed-in user with a grant, and an access token for `aud` minted as the token endpoint does. */
async function granted(
  over: Record<string, unknown> = {},
  user = 'alice@example.com',
): Promise<{ token: string; gid: string; sessionId: string }> {
  const { sessionId, userId } = await h.signIn({ email: user });
  const gid = `g-${sessionId}`;
  const now = Date.now();
  await h.store.put([
    {
      type: 'mcp_grant',
      id: gid,
      data: {
        id: gid,
        client_id: 'mcp-c',
        resource: 'https://mcp.example.com/mcp',
        session_id: sessionId,
        user_id: userId,
        idp_id: h.idpId,
        refresh_hash: 'x',
        issued_at: now,
        expires_at: now + 3_600_000,
      },
    },
  ]);
  const iat = Math.floor(now / 1000);
  const claims = {
    iss: 'https://mcp.example.com',
    aud: 'https://mcp.example.com/mcp',
    sub: userId,
    sid: sessionId,
    gid,
    idp_id: h.idpId,
    client_id: 'mcp-c',
    iat,
    exp: iat + 300,
    jti: 'j',
    ...over,
  };
  return { token: signMcpToken('access', claims, access), gid, sessionId };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('serves RFC 8414 metadata on an MCP route host with registration when the flag is on', async () => {
  const res = await h.check(
    request('mcp', 'mcp.example.com', '/.well-known/oauth-authorization-server', {}, 'GET'),
  );
  assert.equal(res.status, 200);
  const doc = JSON.parse(res.body);
  assert.equal(doc.issuer, 'https://mcp.example.com');
  assert.equal(doc.authorization_endpoint, 'https://mcp.example.com/.pomerium/mcp/authorize');
  assert.equal(doc.registration_endpoint, 'https://mcp.example.com/.pomerium/mcp/register');
  assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
  assert.equal(doc.client_id_metadata_document_supported, true);
});

test('a route with its own authorization_server_url serves no metadata of ours', async () => {
  const res = await h.check(
    request('ext', 'ext.example.com', '/.well-known/oauth-authorization-server', {}, 'GET'),
  );
  assert.notEqual(res.status, 200);
});

test('accepts an access token on its resource and strips it before the upstream', async () => {
  const { token } = await granted();
  const res = await h.check(request('mcp', 'mcp.example.com', '/mcp', bearer(token)));
  assert.equal(res.status, 200, res.body);
  assert.ok(res.headersToRemove.includes('authorization'));
});

const REFUSED: readonly [string, Record<string, unknown>, string, string][] = [
  ['another resource on the host', {}, 'mcp.example.com', '/other'],
  ['another MCP route host (same key)', {}, 'mcp2.example.com', '/mcp'],
  ['an expired token', { exp: Math.floor(Date.now() / 1000) - 1 }, 'mcp.example.com', '/mcp'],
  ['another issuer', { iss: 'https://mcp2.example.com' }, 'mcp.example.com', '/mcp'],
  [
    'an audience for another host',
    { aud: 'https://mcp2.example.com/mcp' },
    'mcp.example.com',
    '/mcp',
  ],
  ['another identity provider', { idp_id: 'other-idp' }, 'mcp.example.com', '/mcp'],
  ['another session than its grant', { sid: 'sess-other' }, 'mcp.example.com', '/mcp'],
  ['another client than its grant', { client_id: 'mcp-other' }, 'mcp.example.com', '/mcp'],
  ['another user than its session', { sub: 'mallory' }, 'mcp.example.com', '/mcp'],
  ['an unknown grant', { gid: 'g-none' }, 'mcp.example.com', '/mcp'],
];
for (const [what, over, host, path] of REFUSED) {
  test(`refuses an access token with ${what}: 401 invalid_token`, async () => {
    const { token } = await granted(over);
    const route = host.startsWith('mcp2') ? 'mcp2' : 'mcp';
    const res = await h.check(request(route, host, path, bearer(token)));
    assert.equal(res.status, 401);
    assert.match(res.headers['www-authenticate'] ?? '', /error="invalid_token"/);
  });
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
test('refuses forged tokens: alg none, a session handle, a token of the authorize pass key', async () => {
  const { token, sessionId } = await granted();
  const [, payload] = token.split('.');
  const session = await h.signIn({ email: 'alice@example.com' });
  for (const forged of [
    `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`,
    `${b64({ alg: 'HS256', typ: 'at+jwt' })}.${payload}.${token.split('.')[2]}x`,
    signMcpToken(
      'access',
      JSON.parse(Buffer.from(payload!, 'base64url').toString()),
      mcpKeysOf(h.keys.sessionKey).authorize,
    ),
  ]) {
    const res = await h.check(request('mcp', 'mcp.example.com', '/mcp', bearer(forged)));
    assert.equal(res.status, 401, forged);
  }
  // a session handle sent as a plain bearer is not one of our access tokens either
  const res = await h.check(request('mcp', 'mcp.example.com', '/mcp', bearer(session.token)));
  assert.equal(res.status, 401);
  assert.ok(sessionId);
});

test('revoking the grant or ending the session refuses the token on the next request', async () => {
  const a = await granted();
  assert.equal(
    (await h.check(request('mcp', 'mcp.example.com', '/mcp', bearer(a.token)))).status,
    200,
  );
  await h.store.delete('mcp_grant', a.gid);
  assert.equal(
    (await h.check(request('mcp', 'mcp.example.com', '/mcp', bearer(a.token)))).status,
    401,
  );
  const b = await granted();
  assert.equal(
    (await h.check(request('mcp', 'mcp.example.com', '/mcp', bearer(b.token)))).status,
    200,
  );
  await h.store.delete('session', b.sessionId);
  assert.equal(
    (await h.check(request('mcp', 'mcp.example.com', '/mcp', bearer(b.token)))).status,
    401,
  );
});

const AUTHORIZE = '/.pomerium/mcp/authorize?client_id=mcp-c&response_type=code';

test('the authorize step sends a browser without a session to the normal sign-in', async () => {
  const res = await h.check(
    request('', 'mcp.example.com', AUTHORIZE, { accept: 'text/html' }, 'GET', true),
  );
  assert.equal(res.status, 302);
  assert.match(res.headers.location ?? '', /\/\.pomerium\/sign_in/);
});

test('the authorize step refuses a user the route policy denies (403, no pass to authn)', async () => {
  const { token } = await h.signIn({ email: 'mallory@elsewhere.test' });
  const res = await h.check(
    request(
      '',
      'mcp.example.com',
      AUTHORIZE,
      { authorization: `Bearer Pomerium-${token}`, accept: 'text/html' },
      'GET',
      true,
    ),
  );
  assert.equal(res.status, 403);
  assert.equal(res.headers[AUTHORIZE_PASS_HEADER], undefined);
});

test('the authorize step passes an allowed user with a pass naming the session, replacing a forged one', async () => {
  const { token, sessionId } = await h.signIn({ email: 'alice@example.com' });
  const res = await h.check(
    request(
      '',
      'mcp.example.com',
      AUTHORIZE,
      { authorization: `Bearer Pomerium-${token}`, [AUTHORIZE_PASS_HEADER]: 'forged' },
      'GET',
      true,
    ),
  );
  assert.equal(res.status, 200);
  const pass = res.headers[AUTHORIZE_PASS_HEADER] ?? '';
  const claims = verifyMcpToken(
    'authorize',
    pass,
    mcpKeysOf(h.keys.sessionKey).authorize,
    Date.now(),
  );
  assert.equal(claims?.sid, sessionId);
  assert.equal(claims?.host, 'mcp.example.com');
});
