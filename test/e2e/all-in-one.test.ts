// End to end, all-in-one (`portcullis start` with services: all: authz + authn + ADS + a
// supervised Envoy, in-memory databroker), the dev IdP and the demo app; Chromium signs in.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Browser as Chromium } from 'playwright-core';
import type { DemoAppReport } from '../../examples/demo-app/index.js';
import { programmaticLogin } from '../../examples/programmatic-login/login.js';
import { launchChromium, saveScreenshot, submitIdpLogin } from '../helpers/chromium.js';
import { ALICE, BOB, type E2eStack, startE2eStack } from '../helpers/e2e-stack.js';
import { getStatus, startLoadLoops } from '../helpers/load-loops.js';

let stack: E2eStack;
let chromium: Chromium;
let alice: BrowserContext;

before(async () => {
  [stack, chromium] = await Promise.all([startE2eStack('all'), launchChromium()]);
  alice = await chromium.newContext();
});

after(async () => {
  await chromium?.close();
  await stack?.close();
});

const hostOf = (name: string) => new URL(stack.url(name)).host;

function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A request through Envoy with the browser context's cookies for that route (Node side). */
async function fetchAs(
  context: BrowserContext,
  route: string,
  headers: Record<string, string> = {},
  path = '/',
) {
  const cookies = await context.cookies(`${stack.url(route)}${path}`);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return getStatus(
    stack.envoyPort,
    hostOf(route),
    { ...headers, ...(cookie ? { cookie } : {}) },
    path,
  );
}

test('a user signs in through the IdP form and sees the demo app with the right identity headers', async () => {
  const page = await alice.newPage();
  await page.goto(`${stack.url('app')}/hello`);
  assert.equal(new URL(page.url()).origin, stack.idp.issuer, 'sent to the IdP login form');
  await submitIdpLogin(page, ALICE.username, ALICE.password);
  await page.waitForSelector('#assertion');
  assert.equal(new URL(page.url()).host, hostOf('app'));
  assert.equal(new URL(page.url()).pathname, '/hello');
  assert.equal(await page.getAttribute('#assertion', 'data-verified'), 'true');
  assert.equal(await page.textContent('[data-header="x-pomerium-claim-email"]'), ALICE.email);
  assert.match(
    (await page.textContent('[data-header="x-pomerium-claim-groups"]')) ?? '',
    /engineering/,
  );
  await saveScreenshot(page, 'e2e-signed-in-app');
  // The same answer as JSON: our cookie never reaches the upstream.
  const json = await fetchAs(alice, 'app', { accept: 'application/json' }, '/hello');
  assert.equal(json.status, 200);
  const report = JSON.parse(json.body) as DemoAppReport;
  assert.equal(report.assertion.verified, true);
  assert.equal(report.assertion.verified && report.assertion.claims.email, ALICE.email);
  assert.ok(!report.cookies.includes('_pomerium'), 'the session cookie is stripped');
  assert.equal(report.headers['x-pomerium-claim-email'], ALICE.email);
  await page.close();
});

test('a user outside the group gets the 403 page that names the missing group', async () => {
  const context = await chromium.newContext();
  const page = await context.newPage();
  await page.goto(`${stack.url('app')}/`);
  await submitIdpLogin(page, BOB.username, BOB.password);
  assert.equal(new URL(page.url()).host, hostOf('app'));
  const again = await page.reload();
  assert.equal(again?.status(), 403);
  const text = (await page.textContent('body')) ?? '';
  assert.match(text, /engineering/, 'the page names the group that was required');
  await saveScreenshot(page, 'e2e-forbidden-403');
  // The single-user route names the user it wants; the public one lets bob in.
  const admin = await page.goto(`${stack.url('admin')}/`);
  assert.equal(new URL(page.url()).host, hostOf('admin'));
  const adminPage = admin?.status() === 403 ? admin : await page.reload();
  assert.equal(adminPage?.status(), 403);
  assert.match((await page.textContent('body')) ?? '', /alice@example\.com/);
  assert.equal((await page.goto(`${stack.url('public')}/`))?.status(), 200);
  await context.close();
});

test('sign-out on one route signs the user out of every route', async () => {
  const page = await alice.newPage();
  // Signed in already (test 1): the second route gets its cookie without a password.
  await page.goto(`${stack.url('other')}/`);
  await page.waitForSelector('#assertion');
  assert.equal(new URL(page.url()).host, hostOf('other'));
  assert.equal((await fetchAs(alice, 'other')).status, 200);
  await page.goto(`${stack.url('app')}/.pomerium/sign_out`);
  for (const route of ['other', 'app']) {
    const r = await fetchAs(alice, route, { accept: 'text/html' });
    assert.equal(r.status, 302, `${route} asks for a new sign-in`);
    assert.match(String(r.headers.location ?? ''), /\/\.pomerium\/sign_in/);
  }
  await page.close();
});

test('a route added to the config file is served under load with zero failed requests', async () => {
  const port = stack.envoyPort;
  const load = startLoadLoops([
    {
      name: 'public',
      count: 6,
      send: async () => (await getStatus(port, hostOf('public'))).status,
    },
  ]);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await getStatus(port, hostOf('added'))).status, 404, 'not a route yet');
  await stack.writeConfig(
    `- from: ${stack.url('added')}\n  to: http://127.0.0.1:${stack.app.port}\n  allow_public_unauthenticated_access: true`,
  );
  const deadline = Date.now() + 15_000;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await getStatus(port, hostOf('added'))).status;
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));
  await load.stop();
  assert.equal(status, 200, 'the new route is served');
  const failed = load.outcomes.filter((o) => o.status !== 200);
  assert.ok(load.outcomes.length > 50, `enough load (${load.outcomes.length} requests)`);
  assert.deepEqual(failed, [], 'zero failed requests during the reload');
});

test('a reload with a policy that does not compile is refused and the last good config keeps serving', async () => {
  const port = stack.envoyPort;
  const seen = stack.logs.length;
  await stack.writeConfig(
    [
      `- from: ${stack.url('added')}\n  to: http://127.0.0.1:${stack.app.port}\n  allow_public_unauthenticated_access: true`,
      `- from: ${stack.url('broken')}\n  to: http://127.0.0.1:${stack.app.port}\n  policy:\n    allow:\n      and:\n        - no_such_criterion: true`,
    ].join('\n'),
  );
  const deadline = Date.now() + 10_000;
  let refused: Record<string, unknown> | undefined;
  while (!refused && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    refused = stack.logs
      .slice(seen)
      .map((l) => parseLine(l.line))
      .find((e) => /config reload refused/.test(String(e.msg)));
  }
  assert.ok(refused, 'the reload is refused in the logs');
  assert.equal(refused.code, 'CONFIG_INVALID');
  assert.equal(
    (await getStatus(port, hostOf('broken'))).status,
    404,
    'the broken route is not served',
  );
  assert.equal(
    (await getStatus(port, hostOf('added'))).status,
    200,
    'the last good routes still are',
  );
  assert.equal((await getStatus(port, hostOf('public'))).status, 200);
});

test('programmatic login: the example client gets a token and calls a route with Authorization: Pomerium', async () => {
  const context = await chromium.newContext();
  const page = await context.newPage();
  const port = stack.envoyPort;
  const jwt = await programmaticLogin(stack.url('app'), {
    timeoutMs: 30_000,
    // The example client's own calls go through Envoy like any client's (*.localhost → loopback).
    fetch: async (input) => {
      const u = new URL(String(input));
      const r = await getStatus(port, u.host, {}, `${u.pathname}${u.search}`);
      return new Response(r.body, { status: r.status });
    },
    openUrl: async (url) => {
      await page.goto(url);
      await submitIdpLogin(page, ALICE.username, ALICE.password);
    },
  });
  assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const ok = await getStatus(port, hostOf('app'), {
    authorization: `Pomerium ${jwt}`,
    accept: 'application/json',
  });
  assert.equal(ok.status, 200);
  const report = JSON.parse(ok.body) as DemoAppReport;
  assert.equal(report.assertion.verified && report.assertion.claims.email, ALICE.email);
  assert.equal(report.authorization, false, 'the Pomerium token is stripped before the upstream');
  const forged = await getStatus(port, hostOf('app'), {
    authorization: `Pomerium ${jwt.slice(0, -4)}AAAA`,
    accept: 'application/json',
  });
  assert.equal(forged.status, 401, 'a tampered token is refused');
  await context.close();
});
