// The MCP authorization server's HTTP endpoints in the real authn server (authn/handle-mcp-oauth.ts,
// docs/mcp.md): served only on route hosts of `mcp: server:` routes without their own
// authorization_server_url; the authorize step issues a code only with a pass authz minted for
// this host (a request that did not come through authz, or with a forged or borrowed pass, gets
// nothing); registration, token exchange and CORS over HTTP.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { createAuthnServer } from '../../../authn/index.js';
import { parseConfigText } from '../../../config/index.js';
import { createMemoryStore, type RecordStore } from '../../../databroker/index.js';
import { AUTHORIZE_PASS_HEADER, mcpKeysOf, signMcpToken } from '../../../mcp/index.js';
import { deriveKeys } from '../../../wire/index.js';

const SECRET = randomBytes(32).toString('base64');
const YAML = `
authenticate_service_url: https://auth.example.com
shared_secret: ${SECRET}
idp_provider: oidc
idp_provider_url: https://idp.example.com
idp_client_id: c
idp_client_secret: s
runtime_flags:
  mcp_dynamic_client_registration: true
routes:
  - from: https://mcp.example.com
    to: http://127.0.0.1:9
    mcp:
      server: {}
    allow_any_authenticated_user: true
  - from: https://ext.example.com
    to: http://127.0.0.1:9
    mcp:
      server:
        authorization_server_url: https://as.example.com
    allow_any_authenticated_user: true
  - from: https://web.example.com
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
`;

let store: RecordStore;
let close: () => Promise<void>;
let port = 0;
const keys = mcpKeysOf(deriveKeys(SECRET).sessionKey);
const REDIRECT = 'http://127.0.0.1:4567/cb';
const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');

before(async () => {
  const { config } = parseConfigText(YAML, { file: 'mcp-authn.yaml', env: {} });
  store = createMemoryStore();
  const authn = createAuthnServer({ config, store, refresh: false });
  port = (await authn.listen(0, '127.0.0.1')).port;
  close = () => authn.close();
  const now = Date.now();
  await store.put([
    {
      type: 'session',
      id: 's1',
      data: {
        id: 's1',
        user_id: 'alice',
        idp_id: authn.defaultIdpId,
        issued_at: now,
        accessed_at: now,
        expires_at: now + 3_600_000,
        oauth_token: null,
        id_token: null,
        claims: {},
        audience: [],
        groups: [],
      },
    },
  ]);
});
after(async () => {
  await close?.();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
function send(
  host: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { host, 'x-forwarded-proto': 'https', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pass = (over: Record<string, unknown> = {}, key = keys.authorize) => {
  const iat = Math.floor(Date.now() / 1000);
  return signMcpToken(
    'authorize',
    { sid: 's1', sub: 'alice', idp_id: 'x', host: 'mcp.example.com', iat, exp: iat + 60, ...over },
    key,
  );
};

async function registered(): Promise<string> {
  const r = await send(
    'mcp.example.com',
    'POST',
    '/.pomerium/mcp/register',
    { 'content-type': 'application/json' },
    JSON.stringify({ redirect_uris: [REDIRECT], client_name: 'it' }),
  );
  assert.equal(r.status, 201, r.body);
  return JSON.parse(r.body).client_id;
}

const authorizePath = (clientId: string) =>
  `/.pomerium/mcp/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 's',
    resource: 'https://mcp.example.com/mcp',
  })}`;

const NO_CODE: readonly [string, Record<string, string>][] = [
  ['no pass (the request did not come through authz)', {}],
  ['a pass for another host', { [AUTHORIZE_PASS_HEADER]: pass({ host: 'other.example.com' }) }],
  ['a pass signed with another key', { [AUTHORIZE_PASS_HEADER]: pass({}, keys.access) }],
  [
    'an expired pass',
    { [AUTHORIZE_PASS_HEADER]: pass({ exp: Math.floor(Date.now() / 1000) - 1 }) },
  ],
  [
    'an access token as pass',
    { [AUTHORIZE_PASS_HEADER]: signMcpToken('access', { exp: 9e9 }, keys.access) },
  ],
  ['garbage', { [AUTHORIZE_PASS_HEADER]: 'x.y.z' }],
];
for (const [what, headers] of NO_CODE) {
  test(`authorize with ${what} issues no code`, async () => {
    const client = await registered();
    const r = await send('mcp.example.com', 'GET', authorizePath(client), headers);
    assert.equal(r.status, 400);
    assert.equal(r.headers.location, undefined);
  });
}

test("registration, authorize with authz's pass, and the token exchange over HTTP", async () => {
  const client = await registered();
  const a = await send('mcp.example.com', 'GET', authorizePath(client), {
    [AUTHORIZE_PASS_HEADER]: pass(),
  });
  assert.equal(a.status, 302, a.body);
  const back = new URL(String(a.headers.location));
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  assert.equal(back.searchParams.get('iss'), 'https://mcp.example.com');
  const pre = await send('mcp.example.com', 'OPTIONS', '/.pomerium/mcp/token', {
    origin: 'https://app.example.net',
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['access-control-allow-origin'], '*');
  const t = await send(
    'mcp.example.com',
    'POST',
    '/.pomerium/mcp/token',
    { 'content-type': 'application/x-www-form-urlencoded' },
    new URLSearchParams({
      grant_type: 'authorization_code',
      code: String(back.searchParams.get('code')),
      client_id: client,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    }).toString(),
  );
  assert.equal(t.status, 200, t.body);
  assert.equal(t.headers['cache-control'], 'no-store');
  const body = JSON.parse(t.body);
  assert.ok(body.access_token && body.refresh_token);
});

const NOT_SERVED: readonly [string, string, string][] = [
  ['a web route host', 'web.example.com', '/.pomerium/mcp/token'],
  ['an MCP route with its own authorization server', 'ext.example.com', '/.pomerium/mcp/register'],
  ['an unknown host', 'unknown.example.com', '/.pomerium/mcp/token'],
];
for (const [what, host, path] of NOT_SERVED) {
  test(`serves no authorization server on ${what}`, async () => {
    const r = await send(host, 'POST', path, { 'content-type': 'application/json' }, '{}');
    assert.equal(r.status, 404);
  });
}

test('the token endpoint refuses GET and a body that is not a form', async () => {
  assert.equal((await send('mcp.example.com', 'GET', '/.pomerium/mcp/token')).status, 405);
  const r = await send(
    'mcp.example.com',
    'POST',
    '/.pomerium/mcp/token',
    { 'content-type': 'text/plain' },
    'x',
  );
  assert.equal(r.status, 400);
});

test('a flood of dynamic registrations is cut off with 429 (clients stored stay bounded)', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 100; i++) {
    const r = await send(
      'mcp.example.com',
      'POST',
      '/.pomerium/mcp/register',
      { 'content-type': 'application/json' },
      JSON.stringify({ redirect_uris: [REDIRECT] }),
    );
    statuses.push(r.status);
  }
  assert.ok(statuses.includes(429), statuses.join(','));
  const admitted = statuses.filter((s) => s === 201).length;
  assert.ok(admitted < 100, 'not every registration was stored');
});
