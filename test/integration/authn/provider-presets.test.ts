// idp_provider okta, auth0, cognito and gitlab end to end through authn and authz against local
// fakes of each provider's real endpoints and quirks (test/helpers/fake-providers.ts): sign-in,
// the provider's groups claim allowing one route and denying another by policy, the email
// counted only when the provider proves it, and sign-out at the provider's own logout URL form
// (docs/identity-providers.md).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FakeProvider, FakeUser } from '../../helpers/fake-oidc-provider.js';
import type { FakeProfileName } from '../../helpers/fake-providers.js';
import { APP, type PresetStack, SIGNED_OUT, startPresetStack } from '../../helpers/preset-stack.js';

const ALICE: FakeUser = {
  sub: 'u-alice',
  email: 'alice@example.com',
  emailVerified: true,
  name: 'Alice Liddell',
  groups: ['admins', 'eng/platform', 'role:auditor'],
};

interface Case {
  readonly title: string;
  readonly provider: FakeProfileName;
  /** idp_provider_url in the form a Pomerium config has it. */
  readonly url: (f: FakeProvider) => string;
  /** Where sign-out sends the browser, and the parameters it must carry (null: no IdP logout). */
  readonly logout: ((f: FakeProvider) => string) | null;
  readonly logoutParams: readonly string[];
  /** The session's groups. */
  readonly groups: readonly string[];
}

const CASES: Case[] = [
  {
    title: 'okta with the org authorization server (https://<org>.okta.com)',
    provider: 'okta',
    url: (f) => f.origin,
    logout: (f) => `${f.origin}/oauth2/v1/logout`,
    logoutParams: ['id_token_hint', 'client_id', 'post_logout_redirect_uri'],
    groups: ALICE.groups,
  },
  {
    title: 'okta with a custom authorization server (…/oauth2/default/, trailing slash)',
    provider: 'okta',
    url: (f) => `${f.origin}/oauth2/default/`,
    logout: (f) => `${f.origin}/oauth2/default/v1/logout`,
    logoutParams: ['id_token_hint', 'client_id', 'post_logout_redirect_uri'],
    groups: ALICE.groups,
  },
  {
    title: 'auth0 (issuer given without its trailing slash; namespaced groups and roles)',
    provider: 'auth0',
    url: (f) => f.origin,
    logout: (f) => `${f.origin}/v2/logout`,
    logoutParams: ['client_id', 'returnTo'],
    groups: ALICE.groups,
  },
  {
    title: 'cognito (cognito:groups, string email_verified in userinfo, hosted UI logout)',
    provider: 'cognito',
    url: (f) => f.issuers[0] as string,
    logout: (f) => `${f.uiOrigin}/logout`,
    logoutParams: ['client_id', 'logout_uri'],
    groups: ALICE.groups,
  },
  {
    title: 'gitlab (groups from userinfo over groups_direct; no IdP logout)',
    provider: 'gitlab',
    url: (f) => `${f.origin}/`,
    logout: null,
    logoutParams: [],
    groups: ALICE.groups,
  },
];

async function withStack(
  c: Pick<Case, 'provider' | 'url'>,
  user: FakeUser,
  body: (s: PresetStack) => Promise<void>,
): Promise<void> {
  const s = await startPresetStack({ provider: c.provider, user, url: c.url });
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

for (const c of CASES) {
  test(`${c.title}: signs in, groups allow one route and deny another, sign-out goes to the provider's logout`, async () => {
    await withStack(c, ALICE, async (s) => {
      const b = s.browser();
      const hops = await s.signIn(b);
      assert.equal(hops.at(-1)?.location, `${APP}/page`, JSON.stringify(hops.map((h) => h.url)));
      assert.ok(
        s.fake.tokenRequests.every((r) => r.ok),
        JSON.stringify(s.fake.tokenRequests),
      );

      const sessions = (await s.authz.store.list('session')).records;
      assert.equal(sessions.length, 1);
      assert.deepEqual([...(sessions[0]?.data?.groups ?? [])].sort(), [...c.groups].sort());

      const app = await s.check(b, 'app');
      assert.equal(app.allowed, true, `admins allowed: ${app.status} ${app.body.slice(0, 200)}`);
      const finance = await s.check(b, 'finance');
      assert.equal(finance.allowed, false);
      assert.equal(finance.status, 403, 'signed in but not in finance: 403, not a sign-in');
      const mail = await s.check(b, 'mail');
      assert.equal(mail.allowed, true, 'the verified email counts for the domain criterion');

      const out = await b.follow(`${APP}/.pomerium/sign_out`, {
        stop: (u) => u.hostname === '127.0.0.1' || u.pathname === '/.pomerium/signed_out',
      });
      const last = out.at(-1);
      const target = new URL(last?.location ?? '');
      if (c.logout === null) {
        assert.equal(target.toString(), SIGNED_OUT);
      } else {
        assert.equal(`${target.origin}${target.pathname}`, c.logout(s.fake));
        for (const p of c.logoutParams) assert.ok(target.searchParams.get(p), `${p} in ${target}`);
        const back =
          target.searchParams.get('post_logout_redirect_uri') ??
          target.searchParams.get('returnTo') ??
          target.searchParams.get('logout_uri');
        assert.equal(back, SIGNED_OUT);
        if (target.searchParams.has('client_id')) {
          assert.equal(target.searchParams.get('client_id'), s.fake.clientId);
        }
      }
      assert.equal((await s.authz.store.list('session')).records.length, 0, 'session deleted');
      assert.equal((await s.check(b, 'app')).allowed, false);
    });
  });
}

test('auth0: an email the connection did not verify does not count for the domain criterion, groups still do', async () => {
  await withStack(
    { provider: 'auth0', url: (f) => f.origin },
    { ...ALICE, emailVerified: false },
    async (s) => {
      const b = s.browser();
      await s.signIn(b);
      assert.equal((await s.check(b, 'app')).allowed, true);
      const mail = await s.check(b, 'mail');
      assert.equal(mail.allowed, false);
      assert.equal(mail.status, 403);
    },
  );
});

test('cognito: an email userinfo calls "false" (a string) does not count', async () => {
  await withStack(
    { provider: 'cognito', url: (f) => f.issuers[0] as string },
    { ...ALICE, emailVerified: false },
    async (s) => {
      const b = s.browser();
      await s.signIn(b);
      const mail = await s.check(b, 'mail');
      assert.equal(mail.allowed, false);
    },
  );
});

test('okta without the groups scope (idp_scopes set explicitly) gets no groups: the admins route denies', async () => {
  const s = await startPresetStack({
    provider: 'okta',
    user: ALICE,
    url: (f) => f.origin,
    extraYaml: 'idp_scopes: [openid, profile, email]',
  });
  try {
    const b = s.browser();
    await s.signIn(b);
    const app = await s.check(b, 'app');
    assert.equal(app.allowed, false);
    assert.equal(app.status, 403);
  } finally {
    await s.close();
  }
});
