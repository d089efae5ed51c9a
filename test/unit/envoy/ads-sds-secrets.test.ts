// SDS secrets over the ADS stream (envoy/xds/serve-ads-stream.ts, docs/acme.md): Envoy asks for
// secrets by name and may add names after the first answer (each TLS context subscribes on its
// own): the stream answers only the names asked for, and answers again when the names grow even
// though the version did not change; a renewed certificate is pushed as a new secret version.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { type EncodedSnapshot, TYPE_URLS } from '../../../envoy/index.js';
import { SECRET_TYPE_URL as SDS } from '../../../envoy/lib/names.js';
import {
  type DiscoveryRequest,
  type DiscoveryResponse,
  serveAdsStream,
} from '../../../envoy/xds/serve-ads-stream.js';
import { createSnapshotCache } from '../../../envoy/xds/snapshot-cache.js';

const CDS = TYPE_URLS.cluster;

function snapshot(secretVersion: string): EncodedSnapshot {
  const res = (t: string, name: string) => ({ name, type_url: t, value: Buffer.from(name) });
  return {
    version: `s-${secretVersion}`,
    types: new Map([
      [CDS, { version: 'c1', resources: [res(CDS, 'authz')] }],
      [
        SDS,
        { version: secretVersion, resources: [res(SDS, 'autocert-a'), res(SDS, 'autocert-b')] },
      ],
    ]),
  };
}

function harness() {
  const call = new EventEmitter() as EventEmitter & { sent: DiscoveryResponse[] };
  call.sent = [];
  Object.assign(call, { write: (r: DiscoveryResponse) => call.sent.push(r), end: () => {} });
  const cache = createSnapshotCache();
  serveAdsStream(
    call as unknown as grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>,
    cache,
    pino({ level: 'silent' }),
    {},
  );
  const send = (type_url: string, names: string[], version_info = '', response_nonce = '') =>
    call.emit('data', {
      version_info,
      node: { id: 'edge' },
      resource_names: names,
      type_url,
      response_nonce,
      error_detail: null,
    } satisfies DiscoveryRequest);
  const last = (t: string) => call.sent.filter((r) => r.type_url === t).at(-1);
  return { call, cache, send, last };
}

const names = (r: DiscoveryResponse | undefined) =>
  (r?.resources ?? []).map((x) => Buffer.from(x.value).toString());

test('answers the secrets asked for, and again when Envoy asks for more at the same version', () => {
  const h = harness();
  h.cache.set('*', snapshot('k1'));
  h.send(CDS, []);
  const c = h.last(CDS)!;
  h.send(CDS, [], c.version_info, c.nonce);
  h.send(SDS, ['autocert-a']);
  const first = h.last(SDS)!;
  assert.deepEqual(names(first), ['autocert-a']);
  // ACK with the same names: nothing more.
  const count = h.call.sent.length;
  h.send(SDS, ['autocert-a'], first.version_info, first.nonce);
  assert.equal(h.call.sent.length, count);
  // A second subscription adds a name: answered although the version is the same.
  h.send(SDS, ['autocert-a', 'autocert-b'], first.version_info, first.nonce);
  const second = h.last(SDS)!;
  assert.notEqual(second.nonce, first.nonce);
  assert.equal(second.version_info, 'k1');
  assert.deepEqual(names(second), ['autocert-a', 'autocert-b']);
});

test('a renewed certificate is pushed as a new version of the secrets only', () => {
  const h = harness();
  h.cache.set('*', snapshot('k1'));
  h.send(CDS, []);
  const c = h.last(CDS)!;
  h.send(CDS, [], c.version_info, c.nonce);
  h.send(SDS, ['autocert-a', 'autocert-b']);
  const s = h.last(SDS)!;
  h.send(SDS, ['autocert-a', 'autocert-b'], s.version_info, s.nonce);
  const cdsBefore = h.call.sent.filter((r) => r.type_url === CDS).length;
  h.cache.set('*', snapshot('k2'));
  assert.equal(h.last(SDS)?.version_info, 'k2');
  assert.equal(
    h.call.sent.filter((r) => r.type_url === CDS).length,
    cdsBefore,
    'clusters not re-sent',
  );
});
