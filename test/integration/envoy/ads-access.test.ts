// The ADS server refuses peers it does not allow (PERMISSION_DENIED, nothing sent), and answers
// an allowed client that sends odd requests (no node, unknown types) without falling over.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { parseConfigText } from '../../../config/index.js';
import { createXdsServer, TYPE_URLS } from '../../../envoy/index.js';
import { loadGrpcObject, serviceProtoFiles } from '../../../protos/index.js';

type AdsClient = grpc.Client & {
  StreamAggregatedResources(): grpc.ClientDuplexStream<
    object,
    { type_url: string; version_info: string }
  >;
};

function client(port: number): AdsClient {
  const root = loadGrpcObject([serviceProtoFiles.ads]) as unknown as {
    envoy: {
      service: {
        discovery: {
          v3: {
            AggregatedDiscoveryService: new (a: string, c: grpc.ChannelCredentials) => AdsClient;
          };
        };
      };
    };
  };
  return new root.envoy.service.discovery.v3.AggregatedDiscoveryService(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
}

const { config } = parseConfigText(
  'insecure_server: true\nroutes:\n  - from: http://a.test\n    to: http://127.0.0.1:1\n',
  { file: 'a.yaml', env: {} },
);
const opts = { authz: [{ host: '127.0.0.1', port: 1 }], authn: { host: '127.0.0.1', port: 2 } };

test('refuses an ADS stream from a peer it does not allow, sending nothing', async () => {
  const xds = createXdsServer({ logger: pino({ level: 'silent' }), allowPeer: () => false });
  assert.ok(xds.setSnapshot('*', config, opts).ok);
  const c = client(await xds.listen(0));
  try {
    const stream = c.StreamAggregatedResources();
    const got: unknown[] = [];
    stream.on('data', (d) => got.push(d));
    const code = await new Promise<number>((resolve) => {
      stream.on('error', (e: grpc.ServiceError) => resolve(e.code));
      stream.write({ node: { id: 'intruder' }, type_url: TYPE_URLS.cluster });
    });
    assert.equal(code, grpc.status.PERMISSION_DENIED);
    assert.deepEqual(got, []);
  } finally {
    c.close();
    await xds.close();
  }
});

test('answers an allowed client that sends no node and an unknown type, and keeps serving', async () => {
  const xds = createXdsServer({ logger: pino({ level: 'silent' }) });
  assert.ok(xds.setSnapshot('*', config, opts).ok);
  const c = client(await xds.listen(0));
  try {
    const stream = c.StreamAggregatedResources();
    const first = new Promise<{ type_url: string; version_info: string }>((resolve) =>
      stream.once('data', resolve),
    );
    stream.write({
      type_url: 'type.googleapis.com/evil.Unknown',
      resource_names: ['x'.repeat(10_000)],
    });
    stream.write({ type_url: TYPE_URLS.cluster });
    const res = await first;
    assert.equal(res.type_url, TYPE_URLS.cluster);
    assert.notEqual(res.version_info, '');
    stream.end();
  } finally {
    c.close();
    await xds.close();
  }
});
