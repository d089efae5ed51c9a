// Issue 15 with a real Keycloak (scripts/setup/keycloak) as the identity provider of an
// all-in-one `portcullis start` (supervised Envoy on TLS with its development certificate):
// Chromium signs in at Keycloak's own login form; Keycloak groups (a group-membership claim
// mapper, test/fixtures/keycloak/portcullis-realm.json) allow and deny; the background job
// refreshes with Keycloak's refresh token; sign-out ends the Keycloak session at its
// end_session_endpoint; one route with tls_downstream_client_ca beside ordinary routes behaves as
// docs/pomerium-behaviour.md §1.7–§1.8 say (that route needs a certificate, the others do not).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Browser as Chromium, Page } from 'playwright-core';
import { ENVOY_INSTALL_HINT, findEnvoyBinary } from '../../cli/index.js';
import { type DemoApp, type DemoAppReport, startDemoApp } from '../../examples/demo-app/index.js';
import {
  type PortcullisProcess,
  spawnPortcullis,
} from '../../examples/split-mode/spawn-portcullis.js';
import { FIXTURES } from '../helpers/authz-harness.js';
import { launchChromium, saveScreenshot } from '../helpers/chromium.js';
import { freePorts } from '../helpers/free-port.js';
import {
  KC_ALICE,
  KC_BOB,
  KEYCLOAK_CLIENT,
  type RunningKeycloak,
  startKeycloak,
} from '../helpers/keycloak.js';

let keycloak: RunningKeycloak;
let portcullis: PortcullisProcess;
let app: DemoApp;
let chromium: Chromium;
let alice: BrowserContext;
let envoyPort: number;
let metricsPort: number;
let dir: string;

const url = (name: string) => `https://${name}.localhost:${envoyPort}`;
const hostOf = (name: string) => `${name}.localhost:${envoyPort}`;

before(async () => {
  const envoyBin = findEnvoyBinary();
  if (!envoyBin) throw new Error(`Envoy is required for end-to-end tests: ${ENVOY_INSTALL_HINT}`);
  let grpcPort: number;
  let kcPort: number;
  [envoyPort, grpcPort, metricsPort, kcPort] = await freePorts(4);
  dir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-keycloak-'));
  for (const f of ['chain-root-ca.pem']) copyFileSync(join(FIXTURES, f), join(dir, f));
  // Keycloak, Chromium and the app start together; Portcullis discovers Keycloak on first use.
  let kc: Promise<RunningKeycloak>;
  [kc, chromium, app] = [
    startKeycloak({ port: kcPort }),
    await launchChromium(),
    await startDemoApp({ name: 'keycloak e2e app', connect: `127.0.0.1:${envoyPort}` }),
  ];
  const to = `http://127.0.0.1:${app.port}`;
  const configFile = join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    `
address: 127.0.0.1:${envoyPort}
grpc_address: 127.0.0.1:${grpcPort}
grpc_insecure: true
services: all
databroker_storage_type: memory
metrics_address: 127.0.0.1:${metricsPort}
authenticate_service_url: ${url('authenticate')}
idp_provider: keycloak
idp_provider_url: http://127.0.0.1:${kcPort}/realms/portcullis
idp_client_id: ${KEYCLOAK_CLIENT.id}
idp_client_secret: ${KEYCLOAK_CLIENT.secret}
shared_secret: ${randomBytes(32).toString('base64')}
cookie_secret: ${randomBytes(32).toString('base64')}
jwt_claims_headers: email,groups
downstream_mtls:
  max_verify_depth: 2
routes:
  - from: ${url('app')}
    to: ${to}
    pass_identity_headers: true
    policy:
      allow:
        and:
          - groups:
              has: engineering
  - from: ${url('other')}
    to: ${to}
    pass_identity_headers: true
    allow_any_authenticated_user: true
  - from: ${url('mtls')}
    to: ${to}
    pass_identity_headers: true
    allow_any_authenticated_user: true
    tls_downstream_client_ca_file: chain-root-ca.pem
`,
  );
  [keycloak, portcullis] = await Promise.all([
    kc,
    spawnPortcullis({
      name: 'portcullis',
      configFile,
      env: { ENVOY_BIN: envoyBin },
      readyTimeoutMs: 60_000,
      onLine: (name, line) => {
        if (process.env.E2E_LOGS) process.stderr.write(`${name}: ${line}\n`);
      },
    }),
  ]);
  alice = await newContext();
});

/** A browser context for the stack's development certificate, patient with a busy machine. */
async function newContext(): Promise<BrowserContext> {
  const context = await chromium.newContext({ ignoreHTTPSErrors: true });
  context.setDefaultTimeout(120_000);
  return context;
}

after(async () => {
  await chromium?.close();
  await portcullis?.stop();
  await keycloak?.stop();
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** On Keycloak's own login page: fills in the user and submits. */
async function keycloakLogin(page: Page, user: { username: string; password: string }) {
  assert.equal(new URL(page.url()).origin, new URL(keycloak.issuer).origin, 'at Keycloak');
  await page.waitForSelector('#username');
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForNavigation(), page.click('#kc-login')]);
}

/** Waits for the demo app's page; on timeout, fails naming where the browser is instead. */
async function waitForApp(page: Page): Promise<void> {
  try {
    await page.waitForSelector('#assertion');
  } catch {
    await saveScreenshot(page, 'e2e-keycloak-stuck').catch(() => undefined);
    const body = ((await page.textContent('body').catch(() => '')) ?? '').replace(/\s+/g, ' ');
    assert.fail(`the demo app did not show: at ${page.url()}: ${body.slice(0, 400)}`);
  }
}

/** A GET through Envoy's TLS listener with the context's cookies and optionally a client certificate. */
async function httpsGet(
  context: BrowserContext | null,
  route: string,
  options: { path?: string; cert?: string; key?: string; accept?: string } = {},
): Promise<{ status: number; body: string; location?: string }> {
  const path = options.path ?? '/';
  const cookies = context ? await context.cookies(`${url(route)}${path}`) : [];
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: envoyPort,
        servername: `${route}.localhost`,
        path,
        rejectUnauthorized: false,
        headers: {
          host: hostOf(route),
          accept: options.accept ?? 'application/json',
          ...(cookie ? { cookie } : {}),
        },
        ...(options.cert ? { cert: options.cert, key: options.key } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            ...(res.headers.location ? { location: res.headers.location } : {}),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.slice(name.length).trim()) : Number.NaN;
}

test('a user signs in at Keycloak in Chromium and reaches the group-gated route with her Keycloak email and groups', async () => {
  const page = await alice.newPage();
  await page.goto(`${url('app')}/hello`);
  await keycloakLogin(page, KC_ALICE);
  await waitForApp(page);
  assert.equal(new URL(page.url()).host, hostOf('app'));
  assert.equal(new URL(page.url()).pathname, '/hello');
  assert.equal(await page.textContent('[data-header="x-pomerium-claim-email"]'), KC_ALICE.email);
  const groups = (await page.textContent('[data-header="x-pomerium-claim-groups"]')) ?? '';
  for (const g of KC_ALICE.groups) assert.match(groups, new RegExp(g));
  await saveScreenshot(page, 'e2e-keycloak-signed-in');
  const json = await httpsGet(alice, 'app', { path: '/hello' });
  assert.equal(json.status, 200);
  const report = JSON.parse(json.body) as DemoAppReport;
  assert.equal(report.headers['x-pomerium-claim-email'], KC_ALICE.email);
  assert.ok(report.headers['x-pomerium-jwt-assertion'], 'the signed assertion reaches the app');
  await page.close();
});

test('a Keycloak user outside the required group is denied with 403 and allowed where any user is', async () => {
  const bob = await newContext();
  const page = await bob.newPage();
  await page.goto(`${url('other')}/`);
  await keycloakLogin(page, KC_BOB);
  await waitForApp(page);
  assert.equal(new URL(page.url()).host, hostOf('other'));
  assert.match((await page.textContent('[data-header="x-pomerium-claim-groups"]')) ?? '', /sales/);
  const denied = await page.goto(`${url('app')}/`);
  const deniedPage = denied?.status() === 403 ? denied : await page.reload();
  assert.equal(deniedPage?.status(), 403);
  assert.match((await page.textContent('body')) ?? '', /engineering/);
  assert.equal((await httpsGet(bob, 'app')).status, 403);
  assert.equal((await httpsGet(bob, 'other')).status, 200);
  await bob.close();
});

test("the background job refreshes a Keycloak session with Keycloak's refresh token and the session keeps working", async () => {
  // The realm's access tokens live 60 s, inside the refresh grace period: the next pass (every
  // 10 s) refreshes alice's session at Keycloak's token endpoint.
  const deadline = Date.now() + 60_000;
  let refreshed = 0;
  while (Date.now() < deadline) {
    refreshed = await metric('portcullis_authn_refreshes_total{outcome="refreshed"}');
    if (refreshed >= 1) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(refreshed >= 1, `a refresh succeeded (refreshed=${refreshed})`);
  assert.equal(await metric('portcullis_authn_refreshes_total{outcome="ended"}'), 0);
  const after = await httpsGet(alice, 'app', { path: '/hello' });
  assert.equal(after.status, 200);
  const report = JSON.parse(after.body) as DemoAppReport;
  assert.equal(report.headers['x-pomerium-claim-email'], KC_ALICE.email);
  assert.match(String(report.headers['x-pomerium-claim-groups']), /engineering/);
});

/**
 * Signs in on the mTLS route from Node with a client certificate: follows the redirects through
 * the authenticate host with the browser's authenticate cookies (alice is signed in at
 * Keycloak already); returns the route host's cookies.
 */
async function signInWithCertificate(
  context: BrowserContext,
  cert: string,
  key: string,
): Promise<string> {
  const jar = new Map<string, string>();
  let next = new URL(`${url('mtls')}/`);
  for (let hop = 0; hop < 10; hop++) {
    const host = next.hostname.split('.')[0] ?? '';
    const own = host === 'mtls' ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
    const browser = (await context.cookies(next.toString()))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    const r = await rawGet(next, {
      cookie: host === 'mtls' ? own : browser,
      ...(host === 'mtls' ? { cert, key } : {}),
    });
    if (host === 'mtls') {
      for (const c of r.setCookies) {
        const [pair] = c.split(';');
        const i = (pair ?? '').indexOf('=');
        if (i > 0) jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
    }
    if (r.status === 200 && host === 'mtls') break;
    assert.ok(
      r.status >= 300 && r.status < 400 && r.location,
      `hop ${hop}: ${r.status} at ${next}`,
    );
    next = new URL(r.location, next);
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

function rawGet(
  target: URL,
  options: { cookie: string; cert?: string; key?: string },
): Promise<{ status: number; location?: string; setCookies: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: envoyPort,
        servername: target.hostname,
        path: `${target.pathname}${target.search}`,
        rejectUnauthorized: false,
        headers: {
          host: target.host,
          accept: 'text/html',
          ...(options.cookie ? { cookie: options.cookie } : {}),
        },
        ...(options.cert ? { cert: options.cert, key: options.key } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ...(res.headers.location ? { location: res.headers.location } : {}),
            setCookies: res.headers['set-cookie'] ?? [],
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the route with a client CA needs a certificate from it; the routes beside it need none', async () => {
  const cert = `${readFixture('chain-leaf.pem')}${readFixture('chain-intermediate-ca.pem')}`;
  const key = readFixture('chain-leaf.key');
  // Without a certificate the mTLS route refuses, signed in elsewhere or not.
  assert.equal((await httpsGet(null, 'mtls', { accept: 'text/html' })).status, 495);
  assert.equal((await httpsGet(alice, 'mtls')).status, 495);
  // With a certificate from the route CA, alice signs in there (Keycloak SSO) and is let in.
  const cookie = await signInWithCertificate(alice, cert, key);
  assert.ok(cookie, 'the mTLS route set its session cookie');
  const mtls = new URL(`${url('mtls')}/`);
  assert.equal((await rawGet(mtls, { cookie, cert, key })).status, 200);
  assert.equal((await rawGet(mtls, { cookie })).status, 495, 'the session alone is not enough');
  // The routes beside it: no certificate needed.
  assert.equal((await httpsGet(alice, 'app')).status, 200, 'alice on a route without a CA');
  assert.equal((await httpsGet(null, 'other', { accept: 'text/html' })).status, 302);
});

test('sign-out ends the Keycloak session at its end_session_endpoint and the next visit asks for the password again', async () => {
  const page = await alice.newPage();
  await page.goto(`${url('app')}/.pomerium/sign_out`);
  await page.waitForURL((u) => u.pathname === '/.pomerium/signed_out', { timeout: 120_000 });
  assert.equal(new URL(page.url()).host, hostOf('authenticate'));
  const r = await httpsGet(alice, 'app', { accept: 'text/html' });
  assert.equal(r.status, 302, 'the route asks for a new sign-in');
  await page.goto(`${url('app')}/`);
  assert.equal(new URL(page.url()).origin, new URL(keycloak.issuer).origin);
  await page.waitForSelector('#password');
  await saveScreenshot(page, 'e2e-keycloak-after-sign-out');
  await page.close();
});

function readFixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}
