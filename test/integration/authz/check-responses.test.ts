// Real CheckRequests over gRPC against the real authz server: allow with identity headers, login
// redirect vs 401, 403 in HTML / JSON / gRPC naming the failing rule, 404, internal routes, and
// the signed sign-in URL. Fixtures are JSON shaped as Envoy sends them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { buildJwks, loadSigningKeys, verifySignedUrl } from '../../../wire/index.js';
import { type AuthzHarness, fixture, startAuthzHarness } from '../../helpers/authz-harness.js';
import { ROUTES_YAML } from './routes.js';

let h: AuthzHarness;
before(async () => {
  h = await startAuthzHarness({ yaml: ROUTES_YAML });
});
after(async () => {
  await h?.close();
});

const withCookie = (name: string, cookie: string, edit?: (f: ReturnType<typeof fixture>) => void) =>
  fixture(name, (f) => {
    f.attributes.request.http.headers.cookie = cookie;
    edit?.(f);
  });

test('allows a signed-in user with a verifiable assertion, claim headers and the routing key', async () => {
  const { token, sessionId, userId } = await h.signIn({
    email: 'alice@example.com',
    groups: ['eng'],
    claims: { department: ['engineering'], roles: ['admin', 'viewer'] },
  });
  const res = await h.check(withCookie('browser-get', `_pomerium=${token}`));
  assert.equal(res.code, 0);
  assert.equal(res.status, 200);
  const jwt = res.headers['x-pomerium-jwt-assertion'];
  assert.ok(jwt);
  const keys = loadSigningKeys(h.loaded.config.signing_key!);
  const { payload, protectedHeader } = await jwtVerify(
    jwt,
    createLocalJWKSet(buildJwks(keys) as never),
    {
      issuer: 'app.example.com',
      audience: 'app.example.com',
    },
  );
  assert.equal(protectedHeader.alg, 'ES256');
  assert.equal(protectedHeader.kid, keys[0]!.kid);
  assert.equal(payload.sub, userId);
  assert.equal(payload.user, userId);
  assert.equal(payload.email, 'alice@example.com');
  assert.equal(payload.sid, sessionId);
  assert.deepEqual(payload.groups, ['eng']);
  assert.equal(payload.department, 'engineering');
  assert.equal(typeof payload.iat, 'number');
  assert.equal((payload.exp as number) - (payload.iat as number), 300);
  assert.equal(res.headers['x-pomerium-claim-email'], 'alice@example.com');
  assert.equal(res.headers['x-pomerium-claim-department'], 'engineering');
  assert.equal(res.headers['x-pomerium-claim-roles'], 'admin,viewer');
  assert.match(res.headers['x-pomerium-routing-key'] ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(res.headersToRemove, ['cookie']);
});

test('set_request_headers renders templates in one pass (access token, $$, unknown variables, request headers)', async () => {
  const { token, sessionId } = await h.signIn({ email: 'alice@example.com' });
  const res = await h.check(withCookie('browser-get', `_pomerium=${token}`));
  assert.equal(res.headers['x-upstream-token'], `access-${sessionId}`);
  assert.equal(res.headers['x-literal'], 'cost: $5 for ');
  assert.equal(res.headers['x-agent'], 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0');
});

test('reuses the signed assertion for the same session and audience', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const a = await h.check(withCookie('browser-get', `_pomerium=${token}`));
  const b = await h.check(withCookie('browser-get', `_pomerium=${token}`));
  assert.equal(a.headers['x-pomerium-jwt-assertion'], b.headers['x-pomerium-jwt-assertion']);
});

test('every allowed header uses OVERWRITE_IF_EXISTS_OR_ADD so client values cannot survive', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const res = await h.check(withCookie('browser-get', `_pomerium=${token}`));
  const raw = res.raw as { ok_response: { headers: { append_action: string }[] } };
  assert.ok(raw.ok_response.headers.length > 0);
  for (const o of raw.ok_response.headers)
    assert.equal(o.append_action, 'OVERWRITE_IF_EXISTS_OR_ADD');
});

test('redirects an anonymous browser to the signed sign-in URL with the original URL', async () => {
  const res = await h.check(fixture('browser-get'));
  assert.equal(res.code, 7);
  assert.equal(res.status, 302);
  const location = new URL(res.headers.location!);
  assert.equal(location.origin, 'https://auth.example.com');
  assert.equal(location.pathname, '/.pomerium/sign_in');
  assert.equal(
    location.searchParams.get('pomerium_redirect_uri'),
    'https://app.example.com/page?x=1',
  );
  assert.equal(location.searchParams.get('pomerium_idp_id'), h.idpId);
  assert.equal(location.searchParams.get('pomerium_additional_hosts'), 'b.example.com');
  assert.equal(verifySignedUrl(location.toString(), h.keys.urlKey).ok, true);
  assert.equal(res.headers['x-pomerium-intercepted-response'], 'true');
  assert.equal(res.headers['x-request-id'], '7d3c2a9e-1f0b-4c55-9d1e-5b0f6c8a9e21');
});

test('answers 401 JSON to an anonymous API client, with the request id', async () => {
  const res = await h.check(fixture('api-get'));
  assert.equal(res.status, 401);
  assert.equal(res.headers['content-type'], 'application/json');
  const body = JSON.parse(res.body) as { error: string; request_id: string };
  assert.equal(body.error, 'Unauthenticated');
  assert.equal(body.request_id, '0b6f5a52-8a43-4c1e-a1f6-2f9a3c7d8e10');
});

test('answers 401 (not a redirect) to an XMLHttpRequest from a browser', async () => {
  const res = await h.check(
    fixture('browser-get', (f) => {
      f.attributes.request.http.headers['x-requested-with'] = 'XMLHttpRequest';
    }),
  );
  assert.equal(res.status, 401);
  assert.equal(res.headers.location, undefined);
});

test('answers 401 with grpc-status 16 to an anonymous gRPC client', async () => {
  const res = await h.check(fixture('grpc-call'));
  assert.equal(res.status, 401);
  assert.equal(res.headers['content-type'], 'application/grpc+json');
  assert.equal(res.headers['grpc-status'], '16');
  assert.equal(res.body, '');
});

test('denies a user of another domain with 403 HTML naming the failing rule and linking /.pomerium/', async () => {
  const { token } = await h.signIn({ email: 'eve@evil.test' });
  const res = await h.check(withCookie('browser-get', `_pomerium=${token}`));
  assert.equal(res.code, 7);
  assert.equal(res.status, 403);
  assert.match(res.headers['content-type'] ?? '', /^text\/html/);
  assert.match(
    res.body,
    /<li><code>domain<\/code>: email domain must be <code>example\.com<\/code>/,
  );
  assert.match(res.body, /id="request-id" tabindex="0">7d3c2a9e-1f0b-4c55-9d1e-5b0f6c8a9e21</);
  const link = /id="user-info" href="([^"]+)"/.exec(res.body)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(link);
  const url = new URL(link);
  assert.equal(url.origin + url.pathname, 'https://auth.example.com/.pomerium/');
  assert.equal(verifySignedUrl(url.toString(), h.keys.urlKey).ok, true);
});

test('denies with a JSON body listing reasons and failures when the client prefers JSON', async () => {
  const { token } = await h.signIn({ email: 'eve@evil.test' });
  const res = await h.check(withCookie('api-get', `_pomerium=${token}`));
  assert.equal(res.status, 403);
  const body = JSON.parse(res.body) as {
    error: string;
    request_id: string;
    reasons: string[];
    failures: { criterion: string; reason: string }[];
  };
  assert.equal(body.error, 'Forbidden');
  assert.equal(body.request_id, '0b6f5a52-8a43-4c1e-a1f6-2f9a3c7d8e10');
  assert.ok(body.reasons.includes('domain-unauthorized'));
  assert.ok(body.failures.some((f) => f.criterion === 'domain'));
});

test('denies a gRPC client with grpc-status 7 and the request id in grpc-message', async () => {
  const { token } = await h.signIn({ email: 'eve@evil.test' });
  const res = await h.check(withCookie('grpc-call', `_pomerium=${token}`));
  assert.equal(res.status, 403);
  assert.equal(res.headers['grpc-status'], '7');
  assert.match(
    decodeURIComponent(res.headers['grpc-message'] ?? ''),
    /5e1a7c3b-9d2f-4b6e-8a0c-1d3f5e7a9b2c/,
  );
});

test('answers 200 robots.txt instead of a denial', async () => {
  const res = await h.check(
    fixture('browser-get', (f) => {
      f.attributes.request.http.path = '/robots.txt';
    }),
  );
  assert.equal(res.status, 200);
  assert.equal(res.body, 'User-agent: *\nDisallow: /');
});

const notFound: [string, (f: ReturnType<typeof fixture>) => void][] = [
  [
    'an unknown route id',
    (f) => {
      f.attributes.context_extensions = { internal: 'false', route_id: 'nope' };
    },
  ],
  [
    'an empty route id',
    (f) => {
      f.attributes.context_extensions = { internal: 'false', route_id: '' };
    },
  ],
  ['no context extensions', (f) => void delete f.attributes.context_extensions],
];
for (const [name, edit] of notFound) {
  test(`answers 404 for ${name}`, async () => {
    const { token } = await h.signIn({ email: 'alice@example.com' });
    const res = await h.check(withCookie('api-get', `_pomerium=${token}`, edit));
    assert.equal(res.allowed, false);
    assert.equal(res.status, 404);
    const body = JSON.parse(res.body) as { code: string; request_id: string };
    assert.equal(body.code, 'AUTHZ_ROUTE_NOT_FOUND');
    assert.ok(body.request_id);
  });
}

test('passes Portcullis paths (internal=true) untouched: no identity headers, nothing stripped', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const res = await h.check(
    withCookie('browser-get', `_pomerium=${token}`, (f) => {
      f.attributes.context_extensions = { internal: 'true', route_id: '' };
      f.attributes.request.http.path = '/.pomerium/callback/?x=1';
      f.attributes.request.http.headers['x-pomerium-authorization'] = token;
    }),
  );
  assert.equal(res.code, 0);
  assert.deepEqual(res.headers, {});
  assert.deepEqual(res.headersToRemove, []);
});

test('allows everyone on a public route, with an assertion that names nobody', async () => {
  const res = await h.check(
    fixture('browser-get', (f) => {
      f.attributes.context_extensions = { internal: 'false', route_id: 'public' };
      f.attributes.request.http.host = 'public.example.com';
    }),
  );
  assert.equal(res.status, 200);
  const payload = JSON.parse(
    Buffer.from(res.headers['x-pomerium-jwt-assertion']!.split('.')[1]!, 'base64url').toString(),
  ) as Record<string, unknown>;
  assert.equal(payload.sub, '');
  assert.equal(payload.email, '');
  assert.deepEqual(payload.groups, []);
  assert.equal(payload.aud, 'public.example.com');
});

test('keeps a plain-http route (insecure_server) on http in the sign-in redirect and the 403 link', async () => {
  const plain = await startAuthzHarness({
    yaml: `
routes:
  - id: plain
    from: http://plain.localhost:8080
    to: http://upstream.internal:8080
    allowed_domains: [example.com]
`,
  });
  try {
    const onPlain = (f: ReturnType<typeof fixture>) => {
      const http = f.attributes.request.http;
      http.host = 'plain.localhost:8080';
      http.scheme = 'http';
      http.headers[':authority'] = 'plain.localhost:8080';
      http.headers[':scheme'] = 'http';
      http.headers['x-forwarded-proto'] = 'http';
      f.attributes.context_extensions = { internal: 'false', route_id: 'plain' };
    };
    const login = await plain.check(fixture('browser-get', onPlain));
    assert.equal(login.status, 302);
    const target = new URL(login.headers.location!).searchParams.get('pomerium_redirect_uri');
    assert.equal(target, 'http://plain.localhost:8080/page?x=1');

    const { token } = await plain.signIn({ email: 'eve@evil.test' });
    const denied = await plain.check(
      fixture('browser-get', (f) => {
        onPlain(f);
        f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
      }),
    );
    assert.equal(denied.status, 403);
    const link = /id="user-info" href="([^"]+)"/.exec(denied.body)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(link);
    assert.equal(
      new URL(link).searchParams.get('pomerium_redirect_uri'),
      'http://plain.localhost:8080/page?x=1',
    );
  } finally {
    await plain.close();
  }
});
