// Done-when of issue 22's authorization server (docs/mcp.md): the official MCP TypeScript SDK
// client, through a real Envoy and the all-in-one Portcullis, to an SDK-built MCP server:
// discovery (RFC 9728 → RFC 8414), dynamic registration (RFC 7591), sign-in in Chromium at the
// dev IdP, tools listed and called; a user without the group refused at the OAuth step; a
// forbidden tool refused with a JSON-RPC error while an allowed one succeeds; the token bound
// to its resource; sign-out ends the client's access at its next request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser as Chromium, Page } from 'playwright-core';
import { launchChromium, submitIdpLogin } from '../helpers/chromium.js';
import { ALICE, BOB, type E2eStack, startE2eStack } from '../helpers/e2e-stack.js';
import {
  loopbackFetch,
  MemoryOAuthProvider,
  type RedirectReceiver,
  type SdkMcpServer,
  startRedirectReceiver,
  startSdkMcpServer,
} from '../helpers/mcp-sdk.js';

let upstream: SdkMcpServer;
let receiver: RedirectReceiver;
let stack: E2eStack;
let chromium: Chromium;
const fetchFn = loopbackFetch();

before(async () => {
  upstream = await startSdkMcpServer();
  receiver = await startRedirectReceiver();
  const mcpRoute = (name: string, policy: string) => `
- from: http://${name}.localhost:{{envoy}}
  to: http://127.0.0.1:${upstream.port}
  mcp:
    server: {}
  policy:
${policy}`;
  stack = await startE2eStack('all', {
    extraConfig: 'runtime_flags:\n  mcp_dynamic_client_registration: true\n',
    extraRoutes: `${mcpRoute(
      'mcp',
      `    allow:
      and:
        - groups:
            has: engineering
    deny:
      and:
        - mcp_tool:
            starts_with: admin_`,
    )}\n${mcpRoute('mcp2', '    allow:\n      and:\n        - authenticated_user: true')}`,
  });
  chromium = await launchChromium();
});

after(async () => {
  await chromium?.close();
  await stack?.close();
  await receiver?.close();
  await upstream?.close();
});

const serverUrl = (name = 'mcp') => new URL(`${stack.url(name)}/mcp`);

/** An SDK client's first connect: discovery and registration, then the authorization URL. */
async function discover(): Promise<{ provider: MemoryOAuthProvider; authUrl: URL }> {
  let authUrl: URL | null = null;
  const provider = new MemoryOAuthProvider(receiver.url, (u) => {
    authUrl = u;
  });
  const transport = new StreamableHTTPClientTransport(serverUrl(), {
    authProvider: provider,
    fetch: fetchFn,
  });
  const client = new Client({ name: 'portcullis-e2e', version: '1.0.0' });
  await assert.rejects(client.connect(transport), UnauthorizedError);
  assert.ok(authUrl, 'the SDK was sent to the authorization endpoint');
  return { provider, authUrl };
}

async function connected(provider: MemoryOAuthProvider, name = 'mcp'): Promise<Client> {
  const client = new Client({ name: 'portcullis-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(serverUrl(name), { authProvider: provider, fetch: fetchFn }),
  );
  return client;
}

/** POST one JSON-RPC call with a bearer token, outside the SDK (what exactly comes back). */
async function rawCall(token: string, name = 'mcp'): Promise<Response> {
  return fetchFn(serverUrl(name), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
  });
}

let alice: Client;
let aliceProvider: MemoryOAuthProvider;
let alicePage: Page;

test('the SDK client discovers, registers, signs in at the IdP in Chromium, then lists and calls tools', async () => {
  const { provider, authUrl } = await discover();
  assert.equal(authUrl.origin, stack.url('mcp'), 'Portcullis is the authorization server');
  assert.equal(authUrl.pathname, '/.pomerium/mcp/authorize');
  assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
  assert.match(String(provider.info?.client_id), /^mcp-/, 'registered dynamically');
  const context = await chromium.newContext();
  alicePage = await context.newPage();
  const landed = receiver.next();
  await alicePage.goto(authUrl.toString());
  await submitIdpLogin(alicePage, ALICE.username, ALICE.password);
  const q = await landed;
  assert.equal(q.get('iss'), stack.url('mcp'));
  assert.equal(q.get('state'), authUrl.searchParams.get('state'));
  const code = q.get('code');
  assert.ok(code, `a code came back: ${q.toString()}`);
  const finishing = new StreamableHTTPClientTransport(serverUrl(), {
    authProvider: provider,
    fetch: fetchFn,
  });
  await finishing.finishAuth(code);
  assert.ok(provider.saved?.access_token && provider.saved.refresh_token);
  assert.ok(!provider.saved.access_token.startsWith('Pomerium-'));

  aliceProvider = provider;
  alice = await connected(provider);
  const tools = await alice.listTools();
  // tools/list is filtered to the tools alice may call (docs/mcp.md): admin_drop is not listed
  assert.deepEqual(tools.tools.map((t) => t.name).sort(), ['add']);
  const sum = await alice.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
  assert.deepEqual(sum.content, [{ type: 'text', text: '5' }]);
  // our token is for Portcullis: the upstream never sees it
  assert.ok(upstream.authorizations.length > 0);
  assert.ok(
    upstream.authorizations.every((a) => a === undefined),
    'no token upstream',
  );
});

test('a forbidden tool call is refused with a JSON-RPC error while an allowed one succeeds', async () => {
  await assert.rejects(alice.callTool({ name: 'admin_drop', arguments: {} }), (e: Error) => {
    assert.equal((e as Error & { code?: number }).code, 403);
    assert.match(e.message, /"code":-32001/);
    assert.match(e.message, /access denied/);
    return true;
  });
  const sum = await alice.callTool({ name: 'add', arguments: { a: 40, b: 2 } });
  assert.deepEqual(sum.content, [{ type: 'text', text: '42' }]);
});

test('the access token is bound to its resource: another MCP route and a web route refuse it', async () => {
  const token = aliceProvider.saved!.access_token;
  assert.equal((await rawCall(token)).status, 200);
  const other = await rawCall(token, 'mcp2');
  assert.equal(other.status, 401);
  assert.match(String(other.headers.get('www-authenticate')), /error="invalid_token"/);
  const web = await fetchFn(`${stack.url('app')}/`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  assert.notEqual(web.status, 200);
});

test('a user without the group is refused at the OAuth step (no code reaches the client)', async () => {
  const { authUrl } = await discover();
  const before = receiver.landings.length;
  const context = await chromium.newContext();
  const page = await context.newPage();
  await page.goto(authUrl.toString());
  const refused = page.waitForResponse(
    (r) => r.url().startsWith(`${stack.url('mcp')}/.pomerium/mcp/authorize`) && r.status() >= 400,
  );
  await submitIdpLogin(page, BOB.username, BOB.password);
  const res = await refused;
  assert.equal(res.status(), 403);
  assert.equal(receiver.landings.length, before, 'no redirect to the client');
  await context.close();
});

test('sign-out ends the MCP client access: refused on the next request after sign-out', async () => {
  const token = aliceProvider.saved!.access_token;
  assert.equal((await rawCall(token)).status, 200);
  await alicePage.goto(`${stack.url('mcp')}/.pomerium/sign_out`);
  const next = await rawCall(token);
  assert.equal(next.status, 401, 'the next request after sign-out is refused');
  assert.match(String(next.headers.get('www-authenticate')), /error="invalid_token"/);
  // and the refresh token died with the session
  const refresh = aliceProvider.saved!.refresh_token!;
  const renewed = await fetchFn(`${stack.url('mcp')}/.pomerium/mcp/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: String(aliceProvider.info?.client_id),
    }).toString(),
  });
  assert.equal(renewed.status, 400);
  assert.equal(((await renewed.json()) as { error: string }).error, 'invalid_grant');
  await assert.rejects(alice.callTool({ name: 'add', arguments: { a: 1, b: 1 } }));
});
