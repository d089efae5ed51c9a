// Decode less (authz/grpc/decode-check-request.ts) is exact: for a corpus of CheckRequests (the
// Envoy-shaped fixtures, every field authz reads, protobuf edge cases: merged messages, repeated
// scalars and messages, map defaults, unknown fields of every wire type) it gives the same AuthzRequest as the
// full proto-loader decoder; malformed bytes throw.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { decodeCheckRequest } from '../../../authz/grpc/decode-check-request.js';
import { serviceDefinitions } from '../../../authz/grpc/grpc-services.js';
import { type CheckRequestWire, readCheckRequest } from '../../../authz/grpc/read-check-request.js';
import { FIXTURES, fixture } from '../../helpers/authz-harness.js';

const check = serviceDefinitions().authorization.Check as grpc.MethodDefinition<object, unknown>;
const encode = (o: object): Buffer => check.requestSerialize(o);
const full = (b: Buffer): CheckRequestWire => check.requestDeserialize(b) as CheckRequestWire;

/** The AuthzRequest both decoders lead to (a generated request id is made comparable). */
function judged(wire: CheckRequestWire): unknown {
  try {
    const req = readCheckRequest(wire);
    const generated =
      !wire.attributes?.request?.http?.headers?.['x-request-id'] && !req.checkRequestId;
    return generated ? { ...req, requestId: '(generated)' } : req;
  } catch (err) {
    return { threw: (err as Error).message };
  }
}

function sameAsFull(name: string, bytes: Buffer): void {
  const a = judged(full(bytes));
  const b = judged(decodeCheckRequest(bytes));
  assert.deepEqual(b, a, name);
}

/** Protobuf by hand: a tag, a varint, a length-delimited field. */
const varint = (n: number): Buffer => {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
};
const tag = (field: number, wt: number) => varint(field * 8 + wt);
const len = (field: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([tag(field, 2), varint(body.length), body]);
};
const str = (field: number, s: string) => len(field, Buffer.from(s));
const entry = (field: number, k: string | null, v: string | null) =>
  len(field, ...(k === null ? [] : [str(1, k)]), ...(v === null ? [] : [str(2, v)]));
/** attributes { request { http { …parts } } } */
const httpReq = (...parts: Buffer[]) => len(1, len(4, len(2, ...parts)));

test('every fixture decodes to the same AuthzRequest as the full decoder', () => {
  const names = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5));
  assert.ok(names.length >= 5);
  for (const name of names) sameAsFull(name, encode(fixture(name)));
});

test('edited fixtures: every field authz reads, in both header forms', () => {
  const cases: [string, object][] = [
    [
      'header_map with value and raw_value, duplicate cookies',
      fixture('browser-get', (f) => {
        f.attributes.request.http.header_map = {
          headers: [
            { key: 'cookie', value: 'a=1' },
            { key: 'Cookie', raw_value: Buffer.from('b=2') },
            { key: 'x-bin', raw_value: Buffer.from([0xff, 0x00, 0xe9]) },
            { key: '', value: 'no key' },
            { key: 'x-both', value: 'v', raw_value: Buffer.from('raw') },
          ],
        };
      }),
    ],
    [
      'certificate, peer address, body, context extensions',
      fixture('mtls-valid', (f) => {
        f.attributes.request.http.body = '{"jsonrpc":"2.0"}';
        f.attributes.context_extensions = { internal: 'true', route_id: 'x', other: 'y' };
      }),
    ],
    [
      'no request id anywhere',
      fixture('api-get', (f) => {
        delete f.attributes.request.http.headers['x-request-id'];
        delete f.attributes.request.http.id;
      }),
    ],
    [
      'unicode and percent escapes',
      fixture('api-get', (f) => {
        f.attributes.request.http.path = '/caf%C3%A9/é?q=%ff';
        f.attributes.request.http.headers['x-name'] = 'Zoë ☃';
      }),
    ],
    ['empty CheckRequest', {}],
    ['attributes without a request', { attributes: { context_extensions: { a: 'b' } } }],
    ['an empty HTTP request', { attributes: { request: { http: {} } } }],
    [
      'a source with an empty address',
      { attributes: { source: { address: {} }, request: { http: { path: '/' } } } },
    ],
  ];
  for (const [name, req] of cases) sameAsFull(name, encode(req));
});

test('protobuf edge cases decode as the full decoder does', () => {
  const cases: [string, Buffer][] = [
    [
      'a message sent twice: the last one wins (as protobufjs decodes it)',
      Buffer.concat([
        httpReq(str(4, '/first'), str(5, 'a.example.com')),
        httpReq(str(4, '/second'), entry(3, 'x-request-id', 'rid')),
        len(1, entry(10, 'route_id', 'r1')),
      ]),
    ],
    ['a repeated scalar: the last wins', httpReq(str(2, 'GET'), str(2, 'DELETE'), str(5, 'h'))],
    [
      'map entries: the last of a key wins, a missing key or value is empty',
      Buffer.concat([
        httpReq(
          entry(3, 'x-a', '1'),
          entry(3, 'x-a', '2'),
          entry(3, null, 'keyless'),
          entry(3, 'x-valueless', null),
          entry(3, 'x-request-id', 'rid'),
        ),
        len(1, entry(10, 'route_id', 'a'), entry(10, 'route_id', 'b')),
      ]),
    ],
    [
      'unknown fields of every wire type are skipped',
      Buffer.concat([
        tag(99, 0),
        varint(2 ** 31 + 5),
        len(1, tag(2, 5), Buffer.alloc(4), tag(3, 1), Buffer.alloc(8)),
        httpReq(
          tag(9, 0),
          varint(123456789),
          str(6, 'https'),
          str(4, '/p'),
          tag(50, 3),
          tag(1, 0),
          varint(1),
          tag(50, 4),
          entry(3, 'x-request-id', 'rid'),
        ),
        len(1, len(12, str(1, 'sni')), len(2, str(5, 'dest-cert'))),
      ]),
    ],
  ];
  for (const [name, bytes] of cases) sameAsFull(name, bytes);
});

test('malformed bytes throw instead of deciding on garbage', () => {
  const ok = encode(fixture('api-get'));
  for (const [name, bytes] of [
    ['truncated', ok.subarray(0, ok.length - 3)],
    ['a length past the end', Buffer.from([0x0a, 0x7f, 0x00])],
    ['a known field with the wrong wire type', Buffer.concat([tag(1, 0), varint(3)])],
    ['field number 0', Buffer.from([0x02, 0x00])],
    ['wire type 7', Buffer.from([0x0f])],
    ['an unmatched end group', Buffer.concat([tag(5, 3), tag(6, 4)])],
    // Within the buffer but past the end of the attributes message around it.
    [
      'a field longer than its enclosing message',
      Buffer.concat([tag(1, 2), varint(2), tag(10, 2), varint(5), Buffer.alloc(5)]),
    ],
    [
      'a header entry longer than the HTTP request around it',
      Buffer.concat([len(1, len(4, tag(2, 2), varint(2), tag(3, 2), varint(9))), Buffer.alloc(9)]),
    ],
  ] as const) {
    assert.throws(() => decodeCheckRequest(bytes), RangeError, name);
  }
});
