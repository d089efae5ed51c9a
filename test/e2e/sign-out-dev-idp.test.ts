// The full sign-out through the dev IdP in Chromium (issue 21, docs/pages.md "Sign-out"):
// `portcullis start` all-in-one, the dev IdP and the demo app. After signing out on a route the
// browser ends on the signed-out page with no click in between (the IdP's end-session
// confirmation submits itself), and the next visit asks for the password again — no silent
// sign-in from a lingering IdP session — and any account may sign in then.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { launchChromium, saveScreenshot, submitIdpLogin } from '../helpers/chromium.js';
import { ALICE, BOB, type E2eStack, startE2eStack } from '../helpers/e2e-stack.js';

let stack: E2eStack;
let chromium: Chromium;

before(async () => {
  [stack, chromium] = await Promise.all([startE2eStack('all'), launchChromium()]);
});

after(async () => {
  await chromium?.close();
  await stack?.close();
});

const hostOf = (name: string) => new URL(stack.url(name)).host;

test('sign-out ends the dev IdP session without a confirmation step, and the next visit asks for the password again', async () => {
  const context = await chromium.newContext();
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });

  // Signed in on one route with the password…
  await page.goto(`${stack.url('app')}/`);
  assert.equal(new URL(page.url()).origin, stack.idp.issuer, 'sent to the IdP login form');
  await submitIdpLogin(page, ALICE.username, ALICE.password);
  await page.waitForSelector('#assertion');
  // …a second route signs in silently (the IdP session): what sign-out has to end.
  await page.goto(`${stack.url('other')}/`);
  await page.waitForSelector('#assertion');
  assert.equal(
    new URL(page.url()).host,
    hostOf('other'),
    'silent sign-in while the IdP session lives',
  );

  // Sign out: every document the browser loads on the way, and no click from us.
  const visited: URL[] = [];
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) visited.push(new URL(f.url()));
  });
  await page.goto(`${stack.url('app')}/.pomerium/sign_out`);
  await page.waitForURL((u) => u.pathname === '/.pomerium/signed_out', { timeout: 60_000 });
  assert.equal(new URL(page.url()).host, hostOf('authenticate'));
  assert.ok(
    visited.some((u) => u.origin === stack.idp.issuer),
    `the IdP's end-session endpoint was visited: ${visited.map((u) => u.href).join(' → ')}`,
  );
  // The signed-out page is ours, and nothing waits for a click.
  assert.match((await page.textContent('h1')) ?? '', /signed out/i);
  assert.equal(
    await page.locator('form').count(),
    0,
    'no confirmation form on the signed-out page',
  );
  await saveScreenshot(page, 'e2e-dev-idp-signed-out');
  assert.deepEqual(
    (await context.cookies(stack.url('app'))).filter((c) => c.name === '_pomerium'),
    [],
    'the route session cookie is gone',
  );

  // The next visit asks for the password again, on every route…
  for (const route of ['app', 'other'] as const) {
    await page.goto(`${stack.url(route)}/`);
    assert.equal(new URL(page.url()).origin, stack.idp.issuer, `${route}: back at the IdP`);
    await page.waitForSelector('form#login input[name=password]');
  }
  // …and another account may sign in.
  await submitIdpLogin(page, BOB.username, BOB.password);
  await page.waitForSelector('#assertion');
  assert.equal(new URL(page.url()).host, hostOf('other'));
  assert.equal(await page.textContent('[data-header="x-pomerium-claim-email"]'), BOB.email);
  assert.deepEqual(consoleErrors, [], 'no console errors on the way');
  await context.close();
});
