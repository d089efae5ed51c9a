// Error pages wear the branding (issue 21, docs/pages.md "Branding keys"): a Check that fails
// closed (a store that errors: 503; a request that cannot be read: 400) answers an HTML page
// with the config's name, stylesheet (named by the branded CSS's hash), support line and first
// paragraph, like every policy denial; JSON keeps its shape. Through the real authz server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { denialForError } from '../../../authz/respond/denial-for-error.js';
import type { RecordStore } from '../../../databroker/index.js';
import { themeOf } from '../../../wire/index.js';
import {
  type AuthzHarness,
  type CheckResult,
  fixture,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';
import { ROUTES_YAML } from './routes.js';

const BRANDING = {
  branding_name: 'Acme Access',
  branding_support_url: 'https://help.example.com/access',
  branding_support_text: 'Ask the Acme help desk',
  error_message_first_paragraph: 'Acme systems are for staff only',
  primary_color: '#7a1f5c',
} as const;
const BRANDING_YAML = Object.entries(BRANDING)
  .map(([k, v]) => `${k}: "${v}"`)
  .join('\n');

/** A store whose session reads always fail. */
function failingSessions(inner: RecordStore): RecordStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'get') {
        return async (type: string, id: string) => {
          if (type === 'session') throw new Error('connection reset');
          return target.get(type as 'session', id);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

let h0: AuthzHarness;
let h: AuthzHarness;
before(async () => {
  h0 = await startAuthzHarness({ yaml: ROUTES_YAML });
  h = await startAuthzHarness({
    yaml: `${BRANDING_YAML}\n${ROUTES_YAML}`,
    store: failingSessions(h0.store),
  });
});
after(async () => {
  await h?.close();
  await h0?.close();
});

function assertBranded(res: CheckResult, status: number): void {
  const theme = themeOf(h.loaded.config);
  assert.equal(res.status, status);
  assert.match(res.headers['content-type'] ?? '', /^text\/html/);
  assert.equal(res.headers['content-security-policy'], theme.csp);
  assert.ok(res.body.includes(`href="${theme.cssPath}"`), 'the branded stylesheet is linked');
  assert.notEqual(theme.cssPath, themeOf().cssPath, 'branding changes the stylesheet');
  assert.ok(res.body.includes('Acme Access'), 'the branding name is shown');
  assert.ok(res.body.includes('href="https://help.example.com/access"'), 'the support link');
  assert.ok(res.body.includes('Ask the Acme help desk'));
  assert.ok(res.body.includes('Acme systems are for staff only'), 'the first paragraph');
}

test("a Check that fails closed (the store errors) answers 503 with the config's branding", async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const res = await h.check(
    fixture('browser-get', (f) => {
      f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
    }),
  );
  assert.equal(res.code, 14);
  assertBranded(res, 503);
  assert.ok(res.body.includes(res.headers['x-request-id']!), 'the request id is on the page');
});

test('the same failure asked for JSON keeps the JSON shape (error, request_id, code)', async () => {
  const { token } = await h.signIn({ email: 'bob@example.com' });
  const res = await h.check(
    fixture('api-get', (f) => {
      f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
    }),
  );
  assert.equal(res.status, 503);
  assert.deepEqual(Object.keys(JSON.parse(res.body) as object).sort(), [
    'code',
    'error',
    'request_id',
  ]);
});

test('every error code of the table renders its page with the branding and what was asked', () => {
  for (const code of ['AUTHZ_BAD_REQUEST', 'AUTHZ_INTERNAL', 'STORE_UNAVAILABLE'] as const) {
    const res = denialForError(
      {
        requestId: 'r-1',
        http: { headers: { accept: 'text/html' }, host: 'app.example.com', path: '/<x>' },
      },
      code,
      h.loaded.config,
    );
    assert.equal(res.kind, 'deny');
    if (res.kind !== 'deny') continue;
    assertBranded(
      {
        status: res.status,
        headers: Object.fromEntries(res.headers),
        body: res.body,
      } as CheckResult,
      code === 'AUTHZ_BAD_REQUEST' ? 400 : 503,
    );
    assert.ok(res.body.includes('app.example.com/&lt;x&gt;'), `${code}: what was asked, escaped`);
    assert.ok(!res.body.includes('not signed in'), `${code}: who is signed in is not guessed`);
  }
});
