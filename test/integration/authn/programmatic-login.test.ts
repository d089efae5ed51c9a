import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { programmaticLogin } from '../../../examples/programmatic-login/login.js';
import { verifySessionHandle, verifySignedUrl } from '../../../wire/index.js';
import { APP, AUTH, type Harness, signIn, startHarness } from '../../helpers/authn-harness.js';

let h: Harness;
before(async () => {
  h = await startHarness({
    extraYaml: 'programmatic_redirect_domain_whitelist: [localhost, cli.example.net]',
  });
});
after(async () => {
  await h.close();
});

const LOGIN = `${APP}/.pomerium/api/v1/login`;

test('programmatic login returns a signed sign-in URL and delivers pomerium_jwt to localhost', async () => {
  const b = h.browser();
  const r = await b.get(
    `${LOGIN}?pomerium_redirect_uri=${encodeURIComponent('http://localhost:8000/cb?x=1')}`,
  );
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'] ?? '', /^text\/plain/);
  const verified = verifySignedUrl(r.body, h.keys.urlKey);
  assert.ok(verified.ok);
  assert.equal(verified.url.origin, AUTH);
  assert.equal(verified.url.searchParams.get('pomerium_programmatic'), 'true');
  assert.equal(
    verified.url.searchParams.get('pomerium_callback_uri'),
    `${APP}/.pomerium/callback/`,
  );

  const hops = await signIn(h, b, r.body, { stopAt: (u) => u.hostname === 'localhost' });
  const landing = new URL(hops.at(-1)?.location ?? '');
  assert.equal(landing.origin, 'http://localhost:8000');
  assert.equal(landing.searchParams.get('x'), '1');
  const jwt = landing.searchParams.get('pomerium_jwt') ?? '';
  assert.equal(verifySessionHandle(jwt, h.keys.sessionKey).sub, 'alice');

  // a CLI presents the token in a header
  const forms: Record<string, string>[] = [
    { authorization: `Pomerium ${jwt}` },
    { authorization: `Bearer Pomerium-${jwt}` },
    { 'x-pomerium-authorization': jwt },
  ];
  for (const headers of forms) {
    const me = await h.browser().get(`${APP}/.pomerium/user`, headers);
    assert.equal(me.status, 200);
    assert.equal(JSON.parse(me.body).email, 'alice@example.com');
  }
});

test('programmatic login accepts loopback IPs and whitelisted hosts', async () => {
  for (const target of [
    'http://127.0.0.1:9999/cb',
    'http://[::1]:9999/cb',
    'https://cli.example.net/cb',
  ]) {
    const r = await h.browser().get(`${LOGIN}?pomerium_redirect_uri=${encodeURIComponent(target)}`);
    assert.equal(r.status, 200, target);
  }
});

test('programmatic login refuses other methods, a missing target and unlisted hosts', async () => {
  const b = h.browser();
  assert.equal(
    (await b.request('POST', `${LOGIN}?pomerium_redirect_uri=http://localhost/`)).status,
    405,
  );
  assert.equal((await b.get(LOGIN)).status, 404);
  const r = await b.get(
    `${LOGIN}?pomerium_redirect_uri=${encodeURIComponent('http://example.org/cb')}`,
  );
  assert.equal(r.status, 400);
  assert.equal(r.location, null);
});

test('the example client script completes a programmatic login', async () => {
  const b = h.browser();
  const jwt = await programmaticLogin(APP, {
    fetch: (async (input: string | URL | Request) => {
      const r = await b.get(String(input));
      return new Response(r.body, { status: r.status });
    }) as typeof fetch,
    openUrl: async (url) => {
      const hops = await signIn(h, b, url, { stopAt: (u) => u.hostname === 'localhost' });
      const landed = await b.get(hops.at(-1)?.location ?? '');
      assert.equal(landed.status, 200);
    },
    timeoutMs: 10_000,
  });
  assert.equal(verifySessionHandle(jwt, h.keys.sessionKey).sub, 'alice');
});
