// /.pomerium/mcp/routes (docs/mcp.md "Which MCP servers may I use") through the real authz server:
// the MCP servers the signed-in user may use, in Pomerium's shape, each decided by its route's
// compiled policy; web routes, wildcard hosts and servers the user may not use are left out;
// without a session, sign-in (browser) or 401.
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
  - id: tools
    name: Internal tools
    description: search and tickets
    logo_url: https://logo.example.com/tools.png
    from: https://tools.example.com
    to: http://mcp.internal:8080/mcp
    mcp:
      server:
        path: /mcp
    policy:
      allow:
        and:
          - domain:
              is: example.com
      deny:
        and:
          - mcp_tool:
              starts_with: admin_
  - id: github
    from: https://github-mcp.example.com
    to: https://api.githubcopilot.com/mcp/
    mcp:
      server:
        upstream_oauth2:
          client_id: id
          client_secret: secret
          endpoint:
            auth_url: https://github.com/login/oauth/authorize
            token_url: https://github.com/login/oauth/access_token
    allow_any_authenticated_user: true
  - id: root-only
    from: https://db.example.com
    to: http://db.internal:8080
    mcp:
      server: {}
    policy:
      allow:
        and:
          - email:
              is: root@example.com
  - id: office
    from: https://office-mcp.example.com
    to: http://mcp.internal:8080
    mcp:
      server: {}
    policy:
      allow:
        and:
          - source_ip: 10.0.0.0/8
  - id: wild
    from: https://*.mcp.example.com
    to: http://mcp.internal:8080
    mcp:
      server: {}
    allow_any_authenticated_user: true
  - id: wiki
    from: https://wiki.example.com
    to: http://wiki.internal:8080
    allow_any_authenticated_user: true
`;

let h: AuthzHarness;
before(async () => {
  h = await startAuthzHarness({ yaml: YAML });
});
after(async () => {
  await h?.close();
});

const list = (opts: { token?: string; accept?: string; method?: string; path?: string } = {}) =>
  fixture('browser-get', (f: CheckFixture) => {
    const http = f.attributes.request.http;
    const path = opts.path ?? '/.pomerium/mcp/routes';
    http.headers[':authority'] = 'wiki.example.com';
    http.host = 'wiki.example.com';
    http.headers[':path'] = path;
    http.path = path;
    if (opts.method !== undefined) {
      http.method = opts.method;
      http.headers[':method'] = opts.method;
    }
    http.headers.accept = opts.accept ?? 'application/json';
    if (opts.token !== undefined) http.headers.cookie = `_pomerium=${opts.token}`;
    f.attributes.context_extensions = { internal: 'true', route_id: '' };
  });

test('lists the MCP servers the user may use, with their URLs, in Pomerium shape', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const res = await h.check(list({ token }));
  assert.equal(res.allowed, false, 'answered by authz directly');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.match(String(res.headers['cache-control']), /no-store/);
  assert.deepEqual(JSON.parse(res.body), {
    servers: [
      {
        name: 'Internal tools',
        description: 'search and tickets',
        logo_url: 'https://logo.example.com/tools.png',
        url: 'https://tools.example.com/mcp',
        connected: true,
        needs_oauth: false,
      },
      {
        url: 'https://github-mcp.example.com',
        connected: false,
        needs_oauth: true,
      },
    ],
  });
});

test("another user's list follows that user's policies", async () => {
  const { token } = await h.signIn({ email: 'root@example.org' });
  const urls = (
    JSON.parse((await h.check(list({ token }))).body) as { servers: { url: string }[] }
  ).servers.map((s) => s.url);
  assert.deepEqual(urls, ['https://github-mcp.example.com']);
  const root = await h.signIn({ email: 'root@example.com' });
  const rootUrls = (
    JSON.parse((await h.check(list({ token: root.token }))).body) as { servers: { url: string }[] }
  ).servers.map((s) => s.url);
  assert.deepEqual(rootUrls, [
    'https://tools.example.com/mcp',
    'https://github-mcp.example.com',
    'https://db.example.com',
  ]);
});

test('without a session: 401 for an API client, a sign-in redirect for a browser', async () => {
  const api = await h.check(list());
  assert.equal(api.status, 401);
  const browser = await h.check(list({ accept: 'text/html' }));
  assert.equal(browser.status, 302);
  assert.match(String(browser.headers.location), /sign_in/);
});

test('only GET and HEAD are answered', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const res = await h.check(list({ token, method: 'POST' }));
  assert.equal(res.status, 405);
});

test('a trailing slash is the same list; other /.pomerium/mcp paths are not answered here', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const slash = await h.check(list({ token, path: '/.pomerium/mcp/routes/' }));
  assert.equal(slash.status, 200);
  const other = await h.check(list({ token, path: '/.pomerium/mcp/routesx' }));
  assert.equal(other.allowed, true, 'passed to authn untouched');
});
