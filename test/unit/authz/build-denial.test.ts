import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeCheckResponse } from '../../../authz/grpc/write-check-response.js';
import { internalDeadline } from '../../../authz/lib/authz-state.js';
import { buildDenial, grpcStatusOf } from '../../../authz/respond/build-denial.js';

const grpc: [number, number][] = [
  [400, 13],
  [401, 16],
  [403, 7],
  [404, 12],
  [429, 14],
  [503, 14],
  [495, 2],
];
for (const [http, code] of grpc) {
  test(`HTTP ${http} maps to grpc-status ${code}`, () => assert.equal(grpcStatusOf(http), code));
}

test('the HTML page escapes everything a policy or request put into it', () => {
  const d = buildDenial(
    {
      status: 403,
      error: 'Forbidden',
      requestId: '<id>',
      explanation: '<script>alert(1)</script>',
      failures: [{ criterion: 'email"', wanted: '<b>', got: "'x'", reason: 'email-unauthorized' }],
      userInfoUrl: 'https://auth.example.com/.pomerium/?a=1&b="2"',
    },
    { accept: 'text/html' },
  );
  assert.ok(!d.body.includes('<script>'));
  assert.ok(!d.body.includes('<b>'));
  assert.ok(d.body.includes('&lt;script&gt;'));
  assert.ok(d.body.includes('&lt;id&gt;'));
  assert.ok(!d.body.includes('b="2"'));
});

test('every denial carries the request id header and no-store', () => {
  for (const accept of ['text/html', 'application/json']) {
    const d = buildDenial({ status: 404, error: 'route not found', requestId: 'r1' }, { accept });
    assert.deepEqual(
      d.headers.find(([h]) => h === 'x-request-id'),
      ['x-request-id', 'r1'],
    );
    assert.deepEqual(
      d.headers.find(([h]) => h === 'cache-control'),
      ['cache-control', 'no-store'],
    );
  }
});

test('a 503 denial uses gRPC code UNAVAILABLE, other denials PERMISSION_DENIED', () => {
  const unavailable = writeCheckResponse(
    buildDenial({ status: 503, error: 'x', requestId: 'r' }, {}),
  );
  assert.equal(unavailable.status.code, 14);
  assert.equal(unavailable.denied_response?.status.code, 503);
  const forbidden = writeCheckResponse(
    buildDenial({ status: 403, error: 'x', requestId: 'r' }, {}),
  );
  assert.equal(forbidden.status.code, 7);
});

test('allowed headers are sorted by name and overwrite', () => {
  const w = writeCheckResponse({
    kind: 'allow',
    headers: [
      ['b', '2'],
      ['a', '1'],
    ],
    headersToRemove: ['c'],
    queryToRemove: [],
  });
  assert.deepEqual(
    w.ok_response?.headers.map((h) => [h.header.key, h.append_action]),
    [
      ['a', 'OVERWRITE_IF_EXISTS_OR_ADD'],
      ['b', 'OVERWRITE_IF_EXISTS_OR_ADD'],
    ],
  );
});

const deadlines: [number, number][] = [
  [10_000, 8000],
  [1000, 800],
  [300, 240],
  [0, 24_000],
  [3, 5],
];
for (const [timeout, want] of deadlines) {
  test(`the internal deadline for grpc_client_timeout ${timeout} ms is ${want} ms`, () => {
    assert.equal(internalDeadline(timeout), want);
    if (timeout >= 10) assert.ok(internalDeadline(timeout) < timeout);
  });
}

test('an OK answer seen before is served from its serialized bytes; denials never are', async () => {
  const { createResponseEncoder } = await import('../../../authz/grpc/write-check-response.js');
  let serialized = 0;
  const encode = createResponseEncoder(() => {
    serialized++;
    return Buffer.from([serialized]);
  });
  const allow = {
    kind: 'allow',
    headers: [['a', '1']],
    headersToRemove: ['b'],
    queryToRemove: [],
  } as const;
  const first = encode(allow);
  const again = encode({ ...allow, headers: [['a', '1']] });
  assert.ok(Buffer.isBuffer(first));
  assert.equal(again, first);
  assert.equal(serialized, 1);
  assert.notEqual(encode({ ...allow, headers: [['a', '2']] }), first);
  assert.notEqual(encode({ ...allow, headersToRemove: [] }), first);
  const deny = buildDenial({ status: 403, error: 'x', requestId: 'r' }, {});
  assert.ok(!Buffer.isBuffer(encode(deny)));
});

// Every response Portcullis generates carries the security headers (README "Edge hardening").
const SECURITY: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
};
const kinds: [number, Record<string, string>][] = [
  [302, { accept: 'text/html' }],
  [400, { accept: 'text/html' }],
  [401, { accept: 'application/json' }],
  [403, { accept: 'text/html' }],
  [403, { 'content-type': 'application/grpc' }],
  [404, { accept: 'application/json' }],
  [495, { accept: 'text/html' }],
  [503, { accept: 'application/json' }],
];
for (const [status, headers] of kinds) {
  test(`a ${status} for ${Object.values(headers)[0]} carries nosniff, no-referrer and framing protection`, () => {
    const res = buildDenial(
      {
        status,
        error: 'x',
        requestId: 'r',
        ...(status === 302 ? { headers: [['location', 'https://a/']] } : {}),
      },
      headers,
    );
    const got = Object.fromEntries(res.headers);
    for (const [k, v] of Object.entries(SECURITY)) {
      // an HTML page carries the design system's strict CSP, which includes frame-ancestors
      if (k === 'content-security-policy' && got['content-type']?.startsWith('text/html')) {
        assert.ok(got[k]?.includes(v), `${status} ${k}: ${got[k]}`);
        assert.match(got[k]!, /script-src 'none'/);
      } else assert.equal(got[k], v, `${status} ${k}`);
    }
  });
}
