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

const OK: Outcome = { ok: true };
const warns = (warn: RegExp): Outcome => ({ ok: true, warn });
const badUrl = (message: RegExp): Outcome => ({
  code: 'invalid_url',
  path: 'idp_provider_url',
  message,
});
const refused = (code: string, path: string, message: RegExp): Outcome => ({
  code,
  path,
  message,
});
const url = (provider: string, u: string) => `idp_provider: ${provider}\nidp_provider_url: ${u}`;
const MS = 'https://login.microsoftonline.com';
const IDS = 'idp_apple_team_id: ABCDE12345\nidp_apple_key_id: KEY1234567';
const PRESIGNED = 'idp_client_secret: eyJhbGciOiJFUzI1NiJ9.e30.sig';
const appleKey = (pem: string, ids = IDS) =>
  `idp_provider: apple\n${ids}\nidp_client_secret: ${block(pem)}`;

/** [what, YAML, outcome] */
const ROWS: readonly (readonly [string, string, Outcome])[] = [
  [
    'azure: the v2.0 issuer of a tenant',
    url('azure', `${MS}/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/`),
    OK,
  ],
  ['azure: common (multi-tenant)', url('azure', `${MS}/common/v2.0`), badUrl(/multi-tenant/)],
  ['azure: organizations', url('azure', `${MS}/organizations/v2.0`), badUrl(/multi-tenant/)],
  [
    'azure: a tenant without v2.0 (the v1 issuer)',
    url('azure', `${MS}/contoso.onmicrosoft.com`),
    badUrl(/\/contoso\.onmicrosoft\.com\/v2\.0/),
  ],
  ['azure: the US government cloud', url('azure', 'https://login.microsoftonline.us/t1/v2.0'), OK],
  [
    'cognito: the user pool issuer',
    url('cognito', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC'),
    OK,
  ],
  [
    'cognito: the hosted UI domain',
    url('cognito', 'https://acme.auth.eu-west-1.amazoncognito.com'),
    badUrl(/hosted UI domain/),
  ],
  [
    'cognito: the regional host without a user pool',
    url('cognito', 'https://cognito-idp.eu-west-1.amazonaws.com/'),
    badUrl(/<user pool id>/),
  ],
  ['okta: the org authorization server', url('okta', 'https://acme.okta.com'), OK],
  [
    'okta: a custom authorization server, trailing slash',
    url('okta', 'https://acme.okta.com/oauth2/default/'),
    OK,
  ],
  [
    'okta: the admin console host',
    url('okta', 'https://acme-admin.okta.com'),
    badUrl(/https:\/\/acme\.okta\.com/),
  ],
  [
    'okta: an endpoint instead of the issuer',
    url('okta', 'https://acme.okta.com/oauth2/v1/authorize'),
    badUrl(/not an endpoint/),
  ],
  [
    'auth0: the tenant without its trailing slash (added)',
    url('auth0', 'https://acme.eu.auth0.com'),
    OK,
  ],
  ['gitlab: a self-managed instance', url('gitlab', 'https://gitlab.example.com/'), OK],
  [
    'github: the API host instead of the web address',
    url('github', 'https://api.github.com'),
    badUrl(/not the API host/),
  ],
  [
    'any provider: a query string in the issuer',
    url('keycloak', 'https://kc.example.com/realms/r?x=1'),
    badUrl(/no query/),
  ],
  [
    "idp_service_account (Pomerium's directory sync)",
    'idp_provider: google\nidp_service_account: eyJhbGciOi',
    refused('removed_key', 'idp_service_account', /directory sync/),
  ],
  ['apple: a pre-signed client secret JWT (Pomerium)', `idp_provider: apple\n${PRESIGNED}`, OK],
  ['apple: the .p8 key with the team and key ids', appleKey(P256), OK],
  [
    'apple: the .p8 key without the key id',
    appleKey(P256, 'idp_apple_team_id: ABCDE12345'),
    refused('missing_key', 'idp_client_secret', /idp_apple_key_id/),
  ],
  [
    'apple: a team id not in Apple’s form',
    appleKey(P256, 'idp_apple_team_id: acme\nidp_apple_key_id: KEY1234567'),
    refused('invalid_value', 'idp_apple_team_id', /10 upper-case/),
  ],
  ['apple: a P-384 key', appleKey(P384), refused('invalid_secret', 'idp_client_secret', /P-256/)],
  ['apple: an RSA key', appleKey(RSA), refused('invalid_secret', 'idp_client_secret', /P-256/)],
  [
    'apple: team and key ids beside a pre-signed secret',
    `idp_provider: apple\n${IDS}\n${PRESIGNED}`,
    warns(/idp_apple_team_id is used only with the \.p8 private key/),
  ],
  [
    'apple keys with another provider',
    `${url('okta', 'https://acme.okta.com')}\nidp_apple_team_id: ABCDE12345`,
    warns(/only with idp_provider: apple/),
  ],
  [
    'apple over a plain-http authenticate URL',
    'idp_provider: apple\nauthenticate_service_url: http://auth.example.com',
    warns(/SameSite=None; Secure/),
  ],
  [
    'form_post by idp_request_params on localhost',
    'idp_request_params: {response_mode: form_post}\nauthenticate_service_url: http://auth.localhost:8080',
    OK,
  ],
];

function load(yaml: string) {
  return parseConfigText(
    `shared_secret: ${Buffer.alloc(32, 7).toString('base64')}\nidp_client_id: c\n${yaml.includes('idp_client_secret') ? '' : 'idp_client_secret: s\n'}${yaml.includes('authenticate_service_url') ? '' : 'authenticate_service_url: https://auth.example.com\n'}${yaml}\n`,
    { file: 'idp.yaml', env: {} },
  );
}

for (const [title, yaml, e] of ROWS) {
  test(`per-provider keys: ${title}`, () => {
    if ('ok' in e) {
      const loaded = load(yaml);
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
      () => load(yaml),
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
