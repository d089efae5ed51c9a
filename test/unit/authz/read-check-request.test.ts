import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCheckRequest } from '../../../authz/grpc/read-check-request.js';
import { hostnameOf } from '../../../wire/index.js';

const http = (over: Record<string, unknown> = {}) => ({
  attributes: {
    source: { address: { socket_address: { address: '192.0.2.1' } } },
    request: {
      http: {
        id: 'rid',
        method: 'get',
        host: 'App.Example.com:8443',
        path: '/a%20b/c?x=1&y=2',
        headers: { ':authority': 'x', accept: 'text/html', cookie: 'a=1' },
        ...over,
      },
    },
    context_extensions: { internal: 'false', route_id: 'r1' },
  },
});

test('converts a CheckRequest into the internal request', () => {
  const r = readCheckRequest(http());
  assert.equal(r.requestId, 'rid');
  assert.equal(r.routeId, 'r1');
  assert.equal(r.internal, false);
  assert.equal(r.http.method, 'GET');
  assert.equal(r.http.host, 'App.Example.com:8443');
  assert.equal(r.http.hostname, 'app.example.com');
  assert.equal(r.http.rawPath, '/a%20b/c');
  assert.equal(r.http.path, '/a b/c');
  assert.equal(r.http.rawQuery, 'x=1&y=2');
  assert.equal(r.http.url, 'https://App.Example.com:8443/a%20b/c?x=1&y=2');
  assert.equal(r.http.sourceIp, '192.0.2.1');
  assert.deepEqual(Object.keys(r.http.headers).sort(), ['accept', 'cookie']);
  assert.equal(r.cookieHeader, 'a=1');
  assert.equal(r.peerCertificatePresented, false);
});

test('reads header_map (raw_value) as well as the headers map, joining repeats with a comma', () => {
  const r = readCheckRequest(
    http({
      headers: {},
      header_map: {
        headers: [
          { key: 'Cookie', raw_value: Buffer.from('a=1') },
          { key: 'cookie', value: 'b=2' },
          { key: 'X-Y', value: 'v' },
        ],
      },
    }),
  );
  assert.equal(r.cookieHeader, 'a=1,b=2');
  assert.equal(r.http.headers.cookie, 'a=1,b=2');
  assert.equal(r.http.headers['x-y'], 'v');
});

test('the request id is the x-request-id header Envoy forwards, not its internal stream id', () => {
  const r = readCheckRequest(
    http({ id: '12345678901234567890', headers: { 'x-request-id': 'f3b1c0de-req' } }),
  );
  assert.equal(r.requestId, 'f3b1c0de-req');
  assert.equal(readCheckRequest(http({ id: 'stream-1', headers: {} })).requestId, 'stream-1');
});

test('makes up a request id when Envoy sent none or an oversized one', () => {
  assert.match(readCheckRequest(http({ id: '' })).requestId, /^[0-9a-f-]{36}$/);
  assert.match(readCheckRequest(http({ id: 'x'.repeat(500) })).requestId, /^[0-9a-f-]{36}$/);
});

test('a presented certificate is URL-decoded; an undecodable one is presented but empty', () => {
  const base = http();
  const withCert = {
    attributes: { ...base.attributes, source: { certificate: '-----BEGIN%20X-----%0A' } },
  };
  const r = readCheckRequest(withCert);
  assert.equal(r.peerCertificatePresented, true);
  assert.equal(r.peerCertificatePem, '-----BEGIN X-----\n');
  const bad = { attributes: { ...base.attributes, source: { certificate: '%zz' } } };
  const b = readCheckRequest(bad);
  assert.equal(b.peerCertificatePresented, true);
  assert.equal(b.peerCertificatePem, '');
});

const badRequests: [string, object][] = [
  ['no attributes', {}],
  ['no http', { attributes: { request: {} } }],
];
for (const [name, wire] of badRequests) {
  test(`refuses a CheckRequest with ${name} (AUTHZ_BAD_REQUEST)`, () => {
    assert.throws(
      () => readCheckRequest(wire),
      (e: { code?: string }) => e.code === 'AUTHZ_BAD_REQUEST',
    );
  });
}

const hosts: [string, string][] = [
  ['a.example.com', 'a.example.com'],
  ['A.Example.COM:443', 'a.example.com'],
  ['[::1]:8443', '[::1]'],
  ['[::1]', '[::1]'],
];
for (const [input, want] of hosts) {
  test(`hostname of ${input} is ${want}`, () => assert.equal(hostnameOf(input), want));
}

// Fields that cannot be judged are named, not thrown: check.ts answers 400 with the reason.
const rejected: [string, object, string][] = [
  ['no host', http({ host: '', headers: {} }), 'host-missing'],
  ['bad percent-encoding', http({ path: '/%E0%A4%A' }), 'path-bad-encoding'],
  ['two hosts joined', http({ host: 'a.example.com,b.example.com' }), 'host-duplicate'],
  ['a malformed authority', http({ host: 'a b@evil' }), 'host-malformed'],
  [
    'a Host header naming another host',
    http({ host: 'a.example.com', headers: { host: 'b.example.com' } }),
    'host-duplicate',
  ],
  ['a dot segment hidden by ;', http({ path: '/public/..;/admin' }), 'path-dot-segment'],
];
for (const [name, wire, reason] of rejected) {
  test(`names ${name} as the reason to refuse (${reason})`, () => {
    assert.equal(readCheckRequest(wire).rejected, reason);
  });
}

test('a well-formed request is not refused, whatever the case of its host', () => {
  assert.equal(readCheckRequest(http({ host: 'APP.Example.COM:8443' })).rejected, null);
});
