// Machine access end to end with the real development IdP (oidc-provider): tokens issued by
// client credentials and by a real sign-in (authorization code + PKCE, RFC 8707 resource
// indicators for JWT access tokens) reach the real authz gRPC server on idp_access_token /
// idp_identity_token routes (docs/machine-access.md). A service holding a token is allowed where
// the policy says so and denied elsewhere; random tokens never get in and cost at most one IdP
// call each; revoking a token's session denies its next request.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openPostgresStore } from '../../databroker/index.js';
import { type DevIdp, startDevIdp } from '../../examples/dev-idp/index.js';
import {
  type AuthzHarness,
  baseYaml,
  fixture,
  startAuthzHarness,
} from '../helpers/authz-harness.js';
import { Browser, readForm } from '../helpers/browser.js';
import { tempDir } from '../helpers/config-fixtures.js';
import { PORTCULLIS_ENTRY } from '../helpers/portcullis-entry.js';
import {
  assertPostgresReachable,
  databaseUrl,
  dropSchema,
  testSchemaName,
} from '../helpers/postgres.js';
import { eventually } from '../helpers/records.js';

const API = 'https://api.example.com';
const CALLBACK = 'https://auth.example.com/oauth2/callback';
const YAML = `
routes:
  - id: api
    from: ${API}
    to: http://upstream.internal:8080
    bearer_token_format: idp_access_token
    idp_access_token_allowed_audiences: [${API}]
    allowed_users: [alice]
    pass_identity_headers: true
  - id: svc
    from: https://svc.example.com
    to: http://upstream.internal:8080
    bearer_token_format: idp_access_token
    idp_access_token_allowed_audiences: [${API}]
    policy:
      allow:
        and:
          - user: { is: portcullis }
  - id: admins
    from: https://admins.example.com
    to: http://upstream.internal:8080
    bearer_token_format: idp_access_token
    idp_access_token_allowed_audiences: [${API}]
    policy:
      allow:
        and:
          - groups: { has: admins }
  - id: ids
    from: https://ids.example.com
    to: http://upstream.internal:8080
    bearer_token_format: idp_identity_token
    allowed_users: [alice]
`;

let idp: DevIdp;
let h: AuthzHarness;
before(async () => {
  idp = await startDevIdp({
    users: [
      {
        username: 'alice',
        password: 'alice-pw',
        email: 'alice@example.com',
        groups: ['staff'],
      },
    ],
    clients: [{ client_id: 'portcullis', client_secret: 'test-secret', redirect_uris: [CALLBACK] }],
    resources: [API],
  });
  h = await startAuthzHarness({ yaml: YAML, idpProviderUrl: idp.issuer });
});
after(async () => {
  await h?.close();
  await idp?.close();
});

const BASIC = `Basic ${Buffer.from('portcullis:test-secret').toString('base64')}`;

async function tokenEndpoint(form: Record<string, string>): Promise<Record<string, string>> {
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await res.json()) as Record<string, string>;
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

/** A real sign-in at the dev IdP (login form, code + PKCE); `resource` asks for a JWT token. */
async function signIn(browser: Browser, resource?: string): Promise<Record<string, string>> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({
    client_id: 'portcullis',
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid profile email',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    ...(resource ? { resource } : {}),
  });
  const stop = (u: URL) => u.hostname === 'auth.example.com';
  let hops = await browser.follow(`${idp.issuer}/auth?${q}`, { stop });
  let last = hops.at(-1)!;
  if (last.status === 200 && last.body.includes('id="login"')) {
    const form = readForm(last.body, 'login');
    const posted = await browser.request('POST', new URL(form.action, last.url).toString(), {
      form: { username: 'alice', password: 'alice-pw' },
    });
    hops = posted.location ? await browser.follow(posted.location, { stop }) : [];
    last = hops.at(-1) ?? posted;
  }
  const code = new URL(last.location!).searchParams.get('code');
  assert.ok(code, 'the IdP redirected back with a code');
  return tokenEndpoint({
    grant_type: 'authorization_code',
    code,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
    ...(resource ? { resource } : {}),
  });
}

function request(route: string, token: string) {
  const host = `${route}.example.com`;
  return fixture('api-get', (f) => {
    const http = f.attributes.request.http;
    http.headers[':authority'] = host;
    http.host = host;
    http.headers.authorization = `Bearer ${token}`;
    f.attributes.context_extensions = { internal: 'false', route_id: route };
    f.attributes.tls_session = { sni: host };
  });
}

function assertInvalidToken(res: { status: number; headers: Record<string, string> }): void {
  assert.equal(res.status, 401);
  assert.match(res.headers['www-authenticate'] ?? '', /^Bearer error="invalid_token"/);
  assert.equal(res.headers.location, undefined);
}

let browser: Browser;
before(() => {
  browser = new Browser();
});

test('a client-credentials JWT access token reaches the service route and is denied on the user routes', async () => {
  const { access_token } = await tokenEndpoint({ grant_type: 'client_credentials', resource: API });
  assert.equal(access_token!.split('.').length, 3, 'a JWT access token');
  assert.equal((await h.check(request('svc', access_token!))).status, 200);
  assert.equal((await h.check(request('api', access_token!))).status, 403);
  assert.equal((await h.check(request('admins', access_token!))).status, 403);
});

test("a sign-in's JWT access token and ID token reach their routes and fail the policy elsewhere", async () => {
  const tokens = await signIn(browser, API);
  const at = tokens.access_token!;
  const idToken = tokens.id_token!;
  assert.equal(at.split('.').length, 3);
  assert.equal((await h.check(request('api', at))).status, 200);
  assert.equal((await h.check(request('admins', at))).status, 403);
  assert.equal((await h.check(request('svc', at))).status, 403);
  assert.equal((await h.check(request('ids', idToken))).status, 200);
  // each token where the other belongs: an ID token's audience is the client, not the API
  assertInvalidToken(await h.check(request('api', idToken)));
  assertInvalidToken(await h.check(request('ids', at)));
});

test("a sign-in's opaque access token is validated at userinfo once and follows the policy", async () => {
  const { access_token } = await signIn(browser);
  assert.equal(access_token!.split('.').length, 1, 'an opaque access token');
  const calls = idp.requests.get('/me') ?? 0;
  assert.equal((await h.check(request('api', access_token!))).status, 200);
  assert.equal((await h.check(request('api', access_token!))).status, 200);
  assert.equal((await h.check(request('admins', access_token!))).status, 403);
  assert.equal(idp.requests.get('/me'), calls + 1);
});

test('1,000 random opaque tokens cost at most 1,000 IdP calls and are never allowed', async () => {
  const calls = idp.requests.get('/me') ?? 0;
  const tokens = Array.from({ length: 1000 }, () => randomBytes(24).toString('base64url'));
  const statuses = new Map<number, number>();
  for (let i = 0; i < tokens.length; i += 100) {
    const batch = await Promise.all(
      tokens.slice(i, i + 100).map((t) => h.check(request('api', t))),
    );
    for (const r of batch) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  }
  assert.equal(statuses.get(200), undefined, JSON.stringify([...statuses]));
  assert.ok((idp.requests.get('/me') ?? 0) - calls <= 1000);
  // asking again costs nothing: refusals are cached
  const again = idp.requests.get('/me') ?? 0;
  for (const t of tokens.slice(0, 20))
    assert.notEqual((await h.check(request('api', t))).status, 200);
  assert.equal(idp.requests.get('/me') ?? 0, again);
});

test("revoking the session created for a token denies the token's next request", async () => {
  const { access_token } = await tokenEndpoint({ grant_type: 'client_credentials', resource: API });
  const before = new Set((await h.store.list('session', { limit: 1000 })).records.map((r) => r.id));
  assert.equal((await h.check(request('svc', access_token!))).status, 200);
  const created = (await h.store.list('session', { limit: 1000 })).records.filter(
    (r) => !before.has(r.id),
  );
  assert.equal(created.length, 1);
  await h.store.delete('session', created[0]!.id);
  assertInvalidToken(await h.check(request('svc', access_token!)));
});

/** Runs the built `portcullis` CLI and captures exit code and stdout. */
function cli(args: string[]): Promise<{ code: number; out: string }> {
  const main = PORTCULLIS_ENTRY;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [main, ...args],
      { env: { PATH: process.env.PATH ?? '' } },
      (error, out) => {
        if (error !== null && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, out });
      },
    );
  });
}

test('portcullis token verify explains a token on a route: identity and decision, or the failed check', async () => {
  const config = join(tempDir(), 'config.yaml');
  writeFileSync(config, `${baseYaml(idp.issuer)}\n${YAML}`);
  const { access_token } = await tokenEndpoint({ grant_type: 'client_credentials', resource: API });
  const onSvc = await cli(['token', 'verify', '-c', config, '--route', 'svc', access_token!]);
  assert.equal(onSvc.code, 0);
  const svc = JSON.parse(onSvc.out) as {
    valid: boolean;
    identity: { userId: string };
    audience: string[];
    decision: { outcome: string };
  };
  assert.equal(svc.valid, true);
  assert.equal(svc.identity.userId, 'portcullis');
  assert.deepEqual(svc.audience, [API]);
  assert.equal(svc.decision.outcome, 'allow');
  const onApi = JSON.parse(
    (await cli(['token', 'verify', '-c', config, '--route', 'api', access_token!])).out,
  );
  assert.equal(onApi.decision.outcome, 'deny');
  const onIds = await cli(['token', 'verify', '-c', config, '--route', 'ids', access_token!]);
  assert.equal(onIds.code, 1);
  assert.match(JSON.parse(onIds.out).reason, /access token was sent where an identity token/);
});

test("on PostgreSQL with two authz replicas, revoking a token's session denies it on both", async () => {
  await assertPostgresReachable();
  const schema = testSchemaName('bearer');
  const open = () =>
    openPostgresStore({
      connectionString: databaseUrl(),
      sharedSecret: 'bearer-test-secret',
      schema,
      poolSize: 2,
    });
  const storeA = await open();
  const storeB = await open();
  const a = await startAuthzHarness({ yaml: YAML, idpProviderUrl: idp.issuer, store: storeA });
  const b = await startAuthzHarness({ yaml: YAML, idpProviderUrl: idp.issuer, store: storeB });
  try {
    const { access_token } = await tokenEndpoint({
      grant_type: 'client_credentials',
      resource: API,
    });
    assert.equal((await a.check(request('svc', access_token!))).status, 200);
    assert.equal((await b.check(request('svc', access_token!))).status, 200);
    const sessions = (await storeA.list('session', { limit: 1000 })).records;
    assert.equal(sessions.length, 1, 'both replicas use the one session derived from the token');
    await storeA.delete('session', sessions[0]!.id);
    for (const replica of [a, b]) {
      await eventually(
        async () => (await replica.check(request('svc', access_token!))).status === 401,
      );
      assertInvalidToken(await replica.check(request('svc', access_token!)));
    }
  } finally {
    await a.close();
    await b.close();
    await storeA.close();
    await storeB.close();
    await dropSchema(schema);
  }
});
