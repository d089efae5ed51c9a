import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APP, AUTH, type Harness, signIn, startHarness } from '../../helpers/authn-harness.js';
import { readForm } from '../../helpers/browser.js';

let h: Harness;
let formPost: Harness;
let offset = 0;
before(async () => {
  h = await startHarness({ now: () => Date.now() + offset });
  formPost = await startHarness({ extraYaml: 'idp_request_params: {response_mode: form_post}' });
});
after(async () => {
  await h.close();
  await formPost.close();
});

test('a login that spent over 10 minutes at the IdP ends on a 400 "start again" page with a link, not a loop', async () => {
  const b = h.browser();
  const hops = await signIn(h, b, h.signInUrl(), {
    stopAt: (u) => u.hostname === 'auth.example.com' && u.pathname === '/oauth2/callback',
  });
  offset = 11 * 60_000;
  try {
    const r = await b.get(hops.at(-1)?.location ?? '');
    assert.equal(r.status, 400);
    assert.equal(r.location, null);
    assert.match(r.body, /request expired\. Start again/);
    assert.match(r.body, /AUTHN_LOGIN_EXPIRED/);
    assert.match(
      r.body,
      /<a class="button" id="start-again" href="https:\/\/app\.example\.com\/page\?x=1">Start again<\/a>/,
    );
    assert.equal((await h.store.list('session')).records.length, 0, 'no session written');
    assert.equal(b.jar.get(AUTH, '__Host-_pomerium_authenticate'), undefined);
  } finally {
    offset = 0;
  }
});

test('the IdP may return the code by form_post', async () => {
  const b = formPost.browser();
  const hops = await signIn(formPost, b, formPost.signInUrl(), {
    stopAt: () => false,
  });
  const page = hops.at(-1);
  assert.equal(page?.status, 200, 'the IdP answers with an auto-submitting form');
  const csrf = hops
    .flatMap((r) => r.setCookies)
    .find((c) => c.startsWith('__Host-_pomerium_csrf='));
  assert.match(csrf ?? '', /Secure; HttpOnly; SameSite=None/);
  const form = readForm(page?.body ?? '');
  assert.equal(form.action, `${AUTH}/oauth2/callback`);
  const fields: Record<string, string> = {};
  for (const m of (page?.body ?? '').matchAll(
    /<input type="hidden" name="(\w+)" value="([^"]*)"/g,
  )) {
    fields[m[1] as string] = (m[2] as string).replace(/&amp;/g, '&');
  }
  const posted = await b.request('POST', form.action, { form: { ...form.fields, ...fields } });
  assert.equal(posted.status, 302, posted.body.slice(0, 300));
  assert.ok(posted.location?.startsWith(`${APP}/.pomerium/callback/?`));
  const done = await b.get(posted.location ?? '');
  assert.equal(done.location, `${APP}/page?x=1`);
  assert.ok(b.jar.get(APP, '_pomerium'));
});
