// idp_provider: github against a local fake of GitHub's OAuth and REST endpoints
// (test/helpers/fake-github.ts): the identity is the numeric id, the verified primary email, and
// orgs and teams as groups across paginated lists; hostile and quirky answers are refused with
// the documented error codes (docs/identity-providers.md).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  githubEndpoints,
  nextLink,
  openGithubProvider,
} from '../../../authn/lib/idp/github-provider.js';
import type { IdentityProvider } from '../../../authn/lib/idp/open-identity-provider.js';
import { PortcullisError } from '../../../errors/index.js';
import {
  type FakeGithub,
  type FakeGithubUser,
  startFakeGithub,
} from '../../helpers/fake-github.js';

const REDIRECT = 'https://authenticate.example.com/oauth2/callback';

const OCTO: FakeGithubUser = {
  id: 583231,
  login: 'octocat',
  name: 'The Octocat',
  emails: [
    { email: 'old@example.com', primary: false, verified: true },
    { email: 'second@example.com', primary: false, verified: false },
    { email: 'octocat@example.com', primary: true, verified: true },
  ],
  orgs: ['acme', 'widgets', 'tools', 'ops', 'labs'],
  teams: ['acme/platform', 'acme/security', 'widgets/eng', 'ops/oncall', 'labs/research'],
};

let gh: FakeGithub;
let provider: IdentityProvider;

before(async () => {
  gh = await startFakeGithub(structuredClone(OCTO));
  provider = openGithubProvider(
    {
      id: 'github',
      issuer: gh.url,
      clientId: gh.clientId,
      clientSecret: gh.clientSecret,
      scopes: ['read:user', 'user:email', 'read:org'],
      requestParams: {},
      redirectUri: REDIRECT,
      userIdClaim: 'sub',
      groupsClaim: 'groups',
      timeoutMs: 5000,
    },
    gh.url,
  );
});
after(async () => {
  await gh?.close();
});

/** The browser's part: the authorize redirect, then the callback URL GitHub sends back. */
async function signIn(p = provider, tamper?: (callback: URL) => void) {
  const checks = {
    state: randomBytes(8).toString('hex'),
    nonce: 'unused',
    codeVerifier: randomBytes(32).toString('base64url'),
  };
  const res = await fetch(await p.authorizationUrl(checks), { redirect: 'manual' });
  const callback = new URL(res.headers.get('location') ?? '');
  tamper?.(callback);
  return p.exchangeCode(callback, checks);
}

async function refusal(run: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof PortcullisError, String(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a refusal');
}

test('a GitHub user signs in with the numeric id, the verified primary email and every org and team across pages', async () => {
  gh.quirk = 'none';
  gh.user = structuredClone(OCTO);
  gh.requests.length = 0;
  const { identity, tokens } = await signIn();
  assert.equal(identity.userId, '583231');
  assert.equal(identity.email, 'octocat@example.com');
  assert.equal(identity.name, 'The Octocat');
  assert.deepEqual(
    [...identity.groups].sort(),
    [...OCTO.orgs, ...OCTO.teams].sort(),
    'orgs and org/team slugs, every page',
  );
  assert.equal(tokens.idToken, null);
  assert.match(tokens.accessToken, /^gho_/);
  const orgPages = gh.requests.filter((r) => r.startsWith('/api/v3/user/orgs'));
  assert.equal(orgPages.length, 3, 'five orgs at two a page are three pages');
});

test('the authorization request is GitHub’s: client id, OAuth scopes, state and a PKCE S256 challenge', async () => {
  const url = new URL(
    await provider.authorizationUrl({ state: 's1', nonce: 'n', codeVerifier: 'v'.repeat(43) }),
  );
  assert.equal(url.pathname, '/login/oauth/authorize');
  assert.equal(url.searchParams.get('client_id'), gh.clientId);
  assert.equal(url.searchParams.get('scope'), 'read:user user:email read:org');
  assert.equal(url.searchParams.get('state'), 's1');
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
});

const NO_VERIFIED_PRIMARY: readonly [string, FakeGithubUser['emails']][] = [
  ['no email at all', []],
  [
    'a primary address that is not verified',
    [{ email: 'a@example.com', primary: true, verified: false }],
  ],
  [
    'verified addresses, none of them primary',
    [
      { email: 'a@example.com', primary: false, verified: true },
      { email: 'b@example.com', primary: true, verified: false },
    ],
  ],
];

for (const [name, emails] of NO_VERIFIED_PRIMARY) {
  test(`a GitHub user is refused with ${name} (AUTHN_ACCESS_DENIED)`, async () => {
    gh.quirk = 'none';
    gh.user = { ...structuredClone(OCTO), emails };
    const r = await refusal(() => signIn());
    assert.equal(r.code, 'AUTHN_ACCESS_DENIED');
    assert.match(r.message, /verified primary email/);
  });
}

const HOSTILE: readonly {
  name: string;
  quirk?: FakeGithub['quirk'];
  user?: Partial<FakeGithubUser>;
  tamper?: (u: URL) => void;
  code: string;
  message?: RegExp;
}[] = [
  {
    name: 'the API is rate limited (403, no requests left)',
    quirk: 'rate-limited',
    code: 'AUTHN_IDP_UNAVAILABLE',
    message: /rate limit.*resets at 2030-01-01/,
  },
  {
    name: 'a secondary rate limit (429 with Retry-After)',
    quirk: 'secondary-rate-limit',
    code: 'AUTHN_IDP_UNAVAILABLE',
    message: /rate limit.*retry after 30 s/,
  },
  {
    name: 'a next-page link on another origin (the token would leak)',
    quirk: 'next-link-elsewhere',
    code: 'AUTHN_IDP_ERROR',
    message: /another origin/,
  },
  {
    name: 'pages without end',
    quirk: 'endless-pages',
    code: 'AUTHN_IDP_ERROR',
    message: /more than 100 pages/,
  },
  {
    name: 'the token endpoint answers 200 with an error',
    quirk: 'token-error-in-200',
    code: 'AUTHN_TOKEN_INVALID',
    message: /bad_verification_code/,
  },
  { name: 'the API fails (502)', quirk: 'user-500', code: 'AUTHN_IDP_UNAVAILABLE' },
  { name: 'the user id is a string', user: { id: '583231' }, code: 'AUTHN_TOKEN_INVALID' },
  { name: 'the user id is not an integer', user: { id: 1.5 }, code: 'AUTHN_TOKEN_INVALID' },
  { name: 'the user id is negative', user: { id: -4 }, code: 'AUTHN_TOKEN_INVALID' },
  {
    name: 'the callback carries another state',
    tamper: (u) => u.searchParams.set('state', 'x'),
    code: 'AUTHN_STATE_INVALID',
  },
  {
    name: 'the callback carries another code',
    tamper: (u) => u.searchParams.set('code', 'forged'),
    code: 'AUTHN_TOKEN_INVALID',
  },
  {
    name: 'the callback has no code',
    tamper: (u) => u.searchParams.delete('code'),
    code: 'AUTHN_BAD_REQUEST',
  },
];

for (const h of HOSTILE) {
  test(`GitHub sign-in is refused when ${h.name} (${h.code})`, async () => {
    gh.quirk = h.quirk ?? 'none';
    gh.user = { ...structuredClone(OCTO), ...(h.user ?? {}) };
    gh.requests.length = 0;
    try {
      const r = await refusal(() => signIn(provider, h.tamper));
      assert.equal(r.code, h.code, r.message);
      if (h.message) assert.match(r.message, h.message);
      if (h.quirk === 'endless-pages') assert.ok(gh.requests.length <= 100 * 3 + 1);
    } finally {
      gh.quirk = 'none';
    }
  });
}

test('a PKCE verifier that does not match the challenge is refused by the token endpoint', async () => {
  gh.quirk = 'none';
  gh.user = structuredClone(OCTO);
  const checks = { state: 's', nonce: 'n', codeVerifier: 'a'.repeat(43) };
  const res = await fetch(await provider.authorizationUrl(checks), { redirect: 'manual' });
  const r = await refusal(() =>
    provider.exchangeCode(new URL(res.headers.get('location') ?? ''), {
      ...checks,
      codeVerifier: 'b'.repeat(43),
    }),
  );
  assert.equal(r.code, 'AUTHN_TOKEN_INVALID');
});

test('GitHub endpoints: github.com uses api.github.com; an Enterprise server its /api/v3', () => {
  assert.deepEqual(githubEndpoints(undefined), {
    authorize: 'https://github.com/login/oauth/authorize',
    token: 'https://github.com/login/oauth/access_token',
    api: 'https://api.github.com',
  });
  assert.equal(githubEndpoints('https://github.com/').api, 'https://api.github.com');
  assert.deepEqual(githubEndpoints('https://git.example.com'), {
    authorize: 'https://git.example.com/login/oauth/authorize',
    token: 'https://git.example.com/login/oauth/access_token',
    api: 'https://git.example.com/api/v3',
  });
});

test('the Link header: rel="next" is found among others, and absent means the last page', () => {
  assert.equal(
    nextLink(
      '<https://api.github.com/user/orgs?page=3>; rel="next", <https://api.github.com/user/orgs?page=5>; rel="last"',
    ),
    'https://api.github.com/user/orgs?page=3',
  );
  assert.equal(
    nextLink('<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"'),
    'https://a/x?page=3',
  );
  assert.equal(nextLink('<https://a/x?page=1>; rel="prev"'), null);
  assert.equal(nextLink('<https://a/x?page=9>; rel="nextish"'), null);
  assert.equal(nextLink(null), null);
});
