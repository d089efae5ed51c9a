// What the forward-auth front door reads from a proxy's auth subrequest: only the headers of
// its own convention, exactly once each; everything it cannot judge as Envoy would is refused
// before any route or policy (a table of hostile variants).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ProxyConvention,
  type RouteMatch,
  readForwardedRequest,
} from '../../../forward-auth/index.js';

const APP: RouteMatch = { kind: 'route', name: 'policy-0', routeId: 'app' };
const match = (): RouteMatch => APP;

type Headers = Record<string, string[]>;

const NGINX: Headers = {
  'x-original-method': ['GET'],
  'x-original-url': ['https://app.example.com/a?b=c'],
  'x-real-ip': ['203.0.113.7'],
  cookie: ['_pomerium=abc'],
};
const CADDY: Headers = {
  'x-forwarded-method': ['POST'],
  'x-forwarded-proto': ['https'],
  'x-forwarded-host': ['app.example.com'],
  'x-forwarded-uri': ['/a?b=c'],
  'x-forwarded-for': ['198.51.100.1, 203.0.113.7'],
};

test('nginx: the method, URL and client address come from X-Original-* and X-Real-IP', () => {
  const { req, route } = readForwardedRequest('nginx', NGINX, match);
  assert.equal(req.rejected, null);
  assert.equal(req.http.method, 'GET');
  assert.equal(req.http.host, 'app.example.com');
  assert.equal(req.http.path, '/a');
  assert.equal(req.http.rawQuery, 'b=c');
  assert.equal(req.http.sourceIp, '203.0.113.7');
  assert.equal(req.cookieHeader, '_pomerium=abc');
  assert.equal(req.routeId, 'app');
  assert.deepEqual(route, APP);
  assert.equal(req.http.headers['x-original-url'], undefined);
});

test('caddy and traefik: X-Forwarded-Method/Proto/Host/Uri, the last X-Forwarded-For hop', () => {
  for (const c of ['caddy', 'traefik'] as const) {
    const { req } = readForwardedRequest(c, CADDY, match);
    assert.equal(req.rejected, null);
    assert.equal(req.http.method, 'POST');
    assert.equal(req.http.host, 'app.example.com');
    assert.equal(req.http.rawPath, '/a');
    assert.equal(req.http.sourceIp, '203.0.113.7');
  }
});

test('an internal path is marked internal, as the Envoy route would mark it', () => {
  const internal: RouteMatch = { kind: 'internal', name: 'portcullis-internal' };
  const { req } = readForwardedRequest('caddy', CADDY, () => internal);
  assert.equal(req.internal, true);
  assert.equal(req.routeId, '');
});

/** [convention, what the client or a misconfigured proxy did, headers, refusal] */
const HOSTILE: readonly (readonly [ProxyConvention, string, Headers, string])[] = [
  [
    'nginx',
    'no X-Original-URL (only a client X-Forwarded-Uri)',
    { ...NGINX, 'x-original-url': [], 'x-forwarded-uri': ['/admin'] },
    'x-original-url-missing',
  ],
  [
    'nginx',
    'X-Original-URL twice (client copy kept)',
    { ...NGINX, 'x-original-url': ['https://app.example.com/', 'https://app.example.com/admin'] },
    'x-original-url-duplicate',
  ],
  [
    'nginx',
    'X-Original-Method twice',
    { ...NGINX, 'x-original-method': ['GET', 'DELETE'] },
    'x-original-method-duplicate',
  ],
  [
    'nginx',
    'X-Original-URL without a scheme',
    { ...NGINX, 'x-original-url': ['//app.example.com/'] },
    'x-original-url-malformed',
  ],
  [
    'nginx',
    'X-Original-URL with a fragment',
    { ...NGINX, 'x-original-url': ['https://app.example.com/a#b'] },
    'x-original-url-malformed',
  ],
  [
    'nginx',
    'X-Original-URL path only',
    { ...NGINX, 'x-original-url': ['/admin'] },
    'x-original-url-malformed',
  ],
  [
    'nginx',
    'two hosts joined',
    { ...NGINX, 'x-original-url': ['https://a.example.com,b.example.com/'] },
    'host-duplicate',
  ],
  [
    'nginx',
    'userinfo in the authority',
    { ...NGINX, 'x-original-url': ['https://evil@app.example.com/'] },
    'host-malformed',
  ],
  [
    'nginx',
    'dot segments',
    { ...NGINX, 'x-original-url': ['https://app.example.com/public/../admin'] },
    'path-dot-segment',
  ],
  [
    'nginx',
    'encoded dot segments',
    { ...NGINX, 'x-original-url': ['https://app.example.com/public/%2e%2e/admin'] },
    'path-dot-segment',
  ],
  [
    'nginx',
    'encoded slash',
    { ...NGINX, 'x-original-url': ['https://app.example.com/a%2fb'] },
    'path-encoded-slash',
  ],
  [
    'nginx',
    'merged slashes',
    { ...NGINX, 'x-original-url': ['https://app.example.com//admin'] },
    'path-merged-slashes',
  ],
  [
    'nginx',
    'encoded unreserved letter',
    { ...NGINX, 'x-original-url': ['https://app.example.com/%61dmin'] },
    'path-encoded-unreserved',
  ],
  [
    'nginx',
    'backslash',
    { ...NGINX, 'x-original-url': ['https://app.example.com/a\\..\\admin'] },
    'path-backslash',
  ],
  [
    'nginx',
    'a method that is not a token',
    { ...NGINX, 'x-original-method': ['GET /x'] },
    'method-malformed',
  ],
  [
    'caddy',
    'no X-Forwarded-Uri (only a client X-Original-URL)',
    { ...CADDY, 'x-forwarded-uri': [], 'x-original-url': ['https://app.example.com/'] },
    'x-forwarded-uri-missing',
  ],
  [
    'caddy',
    'X-Forwarded-Uri twice',
    { ...CADDY, 'x-forwarded-uri': ['/', '/admin'] },
    'x-forwarded-uri-duplicate',
  ],
  [
    'caddy',
    'X-Forwarded-Host twice',
    { ...CADDY, 'x-forwarded-host': ['app.example.com', 'admin.example.com'] },
    'x-forwarded-host-duplicate',
  ],
  [
    'caddy',
    'X-Forwarded-Host list',
    { ...CADDY, 'x-forwarded-host': ['evil.example.com, app.example.com'] },
    'host-duplicate',
  ],
  [
    'caddy',
    'no X-Forwarded-Host',
    { ...CADDY, 'x-forwarded-host': [] },
    'x-forwarded-host-missing',
  ],
  [
    'caddy',
    'an absolute URI in X-Forwarded-Uri',
    { ...CADDY, 'x-forwarded-uri': ['https://evil.example.com/'] },
    'x-forwarded-uri-malformed',
  ],
  [
    'caddy',
    'X-Forwarded-Proto neither http nor https',
    { ...CADDY, 'x-forwarded-proto': ['gopher'] },
    'x-forwarded-proto-malformed',
  ],
  [
    'traefik',
    'dot segments in X-Forwarded-Uri',
    { ...CADDY, 'x-forwarded-uri': ['/public/../admin'] },
    'path-dot-segment',
  ],
  [
    'traefik',
    'no X-Forwarded-Method',
    { ...CADDY, 'x-forwarded-method': [] },
    'x-forwarded-method-missing',
  ],
];

test('hostile and ambiguous subrequests are refused before any route or policy', () => {
  for (const [convention, what, headers, refusal] of HOSTILE) {
    let asked = false;
    const { req, route } = readForwardedRequest(convention, headers, () => {
      asked = true;
      return APP;
    });
    assert.equal(req.rejected, refusal, `${convention}: ${what}`);
    assert.equal(route, null, `${convention}: ${what}`);
    assert.equal(asked, false, `${convention}: ${what}`);
    assert.equal(req.routeId, '', `${convention}: ${what}`);
  }
});
