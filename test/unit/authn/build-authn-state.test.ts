import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { buildAuthnState } from '../../../authn/lib/build-authn-state.js';
import { issuerFor } from '../../../authn/lib/idp/idp-presets.js';
import { parseConfigText } from '../../../config/index.js';
import { computeIdpId } from '../../../wire/index.js';

function config(extra: string) {
  return parseConfigText(
    `shared_secret: ${randomBytes(32).toString('base64')}
idp_provider_url: https://idp.example.com
idp_client_id: c
idp_client_secret: s
${extra}
routes:
  - {from: https://app.example.com, to: http://127.0.0.1:9, allow_any_authenticated_user: true}
  - {from: https://other.example.com, to: http://127.0.0.1:9, allow_any_authenticated_user: true, idp_client_id: c2, idp_client_secret: s2}
  - {from: 'https://*.wild.example.com', to: http://127.0.0.1:9, allow_any_authenticated_user: true}
`,
    { file: 't.yaml' },
  ).config;
}

test('the state knows the authenticate host, route hosts and one idp per client', () => {
  const warnings: string[] = [];
  const c = config('authenticate_service_url: https://auth.example.com/some/path');
  const state = buildAuthnState(c, { warn: (m) => warnings.push(m) });
  assert.equal(state.authenticateHost, 'auth.example.com');
  assert.equal(state.authenticateUrl.toString(), 'https://auth.example.com/');
  assert.ok(state.isRouteHost('app.example.com'));
  assert.ok(state.isRouteHost('x.wild.example.com'));
  assert.ok(!state.isRouteHost('wild.example.com'));
  assert.ok(!state.isRouteHost('evil.example'));
  assert.equal(state.idps.size, 2);
  assert.equal(state.defaultIdpId, computeIdpId(c));
  assert.equal(
    state.idpIdFor(state.routeForHost('other.example.com')),
    computeIdpId(c, { idp_client_id: 'c2', idp_client_secret: 's2' }),
  );
  assert.equal(warnings.length, 1, 'a generated signing key is reported');
  assert.equal(JSON.parse(state.jwks.body).keys.length, 1);
  assert.equal(state.cookieBase.sameSite, 'lax');
});

test('authn refuses to start without an authenticate URL', () => {
  assert.throws(() => buildAuthnState(config('')), { code: 'CONFIG_INVALID' });
});

test("GitHub (plain OAuth 2 + its API) starts with GitHub's OAuth scopes", () => {
  const state = buildAuthnState(
    config('authenticate_service_url: https://auth.example.com\nidp_provider: github'),
  );
  const idp = [...state.idps.values()][0];
  assert.deepEqual(idp?.settings.scopes, ['read:user', 'user:email', 'read:org']);
  assert.equal(idp?.formPost, false);
});

test('presets replace the default scopes but never explicit ones', () => {
  const google = buildAuthnState(
    config('authenticate_service_url: https://a.example.com\nidp_provider: google'),
  );
  const settings = [...google.idps.values()][0]?.settings;
  assert.deepEqual(settings?.scopes, ['openid', 'profile', 'email']);
  assert.equal(settings?.requestParams.access_type, 'offline');
  const explicit = buildAuthnState(
    config(
      'authenticate_service_url: https://a.example.com\nidp_provider: google\nidp_scopes: [openid, email]\nidp_request_params: {prompt: select_account}',
    ),
  );
  const s2 = [...explicit.idps.values()][0]?.settings;
  assert.deepEqual(s2?.scopes, ['openid', 'email']);
  assert.equal(s2?.requestParams.prompt, 'select_account');
});

test("Pomerium's idp_provider_url forms become the issuer the provider publishes", () => {
  const cases: [string, string, string][] = [
    ['auth0', 'https://acme.auth0.com', 'https://acme.auth0.com/'],
    ['auth0', 'https://acme.auth0.com/', 'https://acme.auth0.com/'],
    [
      'azure',
      'https://login.microsoftonline.com/t/v2.0/',
      'https://login.microsoftonline.com/t/v2.0',
    ],
    ['okta', 'https://acme.okta.com/oauth2/default/', 'https://acme.okta.com/oauth2/default'],
    ['keycloak', 'https://kc.example.com/realms/r/', 'https://kc.example.com/realms/r'],
    ['oidc', 'https://idp.example.com/', 'https://idp.example.com/'],
  ];
  for (const [provider, url, issuer] of cases) {
    assert.equal(issuerFor(provider, url), issuer, `${provider} ${url}`);
  }
});
