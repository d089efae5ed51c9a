// The design system's promises without a browser: hostile branding refused at validate, every
// user-controlled string escaped on every page (a table of XSS payloads through each), the
// stylesheet hashed and its colours kept at 4.5:1, the denial card showing each rule once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderPage as renderAuthnPage } from '../../../authn/lib/render-page.js';
import { renderDenialPage } from '../../../authz/respond/render-denial-page.js';
import { parseConfigText } from '../../../config/index.js';
import { PortcullisError } from '../../../errors/index.js';
import {
  contrastRatio,
  escapeHtml,
  parseHexColor,
  renderDenialCard as renderCard,
  renderRoutesPage,
  themeOf,
} from '../../../wire/index.js';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '`<b>`',
  '</code><script>x</script>',
  '&lt;script&gt;',
  '{{7*7}}</style><style>*{display:none}',
];

/** The tags a page may contain; anything else came from a payload. */
const TAGS = new Set(
  'html head meta title link body a header img span main section p h1 h2 ul li code dl dt dd div strong footer form button table tr th td br'.split(
    ' ',
  ),
);

const ATTRIBUTES = new Set(
  'lang charset name content rel href src alt class id aria-labelledby tabindex method action type scope'.split(
    ' ',
  ),
);

/** Every tag and attribute is one the templates write; no URL attribute holds a script URL. */
function assertClean(html: string, payload: string): void {
  for (const tag of html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    assert.ok(TAGS.has(tag[1]!.toLowerCase()), `unexpected <${tag[1]}> from ${payload}`);
    const rest = tag[2]!.replace(/\/$/, '');
    const attrs = [...rest.matchAll(/\s([^\s=]+)(?:="([^"]*)")?/g)];
    // nothing left over: every attribute is name="value"
    assert.equal(
      rest.replace(/\s([^\s=]+)(?:="([^"]*)")?/g, '').trim(),
      '',
      `stray attribute text in <${tag[1]}${rest}> from ${payload}`,
    );
    for (const a of attrs) {
      assert.ok(ATTRIBUTES.has(a[1]!.toLowerCase()), `attribute ${a[1]} from ${payload}`);
      if (a[1] === 'href' || a[1] === 'src' || a[1] === 'action') {
        assert.doesNotMatch(a[2] ?? '', /^\s*(javascript|data|vbscript):/i, payload);
      }
    }
  }
  assert.ok(!html.includes(payload) || escapeHtml(payload) === payload, payload);
}

for (const payload of PAYLOADS) {
  test(`the denial page escapes ${payload} in the email, path, rule and explanation`, () => {
    const html = renderCard(
      {
        status: 403,
        error: payload,
        requestId: payload,
        explanation: `a deny rule matched: ${payload}`,
        failures: [
          {
            criterion: payload,
            wanted: `email must be \`${payload}\``,
            got: payload,
            reason: payload,
          },
        ],
        host: payload,
        path: `/${payload}?q=${payload}`,
        who: payload,
        signInUrl: payload,
        userInfoUrl: payload,
      },
      themeOf(),
    );
    assertClean(html, payload);
  });

  test(`the routes portal escapes ${payload} in a route's name, description, URL and logo`, () => {
    const html = renderRoutesPage(
      [{ from: payload, name: payload, description: payload, logo_url: payload }],
      themeOf(),
    );
    assertClean(html, payload);
  });

  test(`an authn page escapes ${payload} in its title`, () => {
    assertClean(renderAuthnPage(payload, `<p>${escapeHtml(payload)}</p>`), payload);
  });
}

test('a failing rule explained the way the policy engine explains it is shown once', () => {
  const view = (explanation: string) =>
    renderDenialPage({
      status: 403,
      error: 'Forbidden',
      requestId: 'req-1',
      explanation,
      failures: [
        {
          criterion: 'email',
          wanted: 'email must be `nobody@example.com`',
          got: 'your email is `alice@example.com`',
          reason: 'email-unauthorized',
        },
      ],
      page: { host: 'app.example.com', path: '/x', who: 'alice@example.com', theme: themeOf() },
    });
  const sentence = 'email must be `nobody@example.com` (your email is `alice@example.com`)';
  const plain = view(sentence);
  assert.equal(plain.split('nobody@example.com').length - 1, 1);
  assert.ok(!plain.includes('id="explanation"'), 'no summary when the explanation is the rule');
  const denied = view(`a deny rule matched: ${sentence}`);
  assert.equal(denied.split('nobody@example.com').length - 1, 1);
  assert.match(denied, /<p id="explanation">A deny rule matched\.<\/p>/);
});

test('a failing rule is shown once, with Markdown code spans rendered and not printed', () => {
  const html = renderDenialPage({
    status: 403,
    error: 'Forbidden',
    requestId: 'req-1',
    explanation:
      'no allow rule matched: email must be `alice@example.com` (you are `bob@example.com`)',
    failures: [
      {
        criterion: 'email',
        wanted: 'email must be `alice@example.com`',
        got: 'you are `bob@example.com`',
        reason: 'email-unauthorized',
      },
    ],
    page: { host: 'app.example.com', path: '/x', who: 'bob@example.com', theme: themeOf() },
  });
  assert.equal(html.split('alice@example.com').length - 1, 1);
  assert.ok(html.includes('<code>alice@example.com</code>'));
  assert.ok(!html.includes('`'));
  assert.ok(html.includes('id="switch-account"'));
  assert.match(html, /class="reqid" id="request-id" tabindex="0">req-1</);
});

test('the stylesheet is named by its hash and changes name when the branding changes', () => {
  const a = themeOf();
  const b = themeOf({ primary_color: '#aa0000' });
  assert.match(a.cssPath, /^\/\.pomerium\/assets\/portcullis-[0-9a-f]{16}\.css$/);
  assert.notEqual(a.cssPath, b.cssPath);
  assert.ok(b.css.includes('--primary:#aa0000'));
});

test('a pale brand colour still gives text of at least 4.5:1 (links fall back, buttons get dark text)', () => {
  const css = themeOf({ primary_color: '#ffee88' }).css;
  const light = css.slice(0, css.indexOf('@media'));
  const v = (name: string): [number, number, number] =>
    parseHexColor(new RegExp(`--${name}:(#[0-9a-f]+)`, 'i').exec(light)![1]!)!;
  assert.ok(contrastRatio(v('link'), v('card')) >= 4.5);
  assert.ok(contrastRatio(v('on-primary'), v('primary')) >= 4.5);
});

const HOSTILE_BRANDING: [string, string][] = [
  ['primary_color', 'red;}body{display:none'],
  ['primary_color', 'url(https://evil.example/x)'],
  ['secondary_color', '#12345'],
  ['darkmode_primary_color', 'expression(alert(1))'],
  ['logo_url', 'javascript:alert(1)'],
  ['logo_url', 'data:image/svg+xml,<svg onload=alert(1)>'],
  ['logo_url', 'http://logo.example.com/x.png'],
  ['logo_url', 'https://logo.example.com/x.png" onerror="alert(1)'],
  ['favicon_url', 'https://a.example.com/x).png'],
  ['branding_support_url', 'javascript:alert(1)//https://x'],
  ['branding_support_url', 'https://user:pw@support.example.com/'],
  ['branding_name', '<script>alert(1)</script>'],
  ['branding_name', 'Acme\u0000'],
  ['branding_support_text', '<a href=x>help</a>'],
  ['error_message_first_paragraph', '}</style><script>x</script>'],
];
for (const [key, value] of HOSTILE_BRANDING) {
  test(`validate refuses ${key}: ${JSON.stringify(value)}`, () => {
    assert.throws(
      () => parseConfigText(JSON.stringify({ [key]: value }), { file: 'c.json', env: {} }),
      (e: unknown) => e instanceof PortcullisError && e.message.includes(key),
    );
  });
}

test('validate accepts branding in the documented form', () => {
  const { config } = parseConfigText(
    JSON.stringify({
      primary_color: '#1a2b3c',
      darkmode_primary_color: '#abc',
      logo_url: 'https://cdn.example.com/logo.svg',
      branding_name: 'Acme Access',
      branding_support_url: 'https://help.example.com/access',
      branding_support_text: 'Ask the help desk',
      error_message_first_paragraph: 'Access to Acme apps is reviewed monthly.',
    }),
    { file: 'c.json', env: {} },
  );
  const theme = themeOf(config);
  assert.equal(theme.name, 'Acme Access');
  const html = renderCard({ status: 403, error: 'Forbidden', requestId: 'r', who: 'a@b' }, theme);
  assert.ok(html.includes('href="https://help.example.com/access"'));
  assert.ok(html.includes('Access to Acme apps is reviewed monthly.'));
  assert.ok(html.includes('src="https://cdn.example.com/logo.svg"'));
});
