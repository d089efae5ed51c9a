// MCP server routes (docs/mcp.md) through the real authz server: the RFC 9728 protected resource
// metadata is public, an MCP client without a session gets 401 with
// `WWW-Authenticate: Bearer resource_metadata=…` (never a sign-in redirect, whatever it accepts),
// a session token in `Authorization: Bearer Pomerium-…` passes, and a policy denial is a JSON-RPC
// error. The route config is the shape of Pomerium's "protect an MCP server" guide
// (www.pomerium.com/docs/capabilities/mcp/protect-mcp-server, recorded in docs/mcp.md).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type AuthzHarness,
  fixture,
  mcpCheckRequest,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';

const YAML = `
routes:
  - id: mcp
    from: https://mcp.example.com
    to: http://mcp.internal:8080/mcp
    name: My MCP Server
    mcp:
      server:
        authorization_server_url: https://auth.example.com
        max_request_bytes: 65536
    policy:
      allow:
        and:
          - domain:
              is: example.com
  - id: bare
    from: https://bare.example.com
    to: http://mcp.internal:8080/mcp
    mcp:
      server: {}
    allow_any_authenticated_user: true
  - id: web
    from: https://web.example.com
    to: http://web.internal:8080
    allow_any_authenticated_user: true
`;

const INITIALIZE = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}';

let h: AuthzHarness;
before(async () => {
  h = await startAuthzHarness({ yaml: YAML });
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
) {
  return mcpCheckRequest(route, host, path, { headers, method, body: INITIALIZE });
}

test('serves the protected resource metadata of an MCP route without a session', async () => {
  const res = await h.check(
    request('mcp', 'mcp.example.com', '/.well-known/oauth-protected-resource/mcp', {}, 'GET'),
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.deepEqual(JSON.parse(res.body), {
    resource: 'https://mcp.example.com/mcp',
    authorization_servers: ['https://auth.example.com'],
    bearer_methods_supported: ['header'],
    resource_name: 'mcp.example.com',
  });
  const root = await h.check(
    request('mcp', 'mcp.example.com', '/.well-known/oauth-protected-resource', {}, 'GET'),
  );
  assert.equal(JSON.parse(root.body).resource, 'https://mcp.example.com');
});

test("names Portcullis' own authorization server (the route host) when the route sets none", async () => {
  const res = await h.check(
    request('bare', 'bare.example.com', '/.well-known/oauth-protected-resource', {}, 'GET'),
  );
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body).authorization_servers, ['https://bare.example.com']);
});

test('answers a CORS preflight for the metadata and refuses other methods on it', async () => {
  const pre = await h.check(
    request('mcp', 'mcp.example.com', '/.well-known/oauth-protected-resource', {}, 'OPTIONS'),
  );
  assert.equal(pre.status, 204);
  assert.match(pre.headers['access-control-allow-headers'] ?? '', /mcp-protocol-version/);
  const post = await h.check(
    request('mcp', 'mcp.example.com', '/.well-known/oauth-protected-resource', {}, 'POST'),
  );
  assert.equal(post.status, 405);
});

test('a non-MCP route does not serve protected resource metadata (it asks for sign-in)', async () => {
  const res = await h.check(
    request('web', 'web.example.com', '/.well-known/oauth-protected-resource', {}, 'GET'),
  );
  assert.notEqual(res.status, 200);
});

// Whatever an MCP client sends, no session means 401 with the challenge, never a 302.
const UNAUTHENTICATED: readonly [string, Record<string, string>, string][] = [
  ['an MCP client (JSON and SSE)', {}, 'unauthorized'],
  ['a client that accepts HTML like a browser', { accept: 'text/html,*/*' }, 'unauthorized'],
  ['a browser navigation', { accept: 'text/html', 'sec-fetch-mode': 'navigate' }, 'unauthorized'],
  ['a forged session token', { authorization: 'Bearer Pomerium-not.a.jwt' }, 'invalid_token'],
  [
    'a token of another issuer',
    { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' },
    'invalid_token',
  ],
];
for (const [who, headers, error] of UNAUTHENTICATED) {
  test(`answers ${who} without a valid session with 401 and resource_metadata`, async () => {
    const res = await h.check(request('mcp', 'mcp.example.com', '/mcp', headers));
    assert.equal(res.status, 401);
    assert.equal(res.headers.location, undefined);
    const challenge = res.headers['www-authenticate'] ?? '';
    assert.match(
      challenge,
      /^Bearer (error="invalid_token", )?resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"$/,
    );
    assert.equal(challenge.includes('invalid_token'), error === 'invalid_token');
    assert.equal(JSON.parse(res.body).error, error);
  });
}

test('a path with quotes never reaches the challenge (refused as non-canonical first)', async () => {
  const res = await h.check(request('mcp', 'mcp.example.com', '/a%22b,error=%22x%5C'));
  assert.equal(res.status, 400);
  assert.equal(res.headers['www-authenticate'], undefined);
});

test('a browser on an ordinary route is still redirected to sign in', async () => {
  const res = await h.check(
    fixture('browser-get', (f) => {
      f.attributes.context_extensions = { internal: 'false', route_id: 'web' };
      f.attributes.request.http.host = 'web.example.com';
      f.attributes.request.http.headers[':authority'] = 'web.example.com';
    }),
  );
  assert.equal(res.status, 302);
});

test('passes an MCP request with a Portcullis session token in Authorization: Bearer Pomerium-…', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const res = await h.check(
    request('mcp', 'mcp.example.com', '/mcp', { authorization: `Bearer Pomerium-${token}` }),
  );
  assert.equal(res.status, 200);
  assert.ok(res.allowed);
});

test('refuses a signed-in user the policy does not allow with a JSON-RPC error', async () => {
  const { token } = await h.signIn({ email: 'mallory@elsewhere.test' });
  const res = await h.check(
    request('mcp', 'mcp.example.com', '/mcp', { authorization: `Bearer Pomerium-${token}` }),
  );
  assert.equal(res.status, 403);
  assert.equal(res.headers['content-type'], 'application/json');
  const body = JSON.parse(res.body);
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.id, null);
  assert.equal(body.error.code, -32001);
  assert.match(body.error.message, /^access denied/);
  assert.deepEqual(body.error.data.reasons, ['domain-unauthorized']);
  assert.equal(typeof body.error.data.request_id, 'string');
});
