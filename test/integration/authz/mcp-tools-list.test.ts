// tools/list filtering through a real Envoy (ENVOY_BIN) and the real authz server (docs/mcp.md
// "tools/list shows only the tools you may call"): authz seals a ticket on an allowed tools/list,
// Envoy's ext_proc filter hands the upstream's answer to authz, which drops every tool the user
// may not call. JSON and SSE answers; hostile upstreams (padded answers, duplicate keys, tool
// names with unicode tricks, answers that are not JSON) and hostile clients (a forged ticket).
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { recordId, sealTokenSet } from '../../../authz/mcp/upstream-tokens.js';
import { envoyInFrontOf } from '../../helpers/authz-envoy.js';
import {
  type AuthzHarness,
  SHARED_SECRET,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';
import { type EchoUpstream, startEchoUpstream } from '../../helpers/echo-upstream.js';
import type { HttpResult, RunningEnvoy } from '../../helpers/spawn-envoy.js';

const TICKET = 'x-portcullis-mcp-tools-list';

/** What the fake MCP upstream answers to the next tools/list (raw body and content type). */
let answer: { type: string; body: string } = { type: 'application/json', body: '' };
/** Headers of the last request the upstream saw. */
let seen: Record<string, string | string[] | undefined> = {};

function toolsResult(id: number, names: readonly unknown[]): Record<string, unknown> {
  return {
    jsonrpc: '2.0',
    id,
    result: { tools: names.map((name) => ({ name, inputSchema: { type: 'object' } })) },
  };
}
const jsonList = (names: readonly unknown[]) => ({
  type: 'application/json',
  body: JSON.stringify(toolsResult(1, names)),
});

let mcp: Server;
let authn: EchoUpstream;
let authz: AuthzHarness;
let envoy: RunningEnvoy;
let port: number;
let alice: string;
let bob: string;

before(async () => {
  mcp = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      seen = req.headers;
      const parsed = body === '' ? {} : JSON.parse(body);
      if (Array.isArray(parsed)) {
        // a batch: the answer to its tools/list is the list of the test, others an empty result
        const out = parsed.map((m: { method?: string; id?: number }) =>
          m.method === 'tools/list'
            ? (JSON.parse(answer.body) as Record<string, unknown>)
            : { jsonrpc: '2.0', id: m.id ?? null, result: {} },
        );
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'mcp' });
        res.end(JSON.stringify(out));
        return;
      }
      const msg = parsed as { method?: string; id?: number };
      if (msg.method === 'tools/list') {
        res.writeHead(200, { 'content-type': answer.type, 'x-upstream': 'mcp' });
        res.end(answer.body);
        return;
      }
      const out = JSON.stringify({ jsonrpc: '2.0', id: msg.id ?? null, result: { ok: true } });
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'mcp' });
      res.end(out);
    });
  });
  await new Promise<void>((r) => mcp.listen(0, '127.0.0.1', r));
  authn = await startEchoUpstream('authn');
  authz = await startAuthzHarness({
    yaml: `
insecure_server: true
address: 127.0.0.1:0
routes:
  - id: mcp
    from: http://mcp.example.com
    to: http://127.0.0.1:${(mcp.address() as AddressInfo).port}
    mcp:
      server: {}
    policy:
      allow:
        and:
          - domain:
              is: example.com
      deny:
        and:
          - mcp_tool:
              starts_with: admin_
          - email:
              is: alice@example.com
  - id: upstream-oauth
    from: http://oauth-mcp.example.com
    to: http://127.0.0.1:${(mcp.address() as AddressInfo).port}
    mcp:
      server:
        upstream_oauth2:
          client_id: up-client
          endpoint:
            auth_url: https://provider.example.com/authorize
            token_url: https://provider.example.com/token
    allow_any_authenticated_user: true
  - id: web
    from: http://web.example.com
    to: http://127.0.0.1:${(mcp.address() as AddressInfo).port}
    allow_any_authenticated_user: true
`,
  });
  ({ envoy, port } = await envoyInFrontOf(authz, authn));
  const signedIn = await authz.signIn({ email: 'alice@example.com' });
  alice = signedIn.token;
  // alice connected the upstream_oauth2 route earlier: her token is in the databroker, sealed
  const id = recordId('upstream-oauth', signedIn.userId);
  const sealed = sealTokenSet(SHARED_SECRET, 'upstream-oauth', signedIn.userId, {
    access_token: 'alice-upstream-token',
    token_type: 'Bearer',
    refresh_token: '',
    expires_at: 0,
  });
  await authz.store.put([
    {
      type: 'mcp_upstream_token',
      id,
      data: {
        id,
        route_id: 'upstream-oauth',
        user_id: signedIn.userId,
        sealed,
        expires_at: 0,
        refresh_available: false,
      },
    },
  ]);
  bob = (await authz.signIn({ email: 'bob@example.com' })).token;
});
after(async () => {
  await envoy?.stop();
  await authz?.close().catch(() => undefined);
  await authn?.close();
  await new Promise((r) => mcp?.close(r));
});

function send(
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
  host = 'mcp.example.com',
): Promise<HttpResult> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        agent: false,
        headers: {
          host,
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
          authorization: `Bearer Pomerium-${token}`,
          ...headers,
        },
      },
      (res) => {
        let out = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          out += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: out }),
        );
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const LIST = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
const call = (name: string) => ({
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/call',
  params: { name, arguments: {} },
});
const namesOf = (res: HttpResult): string[] =>
  (JSON.parse(res.body) as { result: { tools: { name: string }[] } }).result.tools.map(
    (t) => t.name,
  );

test('a tools/list answer lists only the tools the user may call', async () => {
  answer = jsonList(['add', 'admin_drop', 'search', 'admin_grant']);
  const res = await send(alice, LIST);
  assert.equal(res.status, 200, res.body);
  assert.equal(res.headers['x-upstream'], 'mcp');
  assert.deepEqual(namesOf(res), ['add', 'search']);
  assert.equal(seen[TICKET], undefined, 'the ticket never reaches the upstream');
});

test('another user whom the policy lets call every tool sees the whole list', async () => {
  answer = jsonList(['add', 'admin_drop', 'search', 'admin_grant']);
  const res = await send(bob, LIST);
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(namesOf(res), ['add', 'admin_drop', 'search', 'admin_grant']);
});

test('a Streamable HTTP answer as server-sent events is filtered event by event', async () => {
  const event = (m: unknown) => `event: message\nid: 7\ndata: ${JSON.stringify(m)}\n\n`;
  answer = {
    type: 'text/event-stream',
    body: `: keep-alive\n\n${event(toolsResult(1, ['admin_drop', 'add']))}data: not json\n\n`,
  };
  const res = await send(alice, LIST);
  assert.equal(res.status, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/event-stream/);
  const events = res.body.split('\n\n').filter((e) => e !== '');
  assert.deepEqual(events[0], ': keep-alive');
  assert.match(events[1]!, /^event: message\nid: 7\ndata: /);
  const data = JSON.parse(events[1]!.split('\ndata: ')[1]!);
  assert.deepEqual(
    data.result.tools.map((t: { name: string }) => t.name),
    ['add'],
  );
  assert.equal(events.length, 2, 'an event whose data is not JSON is dropped');
});

test('a forbidden tool stays refused with a JSON-RPC error and an allowed one passes', async () => {
  const refused = await send(alice, call('admin_drop'));
  assert.equal(refused.status, 403);
  assert.equal(JSON.parse(refused.body).error.code, -32001);
  const ok = await send(alice, call('add'));
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['x-upstream'], 'mcp');
});

// A tool is listed exactly when a call of it is allowed: the list and the call are judged on the
// same string (unicode lookalikes are other tools, to the policy as to the upstream).
const NAMES: readonly [string, string][] = [
  ['the plain name', 'admin_drop'],
  ['upper case', 'ADMIN_drop'],
  ['a Cyrillic а', '\u0430dmin_drop'],
  ['a zero-width space in front', '\u200badmin_drop'],
  ['a zero-width joiner inside the prefix', 'admin\u200d_drop'],
  ['a fullwidth a', '\uff41dmin_drop'],
  ['a combining mark after the prefix', 'admin_\u0301drop'],
  ['a right-to-left override', '\u202eadmin_drop'],
  ['a NUL inside', 'admin_\u0000drop'],
];
for (const [what, name] of NAMES) {
  test(`a tool name with ${what} is listed exactly when calling it is allowed`, async () => {
    answer = jsonList([name]);
    const listed = namesOf(await send(alice, LIST)).includes(name);
    const called = await send(alice, call(name));
    assert.equal(listed, called.status === 200, `listed ${listed}, call ${called.status}`);
  });
}

const HOSTILE_LISTS: readonly [string, { type: string; body: string }, string[]][] = [
  [
    'a duplicate name key (the last one counts, and only it is written back)',
    {
      type: 'application/json',
      body: '{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"add","name":"admin_drop"},{"name":"admin_x","name":"search"}]}}',
    },
    ['search'],
  ],
  [
    'entries without a string name',
    {
      type: 'application/json',
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        result: {
          tools: [{ name: 7 }, {}, 'admin_drop', null, { name: ['admin_drop'] }, { name: 'add' }],
        },
      }),
    },
    ['add'],
  ],
  [
    'a batch answer',
    {
      type: 'application/json; charset=utf-8',
      body: JSON.stringify([toolsResult(1, ['admin_drop', 'add']), toolsResult(2, ['admin_y'])]),
    },
    ['add'],
  ],
];
for (const [what, list, expected] of HOSTILE_LISTS) {
  test(`an upstream list with ${what} is filtered`, async () => {
    answer = list;
    const res = await send(alice, LIST);
    assert.equal(res.status, 200, res.body);
    const parsed = JSON.parse(res.body);
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    const names = messages.flatMap((m: { result: { tools: { name: unknown }[] } }) =>
      m.result.tools.map((t) => t.name),
    );
    assert.deepEqual(names, expected);
    assert.doesNotMatch(res.body, /admin_/);
  });
}

const UNFILTERABLE: readonly [string, { type: string; body: string }][] = [
  ['an HTML page', { type: 'text/html', body: '<ul><li>admin_drop</li></ul>' }],
  [
    'JSON that does not parse',
    { type: 'application/json', body: '{"result":{"tools":[{"name":"admin_drop"}' },
  ],
  ['no content type', { type: '', body: JSON.stringify(toolsResult(1, ['admin_drop'])) }],
  [
    'a body padded far beyond the buffer limit',
    jsonList(['admin_drop', 'add', 'x'.repeat(4 * 1024 * 1024)]),
  ],
];
for (const [what, list] of UNFILTERABLE) {
  test(`an upstream tools/list answer with ${what} is refused, never passed unfiltered`, async () => {
    answer = list;
    const res = await send(alice, LIST);
    assert.ok(res.status >= 500, `status ${res.status}`);
    assert.doesNotMatch(res.body, /admin_drop/);
    answer = jsonList(['add']);
    const next = await send(alice, LIST);
    assert.equal(next.status, 200, 'authz keeps serving');
    assert.deepEqual(namesOf(next), ['add']);
  });
}

test('a tools/list inside a batch is filtered too', async () => {
  answer = jsonList(['admin_drop', 'add']);
  const res = await send(alice, [{ jsonrpc: '2.0', id: 5, method: 'ping' }, LIST]);
  assert.equal(res.status, 200, res.body);
  const [ping, list] = JSON.parse(res.body) as [unknown, { result: { tools: { name: string }[] } }];
  assert.deepEqual(ping, { jsonrpc: '2.0', id: 5, result: {} });
  assert.deepEqual(
    list.result.tools.map((t) => t.name),
    ['add'],
  );
});

test('a ticket a client forges is replaced on tools/list and removed on other calls', async () => {
  answer = jsonList(['admin_drop', 'add']);
  const forged = { [TICKET]: 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
  const listed = await send(alice, LIST, forged);
  assert.equal(listed.status, 200, listed.body);
  assert.deepEqual(namesOf(listed), ['add']);
  const other = await send(alice, call('add'), forged);
  assert.equal(other.status, 200);
  assert.equal(seen[TICKET], undefined);
});

test('answers other than tools/list pass unchanged, and non-MCP routes are not processed', async () => {
  const res = await send(alice, { jsonrpc: '2.0', id: 3, method: 'ping' });
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { jsonrpc: '2.0', id: 3, result: { ok: true } });
  answer = jsonList(['admin_drop']);
  const web = await send(alice, LIST, {}, 'web.example.com');
  assert.equal(web.status, 200);
  assert.match(web.body, /admin_drop/, 'a web route is not an MCP route: no filter');
});

test("upstream_oauth2: the user's upstream token reaches the upstream as Authorization, never the client", async () => {
  const res = await send(alice, call('add'), {}, 'oauth-mcp.example.com');
  assert.equal(res.status, 200, res.body);
  assert.equal(seen.authorization, 'Bearer alice-upstream-token');
  assert.doesNotMatch(JSON.stringify(res.headers) + res.body, /alice-upstream-token/);
  const other = await send(bob, call('add'), {}, 'oauth-mcp.example.com');
  assert.equal(other.status, 403, 'bob has not connected');
  assert.equal(JSON.parse(other.body).error.code, -32003);
});
