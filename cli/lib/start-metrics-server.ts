// metrics_address: Prometheus text at GET /metrics from every service of this process that has
// metrics (authz, the supervised Envoy's stats: envoy-metrics.ts) and the process's own figures
// (process-metrics.ts); metrics_basic_auth (base64 of user:pass) guards it when set.
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '../../config/index.js';
import { formatHostPort, parseListenAddress } from './listen-address.js';
import { createProcessMetrics } from './process-metrics.js';
import type { ServiceUnit } from './service-unit.js';

function authorized(header: string | undefined, expected: string | undefined): boolean {
  if (expected === undefined) return true;
  const given = Buffer.from(header ?? '');
  const want = Buffer.from(`Basic ${expected}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

export async function startMetricsServer(
  loaded: LoadedConfig,
  sources: readonly (() => string | Promise<string>)[],
): Promise<ServiceUnit | null> {
  const where = loaded.config.metrics_address;
  if (!where) return null;
  let basicAuth = loaded.config.metrics_basic_auth;
  const own = createProcessMetrics();
  const all = [...sources, () => own.render()];
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://x').pathname !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (!authorized(req.headers.authorization, basicAuth)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="metrics"' }).end();
      return;
    }
    Promise.all(all.map((s) => s())).then(
      (parts) =>
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(parts.join('')),
      () => res.writeHead(500).end(),
    );
  });
  const address = parseListenAddress(where, 'metrics_address');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  }).catch((err: unknown) => {
    own.close();
    throw err;
  });
  const bound = { host: address.host, port: (server.address() as AddressInfo).port };
  return {
    name: 'metrics',
    addresses: { http: formatHostPort(bound) },
    prepare: (next) => ({
      commit() {
        basicAuth = next.config.metrics_basic_auth;
      },
    }),
    close: () =>
      new Promise<void>((resolve) => {
        own.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
