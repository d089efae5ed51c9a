// An MCP server route behind a real Envoy (ENVOY_BIN) and the real authz server (docs/mcp.md):
// the protected resource metadata and the 401 challenge reach the client as authz wrote them,
// Envoy buffers the JSON-RPC body for authz up to max_request_bytes (a larger one is Envoy's 413,
// authz never sees it), a malformed body is refused with a JSON-RPC error, and authz keeps
// serving after every hostile body.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { envoyInFrontOf } from '../../helpers/authz-envoy.js';
import { type AuthzHarness, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type EchoUpstream, startEchoUpstream } from '../../helpers/echo-upstream.js';
import type { HttpResult, RunningEnvoy } from '../../helpers/spawn-envoy.js';

const MAX = 2048;
let upstream: EchoUpstream;
let authn: EchoUpstream;
let authz: AuthzHarness;
let envoy: RunningEnvoy;
let port: number;
let token: string;

before(async () => {
  [upstream, authn] = await Promise.all([startEchoUpstream('mcp'), startEchoUpstream('authn')]);
  authz = await startAuthzHarness({
    yaml: `
insecure_server: true
address: 127.0.0.1:0
routes:
  - id: mcp
    from: http://mcp.example.com
    to: ${upstream.url}
    mcp:
      server:
        max_request_bytes: ${MAX}
        authorization_server_url: https://auth.example.com
    policy:
      allow:
        and:
          - domain:
              is: example.com
      deny:
        and:
          - mcp_tool:
              starts_with: admin_
`,
  });
  ({ envoy, port } = await envoyInFrontOf(authz, authn));
  ({ token } = await authz.signIn({ email: 'alice@example.com' }));
});
after(async () => {
  await envoy?.stop();
  await authz?.close().catch(() => undefined);
  await Promise.all([upstream?.close(), authn?.close()]);
});

function send(
  method: string,
  path: string,
  body: string | null,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: false,
        headers: {
          host: 'mcp.example.com',
          accept: 'application/json, text/event-stream',
          ...(body === null ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

const signedIn = () => ({ authorization: `Bearer Pomerium-${token}` });
const CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'add', arguments: { a: 1, b: 2 } },
});

test("serves the protected resource metadata through Envoy, on the route's own scheme", async () => {
  const res = await send('GET', '/.well-known/oauth-protected-resource', null);
  assert.equal(res.status, 200);
  // `from: http://…` (insecure_server): the URLs an MCP client follows must be reachable
  assert.equal(JSON.parse(res.body).resource, 'http://mcp.example.com');
  assert.equal(res.headers['x-upstream'], undefined);
});

test('answers an MCP client without a session with 401 and the challenge, not the upstream', async () => {
  const res = await send('POST', '/mcp', CALL);
  assert.equal(res.status, 401);
  assert.match(
    String(res.headers['www-authenticate']),
    /^Bearer resource_metadata="http:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"$/,
  );
  assert.equal(res.headers['x-upstream'], undefined);
});

test('passes a well-formed JSON-RPC call of a signed-in user to the upstream, body intact', async () => {
  const res = await send('POST', '/mcp', CALL, signedIn());
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-upstream'], 'mcp');
  const echo = JSON.parse(res.body) as { method: string; headers: Record<string, string> };
  assert.equal(echo.method, 'POST');
  assert.equal(echo.headers['content-length'], String(Buffer.byteLength(CALL)));
  assert.equal(echo.headers.authorization, undefined);
});

const HOSTILE: readonly [string, string, number, number | null][] = [
  ['truncated JSON', '{"jsonrpc":"2.0","id":1,"method":"tools/ca', 400, -32700],
  [
    'a tools/call without a tool name',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call"}',
    400,
    -32602,
  ],
  ['JSON-RPC 1.0', '{"id":1,"method":"tools/list"}', 400, -32600],
  ['an empty body', '', 400, -32600],
  [
    'a body over max_request_bytes',
    `{"jsonrpc":"2.0","method":"x","params":{"p":"${'a'.repeat(MAX)}"}}`,
    413,
    null,
  ],
];
for (const [what, body, status, code] of HOSTILE) {
  test(`refuses ${what} (${status}) and authz keeps serving`, async () => {
    const res = await send('POST', '/mcp', body, signedIn());
    assert.equal(res.status, status, res.body);
    assert.equal(res.headers['x-upstream'], undefined);
    if (code !== null) {
      const rpc = JSON.parse(res.body);
      assert.equal(rpc.jsonrpc, '2.0');
      assert.equal(rpc.error.code, code);
    }
    const next = await send('POST', '/mcp', CALL, signedIn());
    assert.equal(next.status, 200);
    assert.equal(next.headers['x-upstream'], 'mcp');
  });
}

test('refuses a forbidden tools/call with a JSON-RPC error while the allowed one passes', async () => {
  const forbidden = JSON.stringify({
    jsonrpc: '2.0',
    id: 9,
    method: 'tools/call',
    params: { name: 'admin_drop', arguments: {} },
  });
  const res = await send('POST', '/mcp', forbidden, signedIn());
  assert.equal(res.status, 403);
  assert.equal(res.headers['x-upstream'], undefined);
  const rpc = JSON.parse(res.body);
  assert.equal(rpc.jsonrpc, '2.0');
  assert.equal(rpc.error.code, -32001);
  assert.match(rpc.error.message, /admin_drop/);
  assert.deepEqual(rpc.error.data.reasons, ['mcp-tool-match']);
  const allowed = await send('POST', '/mcp', CALL, signedIn());
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers['x-upstream'], 'mcp');
});

test('a batch may not hide a tools/call', async () => {
  const batch = JSON.stringify([
    { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'admin_drop' } },
  ]);
  const res = await send('POST', '/mcp', batch, signedIn());
  assert.equal(res.status, 400);
  assert.equal(JSON.parse(res.body).error.code, -32600);
  assert.equal(res.headers['x-upstream'], undefined);
});

test('a GET for the server-sent event stream carries no body and passes', async () => {
  const res = await send('GET', '/mcp', null, signedIn());
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-upstream'], 'mcp');
});
