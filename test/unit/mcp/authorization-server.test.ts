// The MCP authorization server's rules (mcp/oauth/authorization-server.ts, docs/mcp.md) on a
// memory databroker: registration, the authorize request, code redemption with PKCE, refresh
// rotation and family revocation, revocation; each with a table of hostile variants.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { beforeEach, test } from 'node:test';
import { createMemoryStore, type RecordStore } from '../../../databroker/index.js';
import {
  ACCESS_TOKEN_TTL_S,
  type AuthorizationServer,
  authorizationServerMetadata,
  authorize,
  ClientMetadataError,
  exchangeToken,
  mcpKeysOf,
  type OAuthAnswer,
  readAccessToken,
  registerClient,
  revokeToken,
} from '../../../mcp/index.js';

const ISSUER = 'https://mcp.example.com';
const REDIRECT = 'http://127.0.0.1:33418/callback';
const KEY = mcpKeysOf(new Uint8Array(randomBytes(32))).access;
const T0 = 1_800_000_000_000;
const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');

let store: RecordStore;
let now = T0;
let fetched: string[] = [];

function as(over: Partial<AuthorizationServer> = {}): AuthorizationServer {
  return {
    issuer: ISSUER,
    store,
    now,
    accessKey: KEY,
    registrationEnabled: true,
    fetchClientMetadata: async (id) => {
      fetched.push(id);
      if (id.startsWith('https://evil.example.net/')) {
        throw new ClientMetadataError('the client domain is not allowed', 'domain');
      }
      return { client_id: id, client_name: 'doc', redirect_uris: [REDIRECT] };
    },
    ...over,
  };
}

const USER = { sessionId: 'sess-1', userId: 'alice', idpId: 'idp-1' };

beforeEach(async () => {
  store = createMemoryStore();
  now = T0;
  fetched = [];
  await store.put([
    {
      type: 'session',
      id: 'sess-1',
      data: {
        id: 'sess-1',
        user_id: 'alice',
        idp_id: 'idp-1',
        issued_at: T0,
        accessed_at: T0,
        expires_at: T0 + 3_600_000,
        oauth_token: {
          access_token: 'IDP-SECRET',
          token_type: 'Bearer',
          refresh_token: 'IDP-R',
          expires_at: 0,
        },
        id_token: null,
        claims: {},
        audience: [],
        groups: [],
      },
    },
  ]);
});

async function register(): Promise<string> {
  const r = await registerClient(as(), { redirect_uris: [REDIRECT], client_name: 'test' });
  assert.equal(r.status, 201);
  return String(r.body!.client_id);
}

function authorizeQuery(clientId: string, over: Record<string, string | null> = {}) {
  const q = new URLSearchParams();
  const base: Record<string, string | null> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st-1',
    resource: `${ISSUER}/mcp`,
    ...over,
  };
  for (const [k, v] of Object.entries(base)) if (v !== null) q.append(k, v);
  return q;
}

async function codeFor(clientId: string): Promise<string> {
  const r = await authorize(as(), authorizeQuery(clientId), USER);
  assert.equal(r.status, 302, JSON.stringify(r));
  const code = new URL(r.location!).searchParams.get('code');
  assert.ok(code);
  return code;
}

const form = (o: Record<string, string>) => new URLSearchParams(o);

async function redeem(clientId: string, code: string, over: Record<string, string> = {}) {
  return exchangeToken(
    as(),
    form({
      grant_type: 'authorization_code',
      code,
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      ...over,
    }),
  );
}

const err = (a: OAuthAnswer) => a.body?.error;

test('metadata advertises code + S256 only, public clients, and registration only when on', () => {
  const on = authorizationServerMetadata(ISSUER, true, false);
  assert.equal(on.issuer, ISSUER);
  assert.deepEqual(on.code_challenge_methods_supported, ['S256']);
  assert.deepEqual(on.response_types_supported, ['code']);
  assert.equal(on.registration_endpoint, `${ISSUER}/.pomerium/mcp/register`);
  assert.equal(on.token_endpoint, `${ISSUER}/.pomerium/mcp/token`);
  assert.equal(authorizationServerMetadata(ISSUER, false, true).registration_endpoint, undefined);
});

test('the whole grant: code, tokens bound to the resource, no IdP token in the answer', async () => {
  const client = await register();
  const code = await codeFor(client);
  const t = await redeem(client, code);
  assert.equal(t.status, 200, JSON.stringify(t));
  assert.equal(t.body!.token_type, 'Bearer');
  assert.equal(t.body!.expires_in, ACCESS_TOKEN_TTL_S);
  assert.doesNotMatch(JSON.stringify(t.body), /IDP-SECRET|IDP-R/);
  const claims = readAccessToken(String(t.body!.access_token), KEY, now);
  assert.equal(claims?.aud, `${ISSUER}/mcp`);
  assert.equal(claims?.sid, 'sess-1');
  assert.equal(claims?.iss, ISSUER);
  assert.equal(
    readAccessToken(String(t.body!.access_token), KEY, now + ACCESS_TOKEN_TTL_S * 1000),
    null,
    'expires',
  );
});

test('registration is refused while mcp_dynamic_client_registration is off', async () => {
  const r = await registerClient(as({ registrationEnabled: false }), { redirect_uris: [REDIRECT] });
  assert.equal(r.status, 403);
  assert.equal(await store.list('mcp_client').then((p) => p.records.length), 0);
});

const BAD_REDIRECTS: readonly [string, unknown][] = [
  ['http on a non-loopback host', 'http://client.example.com/cb'],
  ['a fragment', 'https://client.example.com/cb#x'],
  ['userinfo', 'https://user:pw@client.example.com/cb'],
  ['userinfo tricking the host', 'https://client.example.com@evil.example.net/cb'],
  ['javascript:', 'javascript:alert(1)'],
  ['data:', 'data:text/html,hi'],
  ['file:', 'file:///etc/passwd'],
  ['a relative URI', '/cb'],
  ['a non-string', 42],
  ['a backslash', 'https://client.example.com\\@evil.example.net/cb'],
  ['a newline', 'https://client.example.com/cb\nx'],
];
for (const [what, uri] of BAD_REDIRECTS) {
  test(`registration refuses a redirect URI with ${what}`, async () => {
    const r = await registerClient(as(), { redirect_uris: [uri] });
    assert.equal(r.status, 400);
    assert.equal(err(r), 'invalid_redirect_uri');
  });
}

test('registration accepts https, loopback http and private-use schemes', async () => {
  for (const uri of [
    'https://c.example.com/cb',
    'http://localhost:9/cb',
    'http://[::1]:9/cb',
    'com.example.app:/cb',
  ]) {
    assert.equal((await registerClient(as(), { redirect_uris: [uri] })).status, 201, uri);
  }
});

const BAD_AUTHORIZE: readonly [string, Record<string, string | null>, string][] = [
  ['PKCE missing', { code_challenge: null, code_challenge_method: null }, 'invalid_request'],
  ['PKCE plain', { code_challenge_method: 'plain', code_challenge: verifier }, 'invalid_request'],
  ['PKCE method missing (plain by default)', { code_challenge_method: null }, 'invalid_request'],
  ['a challenge that is not S256', { code_challenge: 'short' }, 'invalid_request'],
  ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
  ['a resource on another host', { resource: 'https://other.example.com/mcp' }, 'invalid_target'],
  ['a resource with a fragment', { resource: `${ISSUER}/mcp#x` }, 'invalid_target'],
  ['a resource that is not a URL', { resource: 'mcp' }, 'invalid_target'],
];
for (const [what, over, code] of BAD_AUTHORIZE) {
  test(`authorize sends ${what} back to the client as ${code}, no code issued`, async () => {
    const client = await register();
    const r = await authorize(as(), authorizeQuery(client, over), USER);
    assert.equal(r.status, 302);
    const back = new URL(r.location!);
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    assert.equal(back.searchParams.get('error'), code);
    assert.equal(back.searchParams.get('code'), null);
    assert.equal(back.searchParams.get('state'), 'st-1');
  });
}

const UNREGISTERED_REDIRECTS: readonly string[] = [
  'http://127.0.0.1:33418/callback/../evil',
  'http://127.0.0.1:33418/callbackx',
  'http://127.0.0.1:33419/callback',
  'http://127.0.0.1:33418/callback#frag',
  'http://evil@127.0.0.1:33418/callback',
  'https://evil.example.net/callback',
  'HTTP://127.0.0.1:33418/callback',
];
for (const uri of UNREGISTERED_REDIRECTS) {
  test(`authorize never redirects to an unregistered redirect URI (${uri})`, async () => {
    const client = await register();
    const r = await authorize(as(), authorizeQuery(client, { redirect_uri: uri }), USER);
    assert.equal(r.status, 400);
    assert.equal(r.location, undefined);
  });
}

test('authorize refuses an unknown client and a repeated client_id without redirecting', async () => {
  const r = await authorize(as(), authorizeQuery('mcp-nope'), USER);
  assert.equal(r.status, 401);
  assert.equal(err(r), 'invalid_client');
  const client = await register();
  const q = authorizeQuery(client);
  q.append('client_id', client);
  assert.equal((await authorize(as(), q, USER)).status, 400);
});

test('a URL client id is fetched; one on a non-allowed domain is refused before any code', async () => {
  const good = 'https://client.example.com/meta.json';
  const r = await authorize(as(), authorizeQuery(good), USER);
  assert.equal(r.status, 302);
  assert.ok(new URL(r.location!).searchParams.get('code'));
  const bad = await authorize(as(), authorizeQuery('https://evil.example.net/meta.json'), USER);
  assert.equal(bad.status, 401);
  assert.equal(err(bad), 'invalid_client');
  assert.deepEqual(fetched, [good, 'https://evil.example.net/meta.json']);
});

const BAD_REDEEM: readonly [string, Record<string, string>, string][] = [
  ['a wrong verifier', { code_verifier: randomBytes(32).toString('base64url') }, 'invalid_grant'],
  ['the challenge as verifier (plain)', { code_verifier: challenge }, 'invalid_grant'],
  ['another client', { client_id: 'mcp-other' }, 'invalid_grant'],
  ['another redirect_uri', { redirect_uri: 'http://127.0.0.1:1/callback' }, 'invalid_grant'],
  ['another resource', { resource: 'https://mcp.example.com/other' }, 'invalid_target'],
];
for (const [what, over, code] of BAD_REDEEM) {
  test(`redeeming with ${what} is refused (${code}) and burns the code`, async () => {
    const client = await register();
    const c = await codeFor(client);
    const r = await redeem(client, c, over);
    assert.equal(r.status, 400);
    assert.equal(err(r), code);
    assert.equal(err(await redeem(client, c)), 'invalid_grant', 'the code is spent');
  });
}

test('redeeming without a verifier is invalid_request', async () => {
  const client = await register();
  const c = await codeFor(client);
  const r = await exchangeToken(
    as(),
    form({ grant_type: 'authorization_code', code: c, client_id: client, redirect_uri: REDIRECT }),
  );
  assert.equal(err(r), 'invalid_request');
});

test('a replayed authorization code is refused and revokes the tokens issued for it', async () => {
  const client = await register();
  const c = await codeFor(client);
  const first = await redeem(client, c);
  assert.equal(first.status, 200);
  const gid = readAccessToken(String(first.body!.access_token), KEY, now)!.gid;
  assert.ok(await store.get('mcp_grant', gid));
  const replay = await redeem(client, c);
  assert.equal(err(replay), 'invalid_grant');
  assert.equal(await store.get('mcp_grant', gid), null, 'the grant is revoked');
  const refresh = await exchangeToken(
    as(),
    form({
      grant_type: 'refresh_token',
      refresh_token: String(first.body!.refresh_token),
      client_id: client,
    }),
  );
  assert.equal(err(refresh), 'invalid_grant');
});

test('an expired code is refused', async () => {
  const client = await register();
  const c = await codeFor(client);
  now += 61_000;
  assert.equal(err(await redeem(client, c)), 'invalid_grant');
});

test('refresh rotates; reusing a rotated refresh token revokes the whole family', async () => {
  const client = await register();
  const t = await redeem(client, await codeFor(client));
  const r1 = String(t.body!.refresh_token);
  const refresh = (token: string, c = client) =>
    exchangeToken(as(), form({ grant_type: 'refresh_token', refresh_token: token, client_id: c }));
  const t2 = await refresh(r1);
  assert.equal(t2.status, 200);
  const r2 = String(t2.body!.refresh_token);
  assert.notEqual(r2, r1);
  const gid = r1.split('.')[0]!;
  assert.equal(err(await refresh(r2, 'mcp-other')), 'invalid_grant', 'another client');
  assert.equal(err(await refresh(r1)), 'invalid_grant', 'the rotated one');
  assert.equal(await store.get('mcp_grant', gid), null, 'family revoked');
  assert.equal(err(await refresh(r2)), 'invalid_grant', 'the newest one died too');
});

test('refresh after the session ended (sign-out) is refused and ends the grant', async () => {
  const client = await register();
  const t = await redeem(client, await codeFor(client));
  await store.delete('session', 'sess-1');
  const r = await exchangeToken(
    as(),
    form({
      grant_type: 'refresh_token',
      refresh_token: String(t.body!.refresh_token),
      client_id: client,
    }),
  );
  assert.equal(err(r), 'invalid_grant');
});

test('a code whose session ended before redemption gives no tokens', async () => {
  const client = await register();
  const c = await codeFor(client);
  await store.delete('session', 'sess-1');
  assert.equal(err(await redeem(client, c)), 'invalid_grant');
});

test('revocation (RFC 7009) of a refresh or access token ends the grant; another client cannot', async () => {
  const client = await register();
  const t = await redeem(client, await codeFor(client));
  const access = String(t.body!.access_token);
  const gid = readAccessToken(access, KEY, now)!.gid;
  assert.equal(
    (await revokeToken(as(), form({ token: access, client_id: 'mcp-other' }))).status,
    200,
  );
  assert.ok(await store.get('mcp_grant', gid), 'not by another client');
  assert.equal((await revokeToken(as(), form({ token: access, client_id: client }))).status, 200);
  assert.equal(await store.get('mcp_grant', gid), null);
});

test('unknown grant types are refused', async () => {
  for (const g of ['password', 'client_credentials', 'implicit', '']) {
    assert.equal(err(await exchangeToken(as(), form({ grant_type: g }))), 'unsupported_grant_type');
  }
});
