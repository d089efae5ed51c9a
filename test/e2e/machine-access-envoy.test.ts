// Machine access through the real Envoy and the all-in-one process (docs/machine-access.md): a
// service with a client-credentials JWT access token from the dev IdP reaches the upstream with
// identity headers and its Authorization header; a forged or foreign-audience token gets the
// RFC 6750 401 from Envoy, never a redirect; the same token on a browser route is no identity.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DemoAppReport } from '../../examples/demo-app/index.js';
import { type E2eStack, startE2eStack } from '../helpers/e2e-stack.js';

const API = 'https://machine.example.com';
let stack: E2eStack;
before(async () => {
  stack = await startE2eStack('all', {
    idpResources: [API, 'https://elsewhere.example.com'],
    extraRoutes: `
- from: http://machine.localhost:{{envoy}}
  to: http://127.0.0.1:{{app}}
  bearer_token_format: idp_access_token
  idp_access_token_allowed_audiences: [${API}]
  pass_identity_headers: true
  policy:
    allow:
      and:
        - user: { is: portcullis-e2e }
`,
  });
});
after(async () => {
  await stack?.close();
});

async function clientCredentials(resource: string): Promise<string> {
  const res = await fetch(`${stack.idp.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${stack.client.id}:${stack.client.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token!;
}

async function call(route: string, token: string) {
  return stack.browser().get(`${stack.url(route)}/hello`, {
    authorization: `Bearer ${token}`,
    accept: 'application/json',
  });
}

test('a client-credentials access token reaches the upstream through Envoy with identity headers', async () => {
  const token = await clientCredentials(API);
  const res = await call('machine', token);
  assert.equal(res.status, 200, res.body);
  const report = JSON.parse(res.body) as DemoAppReport;
  assert.equal(report.assertion.verified, true);
  assert.equal(report.authorization, true, 'the bearer token reaches the upstream');
});

test('a token for another audience or a forged one is a 401 invalid_token through Envoy, never a redirect', async () => {
  const other = await clientCredentials('https://elsewhere.example.com');
  const [h, p] = other.split('.') as [string, string];
  const forged = `${h}.${p}.${'A'.repeat(40)}`;
  for (const token of [other, forged, 'not-a-token']) {
    const res = await call('machine', token);
    assert.equal(res.status, 401, res.body);
    assert.match(res.headers['www-authenticate'] ?? '', /^Bearer error="invalid_token"/);
    assert.equal(res.location, null);
  }
});

test('the same token on a browser route is not an identity', async () => {
  const res = await call('other', await clientCredentials(API));
  assert.notEqual(res.status, 200);
  assert.equal(res.headers['www-authenticate'], undefined);
});
