// Issue 15: /.pomerium/api/v1/routes and /.pomerium/routes list the routes the signed-in user may
// open, each decided by that route's compiled policy; without a session, sign in (browser) or 401.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type AuthzHarness,
  type CheckFixture,
  fixture,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';

const YAML = `
routes:
  - id: wiki
    name: Wiki
    description: the team wiki
    logo_url: https://logo.example.com/wiki.png
    from: https://wiki.example.com
    to: http://upstream.internal:8080
    allowed_domains: [example.com]
  - id: admin
    from: https://admin.example.com
    to: http://upstream.internal:8080
    policy:
      allow:
        and:
          - email:
              is: root@example.com
  - id: public
    from: https://public.example.com
    to: http://upstream.internal:8080
    allow_public_unauthenticated_access: true
  - id: office-only
    from: https://office.example.com
    to: http://upstream.internal:8080
    policy:
      allow:
        and:
          - source_ip: 10.0.0.0/8
`;

let h: AuthzHarness;
before(async () => {
  h = await startAuthzHarness({ yaml: YAML });
});
after(async () => {
  await h?.close();
});

const portal = (path: string, opts: { token?: string; accept?: string } = {}) =>
  fixture('browser-get', (f: CheckFixture) => {
    const http = f.attributes.request.http;
    http.headers[':authority'] = 'wiki.example.com';
    http.host = 'wiki.example.com';
    http.headers[':path'] = path;
    http.path = path;
    if (opts.accept !== undefined) http.headers.accept = opts.accept;
    if (opts.token !== undefined) http.headers.cookie = `_pomerium=${opts.token}`;
    f.attributes.context_extensions = { internal: 'true', route_id: '' };
  });

test('lists exactly the routes the user may open, in Pomerium JSON shape', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const res = await h.check(portal('/.pomerium/api/v1/routes', { token }));
  assert.equal(res.allowed, false, 'answered by authz directly');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  const body = JSON.parse(res.body) as { routes: { id: string }[] };
  assert.deepEqual(body.routes, [
    {
      id: 'wiki',
      name: 'Wiki',
      from: 'https://wiki.example.com',
      type: 'http',
      description: 'the team wiki',
      logo_url: 'https://logo.example.com/wiki.png',
    },
    {
      id: 'public',
      name: 'public.example.com',
      from: 'https://public.example.com',
      type: 'http',
      description: '',
      logo_url: '',
    },
  ]);
});

test('another user sees the routes their own policies open', async () => {
  const { token } = await h.signIn({ email: 'root@example.com' });
  const res = await h.check(portal('/.pomerium/api/v1/routes', { token }));
  const ids = (JSON.parse(res.body) as { routes: { id: string }[] }).routes.map((r) => r.id);
  assert.deepEqual(ids, ['wiki', 'admin', 'public']);
});

test('/.pomerium/routes is an HTML page with a link per route', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const res = await h.check(portal('/.pomerium/routes', { token }));
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(res.body, /<a href="https:\/\/wiki\.example\.com\/?">Wiki<\/a>/);
  assert.doesNotMatch(res.body, /admin\.example\.com/);
});

test('without a session a browser is sent to sign in and an API client gets 401', async () => {
  const browser = await h.check(portal('/.pomerium/routes'));
  assert.equal(browser.status, 302);
  assert.match(String(browser.headers.location), /\/\.pomerium\/sign_in\?/);
  const api = await h.check(portal('/.pomerium/api/v1/routes', { accept: 'application/json' }));
  assert.equal(api.status, 401);
});

test('other internal paths still pass to authn untouched', async () => {
  const res = await h.check(portal('/.pomerium/user'));
  assert.equal(res.allowed, true);
});

test('/.pomerium/jwt passes to authn unless the pomerium_jwt_endpoint flag is on', async () => {
  const res = await h.check(portal('/.pomerium/jwt'));
  assert.equal(res.allowed, true);
});

test('/.pomerium/jwt with the flag: the signed assertion for this host, or sign in first', async () => {
  const hj = await startAuthzHarness({
    yaml: `runtime_flags:\n  pomerium_jwt_endpoint: true\n${YAML}`,
  });
  try {
    const { token } = await hj.signIn({ email: 'alice@example.com' });
    const res = await hj.check(portal('/.pomerium/jwt', { token }));
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/jwt');
    const payload = JSON.parse(Buffer.from(res.body.split('.')[1]!, 'base64url').toString()) as {
      email: string;
      aud: string;
      iss: string;
    };
    assert.equal(payload.email, 'alice@example.com');
    assert.equal(payload.aud, 'wiki.example.com');
    assert.equal(payload.iss, 'wiki.example.com');
    const anon = await hj.check(portal('/.pomerium/jwt', { accept: 'application/json' }));
    assert.equal(anon.status, 401);
  } finally {
    await hj.close();
  }
});
