// Pomerium's per-provider keys (docs/identity-providers.md): each idp_provider_url form and
// provider setting is honoured, refused with the form the provider wants, or warned about —
// one table, checked through parseConfigText (config/lib/check-idp-provider.ts).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { ConfigError, parseConfigText } from '../../../config/index.js';

const pemOf = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
  k.export({ type: 'pkcs8', format: 'pem' }).toString();
const P256 = pemOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const P384 = pemOf(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
const RSA = pemOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
const block = (pem: string) =>
  `|\n${pem
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}`;

type Outcome =
  | { readonly ok: true; readonly warn?: RegExp }
  | { readonly code: string; readonly path: string; readonly message: RegExp };

interface Row {
  readonly title: string;
  readonly yaml: string;
  readonly expect: Outcome;
}

const ROWS: Row[] = [
  // Entra ID
  {
    title: 'azure: the v2.0 issuer of a tenant',
    yaml: 'idp_provider: azure\nidp_provider_url: https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/',
    expect: { ok: true },
  },
  {
    title: 'azure: common (multi-tenant)',
    yaml: 'idp_provider: azure\nidp_provider_url: https://login.microsoftonline.com/common/v2.0',
    expect: { code: 'invalid_url', path: 'idp_provider_url', message: /multi-tenant/ },
  },
  {
    title: 'azure: organizations',
    yaml: 'idp_provider: azure\nidp_provider_url: https://login.microsoftonline.com/organizations/v2.0',
    expect: { code: 'invalid_url', path: 'idp_provider_url', message: /multi-tenant/ },
  },
  {
    title: 'azure: a tenant without v2.0 (the v1 issuer)',
    yaml: 'idp_provider: azure\nidp_provider_url: https://login.microsoftonline.com/contoso.onmicrosoft.com',
    expect: {
      code: 'invalid_url',
      path: 'idp_provider_url',
      message: /\/contoso\.onmicrosoft\.com\/v2\.0/,
    },
  },
  {
    title: 'azure: the US government cloud',
    yaml: 'idp_provider: azure\nidp_provider_url: https://login.microsoftonline.us/t1/v2.0',
    expect: { ok: true },
  },
  // Cognito
  {
    title: 'cognito: the user pool issuer',
    yaml: 'idp_provider: cognito\nidp_provider_url: https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
    expect: { ok: true },
  },
  {
    title: 'cognito: the hosted UI domain',
    yaml: 'idp_provider: cognito\nidp_provider_url: https://acme.auth.eu-west-1.amazoncognito.com',
    expect: { code: 'invalid_url', path: 'idp_provider_url', message: /hosted UI domain/ },
  },
  {
    title: 'cognito: the regional host without a user pool',
    yaml: 'idp_provider: cognito\nidp_provider_url: https://cognito-idp.eu-west-1.amazonaws.com/',
    expect: { code: 'invalid_url', path: 'idp_provider_url', message: /<user pool id>/ },
  },
  // Okta
  {
    title: 'okta: the org authorization server',
    yaml: 'idp_provider: okta\nidp_provider_url: https://acme.okta.com',
    expect: { ok: true },
  },
  {
    title: 'okta: a custom authorization server with a trailing slash',
    yaml: 'idp_provider: okta\nidp_provider_url: https://acme.okta.com/oauth2/default/',
    expect: { ok: true },
  },
  {
    title: 'okta: the admin console host',
    yaml: 'idp_provider: okta\nidp_provider_url: https://acme-admin.okta.com',
    expect: { code: 'invalid_url', path: 'idp_provider_url', message: /https:\/\/acme\.okta\.com/ },
  },
  {
    title: 'okta: an endpoint instead of the issuer',
    yaml: 'idp_provider: okta\nidp_provider_url: https://acme.okta.com/oauth2/v1/authorize',
    expect: { code: 'invalid_url', path: 'idp_provider_url', message: /not an endpoint/ },
  },
  // Auth0, GitLab, GitHub, any
  {
    title: 'auth0: the tenant without its trailing slash (added)',
    yaml: 'idp_provider: auth0\nidp_provider_url: https://acme.eu.auth0.com',
    expect: { ok: true },
  },
  {
    title: 'gitlab: a self-managed instance',
    yaml: 'idp_provider: gitlab\nidp_provider_url: https://gitlab.example.com/',
    expect: { ok: true },
  },
  {
    title: 'github: the API host instead of the web address',
    yaml: 'idp_provider: github\nidp_provider_url: https://api.github.com',
    expect: { code: 'invalid_url', path: 'idp_provider_url', message: /not the API host/ },
  },
  {
    title: 'any provider: a query string in the issuer',
    yaml: 'idp_provider: keycloak\nidp_provider_url: https://kc.example.com/realms/r?x=1',
    expect: { code: 'invalid_url', path: 'idp_provider_url', message: /no query/ },
  },
  {
    title: "idp_service_account (Pomerium's directory sync) is refused with the hint",
    yaml: 'idp_provider: google\nidp_service_account: eyJhbGciOi',
    expect: { code: 'removed_key', path: 'idp_service_account', message: /directory sync/ },
  },
  // Apple
  {
    title: 'apple: a pre-signed client secret JWT (Pomerium)',
    yaml: 'idp_provider: apple\nidp_client_secret: eyJhbGciOiJFUzI1NiJ9.e30.sig',
    expect: { ok: true },
  },
  {
    title: 'apple: the .p8 key with the team and key ids',
    yaml: `idp_provider: apple\nidp_apple_team_id: ABCDE12345\nidp_apple_key_id: KEY1234567\nidp_client_secret: ${block(P256)}`,
    expect: { ok: true },
  },
  {
    title: 'apple: the .p8 key without the key id',
    yaml: `idp_provider: apple\nidp_apple_team_id: ABCDE12345\nidp_client_secret: ${block(P256)}`,
    expect: { code: 'missing_key', path: 'idp_client_secret', message: /idp_apple_key_id/ },
  },
  {
    title: 'apple: a team id that is not Apple’s form',
    yaml: `idp_provider: apple\nidp_apple_team_id: acme\nidp_apple_key_id: KEY1234567\nidp_client_secret: ${block(P256)}`,
    expect: { code: 'invalid_value', path: 'idp_apple_team_id', message: /10 upper-case/ },
  },
  {
    title: 'apple: a P-384 key',
    yaml: `idp_provider: apple\nidp_apple_team_id: ABCDE12345\nidp_apple_key_id: KEY1234567\nidp_client_secret: ${block(P384)}`,
    expect: { code: 'invalid_secret', path: 'idp_client_secret', message: /P-256/ },
  },
  {
    title: 'apple: an RSA key',
    yaml: `idp_provider: apple\nidp_apple_team_id: ABCDE12345\nidp_apple_key_id: KEY1234567\nidp_client_secret: ${block(RSA)}`,
    expect: { code: 'invalid_secret', path: 'idp_client_secret', message: /P-256/ },
  },
  {
    title: 'apple: team and key ids beside a pre-signed secret are ignored, with a warning',
    yaml: 'idp_provider: apple\nidp_apple_team_id: ABCDE12345\nidp_apple_key_id: KEY1234567\nidp_client_secret: eyJhbGciOiJFUzI1NiJ9.e30.sig',
    expect: { ok: true, warn: /idp_apple_team_id is used only with the \.p8 private key/ },
  },
  {
    title: 'apple keys with another provider are ignored, with a warning',
    yaml: 'idp_provider: okta\nidp_provider_url: https://acme.okta.com\nidp_apple_team_id: ABCDE12345',
    expect: { ok: true, warn: /only with idp_provider: apple/ },
  },
  {
    title: 'apple over a plain-http authenticate URL: the form_post cookies cannot be kept',
    yaml: 'idp_provider: apple\nauthenticate_service_url: http://auth.example.com',
    expect: { ok: true, warn: /SameSite=None; Secure/ },
  },
  {
    title: 'form_post by idp_request_params on localhost: no warning',
    yaml: 'idp_request_params: {response_mode: form_post}\nidp_provider_url: https://idp.example.com\nauthenticate_service_url: http://auth.localhost:8080',
    expect: { ok: true },
  },
];

function load(yaml: string) {
  return parseConfigText(
    `shared_secret: ${Buffer.alloc(32, 7).toString('base64')}\nidp_client_id: c\n${yaml.includes('idp_client_secret') ? '' : 'idp_client_secret: s\n'}${yaml.includes('authenticate_service_url') ? '' : 'authenticate_service_url: https://auth.example.com\n'}${yaml}\n`,
    { file: 'idp.yaml', env: {} },
  );
}

for (const row of ROWS) {
  test(`per-provider keys: ${row.title}`, () => {
    const e = row.expect;
    if ('ok' in e) {
      const loaded = load(row.yaml);
      const idpWarnings = loaded.warnings.filter(
        (w) => /^idp_|authenticate_service_url/.test(w.path) && w.code !== 'unimplemented_key',
      );
      if (e.warn) {
        assert.ok(
          idpWarnings.some((w) => e.warn?.test(w.message)),
          JSON.stringify(loaded.warnings),
        );
      } else assert.deepEqual(idpWarnings, []);
      return;
    }
    assert.throws(
      () => load(row.yaml),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        const issue = error.issues.find((i) => i.code === e.code && i.path === e.path);
        assert.ok(issue, JSON.stringify(error.issues));
        assert.match(issue.message, e.message);
        assert.ok(issue.line > 0, 'refused with a line');
        assert.doesNotMatch(issue.message, /BEGIN|PRIVATE KEY/, 'the key is never printed');
        return true;
      },
    );
  });
}
