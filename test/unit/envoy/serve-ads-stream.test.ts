// The state-of-the-world ADS protocol on a fake stream: the first request's node picks the
// snapshot; each type is answered with its version and a fresh nonce; routes and listeners wait
// for the clusters' ACK; an ACK or a repeated version sends nothing; a stale nonce is ignored;
// a NACK is logged with Envoy's error and the node falls back to its last good snapshot.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { type EncodedSnapshot, TYPE_URLS } from '../../../envoy/index.js';
import {
  type DiscoveryRequest,
  type DiscoveryResponse,
  serveAdsStream,
} from '../../../envoy/xds/serve-ads-stream.js';
import { createSnapshotCache } from '../../../envoy/xds/snapshot-cache.js';

const { cluster: CDS, listener: LDS, route: RDS } = TYPE_URLS;

function snapshot(version: string): EncodedSnapshot {
  const types = new Map(
    [CDS, LDS, RDS].map((t) => [
      t,
      {
        version: `${version}-${t.slice(-5)}`,
        resources: [{ name: 'main', type_url: t, value: Buffer.from(version) }],
      },
    ]),
  );
  return { version, types };
}

function harness() {
  const call = new EventEmitter() as EventEmitter & {
    sent: DiscoveryResponse[];
    write(r: DiscoveryResponse): void;
    end(): void;
  };
  call.sent = [];
  call.write = (r) => call.sent.push(r);
  call.end = () => {};
  const logs: { code?: string; error?: string }[] = [];
  const sink = new Writable({
    write(chunk, _e, done) {
      logs.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const cache = createSnapshotCache();
  serveAdsStream(
    call as unknown as grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>,
    cache,
    pino(sink),
    {},
  );
  const send = (type_url: string, version_info = '', response_nonce = '', error?: string) =>
    call.emit('data', {
      version_info,
      node: { id: 'edge' },
      resource_names: type_url === RDS ? ['main'] : [],
      type_url,
      response_nonce,
      error_detail: error === undefined ? null : { code: 3, message: error },
    } satisfies DiscoveryRequest);
  return {
    call,
    cache,
    logs,
    send,
    last: (t: string) => call.sent.filter((r) => r.type_url === t).at(-1),
  };
}

test('answers clusters first and holds listeners and routes until the clusters are ACKed', () => {
  const h = harness();
  h.cache.set('*', snapshot('v1'));
  h.send(CDS);
  h.send(LDS);
  assert.deepEqual(
    h.call.sent.map((r) => r.type_url),
    [CDS],
  );
  const cds = h.last(CDS)!;
  assert.equal(cds.version_info, 'v1-uster');
  h.send(CDS, cds.version_info, cds.nonce); // ACK
  assert.deepEqual(
    h.call.sent.map((r) => r.type_url),
    [CDS, LDS],
  );
  h.send(RDS);
  assert.equal(h.last(RDS)?.version_info, 'v1-ation');
  const nonces = h.call.sent.map((r) => r.nonce);
  assert.equal(new Set(nonces).size, nonces.length);
});

test('an ACK sends nothing more, a new snapshot is pushed to open watches, a stale nonce is ignored', () => {
  const h = harness();
  h.cache.set('*', snapshot('v1'));
  h.send(CDS);
  const c1 = h.last(CDS)!;
  h.send(CDS, c1.version_info, c1.nonce);
  const before = h.call.sent.length;
  h.send(CDS, c1.version_info, 'not-a-nonce-we-sent');
  assert.equal(h.call.sent.length, before);
  h.cache.set('*', snapshot('v2'));
  assert.equal(h.last(CDS)?.version_info, 'v2-uster');
});

test('a NACK is logged with Envoy error and the node is served its last good snapshot', () => {
  const h = harness();
  h.cache.set('*', snapshot('v1'));
  h.send(CDS);
  h.send(LDS);
  h.send(RDS);
  let c = h.last(CDS)!;
  h.send(CDS, c.version_info, c.nonce);
  const l = h.last(LDS)!;
  h.send(LDS, l.version_info, l.nonce);
  let r = h.last(RDS)!;
  h.send(RDS, r.version_info, r.nonce);
  h.cache.set('*', snapshot('v2'));
  c = h.last(CDS)!;
  assert.equal(c.version_info, 'v2-uster');
  h.send(CDS, c.version_info, c.nonce);
  r = h.last(RDS)!;
  assert.equal(r.version_info, 'v2-ation');
  h.send(RDS, 'v1-ation', r.nonce, 'regex too big');
  assert.ok(h.logs.some((x) => x.code === 'ENVOY_CONFIG_REJECTED' && x.error === 'regex too big'));
  // Back to v1 everywhere: the clusters are sent again, the routes Envoy kept are not re-sent.
  const sent = h.call.sent.length;
  assert.equal(h.last(CDS)?.version_info, 'v1-uster');
  const back = h.last(CDS)!;
  h.send(CDS, back.version_info, back.nonce);
  assert.equal(h.call.sent.length, sent);
  assert.equal(h.last(RDS)?.version_info, 'v2-ation');
  assert.equal(h.cache.get('edge')?.version, 'v1');
  assert.equal(h.cache.get('another-node')?.version, 'v2');
});
