// Every page Portcullis renders, in real Chromium at 1280 and 375 px, light and dark (issue 21):
// no horizontal scroll, the main action above the fold, every text colour at least 4.5:1
// against its background (computed from the styles), no console errors, no serious or critical
// axe-core finding, and the pages' CSP blocking an inline script. Denials come from authz's
// buildDenial and the portal from portalResponse (headers and body as Envoy would send them),
// the authn pages from the real authn server; screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type AuthnServer, createAuthnServer } from '../../authn/index.js';
import type { AuthzResponse } from '../../authz/lib/authz-types.js';
import { portalResponse } from '../../authz/respond/answer-routes-portal.js';
import { buildDenial } from '../../authz/respond/build-denial.js';
import { createMemoryStore } from '../../databroker/index.js';
import { themeOf } from '../../wire/index.js';
import { loadTestConfig } from '../helpers/authz-harness.js';
import { launchChromium, saveScreenshot } from '../helpers/chromium.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const { config } = loadTestConfig(
  [
    'branding_support_url: https://help.example.com/access',
    'routes:',
    '  - from: https://app.example.com',
    '    to: http://127.0.0.1:1',
    '    allowed_users: [alice@example.com]',
  ].join('\n'),
);
const theme = themeOf(config);
const page = (host: string, path: string, who: string | null) => ({ host, path, who, theme });

const DENIALS: Record<string, () => AuthzResponse> = {
  '403': () =>
    buildDenial(
      {
        status: 403,
        error: 'Forbidden',
        requestId: '7f3c2a9e-5b1d-4c8e-9a0f-2d6b8e1c4f7a',
        explanation:
          'no allow rule matched: email must be `alice@example.com` (you are `bob@example.com`); groups must contain `admins` (you are in `eng`)',
        failures: [
          {
            criterion: 'email',
            wanted: 'email must be `alice@example.com`',
            got: 'you are `bob@example.com`',
            reason: 'email-unauthorized',
          },
          {
            criterion: 'groups',
            wanted: 'groups must contain `admins`',
            got: 'you are in `eng`',
            reason: 'groups-unauthorized',
          },
        ],
        userInfoUrl: '/.pomerium/',
        page: page('app.example.com', '/admin/reports?year=2026', 'bob@example.com'),
      },
      { accept: 'text/html' },
    ),
  '401': () =>
    buildDenial(
      {
        status: 401,
        error: 'Unauthenticated',
        requestId: 'req-401',
        page: page('app.example.com', '/', null),
      },
      { accept: 'text/html' },
    ),
  '400': () =>
    buildDenial(
      {
        status: 400,
        error: 'Bad Request',
        requestId: 'req-400',
        explanation: 'the path has a dot segment',
        page: page('app.example.com', '/a/../b', null),
      },
      { accept: 'text/html' },
    ),
  '404': () =>
    buildDenial(
      {
        status: 404,
        error: 'route not found',
        requestId: 'req-404',
        page: page('nowhere.example.com', '/', null),
      },
      { accept: 'text/html' },
    ),
  '495': () =>
    buildDenial(
      {
        status: 495,
        error: 'certificate',
        requestId: 'req-495',
        page: page('m.example.com', '/', 'a@b.c'),
      },
      { accept: 'text/html' },
    ),
  '503': () =>
    buildDenial(
      { status: 503, error: 'Service Unavailable', requestId: 'req-503' },
      {
        accept: 'text/html',
      },
    ),
  routes: () =>
    portalResponse(
      '/.pomerium/routes',
      [
        {
          id: '1',
          name: 'Grafana',
          from: 'https://grafana.example.com',
          type: 'http',
          description: 'Dashboards and alerts for every service',
          logo_url: '',
        },
        {
          id: '2',
          name: 'Wiki',
          from: 'https://wiki.example.com',
          type: 'http',
          description: '',
          logo_url: '',
        },
      ],
      theme,
    ),
};

/** Pages served by the real authn server (as the authenticate host). */
const AUTHN_PAGES: Record<string, string> = {
  'signed-out': '/.pomerium/signed_out',
  'sign-out-confirm': '/.pomerium/sign_out',
  'user-page': '/.pomerium/',
  device: '/.pomerium/device-enrolled',
  'error-404': '/.pomerium/nothing-here',
};

let authn: AuthnServer;
let server: ReturnType<typeof createServer>;
let base = '';
let browser: Browser;

function answer(res: ServerResponse, r: AuthzResponse): void {
  if (r.kind !== 'deny') throw new Error('not a page');
  res.writeHead(r.status, Object.fromEntries(r.headers));
  res.end(r.body);
}

before(async () => {
  authn = createAuthnServer({ config, store: createMemoryStore(), refresh: false });
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const name = url.pathname.slice('/page/'.length);
    if (url.pathname.startsWith('/page/') && DENIALS[name]) return answer(res, DENIALS[name]());
    if (url.pathname === '/inline-script') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': theme.csp });
      res.end(
        '<!DOCTYPE html><html lang="en"><title>x</title><p id="p">before</p><script>document.getElementById("p").textContent="ran"</script></html>',
      );
      return;
    }
    req.headers.host = 'auth.example.com';
    req.headers['x-forwarded-proto'] = 'https';
    authn.handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise<void>((r) => server?.close(() => r()));
  await authn?.close();
});

interface Facts {
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly actionBottom: number | null;
  readonly lowContrast: string[];
}

/** Layout and contrast facts, computed in the page from its styles. */
const MEASURE = `(() => {
  const rgb = (s) => { const m = s.match(/[\\d.]+/g) || []; return m.map(Number); };
  const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c; } return [255, 255, 255]; };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own || el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
    if (el.classList.contains('skip')) continue;
    const r = ratio(rgb(getComputedStyle(el).color), bgOf(el));
    if (r < 4.5) low.push(el.tagName + ' "' + el.textContent.trim().slice(0, 30) + '" ' + r.toFixed(2));
  }
  const action = document.querySelector('main .actions .button') || document.querySelector('main h1');
  return { scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
    actionBottom: action ? action.getBoundingClientRect().bottom : null, lowContrast: low };
})()`;

const ALL = [
  ...Object.keys(DENIALS).map((n) => [n, `/page/${n}`] as const),
  ...Object.entries(AUTHN_PAGES),
];
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 375, height: 667 },
] as const;

for (const [name, path] of ALL) {
  test(`the ${name} page holds its layout, contrast and accessibility at 1280 and 375 px, light and dark`, async () => {
    for (const viewport of VIEWPORTS) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({ viewport, colorScheme });
        const p = await context.newPage();
        const errors: string[] = [];
        const url = `${base}${path}`;
        p.on('console', (m) => {
          // Chromium reports an error page's own status as a failed load: that is the page
          if (m.type() === 'error' && m.location().url !== url) errors.push(m.text());
        });
        p.on('pageerror', (e) => errors.push(e.message));
        const res = await p.goto(`${base}${path}`);
        assert.ok(res, path);
        const css = await p.evaluate('document.styleSheets.length');
        assert.equal(css, 1, `${name}: the stylesheet loaded`);
        const facts = (await p.evaluate(MEASURE)) as Facts;
        const where = `${name} ${viewport.width}px ${colorScheme}`;
        assert.ok(facts.scrollWidth <= facts.clientWidth, `${where}: horizontal scroll`);
        assert.ok(
          facts.actionBottom !== null && facts.actionBottom <= viewport.height,
          `${where}: main action below the fold (${facts.actionBottom})`,
        );
        assert.deepEqual(facts.lowContrast, [], `${where}: low contrast`);
        assert.deepEqual(errors, [], `${where}: console errors`);
        await saveScreenshot(p, `pages-${name}-${viewport.width}-${colorScheme}`);
        await context.close();
      }
    }
  });

  test(`axe-core finds no serious or critical issue on the ${name} page`, async () => {
    // the page's CSP forbids every script, axe's included: this context alone bypasses it
    const context = await browser.newContext({ bypassCSP: true });
    const p = await context.newPage();
    await p.goto(`${base}${path}`);
    await p.addScriptTag({ content: AXE });
    const violations = (await p.evaluate(
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })))',
    )) as { id: string; impact: string }[];
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad, [], `${name}: ${JSON.stringify(bad)}`);
    await context.close();
  });
}

test("the pages' Content-Security-Policy blocks an inline script", async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  const violations: string[] = [];
  p.on('console', (m) => violations.push(m.text()));
  await p.goto(`${base}/inline-script`);
  assert.equal(await p.textContent('#p'), 'before');
  assert.ok(
    violations.some((v) => v.includes('Content Security Policy')),
    violations.join('\n'),
  );
  await context.close();
});
