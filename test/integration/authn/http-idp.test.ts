// Issue 15: an http:// identity provider URL used to pass validate and start, then fail every
// sign-in with a 500 CONFIG_INVALID. Now it works, as in Pomerium (whose own docs harness runs
// Keycloak at http://keycloak.localhost.pomerium.io:8080), and config load warns about plain
// HTTP outside loopback.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openIdentityProvider } from '../../../authn/lib/idp/open-identity-provider.js';
import { parseConfigText } from '../../../config/index.js';
import { type DevIdp, startDevIdp } from '../../../examples/dev-idp/index.js';
import { freePort } from '../../helpers/free-port.js';

let idp: DevIdp;
let port: number;
before(async () => {
  port = await freePort();
  idp = await startDevIdp({
    port,
    issuer: `http://idp.internal.test:${port}`,
    users: [{ username: 'alice', password: 'pw', email: 'alice@example.com', groups: [] }],
    clients: [
      {
        client_id: 'portcullis',
        client_secret: 's',
        redirect_uris: ['https://auth.example.com/oauth2/callback'],
      },
    ],
  });
});
after(async () => {
  await idp?.close();
});

/** A resolver for the test's private name: idp.internal.test → 127.0.0.1 (no DNS needed). */
const fetchVia127: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  url.hostname = '127.0.0.1';
  return fetch(url, init);
};

test('sign-in starts against an http IdP on a non-loopback name (discovery works, no CONFIG_INVALID)', async () => {
  const rp = openIdentityProvider(
    {
      id: 'x',
      issuer: idp.issuer,
      clientId: 'portcullis',
      clientSecret: 's',
      scopes: ['openid', 'email'],
      requestParams: {},
      redirectUri: 'https://auth.example.com/oauth2/callback',
      userIdClaim: 'sub',
      groupsClaim: 'groups',
      timeoutMs: 5_000,
    },
    { fetch: fetchVia127 },
  );
  const url = new URL(
    await rp.authorizationUrl({ state: 's1', nonce: 'n1', codeVerifier: 'v'.repeat(43) }),
  );
  // discovery answered (oidc-provider builds its endpoints from the Host it was reached on)
  assert.equal(url.protocol, 'http:');
  assert.equal(url.port, String(port));
  assert.equal(url.searchParams.get('client_id'), 'portcullis');
});

const CASES: readonly [string, boolean][] = [
  ['https://idp.example.com', false],
  ['http://127.0.0.1:8900', false],
  ['http://localhost:8080/realms/dev', false],
  ['http://idp.localhost:8080', false],
  ['http://keycloak.localhost.pomerium.io:8080/realms/pomerium-e2e', true],
  ['http://keycloak:8080/realms/pomerium', true],
];
for (const [url, warned] of CASES) {
  test(`${warned ? 'warns about' : 'says nothing about'} idp_provider_url ${url}`, () => {
    const { warnings } = parseConfigText(`idp_provider_url: ${url}\n`, { file: 'i.yaml', env: {} });
    const w = warnings.filter((i) => i.path === 'idp_provider_url');
    assert.equal(w.length, warned ? 1 : 0);
    if (warned) {
      assert.equal(w[0]!.code, 'insecure_setting');
      assert.equal(w[0]!.line, 1);
    }
  });
}
