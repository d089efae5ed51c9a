// Sign in with Apple in a real browser: Chromium follows the sign-in to a local fake of Apple
// (test/helpers/fake-providers.ts, on 127.0.0.1: another site than the authenticate host), whose
// page auto-submits the code by a cross-site form POST to /oauth2/callback. The login cookies
// (SameSite=None; Secure) must come along with that POST for the state/CSRF checks to pass, and
// the sign-in ends on the route with a session (docs/identity-providers.md, Apple). The hosts
// are *.localhost over http: Chromium keeps Secure cookies there.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { type AuthnServer, createAuthnServer } from '../../authn/index.js';
import { parseConfigText } from '../../config/index.js';
import { createMemoryStore, type RecordStore } from '../../databroker/index.js';
import { buildSignInUrl, deriveKeys } from '../../wire/index.js';
import { launchChromium } from '../helpers/chromium.js';
import { type FakeProvider, startFakeProvider } from '../helpers/fake-oidc-provider.js';
import { FAKE_PROFILES } from '../helpers/fake-providers.js';

const TEAM = 'ABCDE12345';
const KEY_ID = 'KEY1234567';
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const indent = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

let fake: FakeProvider;
let store: RecordStore;
let authn: AuthnServer;
let front: Server;
let chromium: Chromium;
let port = 0;
let signInUrl = '';

before(async () => {
  fake = await startFakeProvider(
    FAKE_PROFILES.apple,
    {
      sub: '001234.abc.1234',
      email: 'alice@example.com',
      emailVerified: true,
      name: 'Alice Liddell',
      groups: [],
    },
    { apple: { teamId: TEAM, keyId: KEY_ID, publicKey: key.publicKey } },
  );
  // authn behind a plain-http front (as behind Envoy: x-forwarded-proto says http)
  front = createServer((req, res) => {
    req.headers['x-forwarded-proto'] = 'http';
    authn.handler(req, res);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  port = (front.address() as AddressInfo).port;
  const sharedSecret = randomBytes(32).toString('base64');
  const { config } = parseConfigText(
    `
authenticate_service_url: http://auth.localhost:${port}
shared_secret: ${sharedSecret}
signing_key: |
${indent(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())}
idp_provider: apple
idp_provider_url: ${fake.origin}
idp_client_id: ${fake.clientId}
idp_apple_team_id: ${TEAM}
idp_apple_key_id: ${KEY_ID}
idp_client_secret: |
${indent(key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())}
routes:
  - from: http://app.localhost:${port}
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
`,
    { file: 'apple-e2e.yaml', env: {} },
  );
  store = createMemoryStore();
  authn = createAuthnServer({ config, store, refresh: false });
  signInUrl = buildSignInUrl({
    authenticateUrl: `http://auth.localhost:${port}`,
    redirectUri: `http://app.localhost:${port}/page`,
    idpId: authn.defaultIdpId,
    key: deriveKeys(sharedSecret).urlKey,
  });
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  front?.closeAllConnections();
  await new Promise<void>((r) => (front ? front.close(() => r()) : r()));
  await authn?.close();
  await store?.close();
  await fake?.close();
});

test('Chromium signs in with Apple: the cross-site form POST brings the SameSite=None login cookies and the callback accepts it', async () => {
  const context = await chromium.newContext();
  try {
    const page = await context.newPage();
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/oauth2/callback')) posts.push(r.url());
    });
    await page.goto(signInUrl);
    await page.waitForURL(`http://app.localhost:${port}/page`, { timeout: 30_000 });
    assert.equal(posts.length, 1, 'the code came back by form POST');
    const cookies = await context.cookies(`http://app.localhost:${port}/`);
    assert.ok(
      cookies.some((c) => c.name === '_pomerium'),
      JSON.stringify(cookies.map((c) => c.name)),
    );
    const sessions = (await store.list('session')).records;
    assert.equal(sessions.length, 1);
    const user = (await store.get('user', '001234.abc.1234'))?.data;
    assert.equal(user?.name, 'Alice Liddell');
    assert.equal(user?.email, 'alice@example.com');
    assert.ok(fake.appleSecrets.length > 0, 'the minted client secret was accepted');
  } finally {
    await context.close();
  }
});
