// Each class of issue 11 tried as an attacker would, through a real Envoy on TLS in front of
// upstreams that log what they receive: the assertion is on what an upstream saw, or that it
// saw nothing. Routes: a public subtree and an admin-only one on one host, a wildcard host,
// a slow route.
import assert from 'node:assert/strict';
import { connect as connectH2 } from 'node:http2';
import { after, before, test } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { type EdgeStack, get, rawRequest, startEdgeStack } from '../../helpers/edge-stack.js';

const ROUTES = `
routes:
  - id: admin
    from: https://app.example.test
    prefix: /admin
    to: "{{admin}}"
    allowed_users: [admin@example.com]
  - id: public
    from: https://app.example.test
    prefix: /public
    to: "{{public}}"
    allow_public_unauthenticated_access: true
  - id: open
    from: https://open.example.test
    to: "{{open}}"
    allow_public_unauthenticated_access: true
    timeout: 30s
  - id: wild
    from: https://*.wild.corp.example
    to: "{{wild}}"
    allow_public_unauthenticated_access: true
`;

let stack: EdgeStack;
before(async () => {
  stack = await startEdgeStack(['admin', 'public', 'open', 'wild'], ROUTES);
});
after(async () => {
  await stack?.close();
});

/** Runs `send` and returns what the upstreams received meanwhile. */
async function seen<T>(send: () => Promise<T>): Promise<{ res: T; got: EdgeStack['received'] }> {
  const from = stack.received.length;
  const res = await send();
  return { res, got: stack.received.slice(from) };
}

const hiddenDotSegments = [
  '/public/%2e%2e;/admin/secret',
  '/public/..%3b/admin/secret',
  '/public/..%3B/admin/secret',
  '/public/..;/admin/secret',
  '/public/%2e%2e%3b/admin/secret',
  '/public/.%2e;jsessionid=1/admin/secret',
  '/public/%252e%252e/admin/secret',
  '/public/%c0%ae%c0%ae/admin/secret',
];
for (const path of hiddenDotSegments) {
  test(`a dot segment hidden in ${path} never reaches the public upstream`, async () => {
    const { res, got } = await seen(() =>
      get(stack, 'app.example.test', path, ['accept: application/json']),
    );
    assert.deepEqual(got, []);
    const body = JSON.parse(res.body) as { code?: string; reasons: string[] };
    const decision = stack.decisions.at(-1)!;
    if (res.status === 400) {
      // authz refused what Envoy's normalisation left ambiguous
      assert.equal(body.code, 'AUTHZ_BAD_REQUEST');
      assert.match(body.reasons[0]!, /^path-/);
    } else {
      // Envoy resolved the dot segment itself: the admin route judged the resolved path
      assert.equal(res.status, 401, res.body);
      assert.equal(decision.route_id, 'admin');
      assert.match(decision.path, /^\/admin/);
    }
  });
}

test('the encoded forms of the issue are refused by authz with a path reason', async () => {
  for (const path of hiddenDotSegments.slice(0, 3)) {
    const res = await get(stack, 'app.example.test', path, ['accept: application/json']);
    assert.equal(res.status, 400, `${path}: ${res.body}`);
  }
});

const describingHeaders: [string, string][] = [
  ['x-envoy-original-path', '/admin/secret'],
  ['x-original-url', '/admin/secret'],
  ['x-original-uri', '/admin/secret'],
  ['x-rewrite-url', '/admin/secret'],
  ['x-http-method-override', 'DELETE'],
  ['x-http-method', 'DELETE'],
  ['x-method-override', 'DELETE'],
  ['impersonate-user', 'system:admin'],
  ['impersonate-group', 'system:masters'],
  ['impersonate-uid', '0'],
  ['impersonate-extra-scopes', 'all'],
  ['x-pomerium-jwt-assertion-for', 'forged.jwt.value'],
  ['x-pomerium-jwt-assertion', 'forged.jwt.value'],
  ['x-pomerium-claim-email', 'admin@example.com'],
  ['x-pomerium-authorization', 'Pomerium forged'],
  ['x-pomerium-routing-key', 'forged'],
];
for (const [name, value] of describingHeaders) {
  test(`a client's ${name} never reaches the upstream`, async () => {
    const { res, got } = await seen(() =>
      get(stack, 'app.example.test', '/public/page', [`${name}: ${value}`]),
    );
    assert.equal(res.status, 200, res.body);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.headers[name], undefined, `${name} reached the upstream`);
  });
}

test('a client on loopback is not internal: its x-envoy-upstream-rq-timeout-ms is ignored', async () => {
  const { res, got } = await seen(() =>
    get(stack, 'open.example.test', '/slow', ['x-envoy-upstream-rq-timeout-ms: 1']),
  );
  assert.equal(res.status, 200, res.body);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.headers['x-envoy-internal'], undefined);
  assert.equal(got[0]!.headers['x-envoy-external-address'], '127.0.0.1');
});

test('a host in upper case matches its wildcard route', async () => {
  const { res, got } = await seen(() => get(stack, 'X.WILD.CORP.EXAMPLE', '/'));
  assert.equal(res.status, 200, res.body);
  assert.equal(got[0]?.upstream, 'wild');
});

test('a host in mixed case matches its exact route', async () => {
  const { res, got } = await seen(() => get(stack, 'App.Example.TEST', '/public/x'));
  assert.equal(res.status, 200, res.body);
  assert.equal(got[0]?.upstream, 'public');
});

test('two Host headers are refused with 400 and no upstream sees the request', async () => {
  for (const [a, b] of [
    ['a.wild.corp.example', 'b.wild.corp.example'],
    ['open.example.test', 'open.example.test'],
    ['open.example.test', 'app.example.test'],
  ] as const) {
    const { res, got } = await seen(() =>
      rawRequest(
        stack.port,
        'open.example.test',
        `GET / HTTP/1.1\r\nhost: ${a}\r\nhost: ${b}\r\naccept: application/json`,
      ),
    );
    assert.equal(res.status, 400, `${a} + ${b}: ${res.status} ${res.body}`);
    assert.deepEqual(got, []);
  }
});

const malformedAuthorities = [
  'open.example.test:99999',
  'open.example.test:80:80',
  'user@open.example.test',
  '[::1',
  'open.example.test/x',
  'open..example.test',
  '-',
];
for (const host of malformedAuthorities) {
  test(`the malformed authority ${host} gets a clean 400, never a 503`, async () => {
    const { res, got } = await seen(() =>
      rawRequest(
        stack.port,
        'open.example.test',
        `GET / HTTP/1.1\r\nhost: ${host}\r\naccept: application/json`,
      ),
    );
    assert.equal(res.status, 400, `${host}: ${res.status} ${res.body}`);
    assert.deepEqual(got, []);
  });
}

test('an unknown host gets a 404 from authz with the security headers', async () => {
  const res = await get(stack, 'nowhere.example.test', '/', ['accept: application/json']);
  assert.equal(res.status, 404);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal((JSON.parse(res.body) as { code: string }).code, 'AUTHZ_ROUTE_NOT_FOUND');
});

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
};
const generated: [string, string, string, string[], number][] = [
  ['the sign-in redirect', 'app.example.test', '/admin/x', ['accept: text/html'], 302],
  ['a 401', 'app.example.test', '/admin/x', ['accept: application/json'], 401],
  ['a 400', 'app.example.test', '/public/%2e%2e;/admin', ['accept: text/html'], 400],
  ['a 404', 'nowhere.example.test', '/', ['accept: text/html'], 404],
];
for (const [kind, host, path, extra, status] of generated) {
  test(`${kind} carries nosniff, no-referrer and framing protection`, async () => {
    const res = await get(stack, host, path, extra);
    assert.equal(res.status, status, res.body);
    for (const [k, v] of Object.entries(SECURITY)) {
      // HTML pages carry the design system's strict CSP, which includes frame-ancestors
      const html = String(res.headers['content-type'] ?? '').startsWith('text/html');
      if (k === 'content-security-policy' && html) assert.ok(String(res.headers[k]).includes(v));
      else assert.equal(res.headers[k], v, k);
    }
  });
}

/** One HTTP/2 request over TLS with the given pseudo and plain headers. */
function h2(headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = connectH2(`https://127.0.0.1:${stack.port}`, {
      rejectUnauthorized: false,
      servername: 'open.example.test',
    });
    session.on('error', reject);
    const req = session.request({ ':method': 'GET', ':path': '/', ...headers });
    let status = 0;
    let body = '';
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    req.on('error', (err) => {
      session.destroy();
      reject(err);
    });
    req.end();
  });
}

test('over HTTP/2, a Host header beside :authority cannot pick another route', async () => {
  const { res, got } = await seen(() =>
    h2({ ':authority': 'open.example.test', host: 'app.example.test', accept: 'application/json' }),
  );
  if (res.status === 400) assert.deepEqual(got, []);
  else {
    // Envoy keeps :authority only: one host, judged and forwarded alike
    assert.equal(res.status, 200, res.body);
    assert.equal(got[0]?.upstream, 'open');
    assert.equal(stack.decisions.at(-1)?.host, 'open.example.test');
  }
});

test('over HTTP/2, a malformed :authority gets a clean 400, never a 503', async () => {
  for (const authority of ['open.example.test:99999', 'open.example.test,app.example.test']) {
    const { res, got } = await seen(() =>
      h2({ ':authority': authority, accept: 'application/json' }).catch((err: Error) => ({
        status: -1,
        body: err.message,
      })),
    );
    // -1: Envoy reset the stream itself (never forwarded either)
    assert.ok(res.status === 400 || res.status === -1, `${authority}: ${res.status} ${res.body}`);
    assert.deepEqual(got, []);
  }
});

test('a client that is slow to send its headers is cut off by the request-headers timeout', async () => {
  const stats = async (): Promise<number> => {
    const text = await (
      await fetch(`${stack.envoy.process.adminUrl}/stats?filter=downstream_rq_header_timeout`)
    ).text();
    return Number(/http\.ingress\.downstream_rq_header_timeout: (\d+)/.exec(text)?.[1] ?? 0);
  };
  const before = await stats();
  const res = await new Promise<string>((resolve, reject) => {
    const socket = connectTls({
      host: '127.0.0.1',
      port: stack.port,
      servername: 'open.example.test',
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    let text = '';
    socket.on('secureConnect', () => socket.write('GET / HTTP/1.1\r\nhost: open.example.test\r\n'));
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
  assert.match(res, /^HTTP\/1\.1 408 |^$/);
  assert.equal(await stats(), before + 1);
});
