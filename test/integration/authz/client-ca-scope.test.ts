// Issue 15 (Pomerium's downstream-mTLS suite): a route's client CA applies to that route only
// (docs/pomerium-behaviour.md §1.7, §1.8), and leaves issued by an intermediate CA pass when the
// client sends the intermediate and downstream_mtls.max_verify_depth allows the depth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AuthzHarness,
  type CheckFixture,
  fixture,
  fixtureText,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';
import { MTLS_YAML } from './routes.js';

const PLAIN_ROUTE = `  - id: plain
    from: https://plain.example.com
    to: http://upstream.internal:8080
    allowed_domains: [example.com]
`;

async function withHarness(yaml: string, run: (h: AuthzHarness, token: string) => Promise<void>) {
  const h = await startAuthzHarness({ yaml });
  try {
    const { token } = await h.signIn({ email: 'alice@example.com' });
    await run(h, token);
  } finally {
    await h.close();
  }
}

const onHost = (name: string, host: string, token?: string) =>
  fixture(name, (f: CheckFixture) => {
    f.attributes.request.http.headers[':authority'] = host;
    f.attributes.request.http.host = host;
    f.attributes.context_extensions = { internal: 'false', route_id: host.split('.')[0]! };
    if (token !== undefined) f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
  });

test('a route without a client CA (and none global) demands no certificate although another route has one', async () => {
  await withHarness(`${MTLS_YAML}${PLAIN_ROUTE}`, async (h, token) => {
    // the CA route still refuses a browser without a certificate
    assert.equal((await h.check(onHost('mtls-none', 'mtls.example.com', token))).status, 495);
    // the plain route: signed in → 200, anonymous → sign-in redirect, never 495
    assert.equal((await h.check(onHost('mtls-none', 'plain.example.com', token))).status, 200);
    const anon = await h.check(onHost('mtls-none', 'plain.example.com'));
    assert.equal(anon.status, 302);
    // any certificate is acceptable where no CA applies
    assert.equal((await h.check(onHost('mtls-untrusted', 'plain.example.com', token))).status, 200);
  });
});

test('a global CA still applies to routes without their own CA', async () => {
  const other = Buffer.from(fixtureText('other-ca.pem')).toString('base64');
  await withHarness(
    `downstream_mtls:\n  ca: ${other}\n${MTLS_YAML}${PLAIN_ROUTE}`,
    async (h, token) => {
      assert.equal((await h.check(onHost('mtls-none', 'plain.example.com', token))).status, 495);
      assert.equal(
        (await h.check(onHost('mtls-untrusted', 'plain.example.com', token))).status,
        200,
      );
    },
  );
});

const CHAIN_ROUTE = `routes:
  - id: mtls
    from: https://mtls.example.com
    to: http://upstream.internal:8080
    allowed_domains: [example.com]
    tls_downstream_client_ca_file: chain-root-ca.pem
`;
const depth = (n: number) => `downstream_mtls:\n  max_verify_depth: ${n}\n${CHAIN_ROUTE}`;
const noChain = (token: string) =>
  fixture('mtls-chain', (f) => {
    delete f.attributes.request.http.headers['x-forwarded-client-cert'];
    f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
  });

const CHAIN_CASES: readonly [string, string, (t: string) => CheckFixture, number][] = [
  ['depth 2, intermediate sent', depth(2), (t) => onHost('mtls-chain', 'mtls.example.com', t), 200],
  [
    'depth 0 (no limit), intermediate sent',
    depth(0),
    (t) => onHost('mtls-chain', 'mtls.example.com', t),
    200,
  ],
  ['depth 1, intermediate sent', depth(1), (t) => onHost('mtls-chain', 'mtls.example.com', t), 495],
  [
    'default depth (1), intermediate sent',
    CHAIN_ROUTE,
    (t) => onHost('mtls-chain', 'mtls.example.com', t),
    495,
  ],
  ['depth 2, intermediate not sent', depth(2), noChain, 495],
  [
    'depth 2, a forged intermediate of the same name',
    depth(2),
    (t) => onHost('mtls-chain-forged', 'mtls.example.com', t),
    495,
  ],
];
for (const [name, yaml, req, status] of CHAIN_CASES) {
  test(`a leaf issued by an intermediate CA: ${name} → ${status}`, async () => {
    await withHarness(yaml, async (h, token) => {
      const res = await h.check(req(token));
      assert.equal(res.status, status);
      if (status === 495) assert.equal(res.headers.location, undefined);
    });
  });
}

test('the intermediate itself may be the configured CA (issued directly, depth 1)', async () => {
  const yaml = CHAIN_ROUTE.replace('chain-root-ca.pem', 'chain-intermediate-ca.pem');
  await withHarness(yaml, async (h, token) => {
    assert.equal((await h.check(noChain(token))).status, 200);
  });
});
