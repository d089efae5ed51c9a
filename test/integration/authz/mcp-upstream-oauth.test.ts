// `mcp: server: upstream_oauth2:` through the real authz server (docs/mcp.md "Upstream OAuth"),
// against a fake upstream OAuth provider (authorization code + PKCE S256, refresh with rotation):
// an MCP request of a user who has not connected gets a JSON-RPC error naming the connect URL;
// connect → provider → callback stores the token in the databroker, sealed; every allowed request
// then carries `Authorization: Bearer <upstream token>` upstream (authz's OK answer); an expired
// token is refreshed once however many requests wait. Hostile: a callback opened by another
// session, a tampered state, provider errors, unusable token answers, a record copied to another
// user, a revoked refresh token.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { McpUpstreamToken } from '../../../databroker/index.js';
import {
  type AuthzHarness,
  type CheckFixture,
  fixture,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';

/** The fake provider's state. */
const codes = new Map<string, { challenge: string; redirectUri: string }>();
const refreshTokens = new Set<string>();
let issued = 0;
let refreshes = 0;
/** How the token endpoint answers the next authorization_code grants. */
let tokenMode: 'ok' | 'garbage' | 'error' | 'injection' | 'not-bearer' = 'ok';
const seenAuth: string[] = [];

function issue(res: import('node:http').ServerResponse): void {
  issued += 1;
  const rt = `up-rt-${issued}`;
  refreshTokens.add(rt);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      access_token: `up-at-${issued}`,
      token_type: 'bearer',
      expires_in: 60,
      refresh_token: rt,
    }),
  );
}

let provider: Server;
let providerUrl: string;
let h: AuthzHarness;
let clock = Date.now();

before(async () => {
  provider = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
        res.writeHead(400).end('pkce required');
        return;
      }
      const code = randomUUID();
      codes.set(code, { challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')! });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state')!);
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seenAuth.push(req.headers.authorization ?? '');
      const f = new URLSearchParams(body);
      const basic = `Basic ${Buffer.from('up-client:up-secret').toString('base64')}`;
      if (req.headers.authorization !== basic) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":"invalid_client"}');
        return;
      }
      if (f.get('grant_type') === 'authorization_code') {
        const c = codes.get(f.get('code') ?? '');
        codes.delete(f.get('code') ?? '');
        const verifier = f.get('code_verifier') ?? '';
        const ok =
          c !== undefined &&
          c.redirectUri === f.get('redirect_uri') &&
          createHash('sha256').update(verifier).digest('base64url') === c.challenge;
        if (!ok) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end('{"error":"invalid_grant"}');
          return;
        }
        const json = (v: unknown) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(v));
        };
        if (tokenMode === 'garbage') res.writeHead(200).end('<html>oops</html>');
        else if (tokenMode === 'error') res.writeHead(500).end('{"error":"server_error"}');
        else if (tokenMode === 'injection')
          json({ access_token: 'x\r\nx-admin: 1', token_type: 'Bearer' });
        else if (tokenMode === 'not-bearer')
          json({ access_token: 'abc', token_type: 'mac', expires_in: 60 });
        else issue(res);
        return;
      }
      if (f.get('grant_type') === 'refresh_token') {
        refreshes += 1;
        const rt = f.get('refresh_token') ?? '';
        if (!refreshTokens.delete(rt)) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end('{"error":"invalid_grant"}');
          return;
        }
        issue(res); // rotation: the old refresh token is spent
        return;
      }
      res.writeHead(400).end('{"error":"unsupported_grant_type"}');
    });
  });
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
  providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  h = await startAuthzHarness({
    now: () => clock,
    yaml: `
routes:
  - id: tools
    name: Tools
    from: https://tools.example.com
    to: http://mcp.internal:8080/mcp
    mcp:
      server:
        upstream_oauth2:
          client_id: up-client
          client_secret: up-secret
          scopes: [read, write]
          authorization_url_params:
            access_type: offline
          endpoint:
            auth_url: ${providerUrl}/authorize
            token_url: ${providerUrl}/token
    allow_any_authenticated_user: true
  - id: app
    from: https://app.example.com
    to: http://app.internal:3000
    mcp:
      client: {}
    allow_any_authenticated_user: true
  - id: plain
    from: https://plain.example.com
    to: http://mcp.internal:8080/mcp
    mcp:
      server: {}
    allow_any_authenticated_user: true
`,
  });
});
after(async () => {
  await h?.close();
  await new Promise((r) => provider?.close(r));
});

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });

function mcp(token: string, host = 'tools.example.com', route = 'tools') {
  return fixture('browser-get', (f: CheckFixture) => {
    const http = f.attributes.request.http;
    http.method = 'POST';
    http.host = host;
    http.path = '/mcp';
    http.headers = {
      ':authority': host,
      ':method': 'POST',
      ':path': '/mcp',
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      authorization: `Bearer Pomerium-${token}`,
    };
    http.body = INITIALIZE;
    f.attributes.context_extensions = { internal: 'false', route_id: route };
  });
}

function internal(token: string, pathAndQuery: string, host = 'tools.example.com') {
  return fixture('browser-get', (f: CheckFixture) => {
    const http = f.attributes.request.http;
    http.host = host;
    http.path = pathAndQuery;
    http.headers[':authority'] = host;
    http.headers[':path'] = pathAndQuery;
    http.headers.cookie = `_pomerium=${token}`;
    f.attributes.context_extensions = { internal: 'true', route_id: '' };
  });
}

/** connect → the provider's authorize → the callback path our provider sends the browser to. */
async function startConnect(token: string): Promise<string> {
  const res = await h.check(internal(token, '/.pomerium/mcp/upstream/connect?route=tools'));
  assert.equal(res.status, 302, res.body);
  const location = new URL(String(res.headers.location));
  assert.equal(`${location.origin}${location.pathname}`, `${providerUrl}/authorize`);
  const p = location.searchParams;
  assert.equal(p.get('client_id'), 'up-client');
  assert.equal(p.get('code_challenge_method'), 'S256');
  assert.equal(p.get('scope'), 'read write');
  assert.equal(p.get('access_type'), 'offline');
  assert.equal(p.get('redirect_uri'), 'https://tools.example.com/.pomerium/mcp/upstream/callback');
  const back = await fetch(location, { redirect: 'manual' });
  const cb = new URL(String(back.headers.get('location')));
  return `${cb.pathname}${cb.search}`;
}

async function connect(token: string): Promise<void> {
  const cb = await startConnect(token);
  const res = await h.check(internal(token, cb));
  assert.equal(res.status, 200, res.body);
  assert.match(res.body, /connected/);
}

const rpcError = (body: string) =>
  (JSON.parse(body) as { error: { code: number; data: Record<string, unknown> } }).error;

test('an MCP request before the upstream is connected gets a JSON-RPC error with the connect URL', async () => {
  const { token } = await h.signIn({ email: 'nobody@example.com' });
  const res = await h.check(mcp(token));
  assert.equal(res.allowed, false);
  assert.equal(res.status, 403);
  const err = rpcError(res.body);
  assert.equal(err.code, -32003);
  assert.equal(
    err.data.connect_url,
    'https://tools.example.com/.pomerium/mcp/upstream/connect?route=tools',
  );
});

test('after connecting once, every request carries the upstream token; the record is sealed', async () => {
  const alice = await h.signIn({ email: 'alice@example.com' });
  await connect(alice.token);
  const res = await h.check(mcp(alice.token));
  assert.equal(res.allowed, true, res.body);
  assert.match(String(res.headers.authorization), /^Bearer up-at-\d+$/);
  assert.ok(!res.headersToRemove.includes('authorization'));
  const rec = await h.store.get('mcp_upstream_token', `tools|${alice.userId}`);
  const data = rec?.data as McpUpstreamToken;
  assert.equal(data.user_id, alice.userId);
  assert.equal(data.refresh_available, true);
  assert.doesNotMatch(JSON.stringify(data), /up-at-|up-rt-/, 'sealed at rest');
  // the other MCP route (no upstream_oauth2) is untouched
  const plain = await h.check(mcp(alice.token, 'plain.example.com', 'plain'));
  assert.equal(plain.allowed, true);
  assert.equal(plain.headers.authorization, undefined);
  // the list of MCP servers says it is connected
  const list = await h.check(internal(alice.token, '/.pomerium/mcp/routes'));
  const servers = (JSON.parse(list.body) as { servers: Record<string, unknown>[] }).servers;
  assert.deepEqual(
    servers.find((s) => s.name === 'Tools'),
    { name: 'Tools', url: 'https://tools.example.com', connected: true, needs_oauth: true },
  );
});

test('an expired token is refreshed once, however many requests wait, and rotated', async () => {
  const carol = await h.signIn({ email: 'carol@example.com', ttlMs: 24 * 3_600_000 });
  await connect(carol.token);
  const first = String((await h.check(mcp(carol.token))).headers.authorization);
  const before = refreshes;
  clock += 5 * 60_000;
  const [a, b, c] = await Promise.all([
    h.check(mcp(carol.token)),
    h.check(mcp(carol.token)),
    h.check(mcp(carol.token)),
  ]);
  assert.equal(refreshes - before, 1, 'one refresh for three waiting requests');
  for (const r of [a, b, c]) {
    assert.equal(r.allowed, true, r.body);
    assert.equal(r.headers.authorization, a.headers.authorization);
  }
  assert.notEqual(a.headers.authorization, first);
  assert.ok(
    seenAuth.every((v) => v.startsWith('Basic ')),
    'client_secret_basic by default',
  );
});

test('a refresh the provider refuses ends the connection: connect again', async () => {
  const dave = await h.signIn({ email: 'dave@example.com', ttlMs: 24 * 3_600_000 });
  await connect(dave.token);
  refreshTokens.clear(); // the provider revokes every refresh token
  clock += 5 * 60_000;
  const res = await h.check(mcp(dave.token));
  assert.equal(res.status, 403);
  assert.equal(rpcError(res.body).code, -32003);
  assert.equal(res.headers.authorization, undefined);
  assert.equal(await h.store.get('mcp_upstream_token', `tools|${dave.userId}`), null);
});

test('a callback opened by another session is refused and stores nothing for it', async () => {
  const alice = await h.signIn({ email: 'alice2@example.com' });
  const mallory = await h.signIn({ email: 'mallory@example.com' });
  const cb = await startConnect(alice.token);
  const res = await h.check(internal(mallory.token, cb));
  assert.equal(res.status, 403);
  assert.equal(await h.store.get('mcp_upstream_token', `tools|${mallory.userId}`), null);
  assert.equal(await h.store.get('mcp_upstream_token', `tools|${alice.userId}`), null);
});

test("a record copied to another user's id does not open: no token is attached", async () => {
  const erin = await h.signIn({ email: 'erin@example.com' });
  const frank = await h.signIn({ email: 'frank@example.com' });
  await connect(erin.token);
  const rec = (await h.store.get('mcp_upstream_token', `tools|${erin.userId}`))!
    .data as McpUpstreamToken;
  const id = `tools|${frank.userId}`;
  await h.store.put([
    { type: 'mcp_upstream_token', id, data: { ...rec, id, user_id: frank.userId } },
  ]);
  const res = await h.check(mcp(frank.token));
  assert.equal(res.status, 403);
  assert.equal(res.headers.authorization, undefined);
  assert.doesNotMatch(res.body, /up-at-/);
});

const BAD_CALLBACKS: readonly [string, (cb: string) => string, number][] = [
  ['a tampered state', (cb) => cb.replace(/state=([^&]{10})/, 'state=AAAAAAAAAA'), 400],
  ['no state', (cb) => cb.replace(/&?state=[^&]*/, ''), 400],
  ['a provider error', (cb) => cb.replace(/code=[^&]*/, 'error=access_denied'), 502],
  ['no code', (cb) => cb.replace(/code=[^&]*&?/, ''), 400],
  ['a replayed code', (cb) => cb, 502],
];
for (const [what, edit, status] of BAD_CALLBACKS) {
  test(`a callback with ${what} is refused and stores nothing`, async () => {
    const u = await h.signIn({ email: `${randomUUID()}@example.com` });
    const cb = await startConnect(u.token);
    if (what === 'a replayed code') {
      // the code is spent once: a second callback with it is refused by the provider
      const q = new URLSearchParams(cb.split('?')[1]);
      codes.delete(q.get('code')!);
    }
    const res = await h.check(internal(u.token, edit(cb)));
    assert.equal(res.status, status, res.body);
    assert.equal(await h.store.get('mcp_upstream_token', `tools|${u.userId}`), null);
  });
}

const BAD_TOKENS = ['garbage', 'error', 'injection', 'not-bearer'] as const;
for (const mode of BAD_TOKENS) {
  test(`a token endpoint answering ${mode} is a clean 502 and stores nothing`, async () => {
    const u = await h.signIn({ email: `${randomUUID()}@example.com` });
    const cb = await startConnect(u.token);
    tokenMode = mode;
    try {
      const res = await h.check(internal(u.token, cb));
      assert.equal(res.status, 502, res.body);
      assert.doesNotMatch(res.body, /x-admin/);
    } finally {
      tokenMode = 'ok';
    }
    assert.equal(await h.store.get('mcp_upstream_token', `tools|${u.userId}`), null);
  });
}

test('connect refuses a route that is not an upstream_oauth2 route of this host', async () => {
  const u = await h.signIn({ email: 'gina@example.com' });
  for (const [path, host] of [
    ['/.pomerium/mcp/upstream/connect?route=plain', 'tools.example.com'],
    ['/.pomerium/mcp/upstream/connect?route=tools', 'plain.example.com'],
    ['/.pomerium/mcp/upstream/connect', 'tools.example.com'],
  ] as const) {
    const res = await h.check(internal(u.token, path, host));
    assert.equal(res.status, 400, `${host}${path}`);
  }
});

test('connect and callback without a session send a browser to sign in', async () => {
  const res = await h.check(
    fixture('browser-get', (f: CheckFixture) => {
      const http = f.attributes.request.http;
      http.host = 'tools.example.com';
      http.path = '/.pomerium/mcp/upstream/connect?route=tools';
      http.headers[':authority'] = 'tools.example.com';
      http.headers[':path'] = http.path;
      http.headers.accept = 'text/html';
      f.attributes.context_extensions = { internal: 'true', route_id: '' };
    }),
  );
  assert.equal(res.status, 302);
  assert.doesNotMatch(String(res.headers.location), /authorize/);
});

const AFTER = 'https://app.example.com/after-connect';
const pomeriumConnect = (redirect: string) =>
  `/.pomerium/mcp/connect?redirect_url=${encodeURIComponent(redirect)}`;

test("Pomerium's connect for an MCP client app runs the upstream flow, then returns to the app", async () => {
  const u = await h.signIn({ email: 'henry@example.com' });
  const start = await h.check(internal(u.token, pomeriumConnect(AFTER)));
  assert.equal(start.status, 302, start.body);
  const location = new URL(String(start.headers.location));
  assert.equal(`${location.origin}${location.pathname}`, `${providerUrl}/authorize`);
  const back = await fetch(location, { redirect: 'manual' });
  const cb = new URL(String(back.headers.get('location')));
  const done = await h.check(internal(u.token, `${cb.pathname}${cb.search}`));
  assert.equal(done.status, 302, done.body);
  assert.equal(done.headers.location, AFTER);
  const again = await h.check(internal(u.token, pomeriumConnect(AFTER)));
  assert.equal(again.status, 302);
  assert.equal(again.headers.location, AFTER, 'connected: straight back to the app');
  const res = await h.check(mcp(u.token));
  assert.equal(res.allowed, true);
});

test("Pomerium's connect on a server without upstream OAuth goes straight back to the app", async () => {
  const u = await h.signIn({ email: 'ines@example.com' });
  const res = await h.check(internal(u.token, pomeriumConnect(AFTER), 'plain.example.com'));
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, AFTER);
});

const BAD_REDIRECTS: readonly [string, string | null][] = [
  ['no redirect_url', null],
  ['an http URL', 'http://app.example.com/after'],
  ['another host', 'https://evil.example.com/after'],
  ['a server route host (not an MCP client route)', 'https://tools.example.com/after'],
  ['credentials in the URL', 'https://user:pw@app.example.com/after'],
  ['not a URL', '//app.example.com/after'],
];
for (const [what, redirect] of BAD_REDIRECTS) {
  test(`connect refuses a redirect_url with ${what} (400)`, async () => {
    const u = await h.signIn({ email: 'jo@example.com' });
    const path = redirect === null ? '/.pomerium/mcp/connect' : pomeriumConnect(redirect);
    const res = await h.check(internal(u.token, path));
    assert.equal(res.status, 400, res.body);
    assert.equal(res.headers.location, undefined);
    const mine = await h.check(
      internal(
        u.token,
        `/.pomerium/mcp/upstream/connect?route=tools&redirect_url=${encodeURIComponent(redirect ?? '')}`,
      ),
    );
    assert.equal(mine.status, 400, mine.body);
  });
}
