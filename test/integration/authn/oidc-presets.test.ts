// The OIDC presets' quirks (authn/lib/idp/oidc-quirks.ts) against a real HTTP OIDC double
// (test/helpers/hostile-idp.ts) whose ID tokens carry the provider's claims, and a fake
// Microsoft Graph: Google's hosted-domain check, Entra's tenant check, absent email_verified and
// group overage. Tables of hostile variants; docs/identity-providers.md describes the presets.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { quirksFor } from '../../../authn/lib/idp/idp-presets.js';
import {
  entraQuirks,
  entraTenant,
  googleQuirks,
  graphBaseFor,
  type OidcQuirks,
} from '../../../authn/lib/idp/oidc-quirks.js';
import { openIdentityProvider } from '../../../authn/lib/idp/open-identity-provider.js';
import { PortcullisError } from '../../../errors/index.js';
import { type HostileIdp, startHostileIdp } from '../../helpers/hostile-idp.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '11111111-2222-3333-4444-555555555555';
const ENTRA_ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;

let idp: HostileIdp;
let graph: {
  url: string;
  calls: { auth: string; body: string }[];
  answer: { status: number; body: unknown };
  close(): Promise<void>;
};

before(async () => {
  idp = await startHostileIdp('portcullis');
  const calls: { auth: string; body: string }[] = [];
  const g: typeof graph = {
    url: '',
    calls,
    answer: { status: 200, body: { value: ['g-1', 'g-2', 'g-3'] } },
    close: async () => undefined,
  };
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    if (req.url === '/v1.0/me/getMemberGroups' && req.method === 'POST') {
      calls.push({ auth: req.headers.authorization ?? '', body });
      res.writeHead(g.answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(g.answer.body));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  g.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  g.close = () => new Promise<void>((r) => server.close(() => r()));
  graph = g;
});
after(async () => {
  await idp?.close();
  await graph?.close();
});

async function signIn(quirks: OidcQuirks | undefined, claims: Record<string, unknown>) {
  idp.mode = 'honest';
  idp.userinfo = 'none';
  idp.subject = 'user-1';
  idp.claims = claims;
  const p = openIdentityProvider({
    id: 'test',
    issuer: idp.issuer,
    clientId: 'portcullis',
    clientSecret: 'secret',
    scopes: ['openid', 'email'],
    requestParams: {},
    redirectUri: 'https://authenticate.example.com/oauth2/callback',
    userIdClaim: 'sub',
    groupsClaim: 'groups',
    timeoutMs: 5000,
    ...(quirks ? { quirks } : {}),
  });
  const checks = {
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    codeVerifier: randomBytes(32).toString('base64url'),
  };
  const res = await fetch(await p.authorizationUrl(checks), { redirect: 'manual' });
  return p.exchangeCode(new URL(res.headers.get('location') ?? ''), checks);
}

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof PortcullisError, String(error));
    return error.code;
  }
  return 'accepted';
}

const entra = () => entraQuirks({ issuer: ENTRA_ISSUER, graphBase: graph.url, timeoutMs: 5000 });

test('Google with hd: an account of the hosted domain signs in with its verified email', async () => {
  const { identity } = await signIn(googleQuirks('example.com'), {
    hd: 'example.com',
    email: 'ann@example.com',
    email_verified: true,
  });
  assert.equal(identity.email, 'ann@example.com');
});

const GOOGLE_HD: readonly [string, string, Record<string, unknown>][] = [
  [
    'no hd claim (a consumer account)',
    'example.com',
    { email: 'ann@gmail.com', email_verified: true },
  ],
  [
    'another domain',
    'example.com',
    { hd: 'evil.com', email: 'ann@evil.com', email_verified: true },
  ],
  ['a suffix of the domain', 'example.com', { hd: 'notexample.com', email_verified: true }],
  ['a subdomain claimed as the domain', 'example.com', { hd: 'example.com.evil.com' }],
  ['hd as a list', 'example.com', { hd: ['example.com'] }],
  ['hd empty', 'example.com', { hd: '' }],
  ['any Workspace domain wanted, consumer account', '*', { email: 'ann@gmail.com' }],
];

for (const [name, want, claims] of GOOGLE_HD) {
  test(`Google sign-in with hd ${want} is refused for ${name} (AUTHN_ACCESS_DENIED)`, async () => {
    assert.equal(await refusal(() => signIn(googleQuirks(want), claims)), 'AUTHN_ACCESS_DENIED');
  });
}

test('Google hd matches case-insensitively and "*" accepts any Workspace domain', async () => {
  assert.equal(
    (await signIn(googleQuirks('Example.COM'), { hd: 'example.com' })).identity.userId,
    'user-1',
  );
  assert.equal((await signIn(googleQuirks('*'), { hd: 'other.org' })).identity.userId, 'user-1');
});

test('the google preset checks hd only when idp_request_params sets it; azure always has its quirks', () => {
  const o = { timeoutMs: 1000 };
  assert.equal(quirksFor('google', 'https://accounts.google.com', undefined, o).quirks, undefined);
  assert.ok(quirksFor('google', 'https://accounts.google.com', { hd: 'example.com' }, o).quirks);
  assert.ok(quirksFor('AZURE', ENTRA_ISSUER, undefined, o).quirks);
  assert.equal(quirksFor('okta', 'https://x.okta.com', undefined, o).quirks, undefined);
});

test('Entra: a token of the configured tenant signs in; its email counts only with xms_edov', async () => {
  const plain = await signIn(entra(), { tid: TENANT, email: 'ann@contoso.com', groups: ['g-a'] });
  assert.equal(plain.identity.email, '', 'email_verified is never sent: the email does not count');
  assert.deepEqual(plain.identity.groups, ['g-a']);
  const edov = await signIn(entra(), { tid: TENANT, email: 'ann@contoso.com', xms_edov: true });
  assert.equal(edov.identity.email, 'ann@contoso.com');
  const forged = await signIn(entra(), {
    tid: TENANT,
    email: 'ann@contoso.com',
    email_verified: true,
  });
  assert.equal(forged.identity.email, '', 'an email_verified claim from Entra is not trusted');
});

const ENTRA_TENANT: readonly [string, Record<string, unknown>][] = [
  ['another tenant', { tid: OTHER_TENANT }],
  ['no tid', {}],
  ['tid not a string', { tid: [TENANT] }],
  ['the consumer tenant', { tid: '9188040d-6c67-4c5b-b112-36a304b66dad' }],
];

for (const [name, claims] of ENTRA_TENANT) {
  test(`Entra: a token with ${name} is refused (AUTHN_TOKEN_INVALID)`, async () => {
    assert.equal(await refusal(() => signIn(entra(), claims)), 'AUTHN_TOKEN_INVALID');
  });
}

test('Entra group overage: the groups come from Microsoft Graph with the access token, not from the token', async () => {
  graph.calls.length = 0;
  graph.answer = { status: 200, body: { value: ['g-1', 'g-2', 'g-3'] } };
  for (const overage of [
    {
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'http://127.0.0.1:9/evil' } },
    },
    { hasgroups: true },
  ]) {
    const { identity } = await signIn(entra(), { tid: TENANT, ...overage });
    assert.deepEqual(identity.groups, ['g-1', 'g-2', 'g-3']);
    assert.equal(identity.claims._claim_sources, undefined);
  }
  assert.equal(graph.calls.length, 2);
  assert.equal(graph.calls[0]?.auth, 'Bearer at');
  assert.deepEqual(JSON.parse(graph.calls[0]?.body ?? '{}'), { securityEnabledOnly: false });
});

const GRAPH_FAILURES: readonly [string, { status: number; body: unknown }, string][] = [
  [
    '403 (scope missing)',
    { status: 403, body: { error: { code: 'Authorization_RequestDenied' } } },
    'AUTHN_IDP_ERROR',
  ],
  ['503', { status: 503, body: {} }, 'AUTHN_IDP_UNAVAILABLE'],
  ['429 throttled', { status: 429, body: {} }, 'AUTHN_IDP_UNAVAILABLE'],
  ['no value list', { status: 200, body: { groups: ['x'] } }, 'AUTHN_IDP_ERROR'],
  [
    'a next page elsewhere',
    { status: 200, body: { value: ['g'], '@odata.nextLink': 'http://127.0.0.2:9/x' } },
    'AUTHN_IDP_ERROR',
  ],
];

for (const [name, answer, code] of GRAPH_FAILURES) {
  test(`Entra group overage fails the sign-in (never signs in without groups) when Graph answers ${name}`, async () => {
    graph.answer = answer;
    try {
      assert.equal(await refusal(() => signIn(entra(), { tid: TENANT, hasgroups: true })), code);
    } finally {
      graph.answer = { status: 200, body: { value: ['g-1'] } };
    }
  });
}

test('Entra helpers: the tenant comes from the issuer path; Graph from the cloud of the login host', () => {
  assert.equal(entraTenant(ENTRA_ISSUER), TENANT);
  assert.equal(entraTenant('https://login.microsoftonline.com/common/v2.0'), null);
  assert.equal(graphBaseFor(ENTRA_ISSUER), 'https://graph.microsoft.com');
  assert.equal(
    graphBaseFor('https://login.microsoftonline.us/x/v2.0'),
    'https://graph.microsoft.us',
  );
});
